//! The server side of a REST route: turn the HTTP request into the rpc's one request struct
//! (path variables, then the query string for GET/DELETE or the JSON body otherwise), validate
//! it, call the service, and write JSON or a problem.
//!
//! Generated code describes each route with a static [`Route`] and calls [`handle`] (or
//! [`handle_unit`] for an rpc without input) from a one-line axum handler.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams};
use axum::response::Response;
use http::request::Parts as RequestParts;
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Reply;
use super::problem::{IntoProblem, Problem};
use super::route::{Kind, Route};
use super::text::{self, Input, Texts};
use crate::body::{self, BodyError, BodyErrorKind, Syntax};
use crate::context::{Context, Protocol};
use crate::error::ErrorKind;
use crate::json::{self, JsonError};
use crate::metadata::ResponseMetadata;
use crate::status::Status;
use crate::validate::Validate;

/// A refused request: boxed, so the happy path's `Result`s stay small.
type Refusal = Box<Problem>;

/// The largest request body a route reads (a `bytes` field of 1 MiB is 1.4 MB of base64).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Serves one call of an rpc that takes input: decode, validate, call, respond.
pub fn handle<Req, Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Req: DeserializeOwned + Validate + Send + 'static,
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    Box::pin(async move {
        match valid_input(route, request).await {
            Ok((ctx, metadata, input)) => answer(metadata, respond(route, call(ctx, input).await)),
            Err(refused) => refused,
        }
    })
}

/// The call's context and its request struct, decoded ([`decode`]) and valid; or the problem
/// answer (400 with every violation) for a request that is neither. Unary and streaming routes
/// take their input this one way.
pub(super) async fn valid_input<Req: DeserializeOwned + Validate>(
    route: &Route,
    request: http::Request<Body>,
) -> Result<(Context, ResponseMetadata, Req), Response> {
    let (mut parts, body) = request.into_parts();
    let input: Req = decode(route, &mut parts, body)
        .await
        .map_err(|p| (*p).into_http())?;
    if let Err(violations) = input.validate() {
        return Err(Problem::from_status(&Status::from_violations(violations)).into_http());
    }
    let (ctx, metadata) = context(route, parts);
    Ok((ctx, metadata, input))
}

/// Serves one call of an rpc that takes nothing (the query string and body are ignored).
///
/// The context is made when the route is called, not in the answer's future: an `async fn`
/// keeps its arguments for as long as it runs, and the request would have made the future
/// that every call moves into its box larger by a quarter kilobyte.
pub fn handle_unit<Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    let (parts, _) = request.into_parts();
    let (ctx, metadata) = context(route, parts);
    // A combinator, not an `async` block: the block would hold the handler's future twice (as
    // the value it captured and as the future it awaits).
    Box::pin(futures_util::FutureExt::map(call(ctx), move |result| {
        answer(metadata, respond(route, result))
    }))
}

/// The handler's context (the protocol, the rpc, the headers (moved, not copied), the peer),
/// and the handle through which it sets response metadata, which the route applies to its
/// answer ([`answer`]).
///
/// The route makes the handle itself rather than finding one a server layer put in the
/// request's extensions: an extension insert and removal per call, and a wrapped router future,
/// for what only the route reads.
pub(super) fn context(route: &Route, parts: RequestParts) -> (Context, ResponseMetadata) {
    // From the server while it polls the call, or the request's `ConnectInfo` (a server
    // with routes mounted by hand, or an app that embeds the router).
    let peer = crate::server::current_peer().or_else(|| {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
    });
    let metadata = ResponseMetadata::for_call();
    let ctx = Context::served(
        Protocol::Rest,
        Cow::Borrowed(route.rpc),
        parts.headers,
        peer,
        metadata.clone(),
    );
    (ctx, metadata)
}

/// The route's answer with the handler's response metadata: headers now, trailers with the
/// headers or, for a stream, after its last event (see [`crate::metadata`]).
pub(super) fn answer(metadata: ResponseMetadata, response: Response) -> Response {
    crate::metadata::apply_and_recycle(crate::metadata::Carrier::Http, metadata, response)
}

/// The success response (JSON, or 204) or the error's problem.
pub(super) fn respond<Out: Serialize, E: IntoProblem>(
    route: &Route,
    result: Result<Out, E>,
) -> Response {
    match result {
        Ok(_) if route.no_content => {
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = StatusCode::NO_CONTENT;
            resp
        }
        Ok(out) => json_response(&out),
        Err(e) => e.into_problem().into_http(),
    }
}

