//! Serving generated gRPC services on the one-port server: the [`Registry`] that collects them
//! (with their descriptor sets), reflection v1 and v1alpha and `grpc.health.v1` added once over
//! all of them, message size limits ([`GrpcOptions`]), and the per-call helpers the generated
//! adapters use (request [`Context`], decoding with validation, the deadline, compressing the
//! response).
//!
//! Compression: requests compressed with any coding of [`GrpcOptions::accept_compression`]
//! (gzip, deflate and zstd by default: every coding tonic has) are accepted by every service,
//! health and reflection included; every response advertises them in `grpc-accept-encoding`; a
//! request in another coding is `UNIMPLEMENTED` (gRPC's compression spec). Responses are
//! compressed with the first coding of the client's `grpc-accept-encoding` that is in
//! [`GrpcOptions::send_compression`], when the message is at least
//! [`GrpcOptions::compression_min_size`] bytes. The messages of a generated service's response
//! stream are sent uncompressed unless [`GrpcOptions::compress_streams`] is on: tonic compresses
//! all of a stream's messages or none, each with a fresh compressor, and their sizes are not
//! known when the stream starts.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, Instant};

use tonic::codec::{CompressionEncoding, SingleMessageCompressionOverride};
use tonic::service::Routes;
use tower::Layer;

use super::codec::ALL_ENCODINGS;
use super::codec::Encoded;
use super::message::Carries;
use super::service::Handler;
use super::status::{IntoTonicStatus, status_to_tonic};
use crate::context::{Context, Protocol};
use crate::metadata::{MessageCompression, ResponseMetadata};
use crate::status::Status;
use crate::validate::Validate;

/// Turns on `options`' request and response codings on a tonic-generated server (each generated
/// server type has its own `accept_compressed` and `send_compressed`, so a macro, not a trait).
macro_rules! with_compression {
    ($service:expr, $options:expr) => {{
        let mut service = $service;
        for &encoding in &$options.accept_compression {
            service = service.accept_compressed(encoding);
        }
        for &encoding in &$options.send_compression {
            service = service.send_compressed(encoding);
        }
        service
    }};
}

/// gRPC server settings, shared by every mounted service.
///
/// Start from [`GrpcOptions::default()`] and change what you need with the `with_*` methods
/// (`GrpcOptions::default().with_reflection(false)`); the struct is `#[non_exhaustive]` so a
/// later release can add a setting without breaking you.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GrpcOptions {
    /// The largest request message accepted, in bytes (default 4 MiB, as in gRPC); a larger one
    /// is refused with `RESOURCE_EXHAUSTED`.
    pub max_decoding_message_size: usize,
    /// The largest response message sent, in bytes (default unlimited).
    pub max_encoding_message_size: usize,
    /// Serve `grpc.reflection.v1` and `v1alpha` (default on).
    pub reflection: bool,
    /// Serve `grpc.health.v1.Health`, every mounted service `SERVING` (default on).
    pub health: bool,
    /// The content codings accepted on request messages (`grpc-encoding`), advertised in every
    /// response's `grpc-accept-encoding` (default [`ALL_ENCODINGS`]: gzip, deflate, zstd).
    pub accept_compression: Vec<CompressionEncoding>,
    /// The codings responses may be compressed with, when the client's `grpc-accept-encoding`
    /// lists one (the client's first listed one wins; default [`ALL_ENCODINGS`]; empty: never
    /// compress).
    pub send_compression: Vec<CompressionEncoding>,
    /// Responses of the generated services smaller than this many bytes (encoded) are sent
    /// uncompressed even when the client accepts a coding: compressing a few bytes costs CPU
    /// and usually makes them longer (default 1024; 0 compresses every response). Health and
    /// reflection, served by tonic's own services, compress every response.
    pub compression_min_size: usize,
    /// The most messages one request stream may carry (default `None`: unbounded, a stream may
    /// run for as long as its client keeps it); the message after the last allowed ends the call
    /// with `RESOURCE_EXHAUSTED` and the server keeps serving. Each message is bounded by
    /// [`max_decoding_message_size`](Self::max_decoding_message_size) either way.
    pub max_stream_messages: Option<u64>,
    /// Compress the messages of the generated services' response streams (server-streaming and
    /// bidirectional rpcs) when the client accepts a coding (default off: every message then
    /// goes uncompressed, whatever its size). tonic has one switch per stream and compresses
    /// each message with a fresh compressor: a 300 kB zeroed table per message, 45 times the
    /// CPU of sending a small message as it is (a grpcio client accepts gzip on every call).
    /// Turn it on for streams of large, compressible messages.
    pub compress_streams: bool,
}

/// The default [`GrpcOptions::compression_min_size`], in bytes.
pub const DEFAULT_COMPRESSION_MIN_SIZE: usize = 1024;

impl Default for GrpcOptions {
    fn default() -> Self {
        GrpcOptions {
            max_decoding_message_size: 4 * 1024 * 1024,
            max_encoding_message_size: usize::MAX,
            reflection: true,
            health: true,
            accept_compression: ALL_ENCODINGS.to_vec(),
            send_compression: ALL_ENCODINGS.to_vec(),
            compression_min_size: DEFAULT_COMPRESSION_MIN_SIZE,
            max_stream_messages: None,
            compress_streams: false,
        }
    }
}

impl GrpcOptions {
    /// Sets [`max_decoding_message_size`](Self::max_decoding_message_size).
    #[must_use]
    pub fn with_max_decoding_message_size(mut self, bytes: usize) -> Self {
        self.max_decoding_message_size = bytes;
        self
    }

    /// Sets [`max_encoding_message_size`](Self::max_encoding_message_size).
    #[must_use]
    pub fn with_max_encoding_message_size(mut self, bytes: usize) -> Self {
        self.max_encoding_message_size = bytes;
        self
    }

    /// Sets [`reflection`](Self::reflection).
    #[must_use]
    pub fn with_reflection(mut self, on: bool) -> Self {
        self.reflection = on;
        self
    }

    /// Sets [`health`](Self::health).
    #[must_use]
    pub fn with_health(mut self, on: bool) -> Self {
        self.health = on;
        self
    }

    /// Sets [`accept_compression`](Self::accept_compression).
    #[must_use]
    pub fn with_accept_compression(
        mut self,
        encodings: impl IntoIterator<Item = CompressionEncoding>,
    ) -> Self {
        self.accept_compression = encodings.into_iter().collect();
        self
    }

    /// Sets [`send_compression`](Self::send_compression).
    #[must_use]
    pub fn with_send_compression(
        mut self,
        encodings: impl IntoIterator<Item = CompressionEncoding>,
    ) -> Self {
        self.send_compression = encodings.into_iter().collect();
        self
    }

