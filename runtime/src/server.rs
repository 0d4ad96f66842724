//! The one-port server: XML-RPC (`POST /RPC2`), REST and gRPC on one listener, chosen per
//! request — gRPC by its `content-type: application/grpc`, everything else by axum's routing.
//!
//! Generated code mounts each service's protocol parts into [`Parts`] (through [`Mount`]); the
//! server merges them, applies the shared layers, and serves HTTP/1.1 and HTTP/2 (h2c, which is
//! what gRPC clients speak without TLS) on the same port, with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use http::{HeaderValue, Request, Response};
use tower::Service;
use tracing::Instrument;

use crate::{Protocol, Status};

/// The protocol parts services mount into, merged by the [`Server`].
#[derive(Default)]
pub struct Parts {
    /// REST routes (and any other plain HTTP route, such as `/openapi.json`).
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
    auth: Option<Authenticator>,
}

/// Builds the one-port server.
pub struct Server {
    parts: Parts,
    layers: Layers,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            parts: Parts::default(),
            layers: Layers {
                timeout: Some(Duration::from_secs(30)),
                auth: None,
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
    /// (REST 401 problem+json, gRPC `UNAUTHENTICATED`, an XML-RPC fault).
    pub fn authenticate(
        mut self,
        auth: impl Fn(&http::request::Parts) -> Result<(), Status> + Send + Sync + 'static,
    ) -> Self {
        self.layers.auth = Some(Arc::new(auth));
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

    /// The merged application as one axum router, for tests (`tower::ServiceExt::oneshot`) or
    /// for embedding in a larger axum app.
    pub fn into_router(self) -> Router {
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
        #[cfg(feature = "grpc")]
        let grpc = match grpc_services.into_router() {
            Some(services) => grpc.merge(services),
            None => grpc,
        };
        #[cfg(feature = "xmlrpc")]
        let http = if xmlrpc.is_empty() {
            http
        } else {
            http.merge(xmlrpc.into_router())
        };
        // `/openapi.json` and problem+json 404/405: after every route is in.
        #[cfg(feature = "rest")]
        let http = rest.finish(http);
        Router::new().fallback_service(Split {
            grpc,
            http,
            layers: self.layers,
        })
    }

    /// Serves on `listener` until `shutdown` completes, then finishes the calls in flight.
    pub async fn serve_with_shutdown(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self.into_router();
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
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

/// True for a gRPC request (`application/grpc`, `application/grpc+proto`, ...).
pub fn is_grpc(req: &Request<Body>) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc"))
}

/// The protocol a request is for: gRPC by content type, XML-RPC by its endpoint, REST otherwise.
pub fn protocol_of(req: &Request<Body>) -> Protocol {
    if is_grpc(req) {
        Protocol::Grpc
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
        Protocol::Grpc => {
            let mut r = Response::new(Body::empty());
            let h = r.headers_mut();
            h.insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/grpc"),
            );
            h.insert("grpc-status", HeaderValue::from(kind.grpc_code()));
            if let Ok(v) = HeaderValue::from_str(&percent_encode_grpc(status.message())) {
                h.insert("grpc-message", v);
            }
            r
        }
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
    if protocol != Protocol::Rest {
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

/// Sends gRPC requests to one router and everything else to the other, after the shared layers:
/// authentication, then a timeout around the call, inside a tracing span naming the protocol and
/// the path.
#[derive(Clone)]
struct Split {
    grpc: Router,
    http: Router,
    layers: Layers,
}

impl Service<Request<Body>> for Split {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        // Both routers are always ready (axum's Router never applies backpressure).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let protocol = protocol_of(&req);
        let span =
            tracing::info_span!("call", protocol = protocol.as_str(), path = %req.uri().path());
        let (parts, body) = req.into_parts();
        if let Some(auth) = &self.layers.auth
            && let Err(status) = auth(&parts)
        {
            tracing::info!(parent: &span, kind = %status.kind(), "refused");
            return Box::pin(std::future::ready(Ok(error_response(protocol, &status))));
        }
        let req = Request::from_parts(parts, body);
        let mut router = if protocol == Protocol::Grpc {
            self.grpc.clone()
        } else {
            self.http.clone()
        };
        let timeout = self.layers.timeout;
        Box::pin(
            async move {
                let call = router.call(req);
                match timeout {
                    None => call.await,
                    Some(t) => match tokio::time::timeout(t, call).await {
                        Ok(r) => r,
                        Err(_) => {
                            tracing::info!("deadline exceeded");
                            let status = Status::deadline_exceeded(format!(
                                "the call took longer than {} ms",
                                t.as_millis()
                            ));
                            Ok(error_response(protocol, &status))
                        }
                    },
                }
            }
            .instrument(span),
        )
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
        #[cfg(feature = "xmlrpc")]
        {
            let text = body_text(send(app, "/RPC2", "text/xml", None).await).await;
            assert!(text.contains("<int>4</int>"), "{text}");
        }
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
