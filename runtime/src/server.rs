//! The one-port server: XML-RPC (`POST /RPC2`), REST, gRPC, gRPC-Web and the Connect protocol
//! on one listener, chosen per request by [`protocol_of`] — gRPC and gRPC-Web by their content
//! types, Connect by its header or content type, everything else by axum's routing — with CORS
//! (when set) in front of all of them.
//!
//! Generated code mounts each service's protocol parts into [`Parts`] (through [`Mount`]); the
//! server merges them, applies the shared layers, and serves HTTP/1.1 and HTTP/2 (h2c, which is
//! what gRPC clients speak without TLS) on the same port, with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{HeaderValue, Request, Response};
use tower::Service;

use crate::{Protocol, Status};

mod deadlines;

/// The protocol parts services mount into, merged by the [`Server`].
#[derive(Default)]
pub struct Parts {
    /// Plain HTTP routes mounted by hand (health pages, documents, hand-written REST); the
    /// generated REST routes are kept with `rest` until the server starts.
    pub http: Router,
    /// gRPC services, reached only by requests with a gRPC content type.
    pub grpc: Router,
    /// XML-RPC methods, served together at `POST /RPC2`.
    #[cfg(feature = "xmlrpc")]
    pub xmlrpc: crate::xmlrpc::server::Registry,
    /// The OpenAPI fragments of the REST services, served together at `/openapi.json`.
    #[cfg(feature = "rest")]
    pub rest: crate::rest::Registry,
    /// gRPC services with their descriptor sets, built into `grpc` when the server starts, with
    /// reflection and health added once over all of them.
    #[cfg(feature = "grpc")]
    pub grpc_services: crate::grpc::Registry,
}

/// Something that contributes routes: a generated `…Server` wrapping a service implementation.
pub trait Mount {
    /// Adds this service's XML-RPC methods, REST routes and gRPC service to `parts`.
    fn mount(self, parts: &mut Parts);
}

/// The method, URI and headers of a request, as the authentication hook sees them.
pub type RequestParts = http::request::Parts;

/// Decides whether a call may proceed, from its method, path and headers (a bearer token, say).
/// Runs before any protocol decoding; a refusal is answered in the caller's protocol.
pub type Authenticator = Arc<dyn Fn(&http::request::Parts) -> Result<(), Status> + Send + Sync>;

/// The shared layers: applied to every protocol alike.
#[derive(Clone)]
struct Layers {
    timeout: Option<Duration>,
    cors: Option<crate::web::cors::Cors>,
    auth: Option<Authenticator>,
    public: Public,
}

/// What is served without authentication when an [`Authenticator`] is set: the explicit rule for
/// discovery and probes ([`Server::public`]). The default, [`Public::HEALTH`], lets health
/// probes through (they usually run without credentials) and keeps everything that describes the
/// API behind the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Public {
    /// gRPC health (`/grpc.health.v1.Health/*`).
    pub health: bool,
    /// gRPC server reflection (`/grpc.reflection.v1.ServerReflection/*`, and `v1alpha`).
    pub reflection: bool,
    /// `GET /openapi.json`.
    pub openapi: bool,
    /// XML-RPC introspection: `system.listMethods`, `system.methodSignature`,
    /// `system.methodHelp` (not `system.multicall`, which may carry any call).
    pub introspection: bool,
}

impl Public {
    /// Nothing is public: every request needs credentials.
    pub const NONE: Public = Public {
        health: false,
        reflection: false,
        openapi: false,
        introspection: false,
    };
    /// Health only (the default).
    pub const HEALTH: Public = Public {
        health: true,
        ..Public::NONE
    };
    /// Health and every way of discovering the API (reflection, `/openapi.json`, XML-RPC
    /// introspection).
    pub const DISCOVERY: Public = Public {
        health: true,
        reflection: true,
        openapi: true,
        introspection: true,
    };

    /// Whether this request may skip authentication; XML-RPC introspection is decided later, by
    /// the `/RPC2` endpoint, once the method name is read.
    fn lets_through(&self, protocol: Protocol, parts: &http::request::Parts) -> bool {
        let path = parts.uri.path();
        match protocol {
            // The gRPC services, whichever of their three protocols carries the call.
            Protocol::Grpc | Protocol::GrpcWeb | Protocol::Connect => {
                (self.health && path.starts_with("/grpc.health.v1.Health/"))
                    || (self.reflection
                        && (path.starts_with("/grpc.reflection.v1.ServerReflection/")
                            || path.starts_with("/grpc.reflection.v1alpha.ServerReflection/")))
            }
            Protocol::Rest => {
                self.openapi && path == "/openapi.json" && parts.method == http::Method::GET
            }
            _ => false,
        }
    }
}

impl Default for Public {
    fn default() -> Self {
        Public::HEALTH
    }
}

/// Put on an XML-RPC request that failed authentication while XML-RPC introspection is public:
/// the `/RPC2` endpoint serves the introspection methods and answers every other call with
/// this status.
#[derive(Debug, Clone)]
pub struct Unauthenticated(pub Status);

/// The `Authorization` header's bearer token, compared in constant time with `token` (the
/// `subtle` crate): the ready-made hook for [`Server::authenticate`]. The scheme is matched
/// without regard to case (RFC 9110 §11.1); a missing or different token is `unauthenticated`.
///
/// ```
/// let server = rosetta_runtime::server::Server::new()
///     .authenticate(rosetta_runtime::server::bearer_token("secret"));
/// ```
pub fn bearer_token(
    token: impl Into<String>,
) -> impl Fn(&http::request::Parts) -> Result<(), Status> + Send + Sync + 'static {
    let expected = token.into();
    move |req| {
        let Some(value) = req.headers.get(http::header::AUTHORIZATION) else {
            return Err(Status::unauthenticated(
                "a bearer token is required (Authorization: Bearer ...)",
            ));
        };
        let bytes = value.as_bytes();
        let given = bytes
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
            .and_then(|_| bytes.get(7..))
            .unwrap_or_default();
        if tokens_equal(given, expected.as_bytes()) {
            Ok(())
        } else {
            Err(Status::unauthenticated("the bearer token is not valid"))
        }
    }
}

/// Constant-time equality (only the length may show): what every token comparison uses.
pub fn tokens_equal(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(given.ct_eq(expected))
}

/// How long connections may sit without a request, and how many may be open (see
/// [`Server::header_read_timeout`], [`Server::idle_timeout`], [`Server::max_connections`]).
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

/// The default [`Server::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`Server::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The default [`Server::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Builds the one-port server.
pub struct Server {
    parts: Parts,
    layers: Layers,
    limits: ConnectionLimits,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            parts: Parts::default(),
            layers: Layers {
                timeout: Some(Duration::from_secs(30)),
                cors: None,
                auth: None,
                public: Public::HEALTH,
            },
            limits: ConnectionLimits {
                header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                max_connections: DEFAULT_MAX_CONNECTIONS,
            },
        }
    }
}