    /// Sets [`max_stream_messages`](Self::max_stream_messages).
    #[must_use]
    pub fn with_max_stream_messages(mut self, max: Option<u64>) -> Self {
        self.max_stream_messages = max;
        self
    }

    /// Sets [`compress_streams`](Self::compress_streams).
    #[must_use]
    pub fn with_compress_streams(mut self, on: bool) -> Self {
        self.compress_streams = on;
        self
    }

    /// Sets [`compression_min_size`](Self::compression_min_size).
    #[must_use]
    pub fn with_compression_min_size(mut self, bytes: usize) -> Self {
        self.compression_min_size = bytes;
        self
    }
}

/// Builds a registered service's handler with the server's options.
type MakeHandler = Box<dyn FnOnce(&GrpcOptions) -> Arc<dyn Handler> + Send>;

/// The gRPC services mounted on a server, built into one router when the server starts (so the
/// options apply whatever the order of `mount` and `grpc_options` calls).
#[derive(Default)]
pub struct Registry {
    options: GrpcOptions,
    services: Vec<(&'static str, MakeHandler)>,
    descriptor_sets: Vec<&'static [u8]>,
}

impl Registry {
    /// Registers service `name` (its full proto name, `shop.v1.Catalog`), the encoded
    /// `FileDescriptorSet` describing it (for reflection), and how to build its handler with
    /// the server's options. A name registered twice is served by the first.
    pub fn add(
        &mut self,
        name: &'static str,
        descriptor_set: &'static [u8],
        make: impl FnOnce(&GrpcOptions) -> Arc<dyn Handler> + Send + 'static,
    ) {
        if !self.descriptor_sets.contains(&descriptor_set) {
            self.descriptor_sets.push(descriptor_set);
        }
        self.services.push((name, Box::new(make)));
    }

    /// The settings.
    pub fn options(&self) -> &GrpcOptions {
        &self.options
    }

    /// Changes the settings.
    pub fn options_mut(&mut self) -> &mut GrpcOptions {
        &mut self.options
    }

    /// The encoded `FileDescriptorSet`s of the registered services, health's included when
    /// health is served (what Connect's JSON codec transcodes with).
    pub fn descriptor_sets(&self) -> Vec<&'static [u8]> {
        let mut sets = self.descriptor_sets.clone();
        if self.options.health {
            sets.push(tonic_health::pb::FILE_DESCRIPTOR_SET);
        }
        sets
    }

    /// True when no service is registered.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The full names of the registered services, in mount order.
    pub fn service_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.services.iter().map(|(n, _)| *n)
    }

    /// Every service, plus reflection and health as configured, and the routes mounted by hand
    /// (`mounted`), as the one gRPC service the server calls. Unknown gRPC methods answer
    /// `UNIMPLEMENTED`.
    pub(crate) fn into_service(self, mounted: axum::Router) -> GrpcService {
        if self.services.is_empty() {
            return crate::metadata::MetadataLayer(crate::metadata::Carrier::Grpc).layer(
                GrpcRoutes {
                    handlers: Arc::default(),
                    router: mounted,
                    edge: None,
                },
            );
        }
        let names: Vec<&'static str> = self.service_names().collect();
        let mut handlers = Handlers::default();
        for (name, make) in self.services {
            let handler = make(&self.options);
            handlers.add(name, handler);
        }
        // Health and reflection go through tonic's routes (axum's router): they are called
        // rarely, and are tonic's own services.
        let mut routes = Routes::default();
        let options = &self.options;
        if options.health {
            let (reporter, health) = tonic_health::server::health_reporter();
            for name in &names {
                set_serving(&reporter, name);
            }
            routes = routes.add_service(with_compression!(health, options));
        }
        if options.reflection {
            routes = add_reflection(routes, &self.descriptor_sets, &names, options);
        }
        let edge = Edge {
            advertised: accept_encoding_header(&options.accept_compression),
            streaming: super::framing::client_streaming_paths(&self.descriptor_sets),
            max_stream_messages: options.max_stream_messages,
            uncompressed_streams: if options.compress_streams {
                Default::default()
            } else {
                super::framing::response_streaming_paths(&self.descriptor_sets)
            },
        };
        let router = routes.into_axum_router().merge(mounted);
        // Outermost: the handler's response metadata into the answer's headers and trailers,
        // after the edge has shaped them.
        crate::metadata::MetadataLayer(crate::metadata::Carrier::Grpc).layer(GrpcRoutes {
            handlers: Arc::new(handlers),
            router,
            edge: Some(Arc::new(edge)),
        })
    }
}

/// The gRPC services as the one-port server, gRPC-Web and Connect call them.
pub(crate) type GrpcService = crate::metadata::WithMetadata<GrpcRoutes>;

/// The gRPC router behind what every gRPC request goes through ([`Edge`]). The steps wrap the
/// router once, not each route: axum's `Router::layer` puts every route in its own boxed service,
/// which each call clones again at every layer.
#[derive(Clone)]
pub(crate) struct GrpcRoutes {
    /// The generated services, by full name: a request whose path names one goes straight to
    /// its handler ([`Handler`] says why not through the router).
    handlers: Arc<Handlers>,
    /// Health, reflection and the routes mounted by hand; `UNIMPLEMENTED` for the rest.
    router: axum::Router,
    /// `None` when only routes mounted by hand are served.
    edge: Option<Arc<Edge>>,
}

/// What every gRPC request and answer goes through: the request's body read through the framing
/// check ([`on_request`]); the answer's size-limit status made
/// `RESOURCE_EXHAUSTED` and the accepted encodings advertised.
struct Edge {
    advertised: Option<http::HeaderValue>,
    /// The paths of client-streaming methods (every other method takes one message).
    streaming: super::framing::StreamingPaths,
    max_stream_messages: Option<u64>,
    /// The paths of the response-streaming methods whose messages go uncompressed
    /// ([`GrpcOptions::compress_streams`] off).
    uncompressed_streams: super::framing::StreamingPaths,
}

impl Edge {
    /// Hides the client's `grpc-accept-encoding` from tonic on a call answered with a stream
    /// that goes uncompressed: tonic picks a stream's coding from it before the call, for every
    /// message of the stream.
    fn plain_stream(
        &self,
        mut req: http::Request<axum::body::Body>,
    ) -> http::Request<axum::body::Body> {
        // The path first: a search of a few sorted strings, where the header lookup hashes its
        // name, and a unary call needs no more.
        if self.uncompressed_streams.contains(req.uri().path()) {
            req.headers_mut().remove(super::names::GRPC_ACCEPT_ENCODING);
        }
        req
    }
}

