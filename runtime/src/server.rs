//! The one-port server: XML-RPC (`POST /RPC2`), REST and gRPC on one listener, chosen per
//! request — gRPC by its `content-type: application/grpc`, everything else by axum's routing.
//!
//! Generated code mounts each service's protocol parts into [`Parts`] (through [`Mount`]); the
//! server merges them, applies the shared layers, and serves HTTP/1.1 and HTTP/2 (h2c, which is
//! what gRPC clients speak without TLS) on the same port, with graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::task::{Context as TaskContext, Poll};

use axum::Router;
use axum::body::Body;
use http::{Request, Response};
use tower::Service;

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
}

/// Something that contributes routes: a generated `…Server` wrapping a service implementation.
pub trait Mount {
    /// Adds this service's XML-RPC methods, REST routes and gRPC service to `parts`.
    fn mount(self, parts: &mut Parts);
}

/// Builds the one-port server.
#[derive(Default)]
pub struct Server {
    parts: Parts,
}

impl Server {
    /// An empty server.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a service (every protocol it was generated for).
    pub fn mount(mut self, service: impl Mount) -> Self {
        service.mount(&mut self.parts);
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
        } = self.parts;
        #[cfg(feature = "xmlrpc")]
        let http = if xmlrpc.is_empty() {
            http
        } else {
            http.merge(xmlrpc.into_router())
        };
        Router::new().fallback_service(Split { grpc, http })
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

/// Sends gRPC requests to one router and everything else to the other.
#[derive(Clone)]
struct Split {
    grpc: Router,
    http: Router,
}

impl Service<Request<Body>> for Split {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = <Router as Service<Request<Body>>>::Future;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        // Both routers are always ready (axum's Router never applies backpressure).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        if is_grpc(&req) {
            self.grpc.call(req)
        } else {
            self.http.call(req)
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

    #[tokio::test]
    async fn unknown_routes_are_404() {
        let app = Server::new().mount(Echo).into_router();
        let req = Request::get("/nope").body(Body::empty()).unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().status(), 404);
    }
}
