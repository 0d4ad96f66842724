//! Streaming rpcs over REST: a server stream answers Server-Sent Events or NDJSON, chosen by
//! `Accept`; a client stream reads an NDJSON request body; a bidirectional rpc does both on one
//! request (full duplex where the transport allows it: HTTP/2, or an HTTP/1.1 client that reads
//! while it sends).
//!
//! | side | wire |
//! | --- | --- |
//! | server stream, `Accept: text/event-stream` | one `data:` event per message (its JSON on one line); an error is a last `event: error` whose data is the problem+json object |
//! | server stream, otherwise (`application/x-ndjson`, `application/jsonl`, `application/json`, `*/*`, none) | `application/x-ndjson`: one line per message, `{"result": …}`, an error as a last `{"error": problem}` line (grpc-gateway's shape, so a message never reads as an error) |
//! | client stream | an `application/x-ndjson` body (or `application/jsonl`, `application/json`): one JSON message per line, blank lines skipped |
//!
//! An error before the first message is an ordinary problem+json answer with its status. An
//! invalid line of a client stream is an `invalid_argument` item of the handler's stream (its
//! line number and field paths), as on gRPC. Nothing is buffered beyond one line: the body is
//! read as the handler pulls, and the answer's stream is polled as hyper can write, so a slow
//! reader stops the producer, and a client that goes away drops the handler's stream.

use std::convert::Infallible;
use std::future::Future;

use axum::body::{Body, Bytes};
use axum::response::Response;
use futures_util::StreamExt;
use http::{HeaderValue, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Reply;
use super::handler::{BODY_LIMIT, answer, context, valid_input};
use super::problem::{IntoProblem, Problem};
use super::route::Route;
use crate::context::Context;
use crate::error::ErrorKind;
use crate::status::Status;
use crate::stream::{FuseOnError, Streaming};
use crate::validate::Validate;

/// The media type of NDJSON answers and bodies.
pub const NDJSON: &str = "application/x-ndjson";
/// The media type of Server-Sent Events.
pub const EVENT_STREAM: &str = "text/event-stream";

/// How a server stream is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/event-stream`.
    Sse,
    /// `application/x-ndjson`.
    Ndjson,
}

impl Format {
    /// The format `Accept` asks for: the first listed of the two stream types wins; with
    /// neither, NDJSON when JSON or anything is acceptable (or nothing is said), else `None`
    /// (406).
    pub fn negotiate(headers: &http::HeaderMap) -> Option<Format> {
        let mut any = headers.get(header::ACCEPT).is_none();
        for value in headers.get_all(header::ACCEPT) {
            let Ok(value) = value.to_str() else { continue };
            for range in value.split(',') {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let refused = parts.any(|p| {
                    let p = p.trim();
                    p.strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                });
                if refused {
                    continue;
                }
                match media.as_str() {
                    EVENT_STREAM => return Some(Format::Sse),
                    NDJSON | "application/jsonl" => return Some(Format::Ndjson),
                    "application/json" | "application/*" | "*/*" => any = true,
                    _ => {}
                }
            }
        }
        any.then_some(Format::Ndjson)
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Sse => EVENT_STREAM,
            Format::Ndjson => NDJSON,
        }
    }

    /// One message, as one event or line.
    fn message<T: Serialize>(self, value: &T) -> Result<Bytes, Box<Problem>> {
        let json = serde_json::to_string(value).map_err(|e| {
            Box::new(Problem::new(
                ErrorKind::Internal,
                format!("a message cannot be written as JSON: {e}"),
            ))
        })?;
        Ok(Bytes::from(match self {
            // serde_json writes no raw line break, so the JSON is one `data:` line.
            Format::Sse => format!("data: {json}\n\n"),
            Format::Ndjson => format!("{{\"result\":{json}}}\n"),
        }))
    }

    /// The error that ends a stream, as its last event or line.
    fn error(self, problem: &Problem) -> Bytes {
        let json = serde_json::to_string(problem)
            .unwrap_or_else(|_| r#"{"title":"Internal Server Error","status":500}"#.into());
        Bytes::from(match self {
            Format::Sse => format!("event: error\ndata: {json}\n\n"),
            Format::Ndjson => format!("{{\"error\":{json}}}\n"),
        })
    }
}

/// The answer that streams `stream` in `format`: each message as it comes, the first error as
/// the last event. The body is the mapped stream itself (no channel, no task): hyper polls it
/// when it can write and drops it when the client goes away.
pub fn stream_response<Out, E>(format: Format, stream: Streaming<Out, E>) -> Response
where
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
{
    let frames = FuseOnError::new(stream.map(move |item| match item {
        Ok(out) => format.message(&out),
        Err(e) => Err(Box::new(e.into_problem())),
    }))
    .map(move |item| {
        Ok::<Bytes, Infallible>(match item {
            Ok(frame) => frame,
            Err(problem) => format.error(&problem),
        })
    });
    let mut resp = Response::new(Body::from_stream(frames));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // The handler's trailers go after the last event, not in these headers.
    resp.extensions_mut().insert(crate::metadata::Streamed);
    resp
}