impl tower::Service<http::Request<axum::body::Body>> for GrpcRoutes {
    type Response = http::Response<axum::body::Body>;
    type Error = std::convert::Infallible;
    type Future = EdgeFuture;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        // axum's Router is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<axum::body::Body>) -> EdgeFuture {
        let req = match &self.edge {
            Some(edge) => on_request(
                edge.plain_stream(req),
                &edge.streaming,
                edge.max_stream_messages,
            ),
            None => req,
        };
        let inner = match service_of(req.uri().path()).and_then(|name| self.handlers.get(name)) {
            Some(handler) => Answer::Handler {
                future: handler.serve(req),
            },
            None => Answer::Routed {
                future: self.router.call(req),
            },
        };
        EdgeFuture {
            inner,
            edge: self.edge.clone(),
        }
    }
}

/// The generated services' handlers, sorted by full name (a server has a handful: a binary
/// search of their names, no hashing).
#[derive(Default)]
struct Handlers(Vec<(&'static str, Arc<dyn Handler>)>);

impl Handlers {
    /// Adds `name`'s handler unless `name` has one.
    fn add(&mut self, name: &'static str, handler: Arc<dyn Handler>) {
        if let Err(at) = self.0.binary_search_by(|(n, _)| (*n).cmp(name)) {
            self.0.insert(at, (name, handler));
        }
    }

    /// `name`'s handler.
    fn get(&self, name: &str) -> Option<&Arc<dyn Handler>> {
        let at = self.0.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
        Some(&self.0[at].1)
    }
}

/// The service a gRPC path names: `shop.v1.Catalog` of `/shop.v1.Catalog/Get`.
fn service_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    rest.find('/').map(|end| &rest[..end])
}

pin_project_lite::pin_project! {
    /// A gRPC answer on its way out through the [`Edge`].
    pub(crate) struct EdgeFuture {
        #[pin]
        inner: Answer,
        edge: Option<Arc<Edge>>,
    }
}

pin_project_lite::pin_project! {
    /// Where an answer comes from: a generated service's handler, or the router.
    #[project = AnswerProj]
    enum Answer {
        Handler { future: super::service::ResponseFuture },
        Routed { #[pin] future: axum::routing::future::RouteFuture<std::convert::Infallible> },
    }
}

impl Future for EdgeFuture {
    type Output = Result<http::Response<axum::body::Body>, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let resp = match this.inner.project() {
            AnswerProj::Handler { future } => {
                std::task::ready!(future.as_mut().poll(cx))?.map(axum::body::Body::new)
            }
            AnswerProj::Routed { future } => std::task::ready!(future.poll(cx))?,
        };
        Poll::Ready(Ok(match this.edge {
            Some(edge) => advertise(size_limit_status(resp), edge.advertised.as_ref()),
            None => resp,
        }))
    }
}

/// Marks `name` as `SERVING`. The reporter's API is async but only takes an uncontended lock on
/// a fresh reporter, so one poll completes it.
fn set_serving(reporter: &tonic_health::server::HealthReporter, name: &str) {
    let fut = pin!(reporter.set_service_status(name, tonic_health::ServingStatus::Serving));
    let mut cx = TaskContext::from_waker(Waker::noop());
    if fut.poll(&mut cx).is_pending() {
        // Cannot happen with a fresh reporter; the service then reads as unknown to health checks.
    }
}

/// The `grpc-accept-encoding` value for `encodings` (`gzip,deflate,zstd,identity`), as tonic
/// spells it; `None` when only `identity` is accepted.
fn accept_encoding_header(encodings: &[CompressionEncoding]) -> Option<http::HeaderValue> {
    let names: Vec<&str> = encodings.iter().map(|e| encoding_name(*e)).collect();
    if names.is_empty() {
        return None;
    }
    http::HeaderValue::from_str(&format!("{},identity", names.join(","))).ok()
}

/// A coding's `grpc-encoding` name.
pub(crate) fn encoding_name(encoding: CompressionEncoding) -> &'static str {
    match encoding {
        CompressionEncoding::Gzip => "gzip",
        CompressionEncoding::Deflate => "deflate",
        CompressionEncoding::Zstd => "zstd",
        // `CompressionEncoding` is non-exhaustive; tonic 0.14 has the three above.
        _ => "identity",
    }
}

/// tonic names the accepted codings only when it refuses one; gRPC's spec lets a server list
/// them in any response, so a client learns them from its first call.
fn advertise(
    mut resp: http::Response<axum::body::Body>,
    value: Option<&http::HeaderValue>,
) -> http::Response<axum::body::Body> {
    if let Some(v) = value {
        resp.headers_mut()
            .entry(super::names::GRPC_ACCEPT_ENCODING)
            .or_insert_with(|| v.clone());
    }
    resp
}