/// `200 OK` with `value` as JSON (what axum's `Json` writes, without the extractor machinery).
pub fn json_response<T: Serialize + ?Sized>(value: &T) -> Response {
    let mut buf = Vec::with_capacity(128);
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => {
            let mut resp = Response::new(Body::from(buf));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp
        }
        Err(e) => Problem::new(
            ErrorKind::Internal,
            format!("the result cannot be written as JSON: {e}"),
        )
        .into_http(),
    }
}

/// The request struct from the path, then the query string or the body.
pub(super) async fn decode<Req: DeserializeOwned>(
    route: &Route,
    parts: &mut RequestParts,
    body: Body,
) -> Result<Req, Refusal> {
    // Only a route with parameters can have path variables: most body routes have none, and
    // their paths need no search.
    // From the server's route table (`rest::table::PathVars`) or from axum's router.
    let ours = parts.extensions.remove::<super::table::PathVars>();
    let raw = if ours.is_none() && !route.params.is_empty() && route.path.contains('{') {
        Some(
            RawPathParams::from_request_parts(parts, &())
                .await
                .map_err(|e| bad_input(format!("invalid path: {e}")))?,
        )
    } else {
        None
    };
    let has_path = ours.is_some() || raw.is_some();
    let path = || {
        let ours = ours
            .iter()
            .flat_map(|v| v.0.iter().map(|(n, t)| (*n, t.as_str())));
        ours.chain(raw.iter().flat_map(|r| r.iter()))
    };
    if route.query || !route.body {
        // Straight from the texts into the struct: no JSON value in between.
        let mut inputs: Vec<Input<'_>> = path()
            .map(|(name, text)| Input {
                name,
                kind: route.param(name).map_or(Kind::Str, |p| p.kind),
                texts: Texts::One(Cow::Borrowed(text)),
            })
            .collect();
        let what = if route.query {
            query_inputs(route, parts.uri.query().unwrap_or(""), &mut inputs)?;
            "query string"
        } else {
            "path"
        };
        return text::decode(inputs).map_err(|e| bad_input(format!("invalid {what}: {e}")));
    }
    check_content_type(parts)?;
    // The one body-reading step every HTTP protocol shares: size limit, content codings, charset
    // (a UTF-8 BOM is dropped, RFC 8259 §8.1).
    let bytes = body::read_utf8(&parts.headers, body, Syntax::Json, BODY_LIMIT)
        .await
        .map_err(body_problem)?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &bytes
    };
    // Request bodies are objects. serde would also read a struct from an array of its fields in
    // order (`["Ada"]`), which the OpenAPI document does not allow: refuse it here.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(bad_input(
            "the request body must be a JSON object".to_string(),
        ));
    }
    if !has_path {
        // The common case: straight from the bytes into the struct, as axum's `Json` does.
        return json::from_slice(bytes).map_err(json_problem);
    }
    // Path variables win over body members of the same name. The members are kept as their
    // source text (never a `serde_json::Value`, whose numbers are floats past 2^64 and whose
    // float text is not the text sent), so integers are still read exactly from what was sent.
    let mut members: BTreeMap<String, Cow<'_, RawValue>> =
        json::from_slice(bytes).map_err(json_problem)?;
    for (name, text) in path() {
        let kind = route.param(name).map_or(Kind::Str, |p| p.kind);
        let value = scalar(kind, text)
            .and_then(|v| serde_json::value::to_raw_value(&v).map_err(|e| e.to_string()))
            .map_err(|why| bad_input(format!("path variable `{name}`: {why}")))?;
        members.insert(name.to_string(), Cow::Owned(value));
    }
    let joined = serde_json::to_vec(&members)
        .map_err(|e| bad_input(format!("invalid request body: {e}")))?;
    json::from_slice(&joined).map_err(json_problem)
}

/// Adds the query parameters to `inputs`: known parameters only (others are ignored, like
/// unknown JSON members), lists from repeated keys, a repeated scalar refused, and a key that
/// names a path variable ignored (the path wins).
fn query_inputs<'a>(
    route: &Route,
    query: &'a str,
    inputs: &mut Vec<Input<'a>>,
) -> Result<(), Refusal> {
    let from_path = inputs.len();
    for (key, text) in form_urlencoded::parse(query.as_bytes()) {
        let Some(param) = route.param(&key) else {
            continue;
        };
        if inputs[..from_path].iter().any(|i| i.name == param.name) {
            continue;
        }
        match inputs.iter_mut().find(|i| i.name == param.name) {
            Some(Input {
                texts: Texts::Many(items),
                ..
            }) => items.push(text),
            Some(_) => {
                return Err(bad_input(format!(
                    "query parameter `{key}` is given more than once"
                )));
            }
            None => inputs.push(Input {
                name: param.name,
                kind: param.kind,
                texts: if param.list {
                    Texts::Many(vec![text])
                } else {
                    Texts::One(text)
                },
            }),
        }
    }
    Ok(())
}