fn not_acceptable() -> Response {
    Problem::with_status(
        406,
        ErrorKind::InvalidArgument,
        format!(
            "this rpc streams its answer as `{EVENT_STREAM}` or `{NDJSON}`; `Accept` allows neither"
        ),
    )
    .into_http()
}

#[doc(hidden)]
/// Serves one call of a server-streaming rpc that takes input: the request as for a unary route
/// (path, query or JSON body; validated), then the handler's stream as SSE or NDJSON.
pub fn handle_server_stream<Req, Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Req: DeserializeOwned + Validate + Send + 'static,
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context, Req) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Streaming<Out, E>, E>> + Send + 'static,
{
    Box::pin(async move {
        let Some(format) = Format::negotiate(request.headers()) else {
            return not_acceptable();
        };
        let (ctx, metadata, input) = match valid_input(route, request).await {
            Ok(v) => v,
            Err(refused) => return refused,
        };
        let response = match call(ctx, input).await {
            Ok(stream) => stream_response(format, stream),
            Err(e) => e.into_problem().into_http(),
        };
        answer(metadata, response)
    })
}

#[doc(hidden)]
/// Serves one call of a server-streaming rpc that takes nothing.
pub fn handle_server_stream_unit<Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Streaming<Out, E>, E>> + Send + 'static,
{
    Box::pin(async move {
        let Some(format) = Format::negotiate(request.headers()) else {
            return not_acceptable();
        };
        let (parts, _) = request.into_parts();
        let (ctx, metadata) = context(route, parts);
        let response = match call(ctx).await {
            Ok(stream) => stream_response(format, stream),
            Err(e) => e.into_problem().into_http(),
        };
        answer(metadata, response)
    })
}

/// The NDJSON request body as typed messages, or the problem that refuses it before the handler
/// runs (a content type that is not NDJSON or JSON, a content coding: 415; boxed, so the happy
/// path's `Result` stays small).
fn ndjson_body<Req>(
    parts: &http::request::Parts,
    body: Body,
) -> Result<Streaming<Req>, Box<Problem>>
where
    Req: DeserializeOwned + Validate + Send + 'static,
{
    let media = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::body::media_type(v).to_ascii_lowercase());
    let ok = match media.as_deref() {
        None => true,
        Some(m) => matches!(m, NDJSON | "application/jsonl" | "application/json"),
    };
    if !ok {
        return Err(Box::new(Problem::with_status(
            415,
            ErrorKind::InvalidArgument,
            format!("this rpc takes a stream of messages as `{NDJSON}`, one JSON message per line"),
        )));
    }
    let coded = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if coded {
        return Err(Box::new(Problem::with_status(
            415,
            ErrorKind::InvalidArgument,
            "a streamed request body takes no content coding",
        )));
    }
    Ok(ndjson_messages(body))
}

/// Reads `body` line by line as the stream is polled: each non-blank line one message, decoded
/// and validated (a bad one is an `invalid_argument` item naming its line); a line over
/// [`BODY_LIMIT`] bytes or a body that breaks off ends the stream with its error.
pub fn ndjson_messages<Req>(body: Body) -> Streaming<Req>
where
    Req: DeserializeOwned + Validate + Send + 'static,
{
    struct State {
        chunks: axum::body::BodyDataStream,
        buf: Vec<u8>,
        line: usize,
        done: bool,
    }
    let state = State {
        chunks: body.into_data_stream(),
        buf: Vec::new(),
        line: 0,
        done: false,
    };
    let stream = futures_util::stream::unfold(state, |mut st| async move {
        loop {
            let text = if let Some(end) = st.buf.iter().position(|&b| b == b'\n') {
                let rest = st.buf.split_off(end + 1);
                std::mem::replace(&mut st.buf, rest)
            } else if st.done {
                if st.buf.is_empty() {
                    return None;
                }
                std::mem::take(&mut st.buf)
            } else {
                match st.chunks.next().await {
                    Some(Ok(chunk)) => {
                        st.buf.extend_from_slice(&chunk);
                        if st.buf.len() > BODY_LIMIT && !st.buf.contains(&b'\n') {
                            st.done = true;
                            st.buf.clear();
                            let e = Status::new(
                                ErrorKind::ResourceExhausted,
                                format!("line {} is longer than {BODY_LIMIT} bytes", st.line + 1),
                            );
                            return Some((Err(e), st));
                        }
                        continue;
                    }
                    Some(Err(e)) => {
                        st.done = true;
                        st.buf.clear();
                        let e = Status::invalid_argument(format!("the body broke off: {e}"));
                        return Some((Err(e), st));
                    }
                    None => {
                        st.done = true;
                        continue;
                    }
                }
            };
            st.line += 1;
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let item = decode_line::<Req>(&text, st.line);
            return Some((item, st));
        }
    });
    Box::pin(stream)
}