impl Server {
    /// An empty server with a 30 s timeout per call and no authentication.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers calls still running after `timeout` with the protocol's deadline error (REST 504,
    /// gRPC `DEADLINE_EXCEEDED`, an XML-RPC fault with the `deadline_exceeded` code); `None`
    /// waits forever.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.layers.timeout = timeout;
        self
    }

    /// Checks every call with `auth` first; a refusal is answered in the caller's protocol
    /// (REST 401 problem+json, gRPC `UNAUTHENTICATED`, an XML-RPC fault). A request with more
    /// than one `Authorization` header is refused before `auth` sees it (which one would count
    /// is ambiguous). What skips the check is [`Server::public`]'s rule (default: gRPC health).
    /// [`bearer_token`] is the hook for a bearer token.
    pub fn authenticate(
        mut self,
        auth: impl Fn(&http::request::Parts) -> Result<(), Status> + Send + Sync + 'static,
    ) -> Self {
        self.layers.auth = Some(Arc::new(auth));
        self
    }

    /// Closes a connection that has not delivered a complete request head within `timeout` of
    /// opening (HTTP/1.1 and HTTP/2 alike: a client that sends nothing, or half a request line,
    /// holds no slot for longer). On HTTP/1.1 keep-alive connections the next request's head must
    /// also arrive within `timeout` of the previous response (so an idle HTTP/1.1 connection is
    /// closed after the shorter of this and [`Server::idle_timeout`]). Default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`] (10 s).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// Closes a connection that has had no call in flight for `timeout` after its last response
    /// (keep-alive HTTP/1.1, or an HTTP/2 connection with no open stream; on HTTP/1.1 a shorter
    /// [`Server::header_read_timeout`] closes it first). Calls themselves are
    /// bounded by [`Server::timeout`], not this. Default [`DEFAULT_IDLE_TIMEOUT`] (60 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// Serves at most `max` connections at once; further clients wait in the listen backlog
    /// until one closes (at least 1). Default [`DEFAULT_MAX_CONNECTIONS`] (1024): keep it below
    /// the process's file limit.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// Lets browser pages on other origins call every HTTP protocol (REST, XML-RPC, gRPC-Web,
    /// Connect): preflights are answered before authentication, and every answer carries the
    /// CORS headers, exposing what gRPC-Web and Connect clients read
    /// ([`crate::web::cors::EXPOSED_HEADERS`]). Off unless set.
    pub fn cors(mut self, cors: crate::web::cors::Cors) -> Self {
        self.layers.cors = Some(cors);
        self
    }

    /// Which requests skip authentication ([`Public::HEALTH`] unless set): health, reflection,
    /// `/openapi.json`, XML-RPC introspection.
    pub fn public(mut self, public: Public) -> Self {
        self.layers.public = public;
        self
    }

    /// Adds a service (every protocol it was generated for).
    pub fn mount(mut self, service: impl Mount) -> Self {
        service.mount(&mut self.parts);
        self
    }

    /// Sets the gRPC options (message size limits, reflection, health) for every gRPC service,
    /// whenever they were mounted.
    #[cfg(feature = "grpc")]
    pub fn grpc_options(mut self, options: crate::grpc::GrpcOptions) -> Self {
        *self.parts.grpc_services.options_mut() = options;
        self
    }

    /// Adds plain HTTP routes (health pages, documents) next to the services'.
    pub fn routes(mut self, router: Router) -> Self {
        self.parts.http = std::mem::take(&mut self.parts.http).merge(router);
        self
    }

    /// The merged application: every protocol's routes behind the shared layers. [`serve`]
    /// calls it directly; [`Server::into_router`] wraps it in a router for embedding.
    ///
    /// [`serve`]: Server::serve_with_shutdown
    fn into_app(self) -> App {
        let Parts {
            http,
            grpc,
            #[cfg(feature = "xmlrpc")]
            xmlrpc,
            #[cfg(feature = "rest")]
            rest,
            #[cfg(feature = "grpc")]
            grpc_services,
        } = self.parts;
        // Routes mounted by hand may read the peer's `ConnectInfo`; generated REST routes take
        // it from the server (`current_peer`), so without hand routes a REST call needs none.
        let hand_routes = http.has_routes();
        // The same for gRPC: the generated services take the peer from the server too.
        #[cfg(feature = "grpc")]
        let grpc_hand_routes = grpc.has_routes();
        // Handlers turned into routes once, here, as `axum::serve` does (`into_make_service`):
        // a router that was never given its state clones every matched handler's box and makes
        // a route of it on every call (~0.2k instructions of a REST `GET /data`).
        let grpc = grpc.with_state(());
        #[cfg(feature = "grpc")]
        let connect_setup = (!grpc_services.is_empty()).then(|| {
            (
                grpc_services.descriptor_sets(),
                grpc_services.options().clone(),
            )
        });
        #[cfg(feature = "grpc")]
        let grpc = grpc_services.into_service(grpc);
        #[cfg(feature = "grpc")]
        let connect = connect_setup.map(|(sets, options)| {
            Arc::new(crate::web::connect::Connect::new(
                grpc.clone(),
                &sets,
                &options,
            ))
        });
        // `POST /RPC2` is dispatched by the split directly (`Routers::xmlrpc`); the route stays
        // for everything else at `/RPC2` (a 405 for another method).
        #[cfg(feature = "xmlrpc")]
        let (http, xmlrpc) = if xmlrpc.is_empty() {
            (http, None)
        } else {
            let registry = Arc::new(xmlrpc);
            let route = crate::xmlrpc::endpoint::router(Arc::clone(&registry));
            (http.merge(route), Some(registry))
        };
        // `/openapi.json` and problem+json 404/405: after every route is in.
        #[cfg(feature = "rest")]
        let mut rest = rest;
        #[cfg(feature = "rest")]
        let rest_table = rest.take_table();
        #[cfg(feature = "rest")]
        let http = rest.finish(http);
        let http = http.with_state(());
        let cors = self.layers.cors.as_ref().map(crate::web::cors::Cors::layer);
        let split = Split(Arc::new(Routers {
            #[cfg(feature = "grpc")]
            grpc_web: crate::web::grpc_web::service(grpc.clone()),
            #[cfg(feature = "grpc")]
            connect,
            grpc,
            http,
            #[cfg(feature = "rest")]
            rest: rest_table,
            #[cfg(feature = "xmlrpc")]
            xmlrpc,
            hand_routes,
            #[cfg(feature = "grpc")]
            grpc_hand_routes,
            layers: self.layers,
            deadlines: deadlines::Deadlines::new(),
        }));
        match cors {
            // Outside the split: a preflight never reaches authentication or a protocol.
            Some(cors) => App::Cors(Box::new(tower::Layer::layer(&cors, split))),
            None => App::Plain(split),
        }
    }

    /// The merged application as one axum router, for tests (`tower::ServiceExt::oneshot`) or
    /// for embedding in a larger axum app.
    pub fn into_router(self) -> Router {
        match self.into_app() {
            App::Plain(split) => Router::new().fallback_service(split),
            App::Cors(cors) => Router::new().fallback_service(*cors),
        }
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the calls in flight.
    ///
    /// Connections are served by hyper (HTTP/1.1 and h2c, detected per connection), each with
    /// the header-read and idle timeouts, at most [`Server::max_connections`] at once.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let limits = self.limits;
        let app = self.into_app();
        connections::serve(listener, app, limits, shutdown).await;
        Ok(())
    }

    /// Serves on `listener` until SIGINT or SIGTERM, then finishes the calls in flight.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.serve_with_shutdown(listener, shutdown_signal()).await
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed there is no Ctrl-C to wait for: wait forever.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The media type of a request's `content-type`, without parameters, as sent (media types are
/// case-insensitive: compare with [`media_type_is`] and [`media_type_extends`]). Borrowed, so
/// telling the protocol apart allocates nothing per call.
fn media_type(req: &Request<Body>) -> Option<&str> {
    media_type_of(req.headers().get(http::header::CONTENT_TYPE)?)
}

/// [`media_type`], from the `content-type` value.
fn media_type_of(value: &HeaderValue) -> Option<&str> {
    // `to_str` lets only tab and visible ASCII through.
    Some(crate::body::media_type(value.to_str().ok()?))
}

/// `mt` is `base`, ignoring ASCII case.
fn media_type_is(mt: &str, base: &str) -> bool {
    mt.eq_ignore_ascii_case(base)
}

/// `mt` is `base` followed by `+suffix` (a codec: `application/grpc+proto`), ignoring ASCII case.
fn media_type_extends(mt: &str, base: &str) -> bool {
    mt.len() > base.len()
        && mt.as_bytes()[base.len()] == b'+'
        && mt.is_char_boundary(base.len())
        && mt[..base.len()].eq_ignore_ascii_case(base)
}

/// True for a gRPC request (`application/grpc`, `application/grpc+proto`, ...), not gRPC-Web.
pub fn is_grpc(req: &Request<Body>) -> bool {
    media_type(req).is_some_and(grpc_media_type)
}

fn grpc_media_type(mt: &str) -> bool {
    media_type_is(mt, "application/grpc") || media_type_extends(mt, "application/grpc")
}

/// True for a gRPC-Web request (`application/grpc-web`, `application/grpc-web-text`, with or
/// without a `+codec`).
pub fn is_grpc_web(req: &Request<Body>) -> bool {
    media_type(req).is_some_and(grpc_web_media_type)
}

fn grpc_web_media_type(mt: &str) -> bool {
    ["application/grpc-web", "application/grpc-web-text"]
        .iter()
        .any(|base| media_type_is(mt, base) || media_type_extends(mt, base))
}

/// True for a Connect protocol call: a GET with `connect=v1` in its query, or a POST as follows.
/// Connect's unary `POST /<package>.<Service>/<Method>` is
/// also the REST default route's URL, so the two are told apart by what only Connect sends:
/// a `Connect-Protocol-Version` header (every Connect client sends it), or a Connect content
/// type (`application/proto`, `application/connect+…`), which REST never accepts. A POST with
/// `application/json` and no such header is REST.
pub fn is_connect(req: &Request<Body>) -> bool {
    connect_call(req, media_type(req))
}

/// [`is_connect`], with the request's media type already read.
fn connect_call(req: &Request<Body>, media_type: Option<&str>) -> bool {
    if req.method() == http::Method::GET {
        // A Connect unary GET says so in its query (connect-es and connect-go always do).
        return req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "connect=v1"));
    }
    if req.method() != http::Method::POST {
        return false;
    }
    if req.headers().contains_key(CONNECT_PROTOCOL_VERSION) {
        return true;
    }
    media_type.is_some_and(|mt| {
        media_type_is(mt, "application/proto") || media_type_extends(mt, "application/connect")
    })
}

/// The header every Connect client sends, as a name (a `&str` key is parsed at every lookup).
const CONNECT_PROTOCOL_VERSION: http::HeaderName =
    http::HeaderName::from_static("connect-protocol-version");

/// The protocol a request is for: gRPC and gRPC-Web by content type, Connect by
/// [`is_connect`], XML-RPC by its endpoint, REST otherwise. The content type is read once.
pub fn protocol_of(req: &Request<Body>) -> Protocol {
    let content_type = req.headers().get(http::header::CONTENT_TYPE);
    // What gRPC clients send (tonic, grpc-go, grpc-java, grpc-core): told by one comparison,
    // without the parsing below (a few hundred instructions of a unary call).
    if content_type.is_some_and(|v| v.as_bytes() == b"application/grpc") {
        return Protocol::Grpc;
    }
    let mt = content_type.and_then(media_type_of);
    if mt.is_some_and(grpc_media_type) {
        Protocol::Grpc
    } else if mt.is_some_and(grpc_web_media_type) {
        Protocol::GrpcWeb
    } else if connect_call(req, mt) {
        Protocol::Connect
    } else if req.uri().path() == "/RPC2" {
        Protocol::XmlRpc
    } else {
        Protocol::Rest
    }
}