/// One path or query text as a JSON value of its kind.
fn scalar(kind: Kind, text: &str) -> Result<Value, String> {
    match kind {
        Kind::Str => Ok(Value::String(text.to_string())),
        Kind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected `true` or `false`, got {text:?}")),
        },
        // Exactly from the text: `3.0` and `3e0` are 3, `3.5` and `3.00000000000000001` are not
        // integers.
        Kind::Int => match json::parse_integer(text) {
            Ok(i) => i64::try_from(i)
                .map(Value::from)
                .or_else(|_| u64::try_from(i).map(Value::from))
                .map_err(|_| format!("{text} is out of range")),
            Err(_) => Err(format!("expected an integer, got {text:?}")),
        },
        Kind::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::from(f)),
            _ => Err(format!("expected a finite number, got {text:?}")),
        },
    }
}

fn bad_input(detail: String) -> Refusal {
    Box::new(Problem::new(ErrorKind::InvalidArgument, detail))
}

/// Malformed JSON (400 with `line` and `column`) or JSON of the wrong shape (400, naming the
/// field, and with `field` holding its path).
fn json_problem(e: JsonError) -> Refusal {
    use serde_json::error::Category;
    let inner = e.inner();
    let detail = match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => format!("malformed JSON: {inner}"),
        Category::Data => format!("invalid request body: {e}"),
    };
    let mut p = bad_input(detail);
    if inner.line() > 0 {
        p.extensions
            .insert("line".into(), Value::from(inner.line()));
        p.extensions
            .insert("column".into(), Value::from(inner.column()));
    }
    if !e.path().is_empty() {
        p.extensions.insert("field".into(), Value::from(e.path()));
    }
    p
}

/// A body that could not be read: 413 over the limit, 415 naming an unsupported content coding
/// or charset, 400 for a corrupt coding or bytes invalid in the charset.
fn body_problem(e: BodyError) -> Refusal {
    let detail = e.to_string();
    let (status, kind) = match e.kind {
        BodyErrorKind::TooLarge { .. } => (413, ErrorKind::ResourceExhausted),
        BodyErrorKind::UnsupportedCoding(_) | BodyErrorKind::UnsupportedCharset(_) => {
            (415, ErrorKind::InvalidArgument)
        }
        _ => (400, ErrorKind::InvalidArgument),
    };
    // A body left unread past the limit: hyper does not reuse the connection.
    Box::new(Problem::with_status(status, kind, detail))
}

