//! Response metadata: the headers (gRPC initial metadata) and trailers (trailing metadata) a
//! handler sets through [`Context::response_metadata`](crate::Context::response_metadata), and
//! the one place each protocol's answer takes them from.
//!
//! A [`ResponseMetadata`] is a shared handle: the server creates one per call (the gRPC adapter,
//! a REST route or the XML-RPC endpoint makes its own), the protocol glue hands it to the
//! handler's [`Context`](crate::Context), and the answer is built from it:
//!
//! | protocol | headers | trailers |
//! | --- | --- | --- |
//! | gRPC (and gRPC-Web, Connect, which run through the gRPC services) | response headers (initial metadata), as they stand when the handler returns (for a stream: returns its stream) | trailing metadata, read when the response ends, so a stream's handler may set them until its last message; in a trailers-only answer (an error before any message) with the status, as gRPC sends them |
//! | REST, XML-RPC, unary | response headers | response headers too: the whole answer is known before its headers are sent, and HTTP/1.1 clients rarely read trailers |
//! | REST streams (SSE, NDJSON) | response headers, as they stand when the handler returns its stream | HTTP trailers after the last event, which HTTP/2 clients read; over HTTP/1.1 hyper sends only trailers declared beforehand in a `Trailer` header, which a stream cannot know when its headers leave, so HTTP/1.1 clients (and browsers' `fetch` and `EventSource`) get none |
//!
//! A Kafka handler's metadata goes nowhere (a record has no answer), nor does that of a call made
//! directly from Rust, unless the caller keeps a clone of the handle it gave the `Context`.
//!
//! Names ending in `-bin` carry bytes, sent base64-encoded (standard alphabet, unpadded, as gRPC
//! sends binary metadata) on every protocol; other values are printable ASCII. Names are
//! lower-cased; `grpc-*` and the names the protocols own (`content-type`, `content-length`,
//! `content-encoding`, `transfer-encoding`, `connection`, `te`, `trailer`, ...) are refused.

use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};

/// Header names a handler may not set: the protocols write them (framing, codings, status).
const RESERVED: &[&str] = &[
    "content-type",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "host",
    "proxy-connection",
];

/// The headers and trailers a handler sets, shared between the handler's
/// [`Context`](crate::Context) and the protocol that sends the answer (clones share one set).
#[derive(Debug, Clone, Default)]
pub struct ResponseMetadata(Arc<Mutex<Inner>>);

#[derive(Debug, Default)]
struct Inner {
    headers: HeaderMap,
    trailers: HeaderMap,
    compress: Option<bool>,
}

/// A metadata name or value that cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataError(String);

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MetadataError {}

impl From<MetadataError> for crate::Status {
    /// A handler that sets invalid metadata is a server bug: `internal`.
    fn from(e: MetadataError) -> Self {
        crate::Status::internal(format!("invalid response metadata: {e}"))
    }
}

impl ResponseMetadata {
    /// A fresh, empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked while holding the lock left whole header maps behind.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sets response header `name` (gRPC initial metadata), replacing earlier values. A name
    /// ending in `-bin` takes any bytes (sent base64); others printable ASCII.
    pub fn insert_header(&self, name: &str, value: impl AsRef<[u8]>) -> Result<(), MetadataError> {
        let (name, value) = entry(name, value.as_ref())?;
        self.lock().headers.insert(name, value);
        Ok(())
    }

    /// Adds a value to response header `name`, keeping earlier ones.
    pub fn append_header(&self, name: &str, value: impl AsRef<[u8]>) -> Result<(), MetadataError> {
        let (name, value) = entry(name, value.as_ref())?;
        self.lock().headers.append(name, value);
        Ok(())
    }

    /// Sets trailer `name` (gRPC trailing metadata), replacing earlier values; see the module
    /// documentation for where each protocol sends trailers.
    pub fn insert_trailer(&self, name: &str, value: impl AsRef<[u8]>) -> Result<(), MetadataError> {
        let (name, value) = entry(name, value.as_ref())?;
        self.lock().trailers.insert(name, value);
        Ok(())
    }