/// A failure answered in the protocol's own terms: REST problem+json with the kind's status,
/// gRPC a trailers-only response with the kind's code, XML-RPC a fault with the kind's code.
pub fn error_response(protocol: Protocol, status: &Status) -> Response<Body> {
    let kind = status.kind();
    let mut resp = match protocol {
        // A trailers-only answer: gRPC-Web keeps the status in the headers too.
        Protocol::Grpc | Protocol::GrpcWeb => {
            let mut r = Response::new(Body::empty());
            let h = r.headers_mut();
            h.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(if protocol == Protocol::Grpc {
                    "application/grpc"
                } else {
                    "application/grpc-web+proto"
                }),
            );
            h.insert("grpc-status", HeaderValue::from(kind.grpc_code()));
            if let Ok(v) = HeaderValue::from_str(&percent_encode_grpc(status.message())) {
                h.insert("grpc-message", v);
            }
            r
        }
        #[cfg(feature = "grpc")]
        Protocol::Connect => crate::web::connect::error_response(status),
        #[cfg(feature = "xmlrpc")]
        Protocol::XmlRpc => {
            let fault = crate::xmlrpc::Fault::new(kind.fault_code(), status.message());
            let mut r = Response::new(Body::from(crate::xmlrpc::encode_fault(&fault)));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            r
        }
        _ => {
            let code = http::StatusCode::from_u16(kind.http_status())
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({
                "type": "about:blank",
                "title": code.canonical_reason().unwrap_or("Error"),
                "status": code.as_u16(),
                "detail": status.message(),
                "kind": kind.name(),
            });
            let mut r = Response::new(Body::from(body.to_string()));
            *r.status_mut() = code;
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            if kind == crate::ErrorKind::Unauthenticated {
                r.headers_mut().insert(
                    http::header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer"),
                );
            }
            r
        }
    };
    if protocol != Protocol::Rest && protocol != Protocol::Connect {
        // gRPC and XML-RPC report failures in the body (or trailers), over HTTP 200.
        *resp.status_mut() = http::StatusCode::OK;
    }
    resp
}

