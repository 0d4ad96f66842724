//! The HTTP side of the XML-RPC endpoint: `POST /RPC2` with body limits, gzip request and
//! response bodies, and decoding of large bodies off the async workers.
//!
//! Every failure is answered at once and the server goes on serving:
//!
//! The body is read by the step every HTTP protocol shares ([`crate::body`]): size limit, content
//! codings (gzip, deflate), then the charset (a BOM, the `charset` parameter, the XML
//! declaration, in that order, RFC 7303 §3). Every failure is answered at once and the server
//! goes on serving:
//!
//! - a body over [`Limits::max_body_size`](super::Limits) (compressed or not) gets
//!   `413 Payload Too Large`. The rest of the body is read and discarded (up to
//!   [`body::MAX_DISCARD`] bytes within [`body::DISCARD_TIME`]) so that a client still sending
//!   sees the 413 rather than a reset connection; beyond that the connection is closed;
//! - a gzip body that inflates past the limit (a gzip bomb) gets 413 too, having inflated at most
//!   `max_body_size + 1` bytes;
//! - a `content-encoding` or charset the server does not read is fault `-32701` (unsupported
//!   encoding) naming it; corrupt gzip is `-32700`, bytes invalid in the charset `-32702`;
//! - everything else (bad XML, DOCTYPE, entities, nesting, unknown method, bad params) is an
//!   XML-RPC fault in a `200 text/xml` response, as the specification and Python expect.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::server::Registry;
use super::{
    Fault, INVALID_CHARACTER, MethodCall, PARSE_ERROR, UNSUPPORTED_ENCODING, compress_gzip,
    encode_method_response,
};
use crate::body::{self, BodyError, BodyErrorKind};
use crate::metadata::ResponseMetadata;

/// Bodies at least this large are decoded (and responses this large gzipped) on the blocking
/// pool, so a big document does not hold up an async worker.
const BLOCKING_SIZE: usize = 256 * 1024;
/// Python's client refuses gzip responses that inflate past 20 MiB; larger ones go uncompressed.
const MAX_GZIP_RESPONSE: usize = 20 * 1024 * 1024;

/// The `POST /RPC2` route over `registry`: what [`Registry::into_router`] serves, and what the
/// one-port server routes to for every request at `/RPC2` that is not a `POST` (405s) or that
/// comes through a router of the user's.
pub(crate) fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/RPC2", axum::routing::post(routed))
        .with_state(registry)
}

/// The route's handler.
async fn routed(
    State(registry): State<Arc<Registry>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    call(registry, parts.headers, parts.extensions, body, None).await
}

/// One `POST /RPC2` call: read the body, decode, dispatch, encode, and apply the handlers'
/// response metadata to the answer. What the route serves, and what the one-port server calls
/// straight from its protocol split (which already knows the protocol, the method and the path)
/// without the router. `peer` is the caller's address when the server passes it; otherwise the
/// request's `ConnectInfo`, if any.
///
/// One async fn taking only the parts of the request it reads (the method and URI were the
/// split's business): the server boxes this future per call, and a nested future or a request
/// kept whole across the awaits made it twice as large to allocate and move.
pub(crate) async fn call(
    registry: Arc<Registry>,
    headers: HeaderMap,
    extensions: http::Extensions,
    body: axum::body::Body,
    peer: Option<SocketAddr>,
) -> Response {
    let peer = peer.or_else(|| extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0));
    let gzip_out = registry.gzip_threshold().is_some() && accepts_gzip(&headers);
    let limits = registry.limits();
    // The one body-reading step every HTTP protocol shares: size limit, content codings, charset.
    let text = match body::read_utf8(&headers, body, body::Syntax::Xml, limits.max_body_size).await
    {
        Ok(text) => text,
        // No handler has run: no metadata to apply.
        Err(e) => match body_fault(e) {
            Ok(fault) => return respond(&registry, Err(fault), gzip_out).await,
            Err(response) => return *response,
        },
    };
    let refused = {
        let mut extensions = extensions;
        extensions.remove::<crate::server::Unauthenticated>()
    };
    let decoded = if text.len() >= BLOCKING_SIZE {
        let registry = Arc::clone(&registry);
        tokio::task::spawn_blocking(move || {
            MethodCall::decode_utf8(&text, registry.limits()).map_err(Fault::from)
        })
        .await
        .unwrap_or_else(|_| Err(Fault::internal_error("decoding failed")))
    } else {
        MethodCall::decode_utf8(&text, limits).map_err(Fault::from)
    };
    // Every call of a multicall shares the handle: one HTTP answer carries them all.
    let metadata = ResponseMetadata::for_call();
    let answer = match decoded {
        // Not authenticated, let through only for introspection (`Server::public`).
        Ok(call)
            if let Some(refused) = &refused
                && !matches!(
                    call.name.as_str(),
                    "system.listMethods" | "system.methodSignature" | "system.methodHelp"
                ) =>
        {
            let status = &refused.0;
            Err(Fault::new(status.kind().fault_code(), status.message()))
        }
        Ok(call) => {
            registry
                .call_with(headers, peer, metadata.clone(), call)
                .await
        }
        Err(f) => Err(f),
    };
    let response = respond(&registry, answer, gzip_out).await;
    crate::metadata::apply_and_recycle(crate::metadata::Carrier::Http, metadata, response)
}