fn add_reflection(
    mut routes: Routes,
    descriptor_sets: &[&'static [u8]],
    names: &[&'static str],
    options: &GrpcOptions,
) -> Routes {
    let health = options.health;
    let builder = || {
        let mut b = tonic_reflection::server::Builder::configure();
        for set in descriptor_sets {
            b = b.register_encoded_file_descriptor_set(set);
        }
        for name in names {
            b = b.with_service_name(*name);
        }
        if health {
            b = b
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .with_service_name("grpc.health.v1.Health");
        }
        b.with_service_name("grpc.reflection.v1.ServerReflection")
            .with_service_name("grpc.reflection.v1alpha.ServerReflection")
            .register_encoded_file_descriptor_set(
                tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
            )
    };
    match (builder().build_v1(), builder().build_v1alpha()) {
        (Ok(v1), Ok(v1alpha)) => {
            routes = routes
                .add_service(with_compression!(v1, options))
                .add_service(with_compression!(v1alpha, options));
        }
        (Err(e), _) | (_, Err(e)) => {
            // The descriptor sets come from the build script; a broken one is a build problem.
            // Serve the services without reflection rather than not at all.
            eprintln!("rosetta: gRPC reflection disabled: {e}");
        }
    }
    routes
}

/// tonic answers a request message over the size limit with `OUT_OF_RANGE`; gRPC's status code
/// table (and grpc-go, grpc-java, grpc-core) says `RESOURCE_EXHAUSTED`. Rewrites that one
/// trailers-only answer, which tonic makes from its status (`Status::into_http` leaves the status
/// in the answer's extensions); every other response passes untouched, without a header lookup
/// (an answer with no extensions is told by one pointer test).
fn size_limit_status(
    mut resp: http::Response<axum::body::Body>,
) -> http::Response<axum::body::Body> {
    let is_out_of_range = resp
        .extensions()
        .get::<tonic::Status>()
        .is_some_and(|status| status.code() == tonic::Code::OutOfRange);
    let headers = resp.headers_mut();
    if is_out_of_range {
        let too_large = headers.get(super::names::GRPC_MESSAGE).is_some_and(|m| {
            let m = m.as_bytes();
            m.windows(b"too%20large".len()).any(|w| w == b"too%20large")
                || m.windows(b"too large".len()).any(|w| w == b"too large")
        });
        if too_large {
            headers.insert(
                super::names::GRPC_STATUS,
                http::HeaderValue::from_static("8"), // RESOURCE_EXHAUSTED
            );
        }
    }
    resp
}

/// The caller's deadline (`grpc-timeout`), counted from now. The generated adapter reads it as
/// its call starts, before tonic reads the request's body, so the deadline counts from the
/// request's arrival at the service, not from when the handler starts (after the whole body
/// has arrived). Calls that send no `grpc-timeout` pay for no clock read.
pub(crate) fn caller_deadline(headers: &http::HeaderMap) -> Option<Instant> {
    grpc_timeout(headers).and_then(|t| Instant::now().checked_add(t))
}

/// Every gRPC request: its body read through the framing check.
fn on_request(
    req: http::Request<axum::body::Body>,
    streaming: &super::framing::StreamingPaths,
    max_stream_messages: Option<u64>,
) -> http::Request<axum::body::Body> {
    super::framing::check_framing(req, streaming, max_stream_messages)
}

/// Splits a tonic request into the handler's [`Context`] (metadata as headers, the peer, the
/// caller's `deadline` ([`caller_deadline`]), and the request extensions), the
/// message, and the call's response-metadata handle (the context holds a clone; the adapter
/// sends what the handler set with the answer: [`answer`], [`refusal`]). `method` is the IDL's
/// `Service.Method`.
pub(crate) fn request_parts<P>(
    request: tonic::Request<P>,
    method: &'static str,
    deadline: Option<Instant>,
) -> (Context, P, ResponseMetadata) {
    let (metadata, extensions, message) = request.into_parts();
    let headers = metadata.into_headers();
    // From the request when routes mounted by hand share the gRPC side (or an app embeds the
    // router), else from the server while it polls the call (`current_peer`): no extension
    // boxed, hashed and freed per call.
    let peer = extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(crate::server::current_peer);
    // gRPC-Web and Connect calls reach the handler through the gRPC services; the web layer
    // tells which protocol really carried them.
    let protocol = extensions
        .get::<Protocol>()
        .copied()
        .unwrap_or(Protocol::Grpc);
    // Made here, not by a layer in front of the services: no extension to insert, look up and
    // drop per call, and the answer carries the handle only when the handler used it (an
    // unused one is the thread's next call's, `answer`).
    let response = ResponseMetadata::for_call();
    // Built in one go: each builder method moves the whole context again.
    let mut ctx = Context::served(protocol, method.into(), headers, peer, response.clone())
        .with_deadline(deadline);
    *ctx.extensions_mut() = extensions;
    (ctx, message, response)
}

/// The handler's answer, with its response metadata for the server's metadata layer
/// (`metadata::WithMetadata`, which sends it): in the answer's extensions only when the handler
/// set something or still holds the handle (a stream that may set trailers as it runs), so the
/// common call carries none.
fn answer<T>(mut response: tonic::Response<T>, metadata: ResponseMetadata) -> tonic::Response<T> {
    if metadata.is_idle() {
        metadata.recycle();
    } else {
        response.extensions_mut().insert(metadata);
    }
    response
}

/// A call that ends in `status` (the handler's error, or its deadline passing), with the
/// metadata the handler set: a trailers-only answer, whose headers are its trailers.
fn refusal(status: tonic::Status, metadata: &ResponseMetadata) -> tonic::Status {
    crate::metadata::into_status(metadata, status)
}

/// The `grpc-timeout` header (`<1 to 8 digits><H|M|S|m|u|n>`), if present and well formed.
pub fn grpc_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let v = headers.get(super::names::GRPC_TIMEOUT)?.to_str().ok()?;
    if v.len() < 2 || v.len() > 9 {
        return None;
    }
    let (digits, unit) = v.split_at(v.len() - 1);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.checked_mul(3600)?),
        "M" => Duration::from_secs(n.checked_mul(60)?),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[doc(hidden)]
/// The request, validated (the codec already decoded it): a violation is `INVALID_ARGUMENT`
/// with every field path in a `google.rpc.BadRequest`.
#[inline]
pub fn validate_request<D: Validate>(message: &D) -> Result<(), tonic::Status> {
    message
        .validate()
        .map_err(|violations| status_to_tonic(Status::from_violations(violations)))
}

#[doc(hidden)]
/// Runs a handler, within the caller's deadline when it sent one, and maps its error to a tonic
/// status. `deadline` is the time left ([`Context::remaining`]): when it is already zero
/// (`grpc-timeout: 0n`, or a deadline that passed while the request was read) the handler is not
/// called at all; when it passes while the handler runs, the handler is dropped. Both answer
/// `DEADLINE_EXCEEDED`.
#[inline]
pub async fn call<O, E, F, H>(deadline: Option<Duration>, handler: H) -> Result<O, tonic::Status>
where
    E: IntoTonicStatus,
    H: FnOnce() -> F,
    F: Future<Output = Result<O, E>>,
{
    match Within::start(deadline, handler)?.await {
        Some(result) => result.map_err(IntoTonicStatus::into_tonic_status),
        None => Err(deadline_passed()),
    }
}

/// The status of a call whose deadline passed while its handler ran.
fn deadline_passed() -> tonic::Status {
    status_to_tonic(Status::deadline_exceeded(
        "the deadline passed before the handler finished",
    ))
}

pin_project_lite::pin_project! {
    /// A handler's future within a deadline, if it has one: `None` once `at` passes. Unlike
    /// `tokio::time::timeout`, the timer is made (boxed) only when the handler is still running
    /// after its first poll: most calls finish in that poll, and a timer held inline would make
    /// every adapter's future larger than the allocator's fast path takes.
    struct Within<F> {
        #[pin]
        inner: F,
        at: Option<tokio::time::Instant>,
        timer: Option<Pin<Box<tokio::task::Unconstrained<tokio::time::Sleep>>>>,
    }
}

impl<F> Within<F> {
    /// `handler`'s future within `deadline` (the time left, `None` for none); when none is left,
    /// `DEADLINE_EXCEEDED` without calling the handler.
    fn start(
        deadline: Option<Duration>,
        handler: impl FnOnce() -> F,
    ) -> Result<Self, tonic::Status> {
        let at = match deadline {
            Some(Duration::ZERO) => {
                return Err(status_to_tonic(Status::deadline_exceeded(
                    "the deadline had passed before the call began",
                )));
            }
            Some(d) => Some(tokio::time::Instant::now() + d),
            None => None,
        };
        Ok(Within {
            inner: handler(),
            at,
            timer: None,
        })
    }
}

impl<F: Future> Future for Within<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(out) = this.inner.poll(cx) {
            return Poll::Ready(Some(out));
        }
        let Some(at) = *this.at else {
            return Poll::Pending;
        };
        // Unconstrained, as `tokio::time::timeout` polls its timer: a handler that used up the
        // task's budget must not keep its deadline from firing.
        let timer = this.timer.get_or_insert_with(|| {
            Box::pin(tokio::task::unconstrained(tokio::time::sleep_until(at)))
        });
        timer.as_mut().poll(cx).map(|()| None)
    }
}