    /// Adds a value to trailer `name`, keeping earlier ones.
    pub fn append_trailer(&self, name: &str, value: impl AsRef<[u8]>) -> Result<(), MetadataError> {
        let (name, value) = entry(name, value.as_ref())?;
        self.lock().trailers.append(name, value);
        Ok(())
    }

    /// The headers set so far, as sent (`-bin` values base64).
    pub fn headers(&self) -> HeaderMap {
        self.lock().headers.clone()
    }

    /// The trailers set so far, as sent (`-bin` values base64).
    pub fn trailers(&self) -> HeaderMap {
        self.lock().trailers.clone()
    }

    /// Asks for this call's response message to be compressed (`true`) or sent uncompressed
    /// (`false`), overriding `GrpcOptions::compression_min_size` for a unary or client-streaming
    /// gRPC answer. Compression still needs a coding the client accepts (`grpc-accept-encoding`)
    /// and the server sends. A response stream's messages follow `GrpcOptions::compress_streams`
    /// whatever this says (tonic has one switch per stream, taken before the handler runs).
    pub fn set_compression(&self, compress: bool) {
        self.lock().compress = Some(compress);
    }

    /// What [`set_compression`](Self::set_compression) asked for, if anything.
    pub fn compression(&self) -> Option<bool> {
        self.lock().compress
    }

    /// Which handle this is (tests compare handles across a move).
    #[cfg(test)]
    pub(crate) fn id_for_tests(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// Nothing to send: no header or trailer set, and no one else holds the handle (a stream
    /// that could still set trailers).
    #[cfg(all(feature = "grpc", feature = "server"))]
    pub(crate) fn is_idle(&self) -> bool {
        if Arc::strong_count(&self.0) > 1 {
            return false;
        }
        let inner = self.lock();
        inner.headers.is_empty() && inner.trailers.is_empty()
    }
}

/// The `Compressed-Flag` of each gRPC request message, shared by the framing check (which reads
/// every message's prefix before tonic decodes it) and the glue that hands decoded messages to
/// the handler, in the same order: what [`Context::request_compressed`](crate::Context::request_compressed)
/// reads. Holds only the flags of messages framed but not yet handed over (bounded by what the
/// transport buffers).
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageCompression(Arc<Mutex<(std::collections::VecDeque<bool>, Option<bool>)>>);

#[cfg_attr(not(all(feature = "grpc", feature = "server")), allow(dead_code))]
impl MessageCompression {
    fn lock(&self) -> MutexGuard<'_, (std::collections::VecDeque<bool>, Option<bool>)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The framing check read a message prefix.
    pub(crate) fn framed(&self, compressed: bool) {
        self.lock().0.push_back(compressed);
    }

    /// The next message was handed to the handler.
    pub(crate) fn handed(&self) {
        let mut inner = self.lock();
        let next = inner.0.pop_front();
        inner.1 = next;
    }

    /// The flag of the message last handed to the handler.
    pub(crate) fn last(&self) -> Option<bool> {
        self.lock().1
    }
}

/// The wire name and value of one metadata entry.
fn entry(name: &str, value: &[u8]) -> Result<(HeaderName, HeaderValue), MetadataError> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("grpc-") || RESERVED.contains(&lower.as_str()) {
        return Err(MetadataError(format!(
            "`{lower}` is written by the protocol, not by handlers"
        )));
    }
    let header = HeaderName::from_bytes(lower.as_bytes())
        .map_err(|_| MetadataError(format!("`{name}` is not a valid header name")))?;
    let value = if lower.ends_with("-bin") {
        HeaderValue::from_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(value))
            .map_err(|_| MetadataError("base64 is always a valid header value".into()))?
    } else {
        // gRPC's ASCII-Value: printable ASCII, which every protocol carries unchanged.
        if !value.iter().all(|b| (0x20..=0x7e).contains(b)) {
            return Err(MetadataError(format!(
                "the value of `{lower}` is not printable ASCII (name it `…-bin` to send bytes)"
            )));
        }
        HeaderValue::from_bytes(value)
            .map_err(|_| MetadataError(format!("the value of `{lower}` is not a header value")))?
    };
    Ok((header, value))
}

/// The bytes of a `-bin` metadata value (base64, padded or not, as gRPC implementations must
/// accept both); `None` when it is not base64.
pub fn decode_bin(value: &HeaderValue) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    LENIENT.decode(value.as_bytes().trim_ascii()).ok()
}