/// One NDJSON line as a validated message.
fn decode_line<Req: DeserializeOwned + Validate>(text: &[u8], line: usize) -> Result<Req, Status> {
    let value: Req = crate::json::from_slice(text)
        .map_err(|e| Status::invalid_argument(format!("line {line}: {e}")))?;
    value.validate().map_err(Status::from_violations)?;
    Ok(value)
}

#[doc(hidden)]
/// Serves one call of a client-streaming rpc: the NDJSON body as the handler's stream, its one
/// answer as JSON (or its problem).
pub fn handle_client_stream<Req, Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Req: DeserializeOwned + Validate + Send + 'static,
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Out, E>> + Send + 'static,
{
    Box::pin(async move {
        let (parts, body) = request.into_parts();
        let requests = match ndjson_body(&parts, body) {
            Ok(r) => r,
            Err(problem) => return problem.into_http(),
        };
        // The one answer as a unary route gives it (204 for a route without content).
        let (ctx, metadata) = context(route, parts);
        answer(
            metadata,
            super::handler::respond(route, call(ctx, requests).await),
        )
    })
}

#[doc(hidden)]
/// Serves one call of a bidirectional rpc: the NDJSON body in, SSE or NDJSON out.
pub fn handle_streaming<Req, Out, E, F, Fut>(
    route: &'static Route,
    request: http::Request<Body>,
    call: F,
) -> Reply
where
    Req: DeserializeOwned + Validate + Send + 'static,
    Out: Serialize + 'static,
    E: IntoProblem + 'static,
    F: FnOnce(Context, Streaming<Req>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Streaming<Out, E>, E>> + Send + 'static,
{
    Box::pin(async move {
        let Some(format) = Format::negotiate(request.headers()) else {
            return not_acceptable();
        };
        let (parts, body) = request.into_parts();
        let requests = match ndjson_body(&parts, body) {
            Ok(r) => r,
            Err(problem) => return problem.into_http(),
        };
        let (ctx, metadata) = context(route, parts);
        let response = match call(ctx, requests).await {
            Ok(stream) => stream_response(format, stream),
            Err(e) => e.into_problem().into_http(),
        };
        answer(metadata, response)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Option<Format> {
        let mut h = http::HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        Format::negotiate(&h)
    }

    #[test]
    fn accept_chooses_the_format() {
        assert_eq!(accept("text/event-stream"), Some(Format::Sse));
        assert_eq!(accept("application/x-ndjson"), Some(Format::Ndjson));
        assert_eq!(
            accept("application/x-ndjson, text/event-stream"),
            Some(Format::Ndjson)
        );
        assert_eq!(
            accept("text/event-stream;q=0, application/json"),
            Some(Format::Ndjson)
        );
        assert_eq!(accept("*/*"), Some(Format::Ndjson));
        assert_eq!(accept("application/xml"), None);
        assert_eq!(
            Format::negotiate(&http::HeaderMap::new()),
            Some(Format::Ndjson)
        );
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Line {
        n: i64,
    }

    impl Validate for Line {
        fn validate_at(&self, path: &crate::validate::Path<'_>, out: &mut Vec<crate::Violation>) {
            if self.n < 0 {
                out.push(crate::Violation {
                    field: path.field("n").render(),
                    rule: "range".into(),
                    message: "must be at least 0".into(),
                });
            }
        }
    }

    #[tokio::test]
    async fn ndjson_lines_become_messages_across_chunk_boundaries() {
        let chunks: Vec<Result<Bytes, Infallible>> = vec![
            Ok(Bytes::from_static(b"{\"n\":1}\n{\"n\"")),
            Ok(Bytes::from_static(
                b":2}\n\n  \n{\"n\":-1}\nnot json\n{\"n\":3}",
            )),
        ];
        let body = Body::from_stream(futures_util::stream::iter(chunks));
        let items: Vec<_> = ndjson_messages::<Line>(body).collect().await;
        assert_eq!(items.len(), 5, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap(), &Line { n: 1 });
        assert_eq!(items[1].as_ref().unwrap(), &Line { n: 2 });
        let invalid = items[2].as_ref().unwrap_err();
        assert_eq!(invalid.violations()[0].field, "n");
        let malformed = items[3].as_ref().unwrap_err();
        assert!(malformed.message().starts_with("line 6: "), "{malformed:?}");
        assert_eq!(
            items[4].as_ref().unwrap(),
            &Line { n: 3 },
            "a last line without \\n"
        );
    }

    #[test]
    fn frames_are_one_event_or_line() {
        let m = Format::Sse
            .message(&serde_json::json!({"a": "x\ny"}))
            .unwrap();
        assert_eq!(&m[..], b"data: {\"a\":\"x\\ny\"}\n\n");
        let m = Format::Ndjson
            .message(&serde_json::json!({"a": 1}))
            .unwrap();
        assert_eq!(&m[..], b"{\"result\":{\"a\":1}}\n");
        let p = Problem::new(ErrorKind::Unavailable, "down");
        assert!(Format::Sse.error(&p).starts_with(b"event: error\ndata: {"));
        assert!(Format::Ndjson.error(&p).starts_with(b"{\"error\":{"));
    }
}