#[doc(hidden)]
/// One unary rpc of a generated adapter, start to end: the request's context, the domain
/// request from its message (invalid is `INVALID_ARGUMENT` with every violation), the handler
/// within the caller's deadline ([`call`]), its error as a status, and the answer as its
/// message ([`response`]). The generated method is this one call.
pub(crate) fn unary<P, Out, E, R, F, Fut>(
    request: tonic::Request<P>,
    method: &'static str,
    start: OneAnswer,
    handler: F,
) -> OneCallFuture<Fut, R>
where
    P: Validate,
    E: IntoTonicStatus,
    F: FnOnce(Context, P) -> Fut,
    Fut: Future<Output = Result<Out, E>>,
    R: Carries<Out>,
{
    let (ctx, request, metadata) = request_parts(request, method, start.deadline);
    if let Err(status) = validate_request(&request) {
        return OneCallFuture::Ready {
            answer: Some(Err(status)),
        };
    }
    handed_one(&ctx);
    let deadline = ctx.remaining();
    OneCall::start(
        deadline,
        move || handler(ctx, request),
        metadata,
        start.compression,
    )
}

/// The answer of a call with one answer (unary and client-streaming rpcs): answered before the
/// handler ran, or by [`OneCall`].
pub(crate) type OneCallFuture<Fut, R> =
    OneCallState<OneCall<Fut, R>, Result<tonic::Response<Encoded>, tonic::Status>>;

pin_project_lite::pin_project! {
    /// [`OneCallFuture`]: an answer known at once, or the handler's call.
    #[project = OneCallProj]
    pub(crate) enum OneCallState<C, T> {
        Ready { answer: Option<T> },
        Running { #[pin] call: C },
    }
}

impl<C: Future<Output = T>, T> Future for OneCallState<C, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<T> {
        match self.project() {
            OneCallProj::Ready { answer } => {
                Poll::Ready(answer.take().expect("a call's answer is taken once"))
            }
            OneCallProj::Running { call } => call.poll(cx),
        }
    }
}

pin_project_lite::pin_project! {
    /// A handler's call with one answer, after the request was read: the handler's future
    /// within the caller's deadline ([`call`]), its error as a status with the metadata the
    /// handler set ([`refusal`]), its value as the answer's message. A struct, not an
    /// `async fn`: an async fn keeps its arguments (the context and the request, moved into the
    /// handler's future) beside the handler's future for as long as it runs, which made each
    /// unary call's boxed future 2.2 KB, every byte of it copied into a fresh allocation per
    /// call.
    pub(crate) struct OneCall<Fut, R> {
        #[pin]
        handler: Within<Fut>,
        metadata: Option<ResponseMetadata>,
        compression: ResponseCompression,
        answer: std::marker::PhantomData<fn() -> R>,
    }
}

impl<Fut, R> OneCall<Fut, R> {
    /// Runs `handler` within `deadline` (the time left), unless none is left.
    fn start(
        deadline: Option<Duration>,
        handler: impl FnOnce() -> Fut,
        metadata: ResponseMetadata,
        compression: ResponseCompression,
    ) -> OneCallFuture<Fut, R> {
        let handler = match Within::start(deadline, handler) {
            Ok(handler) => handler,
            Err(status) => {
                return OneCallState::Ready {
                    answer: Some(Err(refusal(status, &metadata))),
                };
            }
        };
        OneCallState::Running {
            call: OneCall {
                handler,
                metadata: Some(metadata),
                compression,
                answer: std::marker::PhantomData,
            },
        }
    }
}

impl<Fut, Out, E, R> Future for OneCall<Fut, R>
where
    Fut: Future<Output = Result<Out, E>>,
    E: IntoTonicStatus,
    R: Carries<Out>,
{
    type Output = Result<tonic::Response<Encoded>, tonic::Status>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.handler.poll(cx));
        let metadata = this.metadata.take().expect("a call's answer is made once");
        Poll::Ready(match result {
            Some(Ok(out)) => {
                let response = this
                    .compression
                    .response(Encoded::of(&R::wrap(out)), &metadata);
                Ok(answer(response, metadata))
            }
            Some(Err(e)) => Err(refusal(e.into_tonic_status(), &metadata)),
            None => Err(refusal(deadline_passed(), &metadata)),
        })
    }
}

#[doc(hidden)]
/// A client stream as the handler sees it: each message validated (an invalid one is an
/// `invalid_argument` item with every violation, and the stream goes on: the handler decides
/// whether to stop), a malformed message, transport or framing failure as the status tonic
/// reports.
pub fn incoming<P>(messages: tonic::Streaming<P>) -> crate::Streaming<P>
where
    P: Validate + Send + 'static,
{
    incoming_flagged(messages, None)
}

/// [`incoming`], telling `flags` as each message is handed over (what
/// [`Context::request_compressed`] reads).
fn incoming_flagged<P>(
    messages: tonic::Streaming<P>,
    flags: Option<MessageCompression>,
) -> crate::Streaming<P>
where
    P: Validate + Send + 'static,
{
    Box::pin(Incoming { messages, flags })
}

/// The client stream [`incoming_flagged`] hands over: one concrete stream doing the flags, the
/// validation and the status conversion in one `poll_next` (a `map` closure over tonic's stream
/// was a call of its own per message, moving each message through one more `Result`).
struct Incoming<P> {
    messages: tonic::Streaming<P>,
    flags: Option<MessageCompression>,
}

impl<P: Validate + Send + 'static> futures_core::Stream for Incoming<P> {
    type Item = Result<P, Status>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = self.get_mut();
        Poll::Ready(match std::pin::Pin::new(&mut this.messages).poll_next(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(None) => None,
            Poll::Ready(Some(Ok(message))) => {
                if let Some(flags) = &this.flags {
                    flags.handed();
                }
                Some(match message.validate() {
                    Ok(()) => Ok(message),
                    Err(violations) => Err(Status::from_violations(violations)),
                })
            }
            Poll::Ready(Some(Err(status))) => Some(Err(super::status::tonic_to_status(&status))),
        })
    }
}

/// The request's message-compression flags, set by the framing check.
fn flags(ctx: &Context) -> Option<MessageCompression> {
    ctx.extensions().get::<MessageCompression>().cloned()
}

/// A unary or server-streaming call's one message is about to reach the handler.
fn handed_one(ctx: &Context) {
    if let Some(flags) = ctx.extensions().get::<MessageCompression>() {
        flags.handed();
    }
}

