//! The base of every generated `RestClient`: builds the URL, query string and JSON body from the
//! rpc's request struct by the same [`Route`] table the server reads, sends it with reqwest, and
//! turns the answer back into the result or the typed error.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::problem::{FromProblem, PROBLEM_JSON, Problem, kind_for_status};
use super::route::Route;
use crate::error::ErrorKind;
use crate::status::Status;

/// What a path segment keeps unescaped: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A connection to one REST server: a base URL and a reqwest client (which pools connections;
/// clone it freely).
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for the server at `base_url` (`http://127.0.0.1:8080`; a trailing `/` is fine).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self::with_client(base_url, reqwest::Client::new())
    }

    /// A client that sends through a configured reqwest client (timeouts, default headers).
    pub fn with_client(base_url: impl Into<String>, http: reqwest::Client) -> Self {
        let mut base = base_url.into();
        while base.ends_with('/') {
            base.pop();
        }
        Client { base, http }
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Calls the rpc of `route` with `request` (what a generated client method does).
    pub async fn send<Req, Out, E>(&self, route: &Route, request: &Req) -> Result<Out, E>
    where
        Req: Serialize,
        Out: DeserializeOwned,
        E: FromProblem,
    {
        self.call(route, Some(request)).await
    }

    /// Calls the rpc of `route`, which takes nothing.
    pub async fn send_unit<Out, E>(&self, route: &Route) -> Result<Out, E>
    where
        Out: DeserializeOwned,
        E: FromProblem,
    {
        self.call(route, None::<&()>).await
    }

    /// Calls the rpc of `route` with `request` (`None` for an rpc that takes nothing).
    pub async fn call<Req, Out, E>(&self, route: &Route, request: Option<&Req>) -> Result<Out, E>
    where
        Req: Serialize,
        Out: DeserializeOwned,
        E: FromProblem,
    {
        let fields = match request.map(serde_json::to_value).transpose() {
            Ok(Some(Value::Object(fields))) => fields,
            Ok(_) => Map::new(),
            Err(e) => {
                return Err(E::from_status(Status::invalid_argument(format!(
                    "the request cannot be written as JSON: {e}"
                ))));
            }
        };
        let (mut url, rest) = self.url(route, fields);
        let mut body = None;
        if route.query {
            let query = query_string(rest);
            if !query.is_empty() {
                url.push('?');
                url.push_str(
                    &form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(query)
                        .finish(),
                );
            }
        } else if route.body {
            body = Some(Value::Object(rest));
        }
        let mut builder = self.http.request(route.method.clone(), url);
        if let Some(body) = &body {
            builder = builder.json(body);
        }
        let resp = builder
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| E::from_status(transport(e)))?;
        let status = resp.status().as_u16();
        let is_problem = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
        let body = resp
            .bytes()
            .await
            .map_err(|e| E::from_status(transport(e)))?;
        if (200..300).contains(&status) {
            let body: &[u8] = if body.is_empty() { b"null" } else { &body };
            return serde_json::from_slice(body).map_err(|e| {
                E::from_status(Status::internal(format!(
                    "the server's answer to {} does not decode: {e}",
                    route.rpc
                )))
            });
        }
        if is_problem && let Ok(problem) = serde_json::from_slice::<Problem>(&body) {
            return Err(E::from_problem(problem));
        }
        let text = String::from_utf8_lossy(&body);
        Err(E::from_status(Status::new(
            kind_for_status(status),
            format!("HTTP {status} from {}: {}", route.rpc, text.trim()),
        )))
    }

    /// The URL with the path variables filled in, and the members left for the query or body.
    fn url(&self, route: &Route, mut fields: Map<String, Value>) -> (String, Map<String, Value>) {
        let mut url = self.base.clone();
        for segment in route.path.split('/').skip(1) {
            url.push('/');
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let text = fields.remove(name).map(text_of).unwrap_or_default();
                    url.extend(utf8_percent_encode(&text, SEGMENT));
                }
                None => url.push_str(segment),
            }
        }
        (url, fields)
    }
}

/// Query pairs: one per scalar member, one per element of a list, none for an absent optional.
fn query_string(fields: Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in fields {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                for item in items {
                    out.push((name.clone(), text_of(item)));
                }
            }
            other => out.push((name, text_of(other))),
        }
    }
    out
}

/// A scalar member as path or query text (strings without quotes).
fn text_of(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn transport(e: reqwest::Error) -> Status {
    let kind = if e.is_timeout() {
        ErrorKind::DeadlineExceeded
    } else {
        ErrorKind::Unavailable
    };
    Status::new(kind, format!("REST transport: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::route::{Kind, Param};

    static GET: Route = Route {
        rpc: "Catalog.GetProduct",
        method: http::Method::GET,
        path: "/products/{id}/x",
        query: true,
        body: false,
        params: &[Param {
            name: "id",
            kind: Kind::Str,
            list: false,
        }],
        no_content: false,
    };

    #[test]
    fn urls_escape_path_variables_and_keep_the_rest() {
        let c = Client::new("http://127.0.0.1:1/");
        let fields =
            serde_json::json!({"id": "a/b c", "tags": ["x", "y"], "limit": 3, "none": null});
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        let (url, rest) = c.url(&GET, fields);
        assert_eq!(url, "http://127.0.0.1:1/products/a%2Fb%20c/x");
        let q = query_string(rest);
        assert_eq!(
            q,
            [
                ("limit".to_string(), "3".to_string()),
                ("tags".to_string(), "x".to_string()),
                ("tags".to_string(), "y".to_string())
            ]
        );
    }
}