/// `grpc-message` is percent-encoded (gRPC over HTTP/2 spec): keep printable ASCII but `%`.
fn percent_encode_grpc(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for b in message.bytes() {
        if (0x20..0x7f).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What the one-port server serves: the [`Split`], behind CORS when it is configured.
enum App {
    Plain(Split),
    /// Boxed: built once per server, and far larger than the split.
    Cors(Box<tower_http::cors::Cors<Split>>),
}

/// The answer of an [`App`] to one call.
type AppFuture = futures_util::future::Either<SplitFuture, CorsFuture>;

/// A call through CORS, boxed so that calls without CORS do not carry its size.
type CorsFuture = Pin<Box<tower_http::cors::ResponseFuture<SplitFuture>>>;

impl App {
    /// Answers one call. Without CORS the split is called through a shared reference: no
    /// service is cloned per call.
    #[inline]
    fn answer(&self, mut req: Request<Body>, peer: SocketAddr) -> AppFuture {
        match self {
            App::Plain(split) => {
                futures_util::future::Either::Left(split.dispatch(req, Some(peer)))
            }
            App::Cors(cors) => {
                req.extensions_mut().insert(ConnectInfo(peer));
                futures_util::future::Either::Right(Box::pin((**cors).clone().call(req)))
            }
        }
    }
}

/// Sends gRPC requests to one router and everything else to the other, after the shared layers:
/// authentication, then a timeout around the call, inside a tracing span naming the protocol and
/// the path.
///
/// Per call it allocates nothing of its own: the routers' futures are held inline (only gRPC-Web
/// and Connect, which translate bodies, and XML-RPC's endpoint, called without a router, are
/// boxed), the protocol is told from the borrowed
/// content type, and a call joins the server's deadline queue (`deadlines`: one timer for every
/// call, not one per call) only when a timeout is configured, the caller did not send a shorter
/// deadline of its own (gRPC handlers already run within that one) and the call is still
/// running after its first poll (to the deadline taken when the call arrived). The tracing span
/// is made only when a subscriber wants debug spans.
#[derive(Clone)]
struct Split(Arc<Routers>);

/// The routers and layers a [`Split`] shares between its clones. What every call of a protocol
/// goes through wraps that protocol's router once (axum's `Router::layer` would wrap each route
/// in a boxed service of its own, cloned again per call at every layer).
struct Routers {
    grpc: GrpcSide,
    /// gRPC-Web, translated to gRPC on `grpc`.
    #[cfg(feature = "grpc")]
    grpc_web: crate::web::grpc_web::GrpcWeb,
    /// Connect, translated to gRPC on `grpc` (`None` when no gRPC service is mounted).
    #[cfg(feature = "grpc")]
    connect: Option<Arc<crate::web::connect::Connect>>,
    /// REST and XML-RPC.
    http: HttpSide,
    /// The generated REST routes, answered without the router when a call's path and method
    /// name one (`rest::table`).
    #[cfg(feature = "rest")]
    rest: crate::rest::table::RouteTable,
    /// The XML-RPC methods (`None` when none is mounted), called directly for `POST /RPC2`:
    /// the router's matching, its matched-path extension and the metadata layer's extension
    /// would cost a fifth of a small call for a route the split has already recognised.
    #[cfg(feature = "xmlrpc")]
    xmlrpc: Option<Arc<crate::xmlrpc::server::Registry>>,
    /// Routes were mounted by hand on `http`: REST calls carry the peer as `ConnectInfo` for
    /// them.
    hand_routes: bool,
    /// Routes were mounted by hand for gRPC content types: gRPC calls (and gRPC-Web and
    /// Connect calls, translated to gRPC) carry the peer as `ConnectInfo` for them.
    #[cfg(feature = "grpc")]
    grpc_hand_routes: bool,
    layers: Layers,
    /// The calls running under the server's timeout.
    deadlines: deadlines::Deadlines,
}

/// The gRPC services: behind what every gRPC call goes through (`grpc::server::GrpcRoutes`).
#[cfg(feature = "grpc")]
type GrpcSide = crate::grpc::server::GrpcService;
/// Routes mounted by hand for gRPC content types (no gRPC service is compiled in).
#[cfg(not(feature = "grpc"))]
type GrpcSide = Router;
/// REST and XML-RPC. Their routes apply their handlers' response metadata themselves
/// (`rest::handler::answer`, `xmlrpc::endpoint::call`): no layer around the router.
type HttpSide = Router;

type GrpcFuture = <GrpcSide as Service<Request<Body>>>::Future;
type HttpFuture = <HttpSide as Service<Request<Body>>>::Future;

impl Service<Request<Body>> for Split {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = SplitFuture;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        // Both routers are always ready (axum's Router never applies backpressure).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // The peer, if known, is in the request's `ConnectInfo` (put there by the server, or by
        // the app this router is embedded in).
        self.dispatch(req, None)
    }
}

impl Split {
    /// Answers one call; `peer` is the connection's address when the server's own accept loop
    /// calls (otherwise any `ConnectInfo` the request carries stands).
    #[inline]
    fn dispatch(&self, req: Request<Body>, peer: Option<SocketAddr>) -> SplitFuture {
        let routers = &*self.0;
        let protocol = protocol_of(&req);
        // A `POST /RPC2` goes straight to the XML-RPC endpoint, without the router.
        #[cfg(feature = "xmlrpc")]
        let direct_xmlrpc = routers
            .xmlrpc
            .as_ref()
            .filter(|_| protocol == Protocol::XmlRpc && req.method() == http::Method::POST);
        #[cfg(not(feature = "xmlrpc"))]
        let direct_xmlrpc: Option<()> = None;
        // At debug level, as tower-http's trace layer: a server logging at info pays nothing
        // per call for it. The info events below name the protocol and path themselves. Made
        // only when a subscriber wants it: a disabled span still records its fields for the
        // `log` crate (when tracing's `log` feature is on) and logs every enter and exit.
        let span = if tracing::enabled!(tracing::Level::DEBUG) {
            tracing::debug_span!("call", protocol = protocol.as_str(), path = %req.uri().path())
        } else {
            tracing::Span::none()
        };
        let mut req = req;
        // The peer as axum's `ConnectInfo`, for the authenticator and the routes mounted by
        // hand (users' extractors). The direct XML-RPC call takes it as an argument, and the
        // generated REST routes and gRPC services from the call's future while it runs
        // (`current_peer`): their requests then carry no extension of ours (an entry boxed,
        // hashed, looked up and freed per call, a sixth of what the server added to a small
        // REST call).
        let extension = routers.layers.auth.is_some()
            || match protocol {
                Protocol::Rest | Protocol::XmlRpc => direct_xmlrpc.is_none() && routers.hand_routes,
                #[cfg(feature = "grpc")]
                Protocol::Grpc | Protocol::GrpcWeb | Protocol::Connect => routers.grpc_hand_routes,
                _ => true,
            };
        let mut direct_peer = None;
        if let Some(peer) = peer {
            if extension {
                req.extensions_mut().insert(ConnectInfo(peer));
            } else if direct_xmlrpc.is_none() {
                direct_peer = Some(peer);
            }
        }
        // The request is taken apart only for the authenticator, which reads its parts: moving
        // them out and back costs two copies of the request head per call.
        if let Some(auth) = &routers.layers.auth {
            let (mut parts, body) = req.into_parts();
            let verdict = if parts
                .headers
                .get_all(http::header::AUTHORIZATION)
                .iter()
                .nth(1)
                .is_some()
            {
                Err(Status::unauthenticated(
                    "a request must carry exactly one Authorization header",
                ))
            } else if routers.layers.public.lets_through(protocol, &parts) {
                Ok(())
            } else {
                auth(&parts)
            };
            match verdict {
                Ok(()) => {}
                // XML-RPC introspection is told apart by the method name, in the body: the
                // endpoint decides, knowing the call was not authenticated.
                Err(status)
                    if protocol == Protocol::XmlRpc
                        && routers.layers.public.introspection
                        && parts
                            .headers
                            .get_all(http::header::AUTHORIZATION)
                            .iter()
                            .count()
                            <= 1 =>
                {
                    parts.extensions.insert(Unauthenticated(status));
                }
                Err(status) => {
                    tracing::info!(
                        parent: &span,
                        protocol = protocol.as_str(),
                        path = parts.uri.path(),
                        kind = %status.kind(),
                        "refused"
                    );
                    let answer = Call::Ready {
                        response: Some(error_response(protocol, &status)),
                    };
                    return SplitFuture::new(answer, None, protocol, span, None);
                }
            }
            req = Request::from_parts(parts, body);
        }
        let timeout = routers
            .layers
            .timeout
            .filter(|limit| !caller_deadline_within(protocol, req.headers(), *limit))
            .map(|limit| (limit, Arc::clone(&self.0)));
        let call = match protocol {
            Protocol::Grpc => Call::Grpc {
                future: routers.grpc.clone().call(req),
            },
            #[cfg(feature = "grpc")]
            Protocol::GrpcWeb => {
                let web = routers.grpc_web.clone();
                Call::Boxed {
                    future: Box::pin(async move { crate::web::grpc_web::call(web, req).await }),
                }
            }
            #[cfg(feature = "grpc")]
            Protocol::Connect => match &routers.connect {
                Some(connect) => {
                    let connect = Arc::clone(connect);
                    Call::Boxed {
                        future: Box::pin(
                            async move { crate::web::connect::call(connect, req).await },
                        ),
                    }
                }
                None => Call::Ready {
                    response: Some(error_response(
                        protocol,
                        &Status::unimplemented(
                            "no gRPC service is mounted: nothing speaks Connect",
                        ),
                    )),
                },
            },
            #[cfg(feature = "xmlrpc")]
            Protocol::XmlRpc if let Some(registry) = direct_xmlrpc => {
                let registry = Arc::clone(registry);
                let (parts, body) = req.into_parts();
                let answer = crate::xmlrpc::endpoint::call(
                    registry,
                    parts.headers,
                    parts.extensions,
                    body,
                    peer,
                );
                Call::Boxed {
                    future: Box::pin(answer),
                }
            }
            #[cfg(feature = "rest")]
            Protocol::Rest if let Some(endpoint) = routers.rest.find(&mut req) => {
                // A generated route makes its context as it is called, here, not when its
                // future is first polled (within the split's own scope).
                let _peer = PeerScope::enter(direct_peer);
                Call::Boxed {
                    future: endpoint(req),
                }
            }
            _ => Call::Http {
                future: routers.http.clone().call(req),
            },
        };
        SplitFuture::new(call, timeout, protocol, span, direct_peer)
    }
}

thread_local! {
    /// The peer of the call whose future the thread is polling ([`SplitFuture`]), when the
    /// call's request does not carry it as `ConnectInfo`.
    static PEER: std::cell::Cell<Option<SocketAddr>> = const { std::cell::Cell::new(None) };
}

/// The peer of the call being served on this thread, when the server passes it directly
/// rather than as the request's `ConnectInfo`: what a generated REST route's or gRPC service's
/// context reads, from within the call's future.
#[cfg(any(feature = "rest", feature = "grpc"))]
pub(crate) fn current_peer() -> Option<SocketAddr> {
    PEER.with(std::cell::Cell::get)
}

/// While alive, [`current_peer`] is this call's (none when its request carries the peer, or
/// nobody knows it: a router called in process by a handler does not see its caller's peer);
/// then what it was before (a call polled within another's poll).
struct PeerScope(Option<SocketAddr>);

impl PeerScope {
    fn enter(peer: Option<SocketAddr>) -> Self {
        PeerScope(PEER.with(|current| current.replace(peer)))
    }
}

impl Drop for PeerScope {
    fn drop(&mut self) {
        PEER.with(|current| current.set(self.0));
    }
}

/// Whether the caller sent its own deadline, no later than `limit`: gRPC and gRPC-Web handlers
/// are held to it by their own timer (`grpc::server::call`), so the server's limit would never
/// be the one to fire.
fn caller_deadline_within(protocol: Protocol, headers: &http::HeaderMap, limit: Duration) -> bool {
    #[cfg(feature = "grpc")]
    if matches!(protocol, Protocol::Grpc | Protocol::GrpcWeb) {
        return crate::grpc::server::grpc_timeout(headers).is_some_and(|t| t <= limit);
    }
    let _ = (protocol, headers, limit);
    false
}

/// A boxed answer: gRPC-Web and Connect, which translate the call to gRPC and back, and
/// XML-RPC's `POST /RPC2`.
type BoxedAnswer = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

pin_project_lite::pin_project! {
    /// Where a call through the [`Split`] is answered.
    #[project = CallProj]
    enum Call {
        /// The gRPC services.
        Grpc { #[pin] future: GrpcFuture },
        /// REST and XML-RPC.
        Http { #[pin] future: HttpFuture },
        /// A protocol translated to gRPC, or XML-RPC's endpoint (boxed as axum boxes a
        /// handler's future).
        Boxed { future: BoxedAnswer },
        /// Answered without a router: a refusal.
        Ready { response: Option<Response<Body>> },
    }
}

impl Future for Call {
    type Output = Response<Body>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Response<Body>> {
        match self.project() {
            CallProj::Grpc { future } => future.poll(cx).map(|Ok(response)| response),
            CallProj::Http { future } => future.poll(cx).map(|Ok(response)| response),
            CallProj::Boxed { future } => future.as_mut().poll(cx),
            CallProj::Ready { response } => {
                Poll::Ready(response.take().expect("a call's answer is taken once"))
            }
        }
    }
}

/// The server's timeout of one call. The call reads the clock and joins the server's
/// [`deadlines::Deadlines`] only when it is still running after its first poll: most unary calls
/// finish in that poll, and a clock read per call was a measurable part of a small REST call's
/// cost. The limit therefore counts from the end of the first poll, which follows the call's
/// arrival at once (a handler that blocks its first poll is late by that much, never early).
struct Bound {
    limit: Duration,
    routers: Arc<Routers>,
    ticket: Option<deadlines::Ticket>,
}

pin_project_lite::pin_project! {
    /// The answer of one call through the [`Split`]: the protocol's service, within the
    /// server's timeout when one applies, inside the call's span. Flat: each layer of enum
    /// around the call (the router's future, a third of a kilobyte) was one more copy of it
    /// per call.
    struct SplitFuture {
        #[pin]
        call: Call,
        bound: Option<Bound>,
        protocol: Protocol,
        span: tracing::Span,
        // `peer`: the caller, when its request does not carry it (see `current_peer`).
        peer: Option<SocketAddr>,
    }
}

impl SplitFuture {
    fn new(
        call: Call,
        timeout: Option<(Duration, Arc<Routers>)>,
        protocol: Protocol,
        span: tracing::Span,
        peer: Option<SocketAddr>,
    ) -> Self {
        let bound = timeout.map(|(limit, routers)| Bound {
            limit,
            routers,
            ticket: None,
        });
        SplitFuture {
            call,
            bound,
            protocol,
            span,
            peer,
        }
    }
}

impl Future for SplitFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _in_span = this.span.enter();
        let _peer = PeerScope::enter(*this.peer);
        if let Poll::Ready(response) = this.call.poll(cx) {
            return Poll::Ready(Ok(response));
        }
        let Some(bound) = this.bound else {
            return Poll::Pending;
        };
        let ticket = match &mut bound.ticket {
            Some(ticket) => ticket,
            None => {
                // No deadline when the limit is too far to represent, as `tokio::time::timeout`.
                let Some(deadline) = tokio::time::Instant::now().checked_add(bound.limit) else {
                    *this.bound = None;
                    return Poll::Pending;
                };
                bound
                    .ticket
                    .insert(bound.routers.deadlines.register(deadline))
            }
        };
        if !ticket.poll_expired(cx) {
            return Poll::Pending;
        }
        tracing::info!(protocol = this.protocol.as_str(), "deadline exceeded");
        let status = Status::deadline_exceeded(format!(
            "the call took longer than {} ms",
            bound.limit.as_millis()
        ));
        Poll::Ready(Ok(error_response(*this.protocol, &status)))
    }
}

/// The accept loop and the connections' watchdog behind [`Server::serve_with_shutdown`].
///
/// axum's own `serve` offers neither timeouts nor a connection cap, so connections are served
/// here with hyper-util's auto (HTTP/1.1 or HTTP/2) builder.
mod connections {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::time::Instant;

    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulConnection;
    use tokio::sync::Semaphore;

    use super::*;

    /// What the watchdog knows of a connection: calls in flight, how many ended, and whether
    /// any call was ever made. Atomics only: a call's start and end take no lock and read no
    /// clock (the watchdog dates the ends it sees, see [`Watch::deadline`]).
    struct Activity {
        in_flight: AtomicUsize,
        /// Calls ended so far.
        ended: AtomicU64,
        served: AtomicBool,
        /// The connection speaks HTTP/2 (its first call said so).
        http2: AtomicBool,
        /// The server is shutting down: the connection is to finish its calls and close.
        shutdown: AtomicBool,
        /// Wakes the connection's task (set at its first poll) to see `shutdown`.
        task: std::sync::Mutex<Option<std::task::Waker>>,
    }

    impl Activity {
        fn new() -> Self {
            Activity {
                in_flight: AtomicUsize::new(0),
                ended: AtomicU64::new(0),
                served: AtomicBool::new(false),
                http2: AtomicBool::new(false),
                shutdown: AtomicBool::new(false),
                task: std::sync::Mutex::new(None),
            }
        }

        /// Asks the connection to shut down gracefully (its task sees it when woken).
        fn shut_down(&self) {
            self.shutdown.store(true, Ordering::SeqCst);
            let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(task) = task {
                task.wake();
            }
        }

        fn start(self: &Arc<Self>, http2: bool) -> InFlight {
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            if !self.served.load(Ordering::Relaxed) {
                // Once per connection: the version before `served`, both seen by the watchdog.
                self.http2.store(http2, Ordering::SeqCst);
                self.served.store(true, Ordering::SeqCst);
            }
            InFlight(Arc::clone(self))
        }

        /// How long the connection may wait for a call: a first request's head within
        /// `header_read_timeout` of opening; then, on HTTP/2, `idle_timeout` after the last
        /// call; on HTTP/1.1, the next request's head within `header_read_timeout` of the last
        /// response too, so the shorter of the two. (hyper's own HTTP/1 header-read timer did
        /// the last per request: a boxed timer registered and removed around every request
        /// head, a tenth of a small call's cost; the server's watchdog thread does the same.)
        fn idle_limit(&self, limits: &ConnectionLimits) -> Duration {
            if !self.served.load(Ordering::SeqCst) {
                limits.header_read_timeout
            } else if self.http2.load(Ordering::SeqCst) {
                limits.idle_timeout
            } else {
                limits.idle_timeout.min(limits.header_read_timeout)
            }
        }
    }

    /// A call in flight, until its response body is finished or dropped.
    struct InFlight(Arc<Activity>);

    impl Drop for InFlight {
        fn drop(&mut self) {
            let activity = &self.0;
            activity.ended.fetch_add(1, Ordering::SeqCst);
            activity.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A response body that keeps its call counted as in flight until it is sent. hyper takes it
    /// as it is (not boxed again).
    struct Tracked {
        body: Body,
        _call: InFlight,
    }

    impl http_body::Body for Tracked {
        type Data = axum::body::Bytes;
        type Error = axum::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut TaskContext<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            Pin::new(&mut self.body).poll_frame(cx)
        }

        fn is_end_stream(&self) -> bool {
            self.body.is_end_stream()
        }

        fn size_hint(&self) -> http_body::SizeHint {
            self.body.size_hint()
        }
    }

    pin_project_lite::pin_project! {
        /// A connection that shuts down gracefully when its [`Activity`] says so. What
        /// hyper-util's `GracefulShutdown::watch` did, without polling a channel of its own on
        /// every poll of the connection (a tenth of the difference between a small REST call
        /// here and on `axum::serve`): the shutdown is one flag, looked at when the task wakes,
        /// and the accept loop wakes the task when it sets it.
        struct Watched<C> {
            #[pin]
            conn: C,
            activity: Arc<Activity>,
            // `registered`: the task's waker is with the activity (a spawned task's waker stays
            // the same).
            registered: bool,
            shutting: bool,
        }
    }

    impl<C: GracefulConnection> Future for Watched<C> {
        type Output = C::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<C::Output> {
            let mut this = self.project();
            if !*this.shutting {
                if !*this.registered {
                    // Before the flag is read: a shutdown set meanwhile finds the waker.
                    *this.activity.task.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(cx.waker().clone());
                    *this.registered = true;
                }
                if this.activity.shutdown.load(Ordering::SeqCst) {
                    *this.shutting = true;
                    this.conn.as_mut().graceful_shutdown();
                }
            }
            this.conn.poll(cx)
        }
    }

    pub(super) async fn serve(
        listener: tokio::net::TcpListener,
        app: App,
        limits: ConnectionLimits,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) {
        let mut builder = Builder::new(TokioExecutor::new());
        // No header-read timer of hyper's: the watchdog below enforces it (`Activity::idle_limit`).
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(None);
        builder.http2().timer(TokioTimer::new());
        let builder = Arc::new(builder);
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        // Every connection's task holds a receiver: when all are gone, every connection is.
        let (closing, _) = tokio::sync::watch::channel(());
        let watchdog = Watchdog::start(limits);
        let app = Arc::new(app);
        tokio::pin!(shutdown);
        loop {
            // At the cap, stop accepting: newcomers wait in the kernel's backlog.
            let slot = tokio::select! {
                slot = Arc::clone(&slots).acquire_owned() => match slot {
                    Ok(s) => s,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors, or a connection reset before accept: wait a
                        // little rather than spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let activity = Arc::new(Activity::new());
            let app = Arc::clone(&app);
            let calls = Arc::clone(&activity);
            let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                let call = calls.start(req.version() == http::Version::HTTP_2);
                let answer = app.answer(req.map(Body::new), peer);
                // A combinator, not an `async` block: the block holds the answer's future twice
                // (as the variable it captured and as the future it awaits), which made every
                // HTTP/2 call's task too large for the allocator's fast path.
                futures_util::FutureExt::map(answer, move |resp| {
                    resp.map(|resp| resp.map(|body| Tracked { body, _call: call }))
                })
            });
            let builder = Arc::clone(&builder);
            let conn = Watched {
                conn: builder
                    .serve_connection(TokioIo::new(stream), service)
                    .into_owned(),
                activity: Arc::clone(&activity),
                registered: false,
                shutting: false,
            };
            // The connection in a task of its own, which polls nothing else; the server's
            // watchdog thread closes it when idle too long, never woken per call.
            let closing = closing.subscribe();
            let served = tokio::spawn(async move {
                let _slot = slot;
                // Held until the connection ends: the shutdown waits for every one.
                let _closing = closing;
                let _ = conn.await;
            });
            watchdog.watch(activity, served.abort_handle(), peer);
        }
        drop(listener);
        // Every connection finishes its calls and closes (hyper's graceful shutdown), then its
        // task ends and drops its receiver.
        watchdog.shut_down();
        closing.closed().await;
    }

    /// The watchdog of every connection of one server: a thread of its own, asleep until the
    /// first connection that may fall idle too long would, then closing what did (aborting its
    /// task drops the connection). A thread, not a task per connection: a timer in the
    /// runtime's wheel made every park of the worker read the clock again and walk the wheel,
    /// a tenth of what the server added to a small call; the thread wakes per connection
    /// opened and per limit, never per call.
    struct Watchdog {
        shared: Arc<(std::sync::Mutex<Watchlist>, std::sync::Condvar)>,
    }

    /// What the watchdog thread watches.
    #[derive(Default)]
    struct Watchlist {
        connections: Vec<Watch>,
        /// How many `connections` there were after the last sweep of finished ones.
        swept: usize,
        /// The accept loop is gone: the thread ends with the last connection.
        done: bool,
    }

    /// One connection: its calls, its task, its peer (for the log), and what the watchdog saw
    /// of it last.
    struct Watch {
        activity: Arc<Activity>,
        task: tokio::task::AbortHandle,
        peer: SocketAddr,
        /// `activity.ended` when the watchdog last looked.
        ended: u64,
        /// When the connection was last seen busy: opened, or the look that found a call in
        /// flight or ended since the look before.
        busy: Instant,
    }

    impl Watch {
        /// When the connection falls idle too long, if nothing is in flight. A call's end is
        /// dated by the first look that sees it, so the connection closes after its limit and at
        /// most one look interval ([`LOOK_EVERY`] of the shortest limit) later, never sooner.
        fn deadline(&mut self, limits: &ConnectionLimits, now: Instant) -> Option<Instant> {
            let in_flight = self.activity.in_flight.load(Ordering::SeqCst);
            let ended = self.activity.ended.load(Ordering::SeqCst);
            if in_flight > 0 || ended != self.ended {
                self.ended = ended;
                self.busy = now;
            }
            (in_flight == 0).then(|| self.busy + self.activity.idle_limit(limits))
        }
    }

    /// How often the watchdog looks at least, as a fraction of the shortest limit.
    const LOOK_EVERY: u32 = 4;

    impl Watchdog {
        fn start(limits: ConnectionLimits) -> Self {
            let shared = Arc::new((
                std::sync::Mutex::new(Watchlist::default()),
                std::sync::Condvar::new(),
            ));
            let theirs = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name("rosetta-watchdog".into())
                .spawn(move || watch(&theirs, limits));
            if let Err(e) = spawned {
                // No thread, no limits: the connections are still served.
                tracing::warn!(error = %e, "no watchdog thread: idle connections stay open");
            }
            Watchdog { shared }
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Watchlist> {
            self.shared.0.lock().unwrap_or_else(|p| p.into_inner())
        }

        /// Watches a new connection (its header-read limit may come before the thread's next
        /// wake, so it is woken to look).
        fn watch(&self, activity: Arc<Activity>, task: tokio::task::AbortHandle, peer: SocketAddr) {
            let mut watched = self.lock();
            // Finished connections go when the list has doubled since the last sweep: their
            // tasks' memory is held by the abort handles.
            if watched.connections.len() >= 2 * watched.swept.max(16) {
                watched.connections.retain(|w| !w.task.is_finished());
                watched.swept = watched.connections.len();
            }
            watched.connections.push(Watch {
                activity,
                task,
                peer,
                ended: 0,
                busy: Instant::now(),
            });
            drop(watched);
            self.shared.1.notify_one();
        }

        /// Asks every connection to finish its calls and close.
        fn shut_down(&self) {
            for w in &self.lock().connections {
                w.activity.shut_down();
            }
        }
    }

    impl Drop for Watchdog {
        /// The accept loop ended (or was dropped): the thread stays while connections do.
        fn drop(&mut self) {
            self.lock().done = true;
            self.shared.1.notify_one();
        }
    }

    /// The watchdog thread: closes every connection idle past its limit
    /// ([`Watch::deadline`]); looks again at the earliest deadline, and at least every quarter of
    /// the shortest limit (which bounds how late a call's end is dated).
    fn watch(shared: &(std::sync::Mutex<Watchlist>, std::sync::Condvar), limits: ConnectionLimits) {
        let (lock, wake) = shared;
        let mut watched = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            watched.connections.retain(|w| !w.task.is_finished());
            watched.swept = watched.connections.len();
            if watched.done && watched.connections.is_empty() {
                return;
            }
            let now = Instant::now();
            let mut next = now + limits.idle_timeout.min(limits.header_read_timeout) / LOOK_EVERY;
            for w in &mut watched.connections {
                match w.deadline(&limits, now) {
                    Some(deadline) if deadline <= now => {
                        // Nothing in flight: dropping the connection closes it.
                        tracing::debug!(peer = %w.peer, "idle connection closed");
                        w.task.abort();
                    }
                    Some(deadline) => next = next.min(deadline),
                    None => {}
                }
            }
            let mut wait = next.saturating_duration_since(Instant::now());
            if watched.done {
                // Only ending connections left: look again soon, so the thread ends with them.
                wait = wait.min(Duration::from_millis(100));
            }
            watched = wake
                .wait_timeout(watched, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use tower::ServiceExt;

    struct Echo;

    impl Mount for Echo {
        fn mount(self, parts: &mut Parts) {
            parts.http =
                std::mem::take(&mut parts.http).route("/Echo/Say", post(|| async { "rest" }));
            parts.grpc =
                std::mem::take(&mut parts.grpc).route("/Echo/Say", post(|| async { "grpc" }));
        }
    }

    async fn call(app: Router, content_type: &str) -> (u16, String) {
        let req = Request::post("/Echo/Say")
            .header("content-type", content_type)
            .body(Body::empty())
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn one_path_two_protocols_split_by_content_type() {
        let app = Server::new().mount(Echo).into_router();
        assert_eq!(
            call(app.clone(), "application/json").await,
            (200, "rest".into())
        );
        assert_eq!(
            call(app.clone(), "application/grpc").await,
            (200, "grpc".into())
        );
        assert_eq!(
            call(app, "application/grpc+proto").await,
            (200, "grpc".into())
        );
    }

    #[test]
    fn the_server_timer_is_left_out_only_when_the_callers_own_deadline_comes_first() {
        let headers = |timeout: Option<&str>| {
            let mut h = http::HeaderMap::new();
            if let Some(t) = timeout {
                h.insert("grpc-timeout", HeaderValue::from_str(t).unwrap());
            }
            h
        };
        let limit = Duration::from_secs(30);
        // The handler runs within the caller's deadline (`grpc::server::call`): one timer.
        assert!(caller_deadline_within(
            Protocol::Grpc,
            &headers(Some("5S")),
            limit
        ));
        assert!(caller_deadline_within(
            Protocol::GrpcWeb,
            &headers(Some("30S")),
            limit
        ));
        // The server's limit comes first, or the caller set none: the server's timer runs.
        assert!(!caller_deadline_within(
            Protocol::Grpc,
            &headers(Some("31S")),
            limit
        ));
        assert!(!caller_deadline_within(
            Protocol::Grpc,
            &headers(None),
            limit
        ));
        assert!(!caller_deadline_within(
            Protocol::Grpc,
            &headers(Some("soon")),
            limit
        ));
        // Only gRPC's own handlers keep the caller's deadline.
        assert!(!caller_deadline_within(
            Protocol::Rest,
            &headers(Some("1S")),
            limit
        ));
        assert!(!caller_deadline_within(
            Protocol::XmlRpc,
            &headers(Some("1S")),
            limit
        ));
    }

    #[test]
    fn protocols_are_told_apart_by_content_type_and_connect_header() {
        let of = |method: &str, path: &str, ct: &str, connect: bool| {
            let mut req = Request::builder()
                .method(method)
                .uri(path)
                .header("content-type", ct);
            if connect {
                req = req.header("connect-protocol-version", "1");
            }
            protocol_of(&req.body(Body::empty()).unwrap())
        };
        let p = "/pkg.Svc/Do";
        for (method, path, ct, connect, want) in [
            ("POST", p, "application/grpc", false, Protocol::Grpc),
            ("POST", p, "application/grpc+proto", false, Protocol::Grpc),
            (
                "POST",
                p,
                "Application/GRPC; charset=x",
                false,
                Protocol::Grpc,
            ),
            ("POST", p, " application/grpc+json ", false, Protocol::Grpc),
            ("POST", p, "application/grpcx", false, Protocol::Rest),
            ("POST", p, "application/gr", false, Protocol::Rest),
            ("POST", p, "application/grpc-web", false, Protocol::GrpcWeb),
            (
                "POST",
                p,
                "application/grpc-web+proto",
                false,
                Protocol::GrpcWeb,
            ),
            (
                "POST",
                p,
                "application/grpc-web-text",
                false,
                Protocol::GrpcWeb,
            ),
            (
                "POST",
                p,
                "Application/GRPC-Web-Text+proto",
                false,
                Protocol::GrpcWeb,
            ),
            ("POST", p, "application/grpc-webby", false, Protocol::Rest),
            ("POST", p, "application/proto", false, Protocol::Connect),
            (
                "POST",
                p,
                "APPLICATION/CONNECT+JSON",
                false,
                Protocol::Connect,
            ),
            ("POST", p, "application/json", true, Protocol::Connect),
            ("POST", p, "application/json", false, Protocol::Rest),
            ("GET", p, "application/json", true, Protocol::Rest),
            (
                "GET",
                "/pkg.Svc/Do?connect=v1&encoding=json",
                "",
                false,
                Protocol::Connect,
            ),
            (
                "GET",
                "/pkg.Svc/Do?connection=v1",
                "",
                false,
                Protocol::Rest,
            ),
            ("POST", "/RPC2", "text/xml", false, Protocol::XmlRpc),
        ] {
            assert_eq!(
                of(method, path, ct, connect),
                want,
                "{method} {ct} {connect}"
            );
        }
    }

    struct Slow;

    impl Mount for Slow {
        fn mount(self, parts: &mut Parts) {
            let slow = || async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            };
            parts.http = std::mem::take(&mut parts.http)
                .route("/Slow/Go", post(slow))
                .route("/RPC2", post(slow));
            parts.grpc = std::mem::take(&mut parts.grpc).route("/Slow/Go", post(slow));
        }
    }

    async fn send(
        app: Router,
        path: &str,
        content_type: &str,
        auth: Option<&str>,
    ) -> Response<Body> {
        let mut req = Request::post(path).header("content-type", content_type);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
    }

    async fn body_text(resp: Response<Body>) -> String {
        let b = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8_lossy(&b).into_owned()
    }

    #[tokio::test]
    async fn refusals_are_answered_in_each_protocol() {
        let app = Server::new()
            .mount(Echo)
            .authenticate(|parts| match parts.headers.get("authorization") {
                Some(v) if v == "Bearer good" => Ok(()),
                _ => Err(Status::unauthenticated("a bearer token is required")),
            })
            .into_router();
        let rest = send(app.clone(), "/Echo/Say", "application/json", None).await;
        assert_eq!(rest.status(), 401);
        assert_eq!(rest.headers()["www-authenticate"], "Bearer");
        assert_eq!(rest.headers()["content-type"], "application/problem+json");
        assert!(body_text(rest).await.contains("\"status\":401"));
        let grpc = send(app.clone(), "/Echo/Say", "application/grpc", None).await;
        assert_eq!(grpc.status(), 200);
        assert_eq!(grpc.headers()["grpc-status"], "16");
        let ok = send(app, "/Echo/Say", "application/grpc", Some("Bearer good")).await;
        assert_eq!(body_text(ok).await, "grpc");
    }

    /// Routes at the paths [`Public`] knows, each answering "open".
    struct Discovery;

    impl Mount for Discovery {
        fn mount(self, parts: &mut Parts) {
            let open = || async { "open" };
            parts.grpc = std::mem::take(&mut parts.grpc)
                .route("/grpc.health.v1.Health/Check", post(open))
                .route(
                    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                    post(open),
                );
            parts.http = std::mem::take(&mut parts.http)
                .route("/openapi.json", axum::routing::get(open))
                .route("/Echo/Say", post(open));
        }
    }

    async fn answer(app: &Router, method: &str, path: &str, ct: &str, auth: &[&str]) -> String {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", ct);
        for a in auth {
            req = req.header("authorization", *a);
        }
        let resp = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let code = resp
            .headers()
            .get("grpc-status")
            .map(|v| format!("grpc-status {}", v.to_str().unwrap()));
        let status = resp.status().as_u16();
        let body = body_text(resp).await;
        code.unwrap_or_else(|| format!("{status} {body}"))
    }

    #[tokio::test]
    async fn two_authorization_headers_are_refused_in_either_order() {
        let app = Server::new()
            .mount(Discovery)
            .authenticate(bearer_token("secret"))
            .into_router();
        let json = "application/json";
        assert_eq!(
            answer(&app, "POST", "/Echo/Say", json, &["Bearer secret"]).await,
            "200 open"
        );
        for pair in [
            ["Bearer wrong", "Bearer secret"],
            ["Bearer secret", "Bearer wrong"],
        ] {
            let a = answer(&app, "POST", "/Echo/Say", json, &pair).await;
            assert!(a.starts_with("401 ") && a.contains("exactly one"), "{a}");
        }
        let grpc = ["Bearer secret", "Bearer secret"];
        let a = answer(
            &app,
            "POST",
            "/grpc.health.v1.Health/Check",
            "application/grpc",
            &grpc,
        );
        assert_eq!(a.await, "grpc-status 16");
    }

    #[test]
    fn bearer_tokens_are_compared_whole() {
        let check = bearer_token("secret");
        let parts = |v: &str| {
            Request::get("/")
                .header("authorization", v)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        assert!(check(&parts("Bearer secret")).is_ok());
        assert!(check(&parts("bearer secret")).is_ok());
        for wrong in [
            "Bearer secre",
            "Bearer secrets",
            "Basic secret",
            "secret",
            "Bearer ",
        ] {
            assert!(check(&parts(wrong)).is_err(), "{wrong}");
        }
        assert!(check(&Request::get("/").body(()).unwrap().into_parts().0).is_err());
        assert!(tokens_equal(b"abc", b"abc") && !tokens_equal(b"abc", b"abd"));
    }

    #[tokio::test]
    async fn what_skips_authentication_is_the_public_rule() {
        let grpc = "application/grpc";
        let cases = [
            ("POST", "/grpc.health.v1.Health/Check", grpc),
            (
                "POST",
                "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
                grpc,
            ),
            ("GET", "/openapi.json", "application/json"),
            ("POST", "/Echo/Say", "application/json"),
        ];
        let open = |a: &str| a == "200 open";
        for (public, expected) in [
            (None, [true, false, false, false]),
            (Some(Public::NONE), [false, false, false, false]),
            (Some(Public::DISCOVERY), [true, true, true, false]),
        ] {
            let mut server = Server::new()
                .mount(Discovery)
                .authenticate(bearer_token("secret"));
            if let Some(p) = public {
                server = server.public(p);
            }
            let app = server.into_router();
            for ((method, path, ct), expected) in cases.iter().zip(expected) {
                let a = answer(&app, method, path, ct, &[]).await;
                assert_eq!(open(&a), expected, "{public:?} {path}: {a}");
                // With the token, everything is served.
                let a = answer(&app, method, path, ct, &["Bearer secret"]).await;
                assert!(open(&a), "{path}: {a}");
            }
        }
    }

    #[cfg(feature = "xmlrpc")]
    #[tokio::test]
    async fn xmlrpc_refusal_is_a_fault() {
        let app = Server::new()
            .authenticate(|_| Err(Status::unauthenticated("no")))
            .into_router();
        let resp = send(app, "/RPC2", "text/xml", None).await;
        assert_eq!(resp.status(), 200);
        let text = body_text(resp).await;
        assert!(
            text.contains("<name>faultCode</name><value><int>16</int>"),
            "{text}"
        );
    }

    /// An XML-RPC `add` that sets a response header.
    #[cfg(feature = "xmlrpc")]
    struct Adder;

    #[cfg(feature = "xmlrpc")]
    impl Mount for Adder {
        fn mount(self, parts: &mut Parts) {
            let info = crate::xmlrpc::server::MethodInfo::new(
                "add",
                "Calc.Add",
                &["int", "int", "int"],
                2,
                "",
            );
            parts
                .xmlrpc
                .add(info, |ctx: crate::Context, params| async move {
                    ctx.response_metadata()
                        .insert_header("x-served-by", "adder")
                        .expect("a valid header");
                    let sum: i64 = params.iter().filter_map(crate::Value::as_i64).sum();
                    Ok(crate::Value::from(sum))
                });
        }
    }

    #[cfg(feature = "xmlrpc")]
    async fn xmlrpc(app: &Router, method: &str, auth: Option<&str>) -> Response<Body> {
        let body = format!(
            "<?xml version='1.0'?><methodCall><methodName>{method}</methodName><params>\
             <param><value><int>2</int></value></param>\
             <param><value><int>3</int></value></param></params></methodCall>"
        );
        let mut req = Request::post("/RPC2").header("content-type", "text/xml");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        app.clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap()
    }

    /// `POST /RPC2` is dispatched by the split without the router: the answer, the handler's
    /// response metadata and the refusals are what the route gives, and every other method at
    /// `/RPC2` still gets the route's 405.
    #[cfg(feature = "xmlrpc")]
    #[tokio::test]
    async fn xmlrpc_calls_skip_the_router_and_keep_its_answers() {
        let app = Server::new().mount(Adder).into_router();
        let resp = xmlrpc(&app, "add", None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-served-by"], "adder");
        assert_eq!(resp.headers()["content-type"], "text/xml; charset=utf-8");
        assert!(body_text(resp).await.contains("<int>5</int>"));
        for method in ["GET", "PUT", "DELETE"] {
            let req = Request::builder()
                .method(method)
                .uri("/RPC2")
                .body(Body::empty())
                .unwrap();
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(resp.status(), 405, "{method}");
        }
        // Not authenticated, with introspection public: introspection answered, `add` refused
        // with the authenticator's status (unauthenticated, fault 16).
        let app = Server::new()
            .mount(Adder)
            .authenticate(bearer_token("secret"))
            .public(Public::DISCOVERY)
            .into_router();
        let text = body_text(xmlrpc(&app, "add", None).await).await;
        assert!(
            text.contains("<name>faultCode</name><value><int>16</int>"),
            "{text}"
        );
        let text = body_text(xmlrpc(&app, "add", Some("Bearer secret")).await).await;
        assert!(text.contains("<int>5</int>"), "{text}");
        let list = "<?xml version='1.0'?><methodCall><methodName>system.listMethods\
                    </methodName></methodCall>";
        let req = Request::post("/RPC2")
            .header("content-type", "text/xml")
            .body(Body::from(list))
            .unwrap();
        let text = body_text(app.oneshot(req).await.unwrap()).await;
        assert!(text.contains("<string>add</string>"), "{text}");
    }

    /// An XML-RPC method answering the caller's address, as its context has it.
    #[cfg(feature = "xmlrpc")]
    struct Peer;

    #[cfg(feature = "xmlrpc")]
    impl Mount for Peer {
        fn mount(self, parts: &mut Parts) {
            let info =
                crate::xmlrpc::server::MethodInfo::new("peer", "Net.Peer", &["string"], 0, "");
            parts.xmlrpc.add(info, |ctx: crate::Context, _| async move {
                let peer = ctx.peer().map(|p| p.ip().to_string()).unwrap_or_default();
                Ok(crate::Value::String(format!("peer={peer}")))
            });
        }
    }

    /// One HTTP/1.1 request over a fresh connection; the whole answer as text.
    async fn over_tcp(addr: SocketAddr, request: String) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let exchange = async {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(request.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            s.read_to_end(&mut out).await.unwrap();
            String::from_utf8_lossy(&out).into_owned()
        };
        tokio::time::timeout(Duration::from_secs(20), exchange)
            .await
            .expect("answered")
    }

    /// Served by the accept loop, the caller's address reaches an XML-RPC handler's context
    /// (passed to the endpoint directly), a route's `ConnectInfo` and the authenticator (which
    /// here lets only loopback callers in).
    #[cfg(feature = "xmlrpc")]
    #[tokio::test]
    async fn the_peer_reaches_handlers_routes_and_the_authenticator() {
        for with_auth in [false, true] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let route = Router::new().route(
                "/peer",
                axum::routing::get(|ConnectInfo(p): ConnectInfo<SocketAddr>| async move {
                    format!("peer={}", p.ip())
                }),
            );
            let mut server = Server::new().mount(Peer).routes(route);
            if with_auth {
                server = server.authenticate(|parts| {
                    match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
                        Some(ConnectInfo(p)) if p.ip().is_loopback() => Ok(()),
                        _ => Err(Status::unauthenticated("loopback callers only")),
                    }
                });
            }
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let running = tokio::spawn(server.serve_with_shutdown(listener, async {
                let _ = stopped.await;
            }));
            let call =
                "<?xml version='1.0'?><methodCall><methodName>peer</methodName></methodCall>";
            let xml = over_tcp(
                addr,
                format!(
                    "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{call}",
                    call.len()
                ),
            )
            .await;
            assert!(xml.contains("<string>peer=127.0.0.1</string>"), "{xml}");
            let rest = over_tcp(
                addr,
                "GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_string(),
            )
            .await;
            assert!(rest.ends_with("peer=127.0.0.1"), "{rest}");
            let _ = stop.send(());
            running.await.unwrap().unwrap();
        }
    }

    /// A generated REST route (mounted as generated code mounts it) answering its context's
    /// peer.
    #[cfg(feature = "rest")]
    struct RestPeer;

    #[cfg(feature = "rest")]
    impl Mount for RestPeer {
        fn mount(self, parts: &mut Parts) {
            use crate::rest::{Fragment, Reply, Request, Route};
            static ROUTES: [Route; 1] = [Route {
                rpc: "Net.Peer",
                method: http::Method::GET,
                path: "/rest-peer",
                query: true,
                body: false,
                params: &[],
                no_content: false,
            }];
            static FRAGMENT: Fragment = Fragment {
                api: "net",
                version: "",
                description: "",
                tag: r#"{"name":"Net"}"#,
                operations: &[],
                schemas: &[],
            };
            fn peer(_: Arc<()>, request: Request) -> Reply {
                crate::rest::handle_unit(&ROUTES[0], request, |ctx: crate::Context| async move {
                    let peer = ctx.peer().map(|p| p.ip().to_string());
                    Ok::<_, Status>(peer.unwrap_or_else(|| "none".into()))
                })
            }
            crate::rest::mount(parts, &Arc::new(()), &FRAGMENT, &ROUTES, &[peer]);
        }
    }

    /// A generated REST route's context has the caller's address however the server is set up:
    /// passed directly when nothing else needs it (only generated routes), as `ConnectInfo` next
    /// to routes mounted by hand, with an authenticator or CORS; from an embedding app's own
    /// `ConnectInfo`.
    #[cfg(feature = "rest")]
    #[tokio::test]
    async fn a_generated_rest_routes_context_has_the_peer() {
        let setups: [fn() -> Server; 4] = [
            || Server::new().mount(RestPeer),
            || {
                let hand = Router::new().route(
                    "/hand",
                    axum::routing::get(|ConnectInfo(p): ConnectInfo<SocketAddr>| async move {
                        format!("\"hand={}\"", p.ip())
                    }),
                );
                Server::new().mount(RestPeer).routes(hand)
            },
            || {
                Server::new()
                    .mount(RestPeer)
                    .authenticate(|_: &http::request::Parts| Ok(()))
            },
            || {
                Server::new()
                    .mount(RestPeer)
                    .cors(crate::web::cors::Cors::any())
            },
        ];
        for (i, setup) in setups.iter().enumerate() {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let running = tokio::spawn(setup().serve_with_shutdown(listener, async {
                let _ = stopped.await;
            }));
            let get = |path: &str| {
                over_tcp(
                    addr,
                    format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                )
            };
            let answer = get("/rest-peer").await;
            assert!(answer.ends_with("\"127.0.0.1\""), "setup {i}: {answer}");
            if i == 1 {
                let answer = get("/hand").await;
                assert!(answer.ends_with("\"hand=127.0.0.1\""), "{answer}");
            }
            let _ = stop.send(());
            running.await.unwrap().unwrap();
        }
        // Embedded: the app's `ConnectInfo`, or no peer at all.
        let app = Server::new().mount(RestPeer).into_router();
        for (info, want) in [(true, "\"10.1.2.3\""), (false, "\"none\"")] {
            let mut req = Request::get("/rest-peer").body(Body::empty()).unwrap();
            if info {
                let peer: SocketAddr = "10.1.2.3:4567".parse().unwrap();
                req.extensions_mut().insert(ConnectInfo(peer));
            }
            let resp = app.clone().oneshot(req).await.unwrap();
            assert_eq!(body_text(resp).await, want);
        }
    }

    #[tokio::test]
    async fn timeouts_are_answered_in_each_protocol() {
        let app = Server::new()
            .mount(Slow)
            .timeout(Some(Duration::from_millis(50)))
            .into_router();
        let rest = send(app.clone(), "/Slow/Go", "application/json", None).await;
        assert_eq!(rest.status(), 504);
        let grpc = send(app.clone(), "/Slow/Go", "application/grpc", None).await;
        assert_eq!(grpc.headers()["grpc-status"], "4");
        let web = send(app.clone(), "/Slow/Go", "application/grpc-web+proto", None).await;
        assert_eq!(web.headers()["grpc-status"], "4");
        assert_eq!(web.headers()["content-type"], "application/grpc-web+proto");
        #[cfg(feature = "xmlrpc")]
        {
            let text = body_text(send(app, "/RPC2", "text/xml", None).await).await;
            assert!(text.contains("<int>4</int>"), "{text}");
        }
    }

    /// Reads until the server closes the connection (EOF or reset); false if it stays open past
    /// the hang guard.
    async fn closed_by_server(s: &mut tokio::net::TcpStream) -> bool {
        use tokio::io::AsyncReadExt;
        let read_to_close = async {
            let mut buf = [0u8; 1024];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), read_to_close)
            .await
            .is_ok()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn idle_and_half_sent_connections_are_closed_and_lock_no_one_out() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Server::new()
            .mount(Echo)
            .header_read_timeout(Duration::from_millis(300))
            .idle_timeout(Duration::from_millis(300))
            .max_connections(100);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        // 200 connections, twice the cap: nothing sent, half an HTTP/1.1 request (no blank
        // line), or only the HTTP/2 preface.
        let mut hostile = Vec::new();
        for i in 0..200 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            match i % 3 {
                0 => {}
                1 => s
                    .write_all(b"GET /Echo/Say HTTP/1.1\r\nHost: x\r\n")
                    .await
                    .unwrap(),
                _ => s
                    .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
                    .await
                    .unwrap(),
            }
            hostile.push(s);
        }
        // A normal call is still answered.
        let answer = tokio::time::timeout(Duration::from_secs(30), async {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"POST /Echo/Say HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
            let mut buf = vec![0u8; 1024];
            let n = s.read(&mut buf).await.unwrap();
            buf.truncate(n);
            (String::from_utf8_lossy(&buf).into_owned(), s)
        })
        .await
        .expect("a normal call was answered");
        let (text, mut keep_alive) = answer;
        assert!(
            text.starts_with("HTTP/1.1 200") && text.ends_with("rest"),
            "{text}"
        );
        // Every hostile connection is closed by the server, and so is the keep-alive
        // connection once idle.
        let mut closed = 0;
        for s in &mut hostile {
            closed += usize::from(closed_by_server(s).await);
        }
        assert_eq!(closed, 200);
        assert!(closed_by_server(&mut keep_alive).await);
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(20), running)
            .await
            .expect("shut down")
            .unwrap()
            .unwrap();
    }

    /// Shutting down, the server finishes the call in flight (its connection closed after the
    /// answer), closes idle keep-alive connections at once (their idle timeout is far off) and
    /// only then returns.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_finishes_calls_in_flight_and_closes_idle_connections() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        struct Slow;
        impl Mount for Slow {
            fn mount(self, parts: &mut Parts) {
                let slow = || async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    "done"
                };
                parts.http = std::mem::take(&mut parts.http)
                    .route("/Slow/Go", post(slow))
                    .route("/Echo/Say", post(|| async { "rest" }));
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Server::new()
            .mount(Slow)
            .idle_timeout(Duration::from_secs(600));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        // An idle keep-alive connection, after one answered call.
        let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"POST /Echo/Say HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 1024];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).ends_with("rest"));
        // A call in flight when the shutdown comes.
        let mut busy = tokio::net::TcpStream::connect(addr).await.unwrap();
        busy.write_all(b"POST /Slow/Go HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = stop.send(());
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), busy.read_to_end(&mut answer))
            .await
            .expect("the call in flight was answered and its connection closed")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"),
            "{answer}"
        );
        assert!(closed_by_server(&mut idle).await);
        tokio::time::timeout(Duration::from_secs(20), running)
            .await
            .expect("shut down")
            .unwrap()
            .unwrap();
    }

    /// On HTTP/1.1 the next request's head is due within the header-read timeout of the last
    /// response, however long the idle timeout: the watchdog enforces it (not hyper's per-request
    /// timer), and a prompt next request is served on the same connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idle_http1_connection_waits_for_its_next_head_only_the_header_read_timeout() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Server::new()
            .mount(Echo)
            .header_read_timeout(Duration::from_millis(300))
            .idle_timeout(Duration::from_secs(600));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(server.serve_with_shutdown(listener, async {
            let _ = stopped.await;
        }));
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = b"POST /Echo/Say HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n";
        for _ in 0..2 {
            s.write_all(request).await.unwrap();
            let mut buf = vec![0u8; 1024];
            let n = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
                .await
                .expect("answered")
                .unwrap();
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            assert!(
                text.starts_with("HTTP/1.1 200") && text.ends_with("rest"),
                "{text}"
            );
        }
        // Half a head, then nothing: closed well before the 600 s idle timeout.
        s.write_all(b"POST /Echo/Say HTTP/1.1\r\n").await.unwrap();
        assert!(closed_by_server(&mut s).await);
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(20), running)
            .await
            .expect("shut down")
            .unwrap()
            .unwrap();
    }

    #[test]
    fn grpc_messages_are_percent_encoded() {
        assert_eq!(percent_encode_grpc("a b%c\né"), "a b%25c%0A%C3%A9");
    }

    #[tokio::test]
    async fn unknown_routes_are_404() {
        let app = Server::new().mount(Echo).into_router();
        let req = Request::get("/nope").body(Body::empty()).unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), 404);
    }
}
