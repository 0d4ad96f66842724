//! Names and routes that Rosetta derives when the IDL does not give them. The checker and the
//! lowering both call these, so what is checked for collisions is exactly what is generated.

use crate::case;

use crate::ir::{Ir, Type};
use crate::program::full_name;

/// The XML-RPC method name of an rpc without `@xmlrpc`: `catalog.getProduct`.
pub fn default_xmlrpc_name(service: &str, rpc: &str) -> String {
    format!("{}.{}", case::lower_camel(service), case::lower_camel(rpc))
}

/// The REST path of an rpc without `@http` (always `POST`): `/shop.v1.Catalog/GetProduct`.
pub fn default_http_path(package: Option<&str>, service: &str, rpc: &str) -> String {
    format!("/{}/{rpc}", full_name(package, service))
}

/// The dead-letter topic of a topic (`orders.dlq`) and its suffix: the runtime's, so a generated
/// topic's `DEAD_LETTER_TOPIC` and a hand-built consumer's default are one convention.
pub use rosetta_runtime::dead_letter::{DEAD_LETTER_SUFFIX, dead_letter_topic};

/// The message gRPC uses for a parameter list: `AddRequest`.
pub fn request_message_name(rpc: &str) -> String {
    format!("{rpc}Request")
}

/// The message gRPC uses for a non-message result: `AddResponse` (one field, `result = 1`).
pub fn response_message_name(rpc: &str) -> String {
    format!("{rpc}Response")
}

/// The Rust module of a topic's producer and consumer, in its package's module: `order_events`
/// for `"order-events"`.
pub fn topic_module_name(topic: &str) -> String {
    case::snake(topic)
}

/// The Rust module of a service's error enums and glue, in its package's module: `catalog`.
pub fn service_module_name(service: &str) -> String {
    case::snake(service)
}

/// How many unions deep a topic's `key: value.<field>` may be read: the Kafka glue matches
/// through them inline (its `MAX_KEY_DEPTH` guard is the same number).
pub const MAX_KEY_UNION_DEPTH: usize = 32;

/// Where .proto has no direct form for a container, Rosetta lowers it to a synthesized wrapper
/// message, declared nested in the message that uses it (so two messages never share one and no
/// user type can collide at the top level). A type needs a wrapper when it is a `list`, `map` or
/// `optional` used as a list element, a map value, the inner type of an `optional` whose inner
/// type is itself a container, or a union variant (a `oneof` member). The wrapper has one field,
/// numbered 1: `repeated T items` for a list, `map<string, T> entries` for a map,
/// `optional T value` for an optional (lowered again by the same rule). Names are built from the
/// type: `ListOfI32`, `MapOfMapOfDay`, `OptionalOfString`, `ListOfShopV1Money` (a type of another
/// package is spelled with its package).
pub fn needs_proto_wrapper(t: &Type) -> bool {
    matches!(t, Type::List(_) | Type::Map(_) | Type::Optional(_))
}

/// The name of the wrapper message of container `t` (see [`needs_proto_wrapper`]), in a message of
/// package `package`.
pub fn proto_wrapper_name(ir: &Ir, package: Option<&str>, t: &Type) -> String {
    fn part(ir: &Ir, package: Option<&str>, t: &Type) -> String {
        match t {
            Type::Bool => "Bool".into(),
            Type::I32 => "I32".into(),
            Type::I64 => "I64".into(),
            Type::U32 => "U32".into(),
            Type::U64 => "U64".into(),
            Type::F64 => "F64".into(),
            Type::String => "String".into(),
            Type::Bytes => "Bytes".into(),
            Type::Timestamp => "Timestamp".into(),
            Type::Any => "Any".into(),
            Type::Optional(i) => format!("OptionalOf{}", part(ir, package, i)),
            Type::List(i) => format!("ListOf{}", part(ir, package, i)),
            Type::Map(i) => format!("MapOf{}", part(ir, package, i)),
            Type::Named { id, name } => match ir.types.get(*id) {
                Some(d) if d.package.as_deref() == package => case::upper_camel(&d.name),
                _ => case::upper_camel(&name.replace('.', "_")),
            },
        }
    }
    part(ir, package, t)
}

/// The field of a wrapper message for container `t`: its name and its type (`t` itself; the
/// wrapper's field is lowered by the same rules as any field).
pub fn proto_wrapper_field(t: &Type) -> &'static str {
    match t {
        Type::List(_) => "items",
        Type::Map(_) => "entries",
        _ => "value",
    }
}

/// The wrappers one message needs, in first-use order without repeats: for each field type
/// (`variant` for a `oneof` member), the containers .proto cannot spell directly, then theirs.
pub fn proto_wrappers<'a>(fields: impl IntoIterator<Item = (&'a Type, bool)>) -> Vec<Type> {
    fn add(w: &Type, out: &mut Vec<Type>) {
        if out.contains(w) {
            return;
        }
        out.push(w.clone());
        field(w, out);
    }
    fn field(t: &Type, out: &mut Vec<Type>) {
        match t {
            Type::Optional(i) | Type::List(i) | Type::Map(i) if needs_proto_wrapper(i) => {
                add(i, out)
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (t, variant) in fields {
        if variant && needs_proto_wrapper(t) {
            add(t, &mut out);
        } else {
            field(t, &mut out);
        }
    }
    out
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
