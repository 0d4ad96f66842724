//! The HTTP side of the XML-RPC endpoint: `POST /RPC2` with body limits, gzip request and
//! response bodies, and decoding of large bodies off the async workers.
//!
//! Every failure is answered at once and the server goes on serving:
//!
//! - a body over [`Limits::max_body_size`] (compressed or not) gets `413 Payload Too Large`. The
//!   rest of the body is read and discarded (up to [`MAX_DISCARD`] bytes within
//!   [`DISCARD_TIME`]) so that a client still sending sees the 413 rather than a reset
//!   connection; beyond that the connection is closed;
//! - a gzip body that inflates past the limit (a gzip bomb) gets 413 too, having inflated at most
//!   `max_body_size + 1` bytes;
//! - a `content-encoding` other than `gzip` or `identity` gets `415 Unsupported Media Type`;
//! - everything else (bad XML, DOCTYPE, entities, nesting, unknown method, bad params) is an
//!   XML-RPC fault in a `200 text/xml` response, as the specification and Python expect.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use super::server::Registry;
use super::{
    Fault, GzipError, MethodCall, compress_gzip, decode_method_call, decompress_gzip_limited,
    encode_method_response,
};

/// The most bytes of an oversized body read (and dropped) to answer 413 cleanly.
pub const MAX_DISCARD: usize = 64 * 1024 * 1024;
/// The longest time spent discarding an oversized body.
pub const DISCARD_TIME: Duration = Duration::from_secs(2);
/// Bodies at least this large are decoded (and responses this large gzipped) on the blocking
/// pool, so a big document does not hold up an async worker.
const BLOCKING_SIZE: usize = 256 * 1024;
/// Python's client refuses gzip responses that inflate past 20 MiB; larger ones go uncompressed.
const MAX_GZIP_RESPONSE: usize = 20 * 1024 * 1024;

/// The `POST /RPC2` route over `registry`.
pub(super) fn router(registry: Registry) -> Router {
    Router::new()
        .route("/RPC2", axum::routing::post(endpoint))
        .with_state(Arc::new(registry))
}

async fn endpoint(
    State(registry): State<Arc<Registry>>,
    request: axum::extract::Request,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = request.into_parts();
    let gzip_in = match content_encoding(&parts.headers) {
        Ok(gzip) => gzip,
        Err(()) => {
            return (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "XML-RPC request bodies may only be gzip-encoded\n",
            )
                .into_response();
        }
    };
    let gzip_out = accepts_gzip(&parts.headers);
    let limit = registry.limits().max_body_size;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let raw = match read_body(body, limit, declared).await {
        Ok(raw) => raw,
        Err(BodyError::TooLarge { drained }) => return too_large(limit, drained),
        Err(BodyError::Aborted) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let decoded = if gzip_in || raw.len() >= BLOCKING_SIZE {
        let registry = Arc::clone(&registry);
        tokio::task::spawn_blocking(move || decode(&registry, &raw, gzip_in))
            .await
            .unwrap_or_else(|_| Err(Decoded::Fault(Fault::internal_error("decoding failed"))))
    } else {
        decode(&registry, &raw, gzip_in)
    };
    let answer = match decoded {
        Ok(call) => registry.call(parts.headers, peer, call).await,
        Err(Decoded::Fault(f)) => Err(f),
        Err(Decoded::TooLarge) => return too_large(limit, true),
    };
    respond(&registry, answer, gzip_out).await
}

/// Why a request did not decode.
enum Decoded {
    Fault(Fault),
    /// A gzip body inflated past the limit.
    TooLarge,
}

/// Inflates (if gzip) and decodes a call.
fn decode(registry: &Registry, raw: &[u8], gzip: bool) -> Result<MethodCall, Decoded> {
    let limits = registry.limits();
    if gzip {
        let body = decompress_gzip_limited(raw, limits.max_body_size).map_err(|e| match e {
            GzipError::TooLarge { .. } => Decoded::TooLarge,
            other => Decoded::Fault(other.to_fault()),
        })?;
        decode_method_call(&body, limits).map_err(Decoded::Fault)
    } else {
        decode_method_call(raw, limits).map_err(Decoded::Fault)
    }
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
    let mut response = (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        bytes,
    )
        .into_response();
    if gzipped {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
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

/// `Ok(true)` for gzip, `Ok(false)` for none or identity, `Err` for anything else.
fn content_encoding(headers: &HeaderMap) -> Result<bool, ()> {
    let mut gzip = false;
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let value = value.to_str().map_err(|_| ())?;
        for coding in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                if gzip {
                    // gzip twice: refuse rather than inflate twice.
                    return Err(());
                }
                gzip = true;
            } else if !coding.eq_ignore_ascii_case("identity") {
                return Err(());
            }
        }
    }
    Ok(gzip)
}

/// Whether `accept-encoding` allows gzip (`gzip;q=0` does not).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Why a body was not read.
enum BodyError {
    /// Over the limit; `drained` when the whole body was read, so the connection can stay open.
    TooLarge { drained: bool },
    /// The client went away or sent a broken body.
    Aborted,
}

/// Reads the body up to `limit` bytes. Chunks are kept as they come and joined once at the end
/// (a one-chunk body is not copied).
async fn read_body(
    mut body: Body,
    limit: usize,
    declared: Option<u64>,
) -> Result<Bytes, BodyError> {
    if let Some(len) = declared {
        if len > u64::try_from(MAX_DISCARD).unwrap_or(u64::MAX) {
            return Err(BodyError::TooLarge { drained: false });
        }
        if len > u64::try_from(limit).unwrap_or(u64::MAX) {
            return Err(BodyError::TooLarge {
                drained: discard(body, 0).await,
            });
        }
    }
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Aborted)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > limit {
            drop(chunks);
            return Err(BodyError::TooLarge {
                drained: discard(body, total).await,
            });
        }
        chunks.push(data);
    }
    Ok(match chunks.len() {
        0 => Bytes::new(),
        1 => chunks.swap_remove(0),
        _ => {
            let mut all = Vec::with_capacity(total);
            for c in &chunks {
                all.extend_from_slice(c);
            }
            Bytes::from(all)
        }
    })
}

/// Reads and drops the rest of an oversized body, bounded in bytes and time; true when the body
/// ended within the bounds.
async fn discard(mut body: Body, mut seen: usize) -> bool {
    let drain = async {
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return false;
            };
            if let Ok(data) = frame.into_data() {
                seen = seen.saturating_add(data.len());
                if seen > MAX_DISCARD {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DISCARD_TIME, drain)
        .await
        .unwrap_or(false)
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
    fn content_encodings() {
        assert_eq!(content_encoding(&HeaderMap::new()), Ok(false));
        assert_eq!(
            content_encoding(&headers(header::CONTENT_ENCODING, "gzip")),
            Ok(true)
        );
        assert_eq!(
            content_encoding(&headers(header::CONTENT_ENCODING, "identity")),
            Ok(false)
        );
        assert_eq!(
            content_encoding(&headers(header::CONTENT_ENCODING, "br")),
            Err(())
        );
        assert_eq!(
            content_encoding(&headers(header::CONTENT_ENCODING, "gzip, gzip")),
            Err(())
        );
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
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