#[doc(hidden)]
/// A handler's server stream as tonic sends it: each item wrapped in the message it travels in,
/// the first error as the stream's final status (gRPC trailers; nothing is polled after it), and
/// the caller's deadline, when it set one, ending the stream with `DEADLINE_EXCEEDED`. tonic
/// polls this stream only when HTTP/2 flow control lets it send (no buffering here), and drops
/// it, with the handler's stream, when the client cancels or goes away.
pub fn outgoing<Out, E, R, W>(
    stream: crate::Streaming<Out, E>,
    deadline: Option<Instant>,
    wrap: W,
) -> Outgoing<Out, E, W>
where
    W: Fn(Out) -> R,
{
    Outgoing {
        inner: Some(stream),
        wrap,
        sleep: deadline.map(|at| Box::pin(tokio::time::sleep_until(at.into()))),
    }
}

/// The response stream of a generated server-streaming or bidirectional method ([`outgoing`]):
/// one concrete stream doing the wrapping, the end at the first error and the deadline in one
/// `poll_next`. (Built from `map`, a fusing adapter and a box, each message was moved through
/// three more layers as a `Result` holding a `tonic::Status`: a tenth of the server's time on a
/// stream of small messages.) `wrap` is a type of its own, not a function pointer, so the
/// generated methods' `Carries::wrap` (most often the identity) is inlined.
#[doc(hidden)]
pub struct Outgoing<Out, E, W> {
    /// The handler's stream, until it ends, fails or the deadline passes.
    inner: Option<crate::Streaming<Out, E>>,
    wrap: W,
    /// The caller's deadline, when it set one; looked at before each message, so a handler's
    /// stream that is always ready cannot outrun it.
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<Out, E: IntoTonicStatus, R, W: Fn(Out) -> R + Unpin> futures_core::Stream
    for Outgoing<Out, E, W>
{
    type Item = Result<R, tonic::Status>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        if let Some(sleep) = this.sleep.as_mut()
            && sleep.as_mut().poll(cx).is_ready()
        {
            this.end(); // drops the handler's stream
            return Poll::Ready(Some(Err(status_to_tonic(Status::deadline_exceeded(
                "the deadline passed before the stream ended",
            )))));
        }
        match inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(out))) => Poll::Ready(Some(Ok((this.wrap)(out)))),
            Poll::Ready(Some(Err(e))) => {
                this.end();
                Poll::Ready(Some(Err(e.into_tonic_status())))
            }
            Poll::Ready(None) => {
                this.end();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<Out, E, W> Outgoing<Out, E, W> {
    /// Nothing more is sent: the handler's stream and the timer are dropped now.
    fn end(&mut self) {
        self.inner = None;
        self.sleep = None;
    }
}

#[doc(hidden)]
/// One server-streaming rpc of a generated adapter: the context and the validated request as
/// for `unary`, the handler (within the deadline) returning its stream, and that stream sent
/// by [`outgoing`]. The generated method is this one call.
pub(crate) async fn server_streaming<P, Out, E, R, F, Fut>(
    request: tonic::Request<P>,
    method: &'static str,
    deadline: Option<Instant>,
    handler: F,
) -> Result<
    tonic::Response<Outgoing<Out, E, impl Fn(Out) -> R + Unpin + Send + 'static>>,
    tonic::Status,
>
where
    P: Validate,
    E: IntoTonicStatus + 'static,
    F: FnOnce(Context, P) -> Fut,
    Fut: Future<Output = Result<crate::Streaming<Out, E>, E>>,
    Out: 'static,
    R: Carries<Out> + 'static,
{
    let (ctx, request, metadata) = request_parts(request, method, deadline);
    validate_request(&request)?;
    handed_one(&ctx);
    let deadline = ctx.deadline();
    let stream = call(ctx.remaining(), move || handler(ctx, request))
        .await
        .map_err(|status| refusal(status, &metadata))?;
    let response = tonic::Response::new(outgoing(stream, deadline, R::wrap));
    Ok(answer(response, metadata))
}

#[doc(hidden)]
/// One client-streaming rpc of a generated adapter: the context, the request messages as a
/// typed stream ([`incoming`]), the handler within the deadline, and its one answer.
pub(crate) fn client_streaming<P, Out, E, R, F, Fut>(
    request: tonic::Request<tonic::Streaming<P>>,
    method: &'static str,
    start: OneAnswer,
    handler: F,
) -> OneCallFuture<Fut, R>
where
    P: Validate + Send + 'static,
    E: IntoTonicStatus,
    F: FnOnce(Context, crate::Streaming<P>) -> Fut,
    Fut: Future<Output = Result<Out, E>>,
    R: Carries<Out>,
{
    let (ctx, messages, metadata) = request_parts(request, method, start.deadline);
    let requests = incoming_flagged(messages, flags(&ctx));
    let deadline = ctx.remaining();
    OneCall::start(
        deadline,
        move || handler(ctx, requests),
        metadata,
        start.compression,
    )
}

#[doc(hidden)]
/// One bidirectional rpc of a generated adapter: [`incoming`] in, [`outgoing`] out.
pub(crate) async fn streaming<P, Out, E, R, F, Fut>(
    request: tonic::Request<tonic::Streaming<P>>,
    method: &'static str,
    deadline: Option<Instant>,
    handler: F,
) -> Result<
    tonic::Response<Outgoing<Out, E, impl Fn(Out) -> R + Unpin + Send + 'static>>,
    tonic::Status,
>
where
    P: Validate + Send + 'static,
    E: IntoTonicStatus + 'static,
    F: FnOnce(Context, crate::Streaming<P>) -> Fut,
    Fut: Future<Output = Result<crate::Streaming<Out, E>, E>>,
    Out: 'static,
    R: Carries<Out> + 'static,
{
    let (ctx, messages, metadata) = request_parts(request, method, deadline);
    let requests = incoming_flagged(messages, flags(&ctx));
    let deadline = ctx.deadline();
    let stream = call(ctx.remaining(), move || handler(ctx, requests))
        .await
        .map_err(|status| refusal(status, &metadata))?;
    let response = tonic::Response::new(outgoing(stream, deadline, R::wrap));
    Ok(answer(response, metadata))
}

#[doc(hidden)]
/// The response of a generated method: `message`, sent uncompressed when its encoded size is
/// under `min_compressed_size` ([`GrpcOptions::compression_min_size`]) whatever the client
/// accepts.
#[inline]
pub fn response(message: Encoded, min_compressed_size: usize) -> tonic::Response<Encoded> {
    response_as(message, min_compressed_size, None)
}

/// What a unary or client-streaming call reads from its request before tonic takes it
/// (`ServiceConfig::one_answer`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OneAnswer {
    /// The caller's deadline ([`caller_deadline`]).
    pub(crate) deadline: Option<Instant>,
    /// How the answer may be compressed.
    pub(crate) compression: ResponseCompression,
}