/// A body that could not be read, as an XML-RPC fault (unsupported coding or charset, corrupt
/// gzip, bad bytes), or as a plain HTTP answer (413 for an oversized body, 400 for one that
/// broke off) where no XML-RPC client would be listening for a fault.
fn body_fault(e: BodyError) -> Result<Fault, Box<Response>> {
    let message = e.to_string();
    let code = match e.kind {
        BodyErrorKind::TooLarge { limit, drained } => {
            return Err(Box::new(too_large(limit, drained)));
        }
        BodyErrorKind::Aborted => return Err(Box::new(StatusCode::BAD_REQUEST.into_response())),
        BodyErrorKind::UnsupportedCoding(_) | BodyErrorKind::UnsupportedCharset(_) => {
            UNSUPPORTED_ENCODING
        }
        BodyErrorKind::InvalidCharacter(_) => INVALID_CHARACTER,
        _ => PARSE_ERROR,
    };
    Ok(Fault::new(code, format!("parse error: {message}")))
}

/// Encodes the answer, gzipped when the client accepts it and it is large enough.
async fn respond(
    registry: &Registry,
    answer: Result<super::Value, Fault>,
    gzip_ok: bool,
) -> Response {
    let threshold = registry.gzip_threshold().filter(|_| gzip_ok);
    let body = if matches!(&answer, Ok(v) if big(v)) {
        tokio::task::spawn_blocking(move || encode(&answer, threshold))
            .await
            .unwrap_or_else(|_| encode(&Err(Fault::internal_error("encoding failed")), None))
    } else {
        encode(&answer, threshold)
    };
    let (bytes, gzipped) = body;
    // Built directly: axum's tuple `IntoResponse` goes through two conversions and a header
    // iterator for the same answer.
    let mut response = Response::new(axum::body::Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// True for a value likely to encode past [`BLOCKING_SIZE`] (a long array or struct).
fn big(v: &super::Value) -> bool {
    match v {
        super::Value::Array(items) => items.len() >= 1024,
        super::Value::Struct(members) => members.len() >= 1024,
        super::Value::String(s) => s.len() >= BLOCKING_SIZE,
        super::Value::Base64(b) => b.len() >= BLOCKING_SIZE / 2,
        _ => false,
    }
}

/// The response body, and whether it is gzipped.
fn encode(answer: &Result<super::Value, Fault>, gzip_threshold: Option<usize>) -> (Vec<u8>, bool) {
    let xml = encode_method_response(answer);
    match gzip_threshold {
        Some(t) if xml.len() >= t && xml.len() <= MAX_GZIP_RESPONSE => (compress_gzip(&xml), true),
        _ => (xml, false),
    }
}

/// Whether `accept-encoding` allows gzip (`gzip;q=0` does not).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().any(|v| {
        // Most values have neither a `g` nor a `*` (`identity`, `br`): not parsed at all.
        v.as_bytes().iter().any(|&b| b == b'*' || b | 0x20 == b'g') && value_accepts_gzip(v)
    })
}

/// Whether one `accept-encoding` value allows gzip.
fn value_accepts_gzip(value: &HeaderValue) -> bool {
    value.to_str().is_ok_and(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            // The coding first: the `q` parameter is read only for gzip (or `*`).
            (coding.eq_ignore_ascii_case("gzip") || coding == "*")
                && !parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                })
        })
    })
}

/// `413`, closing the connection when the body was not read to its end.
fn too_large(limit: usize, drained: bool) -> Response {
    let mut response = (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("XML-RPC request bodies are limited to {limit} bytes\n"),
    )
        .into_response();
    if !drained {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn accept_encodings() {
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip")));
        assert!(accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "deflate, gzip;q=0.5"
        )));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "gzip;q=0")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "br")));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "identity")));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "*")));
        assert!(accepts_gzip(&headers(header::ACCEPT_ENCODING, "GZIP")));
        assert!(!accepts_gzip(&headers(
            header::ACCEPT_ENCODING,
            "x-gzip2, br"
        )));
        assert!(!accepts_gzip(&headers(header::ACCEPT_ENCODING, "*;q=0")));
        let mut two = headers(header::ACCEPT_ENCODING, "br");
        two.append(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(accepts_gzip(&two));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
