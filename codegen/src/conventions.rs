//! Names and routes that Rosetta derives when the IDL does not give them. The checker and the
//! lowering both call these, so what is checked for collisions is exactly what is generated.

use heck::ToLowerCamelCase;

use crate::program::full_name;

/// The XML-RPC method name of an rpc without `@xmlrpc`: `catalog.getProduct`.
pub fn default_xmlrpc_name(service: &str, rpc: &str) -> String {
    format!(
        "{}.{}",
        service.to_lower_camel_case(),
        rpc.to_lower_camel_case()
    )
}

/// The REST path of an rpc without `@http` (always `POST`): `/shop.v1.Catalog/GetProduct`.
pub fn default_http_path(package: Option<&str>, service: &str, rpc: &str) -> String {
    format!("/{}/{rpc}", full_name(package, service))
}

/// The message gRPC uses for a parameter list: `AddRequest`.
pub fn request_message_name(rpc: &str) -> String {
    format!("{rpc}Request")
}

/// The message gRPC uses for a non-message result: `AddResponse` (one field, `result = 1`).
pub fn response_message_name(rpc: &str) -> String {
    format!("{rpc}Response")
}

/// The `{variables}` of a path template, in order; `Err` describes the first malformed piece.
pub fn path_variables(path: &str) -> Result<Vec<String>, String> {
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    let mut vars = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        // `/` alone is the root; any other empty segment is a `//` or a trailing `/`.
        if segment.is_empty() && !(i == 0 && segments.len() == 1) {
            return Err("empty path segment (`//` or a trailing `/`)".into());
        }
        if segment.contains('{') || segment.contains('}') {
            let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                return Err(format!(
                    "`{segment}`: a variable must be a whole segment, like `{{id}}`"
                ));
            };
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!("`{{{name}}}` is not a valid variable name"));
            }
            if vars.iter().any(|v| v == name) {
                return Err(format!("`{{{name}}}` appears twice"));
            }
            vars.push(name.to_string());
        } else if segment
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "-._~".contains(c)))
        {
            return Err(format!(
                "`{segment}`: path segments use letters, digits and `-._~`"
            ));
        }
    }
    Ok(vars)
}

/// The route with variable names erased, so `/a/{x}` and `/a/{y}` compare equal.
pub fn route_shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        assert_eq!(
            default_xmlrpc_name("Catalog", "GetProduct"),
            "catalog.getProduct"
        );
        assert_eq!(
            default_http_path(Some("shop.v1"), "Catalog", "GetProduct"),
            "/shop.v1.Catalog/GetProduct"
        );
        assert_eq!(
            default_http_path(None, "Greeter", "SayHello"),
            "/Greeter/SayHello"
        );
    }

    #[test]
    fn paths() {
        assert_eq!(path_variables("/a/{id}/b/{x_2}").unwrap(), ["id", "x_2"]);
        assert!(path_variables("a").is_err());
        assert!(path_variables("/a/x{id}").is_err());
        assert!(path_variables("/a/{id}/{id}").is_err());
        assert!(path_variables("/a b").is_err());
        assert!(path_variables("//").is_err());
        assert!(path_variables("/a/").is_err());
        assert_eq!(path_variables("/").unwrap(), Vec::<String>::new());
        assert_eq!(route_shape("/a/{x}/b"), route_shape("/a/{y}/b"));
    }
}