/// How a call's one answer may be compressed, decided before the handler runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResponseCompression {
    /// The client accepts a coding; otherwise nothing would be compressed anyway, and neither
    /// the size rule nor the handler's choice is looked at.
    accepts_coding: bool,
    min_compressed_size: usize,
}

impl ResponseCompression {
    /// For an answer that may be sent in the codings `send` (the server's that the caller
    /// accepts: `ServiceConfig::send_to`).
    pub(crate) fn new(
        send: &tonic::codec::EnabledCompressionEncodings,
        min_compressed_size: usize,
    ) -> Self {
        ResponseCompression {
            accepts_coding: !send.is_empty(),
            min_compressed_size,
        }
    }

    /// The answer, marked uncompressed where the size rule or the handler (its choice in
    /// `metadata`, [`ResponseMetadata::set_compression`]) says so.
    fn response(self, message: Encoded, metadata: &ResponseMetadata) -> tonic::Response<Encoded> {
        if self.accepts_coding {
            response_as(message, self.min_compressed_size, metadata.compression())
        } else {
            tonic::Response::new(message)
        }
    }
}

/// [`response`], with the handler's choice ([`ResponseMetadata::set_compression`]) over the
/// size rule when it made one.
fn response_as(
    message: Encoded,
    min_compressed_size: usize,
    compress: Option<bool>,
) -> tonic::Response<Encoded> {
    let uncompressed = match compress {
        Some(compress) => !compress,
        None => min_compressed_size > 0 && message.len() < min_compressed_size,
    };
    let mut response = tonic::Response::new(message);
    if uncompressed {
        response
            .extensions_mut()
            .insert(SingleMessageCompressionOverride::Disable);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    /// A handler that answers every call with `UNIMPLEMENTED` naming `name`.
    struct Named(&'static str);

    impl Handler for Named {
        fn serve(
            &self,
            _: http::Request<axum::body::Body>,
        ) -> super::super::service::ResponseFuture {
            super::super::service::unimplemented(self.0)
        }
    }

    /// The service of a path is its first segment; a path with no second segment names none.
    #[test]
    fn a_path_names_its_service() {
        assert_eq!(service_of("/shop.v1.Catalog/Get"), Some("shop.v1.Catalog"));
        assert_eq!(service_of("/Greeter/SayHello/extra"), Some("Greeter"));
        assert_eq!(service_of("//Get"), Some(""));
        assert_eq!(service_of("/Greeter"), None);
        assert_eq!(service_of("Greeter/SayHello"), None);
        assert_eq!(service_of(""), None);
    }

    /// Handlers are found by exact name whatever the order they came in; the first of a name
    /// registered twice serves it.
    #[tokio::test]
    async fn handlers_are_found_by_name_and_the_first_of_a_name_wins() {
        let mut handlers = Handlers::default();
        for name in ["b.B", "a.A", "c.C", "a.A"] {
            let first = !handlers.0.iter().any(|(n, _)| *n == name);
            handlers.add(name, Arc::new(Named(if first { name } else { "second" })));
        }
        assert_eq!(handlers.0.len(), 3);
        for name in ["a.A", "b.B", "c.C"] {
            let handler = handlers.get(name).expect(name);
            let resp = handler
                .serve(http::Request::new(axum::body::Body::empty()))
                .await
                .expect("infallible");
            let message = resp.headers()["grpc-message"].to_str().unwrap_or_default();
            assert!(message.contains(name), "{name}: {message}");
        }
        assert!(handlers.get("a").is_none() && handlers.get("d.D").is_none());
    }

    /// A handler's stream that is always ready: `0, 1, 2, …`.
    fn endless() -> crate::Streaming<u32> {
        Box::pin(futures_util::stream::iter((0..).map(Ok)))
    }

    /// The code of the status the stream sends next (it must send one).
    async fn last_status<Out, E: IntoTonicStatus, R, W: Fn(Out) -> R + Unpin>(
        out: &mut Outgoing<Out, E, W>,
    ) -> tonic::Code {
        match out.next().await {
            Some(Err(status)) => status.code(),
            _ => panic!("expected the stream's final status"),
        }
    }

    #[tokio::test]
    async fn an_outgoing_stream_ends_at_its_deadline_even_when_always_ready() {
        let at = Instant::now() + Duration::from_millis(20);
        let mut out = outgoing(endless(), Some(at), |n| n * 2);
        assert_eq!(out.next().await.map(|r| r.ok()), Some(Some(0)));
        assert_eq!(out.next().await.map(|r| r.ok()), Some(Some(2)));
        tokio::time::sleep_until(at.into()).await;
        assert_eq!(last_status(&mut out).await, tonic::Code::DeadlineExceeded);
        assert!(out.next().await.is_none(), "nothing after the deadline");
    }

    #[tokio::test]
    async fn an_outgoing_stream_ends_at_the_first_error() {
        let items = vec![Ok(1), Err(Status::not_found("gone")), Ok(3)];
        let mut out = outgoing(
            Box::pin(futures_util::stream::iter(items)),
            None,
            |n: u32| n,
        );
        assert_eq!(out.next().await.map(|r| r.ok()), Some(Some(1)));
        assert_eq!(last_status(&mut out).await, tonic::Code::NotFound);
        assert!(
            out.next().await.is_none(),
            "nothing is polled after the error"
        );
    }

    fn timeout(v: &str) -> Option<Duration> {
        let mut h = http::HeaderMap::new();
        h.insert("grpc-timeout", http::HeaderValue::from_str(v).unwrap());
        grpc_timeout(&h)
    }

    #[test]
    fn grpc_timeouts() {
        assert_eq!(timeout("1S"), Some(Duration::from_secs(1)));
        assert_eq!(timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(timeout("99999999n"), Some(Duration::from_nanos(99_999_999)));
        assert_eq!(timeout("123456789S"), None, "more than 8 digits");
        assert_eq!(timeout("S"), None);
        assert_eq!(timeout("-1S"), None);
        assert_eq!(timeout("10x"), None);
        assert_eq!(grpc_timeout(&http::HeaderMap::new()), None);
    }

    #[test]
    fn oversized_requests_become_resource_exhausted() {
        let resp = tonic::Status::out_of_range(
            "Error, decoded message length too large: found 9 bytes, the limit is: 1 bytes",
        )
        .into_http::<axum::body::Body>();
        let fixed = size_limit_status(resp);
        assert_eq!(fixed.headers()["grpc-status"], "8");
        let other = tonic::Status::out_of_range("page 9 of 3").into_http::<axum::body::Body>();
        assert_eq!(size_limit_status(other).headers()["grpc-status"], "11");
    }

    #[tokio::test]
    async fn the_callers_deadline_bounds_the_handler() {
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok::<(), Status>(())
        };
        let err = call(Some(Duration::from_millis(20)), slow)
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::DeadlineExceeded);
        let fast = || async { Err::<(), Status>(Status::not_found("x")) };
        let err = call(Some(Duration::from_secs(5)), fast).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::NotFound);
        assert_eq!(
            call(None, || async { Ok::<i32, Status>(1) }).await.unwrap(),
            1
        );
    }

    #[tokio::test]
    async fn an_expired_deadline_never_calls_the_handler() {
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let handler = || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok::<(), Status>(()) }
        };
        let err = call(Some(Duration::ZERO), handler).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::DeadlineExceeded);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    /// Drops count how many times the handler's stream was released.
    struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn the_deadline_ends_a_stream_and_drops_the_handlers_stream() {
        use futures_util::StreamExt;
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let guard = Counted(std::sync::Arc::clone(&drops));
        // One message, then a stream that never ends by itself.
        let handler: crate::Streaming<i32> = Box::pin(
            futures_util::stream::iter([Ok(7)])
                .chain(futures_util::stream::pending())
                .map(move |x| {
                    let _ = &guard;
                    x
                }),
        );
        let at = Instant::now() + Duration::from_millis(20);
        let mut out = outgoing(handler, Some(at), |x: i32| x.to_string());
        assert_eq!(out.next().await.unwrap().unwrap(), "7");
        let end = tokio::time::timeout(Duration::from_secs(30), out.next())
            .await
            .expect("hang protection")
            .unwrap()
            .unwrap_err();
        assert_eq!(end.code(), tonic::Code::DeadlineExceeded);
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(out.next().await.is_none(), "nothing after the deadline");
    }

    #[tokio::test]
    async fn the_deadline_ends_a_stream_that_is_always_ready() {
        use futures_util::StreamExt;
        let endless: crate::Streaming<u64> = Box::pin(futures_util::stream::iter(0..).map(Ok));
        let at = Instant::now() + Duration::from_millis(20);
        let mut out = outgoing(endless, Some(at), |x: u64| x);
        let mut received = 0u64;
        let end = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                match out.next().await {
                    Some(Ok(_)) => {
                        received += 1;
                        // Let the clock move: a real transport waits for the network here.
                        if received.is_multiple_of(1024) {
                            tokio::task::yield_now().await;
                        }
                    }
                    Some(Err(status)) => return status,
                    None => panic!("ended without a status"),
                }
            }
        })
        .await
        .expect("hang protection");
        assert_eq!(end.code(), tonic::Code::DeadlineExceeded);
        assert!(received > 0);
        assert!(out.next().await.is_none());
    }

    #[tokio::test]
    async fn an_error_item_is_the_last_and_is_sent_as_a_status() {
        use futures_util::StreamExt;
        let handler: crate::Streaming<i32> = Box::pin(futures_util::stream::iter([
            Ok(1),
            Err(Status::not_found("gone")),
            Ok(2),
        ]));
        let items: Vec<_> = outgoing(handler, None, |x: i32| x).collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].as_ref().unwrap_err().code(), tonic::Code::NotFound);
    }

    #[test]
    fn the_answer_carries_the_metadata_handle_only_when_the_handler_used_it() {
        // An unused handle is not sent: it is the thread's next call's.
        let unused = ResponseMetadata::for_call();
        let id = unused.id_for_tests();
        let idle = answer(tonic::Response::new(()), unused);
        assert!(idle.extensions().get::<ResponseMetadata>().is_none());
        assert_eq!(ResponseMetadata::for_call().id_for_tests(), id);
        let used = ResponseMetadata::new();
        used.insert_trailer("x-t", "1").unwrap();
        let used = answer(tonic::Response::new(()), used);
        assert!(used.extensions().get::<ResponseMetadata>().is_some());
        // A stream still holding a clone may set trailers later.
        let held = ResponseMetadata::new();
        let _stream = held.clone();
        let held = answer(tonic::Response::new(()), held);
        assert!(held.extensions().get::<ResponseMetadata>().is_some());
    }

    #[test]
    fn an_errors_status_carries_the_handlers_headers_and_trailers() {
        let metadata = ResponseMetadata::new();
        metadata.insert_header("x-h", "a").unwrap();
        metadata.insert_trailer("x-t", "b").unwrap();
        let status = refusal(tonic::Status::not_found("gone"), &metadata);
        let resp = status.into_http::<axum::body::Body>();
        assert_eq!(resp.headers()["x-h"], "a");
        assert_eq!(resp.headers()["x-t"], "b");
        assert_eq!(resp.headers()["grpc-status"], "5");
        // Nothing set: the status as it was.
        let plain = refusal(tonic::Status::not_found("gone"), &ResponseMetadata::new());
        assert!(plain.metadata().is_empty());
    }

    #[test]
    fn small_responses_are_not_compressed() {
        let small = response(Encoded(b"hi".to_vec()), 1024);
        assert_eq!(
            small.extensions().get::<SingleMessageCompressionOverride>(),
            Some(&SingleMessageCompressionOverride::Disable)
        );
        let large = response(Encoded(vec![b'x'; 2000]), 1024);
        assert!(
            large
                .extensions()
                .get::<SingleMessageCompressionOverride>()
                .is_none()
        );
        let always = response(Encoded(b"hi".to_vec()), 0);
        assert!(
            always
                .extensions()
                .get::<SingleMessageCompressionOverride>()
                .is_none()
        );
    }

    #[test]
    fn accepted_codings_are_advertised() {
        assert_eq!(
            accept_encoding_header(&ALL_ENCODINGS).unwrap(),
            "gzip,deflate,zstd,identity"
        );
        assert_eq!(accept_encoding_header(&[]), None);
        let resp = http::Response::new(axum::body::Body::empty());
        let value = accept_encoding_header(&[CompressionEncoding::Gzip]);
        let resp = advertise(resp, value.as_ref());
        assert_eq!(resp.headers()["grpc-accept-encoding"], "gzip,identity");
    }

    #[tokio::test]
    async fn without_services_only_the_routes_mounted_by_hand_answer_as_they_are() {
        let mounted =
            axum::Router::new().route("/Echo/Say", axum::routing::post(|| async { "mounted" }));
        let service = Registry::default().into_service(mounted);
        let call = |path: &str| {
            http::Request::post(path)
                .header("content-type", "application/grpc")
                .body(axum::body::Body::empty())
                .expect("request")
        };
        let resp = tower::ServiceExt::oneshot(service.clone(), call("/Echo/Say"))
            .await
            .expect("infallible");
        assert_eq!(resp.status(), 200);
        // No gRPC service: nothing to advertise.
        assert!(resp.headers().get("grpc-accept-encoding").is_none());
        let resp = tower::ServiceExt::oneshot(service, call("/Other/Method"))
            .await
            .expect("infallible");
        assert_eq!(resp.status(), 404);
    }
}