#[cfg(all(
    feature = "server",
    any(feature = "grpc", feature = "rest", feature = "xmlrpc")
))]
pub(crate) use serve::Carrier;
#[cfg(all(feature = "rest", feature = "server"))]
pub(crate) use serve::Streamed;
#[cfg(all(feature = "server", any(feature = "rest", feature = "xmlrpc")))]
pub(crate) use serve::apply_and_recycle;
#[cfg(all(feature = "grpc", feature = "server"))]
pub(crate) use serve::{MetadataLayer, WithMetadata, into_status};

/// The server side: the per-call handle (in the request's extensions for gRPC) and the answer
/// built from it.
#[cfg(feature = "server")]
mod serve {
    use std::pin::Pin;
    use std::task::{Context as TaskContext, Poll, ready};

    use std::future::Future;
    use std::sync::Arc;

    use axum::body::Body;
    use http::HeaderMap;
    use http_body::{Frame, SizeHint};

    use super::ResponseMetadata;

    /// How a protocol carries trailers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[cfg_attr(
        not(all(feature = "grpc", any(feature = "rest", feature = "xmlrpc"))),
        allow(dead_code)
    )]
    pub(crate) enum Carrier {
        /// gRPC: at the end of the body (in the headers of a trailers-only answer).
        Grpc,
        /// REST and XML-RPC: in the headers, or after a streamed body ([`Streamed`]).
        Http,
    }

    /// Marks a response whose body is a stream (REST's SSE and NDJSON answers): its trailers go
    /// after the body, since the handler may still set them while the stream runs.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Streamed;

    /// The layer in front of the gRPC services ([`Carrier::Grpc`]): applies the
    /// [`ResponseMetadata`] an answer carries in its extensions. The gRPC adapters make each
    /// call's handle (`grpc::server::request_parts`) and put it there only when the handler set
    /// something or still holds it; an error's metadata travels in its `tonic::Status`
    /// ([`into_status`]). A plain tower layer, not `axum::middleware::from_fn`: that one boxes
    /// and clones per call, which cost the one-port server a fifth of its unary gRPC
    /// throughput. REST routes and the XML-RPC endpoint make and apply their handle themselves.
    #[derive(Debug, Clone, Copy)]
    #[cfg_attr(not(feature = "grpc"), allow(dead_code))]
    pub(crate) struct MetadataLayer(pub(crate) Carrier);

    impl<S> tower::Layer<S> for MetadataLayer {
        type Service = WithMetadata<S>;

        fn layer(&self, inner: S) -> WithMetadata<S> {
            WithMetadata {
                inner,
                carrier: self.0,
            }
        }
    }

    /// The service [`MetadataLayer`] makes.
    #[derive(Debug, Clone)]
    #[cfg_attr(not(feature = "grpc"), allow(dead_code))]
    pub(crate) struct WithMetadata<S> {
        inner: S,
        carrier: Carrier,
    }

    impl<S> tower::Service<http::Request<Body>> for WithMetadata<S>
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<Body>>,
    {
        type Response = http::Response<Body>;
        type Error = S::Error;
        type Future = Applied<S::Future>;

        fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, req: http::Request<Body>) -> Self::Future {
            Applied {
                inner: self.inner.call(req),
                carrier: self.carrier,
            }
        }
    }

    pin_project_lite::pin_project! {
        /// The inner service's answer, with the call's metadata applied.
        pub(crate) struct Applied<F> {
            #[pin]
            inner: F,
            carrier: Carrier,
        }
    }

    impl<F, E> Future for Applied<F>
    where
        F: Future<Output = Result<http::Response<Body>, E>>,
    {
        type Output = Result<http::Response<Body>, E>;

        fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
            let this = self.project();
            let mut resp = ready!(this.inner.poll(cx))?;
            // An empty extension map (the common answer) answers `None` without a lookup.
            Poll::Ready(Ok(
                match resp.extensions_mut().remove::<ResponseMetadata>() {
                    Some(metadata) => apply(*this.carrier, &metadata, resp),
                    None => resp,
                },
            ))
        }
    }

    /// Every value of `from` into `into`, replacing what `into` had under those names.
    fn merge(into: &mut HeaderMap, from: HeaderMap) {
        if from.is_empty() {
            // The common call: the handler set nothing.
            return;
        }
        let mut last = None;
        for (name, value) in from {
            match name {
                Some(name) => {
                    into.insert(name.clone(), value);
                    last = Some(name);
                }
                // Further values of the previous name.
                None => {
                    if let Some(name) = &last {
                        into.append(name.clone(), value);
                    }
                }
            }
        }
    }

    /// A gRPC error with the handler's metadata (`metadata`): the answer is trailers-only, so
    /// headers and trailers both go with the status (as [`apply`] puts them in such an
    /// answer's headers), replacing what the status had under those names.
    #[cfg(feature = "grpc")]
    pub(crate) fn into_status(
        metadata: &ResponseMetadata,
        mut status: tonic::Status,
    ) -> tonic::Status {
        let (headers, trailers) = {
            let mut inner = metadata.lock();
            if inner.headers.is_empty() && inner.trailers.is_empty() {
                return status;
            }
            (
                std::mem::take(&mut inner.headers),
                std::mem::take(&mut inner.trailers),
            )
        };
        let mut map = std::mem::take(status.metadata_mut()).into_headers();
        merge(&mut map, headers);
        merge(&mut map, trailers);
        *status.metadata_mut() = tonic::metadata::MetadataMap::from_headers(map);
        status
    }

    thread_local! {
        /// A handle the thread's last call left unused, for its next call.
        static SPARE: std::cell::Cell<Option<ResponseMetadata>> = const {
            std::cell::Cell::new(None)
        };
    }

    impl ResponseMetadata {
        /// A fresh, empty handle for one call: the one the thread's previous call gave back
        /// ([`apply_and_recycle`]) when there is one. Most handlers never touch theirs, and the
        /// handle's allocation, with its two header maps, and its drop were a fifth of what
        /// Rosetta added to a small REST call.
        #[cfg(any(feature = "rest", feature = "xmlrpc", feature = "grpc"))]
        pub(crate) fn for_call() -> Self {
            SPARE.with(std::cell::Cell::take).unwrap_or_default()
        }

        /// The call is over: the handle is kept for the thread's next call if nobody else holds
        /// it (no context, stream or task can reach it any more) and nothing is in it.
        #[cfg(any(feature = "rest", feature = "xmlrpc", feature = "grpc"))]
        pub(crate) fn recycle(mut self) {
            let Some(shared) = Arc::get_mut(&mut self.0) else {
                return;
            };
            // A handler that panicked holding the lock: the handle is dropped, not reused.
            let Ok(inner) = shared.get_mut() else {
                return;
            };
            if inner.headers.is_empty() && inner.trailers.is_empty() {
                inner.compress = None;
                SPARE.with(|spare| spare.set(Some(self)));
            }
        }
    }

    /// [`apply`], then the handle given back for the thread's next call
    /// ([`ResponseMetadata::for_call`]): REST routes and the XML-RPC endpoint, whose handle is
    /// their own.
    #[cfg(any(feature = "rest", feature = "xmlrpc"))]
    pub(crate) fn apply_and_recycle(
        carrier: Carrier,
        metadata: ResponseMetadata,
        resp: http::Response<Body>,
    ) -> http::Response<Body> {
        let resp = apply(carrier, &metadata, resp);
        metadata.recycle();
        resp
    }

    /// `grpc-status`, as a name: a `&str` key is parsed again at every lookup.
    const GRPC_STATUS: http::HeaderName = http::HeaderName::from_static("grpc-status");

    /// The answer with the handler's metadata where `carrier` sends it.
    #[cfg_attr(not(any(feature = "rest", feature = "xmlrpc")), allow(dead_code))]
    pub(crate) fn apply(
        carrier: Carrier,
        metadata: &ResponseMetadata,
        mut resp: http::Response<Body>,
    ) -> http::Response<Body> {
        let (headers, trailers, trailers_in_headers) = {
            let mut inner = metadata.lock();
            // The common call: the handler set nothing, and nobody else holds the handle (a
            // stream could still set trailers): the answer as it is, before any header or
            // extension lookup.
            if inner.headers.is_empty()
                && inner.trailers.is_empty()
                && Arc::strong_count(&metadata.0) == 1
            {
                return resp;
            }
            let trailers_in_headers = match carrier {
                // A trailers-only answer: its headers are its trailers.
                Carrier::Grpc => resp.headers().contains_key(GRPC_STATUS),
                Carrier::Http => resp.extensions().get::<Streamed>().is_none(),
            };
            // The headers leave now: what a handler sets later is not sent, so they are taken,
            // not copied. Trailers sent later (with a body that ends later) stay readable.
            let headers = std::mem::take(&mut inner.headers);
            let trailers = if trailers_in_headers {
                std::mem::take(&mut inner.trailers)
            } else {
                inner.trailers.clone()
            };
            (headers, trailers, trailers_in_headers)
        };
        merge(resp.headers_mut(), headers);
        // Nobody else holds the handle (the handler and its context are done, no stream kept a
        // clone) and it has no trailers: none can come, so the body needs no wrapper.
        let settled = Arc::strong_count(&metadata.0) == 1 && trailers.is_empty();
        if trailers_in_headers {
            merge(resp.headers_mut(), trailers);
            resp
        } else if settled {
            resp
        } else {
            let metadata = metadata.clone();
            resp.map(|inner| {
                Body::new(WithTrailers {
                    inner,
                    metadata,
                    done: false,
                })
            })
        }
    }

    /// A body whose trailers get the handler's, read when the body ends.
    struct WithTrailers {
        inner: Body,
        metadata: ResponseMetadata,
        done: bool,
    }

    impl http_body::Body for WithTrailers {
        type Data = axum::body::Bytes;
        type Error = axum::Error;

        fn poll_frame(
            self: Pin<&mut Self>,
            cx: &mut TaskContext<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            let this = self.get_mut();
            if this.done {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_trailers() {
                    Ok(mut trailers) => {
                        this.done = true;
                        merge(&mut trailers, this.metadata.trailers());
                        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                    }
                    Err(data) => Poll::Ready(Some(Ok(data))),
                },
                Some(Err(e)) => Poll::Ready(Some(Err(e))),
                None => {
                    this.done = true;
                    let trailers = this.metadata.trailers();
                    if trailers.is_empty() {
                        Poll::Ready(None)
                    } else {
                        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                    }
                }
            }
        }

        fn is_end_stream(&self) -> bool {
            self.done
        }

        fn size_hint(&self) -> SizeHint {
            self.inner.size_hint()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_values_are_base64_and_text_values_printable() {
        let md = ResponseMetadata::new();
        md.insert_header("X-Echo", "hello").unwrap();
        md.insert_trailer("x-trace-bin", [0xab, 0xab, 0xab])
            .unwrap();
        assert_eq!(md.headers()["x-echo"], "hello");
        assert_eq!(md.trailers()["x-trace-bin"], "q6ur");
        assert_eq!(
            decode_bin(&md.trailers()["x-trace-bin"]).unwrap(),
            [0xab, 0xab, 0xab]
        );
        assert_eq!(
            decode_bin(&HeaderValue::from_static("q6s=")).unwrap(),
            [0xab, 0xab]
        );
        assert!(md.insert_header("x-text", "caf\u{e9}").is_err());
        assert!(md.insert_header("x-text", "a\nb").is_err());
        assert!(md.insert_header("grpc-status", "0").is_err());
        assert!(md.insert_trailer("Content-Type", "text/plain").is_err());
        assert!(md.insert_header("bad name", "x").is_err());
    }

    #[test]
    fn clones_share_one_set_and_append_keeps_values() {
        let md = ResponseMetadata::new();
        let other = md.clone();
        other.append_header("x-a", "1").unwrap();
        other.append_header("x-a", "2").unwrap();
        let values: Vec<_> = md.headers().get_all("x-a").iter().cloned().collect();
        assert_eq!(values, ["1", "2"]);
        md.insert_header("x-a", "3").unwrap();
        assert_eq!(other.headers().get_all("x-a").iter().count(), 1);
        assert_eq!(md.compression(), None);
        other.set_compression(false);
        assert_eq!(md.compression(), Some(false));
    }

    #[cfg(feature = "server")]
    #[tokio::test]
    async fn each_carrier_puts_trailers_where_its_clients_read_them() {
        use axum::body::Body;
        use http_body_util::BodyExt;
        // One handle per call, as the server makes them.
        let call = || {
            let md = ResponseMetadata::new();
            md.insert_header("x-h", "h").unwrap();
            md.insert_trailer("x-t", "t").unwrap();
            md
        };
        // REST/XML-RPC unary: both in the headers.
        let md = call();
        let resp = serve::apply(
            serve::Carrier::Http,
            &md,
            http::Response::new(Body::from("{}")),
        );
        assert_eq!(resp.headers()["x-h"], "h");
        assert_eq!(resp.headers()["x-t"], "t");
        // A REST stream: trailers after the body, as they stand when it ends.
        let md = call();
        let mut streamed = http::Response::new(Body::from("data"));
        streamed.extensions_mut().insert(serve::Streamed);
        let resp = serve::apply(serve::Carrier::Http, &md, streamed);
        assert_eq!(resp.headers()["x-h"], "h");
        assert!(!resp.headers().contains_key("x-t"));
        md.insert_trailer("x-late", "late").unwrap();
        let collected = resp.into_body().collect().await.unwrap();
        let trailers = collected.trailers().unwrap();
        assert_eq!(trailers["x-t"], "t");
        assert_eq!(trailers["x-late"], "late");
        // gRPC trailers-only (an error): in the headers with the status.
        let md = call();
        let mut only = http::Response::new(Body::empty());
        only.headers_mut()
            .insert("grpc-status", HeaderValue::from_static("2"));
        let resp = serve::apply(serve::Carrier::Grpc, &md, only);
        assert_eq!(resp.headers()["x-h"], "h");
        assert_eq!(resp.headers()["x-t"], "t");
        assert_eq!(resp.headers()["grpc-status"], "2");
    }

    /// A handle is reused by the thread's next call only when its call left nothing in it and
    /// nobody holds it; whatever a handler set still reaches its own answer, never the next.
    #[cfg(all(feature = "server", any(feature = "rest", feature = "xmlrpc")))]
    #[test]
    fn a_call_reuses_only_a_handle_left_empty_and_unheld() {
        use axum::body::Body;
        let answer = |md: ResponseMetadata| {
            serve::apply_and_recycle(serve::Carrier::Http, md, http::Response::new(Body::empty()))
        };
        let same = |a: &ResponseMetadata, b: &ResponseMetadata| Arc::ptr_eq(&a.0, &b.0);
        // Still held (by a context a task kept, say): not reused.
        let first = ResponseMetadata::for_call();
        let held = first.clone();
        let resp = answer(first);
        assert!(resp.headers().is_empty());
        let second = ResponseMetadata::for_call();
        assert!(!same(&second, &held));
        // Unused and unheld: it comes back to the next call, its compression wish forgotten.
        second.set_compression(true);
        let raw = Arc::as_ptr(&second.0);
        answer(second);
        let third = ResponseMetadata::for_call();
        assert_eq!(Arc::as_ptr(&third.0), raw);
        assert_eq!(third.compression(), None);
        assert!(third.headers().is_empty() && third.trailers().is_empty());
        // A handler that sets headers and trailers: both in its answer, none in the next call's
        // handle.
        third.insert_header("x-h", "h").unwrap();
        third.insert_trailer("x-t", "t").unwrap();
        let resp = answer(third);
        assert_eq!(resp.headers()["x-h"], "h");
        assert_eq!(resp.headers()["x-t"], "t");
        let fourth = ResponseMetadata::for_call();
        assert!(fourth.headers().is_empty() && fourth.trailers().is_empty());
        // A streamed answer's handle stays with its body (trailers read when it ends).
        fourth.insert_trailer("x-t", "t").unwrap();
        let raw = Arc::as_ptr(&fourth.0);
        let mut streamed = http::Response::new(Body::from("data"));
        streamed.extensions_mut().insert(serve::Streamed);
        let resp = serve::apply_and_recycle(serve::Carrier::Http, fourth, streamed);
        let fifth = ResponseMetadata::for_call();
        assert_ne!(Arc::as_ptr(&fifth.0), raw);
        drop(resp);
    }
}