/// A body route accepts JSON: `application/json`, any `+json` type, or no content type at all.
fn check_content_type(parts: &RequestParts) -> Result<(), Refusal> {
    let Some(value) = parts.headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = body::media_type(value.to_str().unwrap_or(""));
    let json_suffix = |mt: &str| {
        let (b, n) = (mt.as_bytes(), mt.len());
        n >= "application/+json".len()
            && b[..12].eq_ignore_ascii_case(b"application/")
            && b[n - 5..].eq_ignore_ascii_case(b"+json")
    };
    if essence.eq_ignore_ascii_case("application/json") || json_suffix(essence) {
        Ok(())
    } else {
        Err(Box::new(Problem::with_status(
            415,
            ErrorKind::InvalidArgument,
            format!(
                "the body must be application/json, not {:?}",
                essence.to_ascii_lowercase()
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::route::Param;
    use http::Method;

    #[test]
    fn json_and_plus_json_bodies_are_accepted_in_any_case() {
        let check = |ct: Option<&str>| {
            let mut request = http::Request::builder();
            if let Some(ct) = ct {
                request = request.header(header::CONTENT_TYPE, ct);
            }
            let (parts, ()) = request.body(()).unwrap().into_parts();
            check_content_type(&parts).map_err(|p| p.into_http().status().as_u16())
        };
        for ok in [
            None,
            Some("application/json"),
            Some(" Application/JSON ; charset=utf-8"),
            Some("application/vnd.api+json"),
            Some("APPLICATION/MERGE-PATCH+JSON;q=1"),
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
        for refused in [
            "text/plain",
            "application/jsonx",
            "json",
            "application/+jsonx",
            "",
        ] {
            assert_eq!(check(Some(refused)), Err(415), "{refused:?}");
        }
    }

    static SEARCH: Route = Route {
        rpc: "Catalog.Search",
        method: Method::GET,
        path: "/products",
        query: true,
        body: false,
        params: &[
            Param {
                name: "query",
                kind: Kind::Str,
                list: false,
            },
            Param {
                name: "limit",
                kind: Kind::Int,
                list: false,
            },
            Param {
                name: "tag",
                kind: Kind::Str,
                list: true,
            },
            Param {
                name: "on",
                kind: Kind::Bool,
                list: false,
            },
        ],
        no_content: false,
    };

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Search {
        query: String,
        limit: Option<u32>,
        #[serde(default)]
        tag: Vec<String>,
        on: Option<bool>,
    }

    fn search(query: &str) -> Result<Search, String> {
        let mut inputs = Vec::new();
        query_inputs(&SEARCH, query, &mut inputs).map_err(|p| format!("{p}"))?;
        text::decode(inputs)
    }

    #[test]
    fn query_strings_decode_into_the_request() {
        assert_eq!(
            search("query=a+b%21&limit=5&tag=x&tag=y&on=true&other=1").unwrap(),
            Search {
                query: "a b!".into(),
                limit: Some(5),
                tag: vec!["x".into(), "y".into()],
                on: Some(true),
            }
        );
        assert!(
            search("query=&limit=5&limit=6")
                .unwrap_err()
                .contains("more than once")
        );
        assert!(search("query=&limit=five").is_err());
        assert!(search("query=&on=1").is_err());
        assert!(search("limit=1").unwrap_err().contains("`query`"));
        assert_eq!(
            scalar(Kind::Int, "18446744073709551615").unwrap(),
            Value::from(u64::MAX)
        );
        assert!(scalar(Kind::Float, "NaN").is_err());
        assert_eq!(scalar(Kind::Int, "3.0").unwrap(), Value::from(3));
        assert!(scalar(Kind::Int, "3.5").is_err());
        assert!(scalar(Kind::Int, "-9223372036854775809").is_err());
        assert!(scalar(Kind::Int, "1e300").is_err());
    }

    #[derive(Debug, serde::Deserialize)]
    struct Price {
        #[serde(deserialize_with = "crate::json::exact")]
        amount_minor: i64,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Sized {
        #[serde(deserialize_with = "crate::json::exact")]
        size: u32,
        #[serde(default, deserialize_with = "crate::json::exact")]
        counts: Vec<u64>,
        #[serde(default, deserialize_with = "crate::json::exact")]
        limit: Option<i32>,
        price: Option<Price>,
        #[serde(default)]
        ratio: f64,
    }

    fn sized(text: &str) -> Result<Sized, String> {
        json::from_slice::<Sized>(text.as_bytes()).map_err(|e| json_problem(e).to_string())
    }

    #[test]
    fn integers_are_read_exactly_from_their_text() {
        let v =
            sized(r#"{"size": 1e1, "counts": [2.0, 9007199254740993.0], "limit": -3, "ratio": 2}"#)
                .unwrap();
        assert_eq!(
            (v.size, v.counts, v.limit, v.ratio),
            (10, vec![2, 9_007_199_254_740_993], Some(-3), 2.0)
        );
        let v = sized(r#"{"size": 1, "price": {"amount_minor": 9007199254740993.0}}"#).unwrap();
        assert_eq!(v.price.unwrap().amount_minor, 9_007_199_254_740_993);
        assert_eq!(sized(r#"{"size": 1, "limit": null}"#).unwrap().limit, None);
    }

    #[test]
    fn inexact_and_out_of_range_integers_are_refused_naming_the_field() {
        let e = sized(r#"{"size": 1.00000000000000001}"#).unwrap_err();
        assert!(
            e.contains("`size`") && e.contains("not a whole number"),
            "{e}"
        );
        for (text, field) in [
            (
                r#"{"size": 1, "price": {"amount_minor": 9007199254740992.4}}"#,
                "price.amount_minor",
            ),
            (
                r#"{"size": 1, "price": {"amount_minor": 9007199254740991.5}}"#,
                "price.amount_minor",
            ),
            (r#"{"size": 4294967296}"#, "size"),
            (r#"{"size": -1}"#, "size"),
            (r#"{"size": 1, "counts": [1, 2.5]}"#, "counts[1]"),
            (r#"{"size": "1"}"#, "size"),
        ] {
            let e = sized(text).unwrap_err();
            assert!(e.contains(&format!("`{field}`")), "{text}: {e}");
        }
        let p = json_problem(json::from_slice::<Sized>(br#"{"size": 2.5}"#).unwrap_err());
        assert_eq!(
            (p.status, &p.extensions["field"]),
            (400, &Value::from("size"))
        );
    }

    #[test]
    fn malformed_json_reports_the_position() {
        let e = json::from_slice::<Value>(b"{\n  \"a\": }").unwrap_err();
        let p = json_problem(e);
        assert_eq!(p.status, 400);
        assert_eq!(p.extensions["line"], 2);
        assert!(p.detail.unwrap().starts_with("malformed JSON"));
    }
}
