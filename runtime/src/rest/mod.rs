//! REST: the runtime behind generated HTTP+JSON routes and clients (feature `rest`).
//!
//! - [`handle`] / [`handle_unit`]: one generated route's work — the request struct from the path,
//!   the query string (GET, DELETE) or the JSON body, validation, the call, the JSON answer;
//! - [`Problem`]: RFC 9457 `application/problem+json` for every failure, declared or not;
//! - [`Registry`] / [`Fragment`]: `/openapi.json` for exactly the services a server mounts, and
//!   problem+json 404 and 405 (with `Allow`) for requests no route takes;
//! - [`stream`]: streaming rpcs — Server-Sent Events or NDJSON answers, NDJSON request bodies;
//! - [`Client`]: the base of every generated `RestClient`;
//! - [`Route`]: the static route table both sides read.
//!
//! Without the `server` feature only the client side is here (no axum): the route table,
//! [`Client`], [`Problem`] and its conversions.
//!
//! Generated code reaches this module through `::rosetta::__private::rosetta_runtime::rest`.

mod client;
#[cfg(feature = "server")]
mod handler;
#[cfg(feature = "server")]
mod openapi;
mod problem;
mod route;
#[cfg(feature = "server")]
pub mod stream;
#[cfg(feature = "server")]
pub(crate) mod table;
#[cfg(feature = "server")]
mod text;

pub use client::Client;
#[cfg(feature = "server")]
pub use handler::{BODY_LIMIT, json_response};
// Glue for generated code (handlers), not a stable API.
#[cfg(feature = "server")]
#[doc(hidden)]
pub use handler::{handle, handle_unit};
#[cfg(feature = "server")]
pub use openapi::{Fragment, Registry, Schema};
// The route table generated code writes, not a stable API.
pub use problem::{
    ABOUT_BLANK, DECLARED_TYPE_PREFIX, FromProblem, IntoProblem, PROBLEM_JSON, Problem,
    RESERVED_MEMBERS, kind_for_status, reason_phrase,
};
#[doc(hidden)]
pub use route::{Kind, Param, Route};
#[cfg(feature = "server")]
#[doc(hidden)]
pub use stream::{
    handle_client_stream, handle_server_stream, handle_server_stream_unit, handle_streaming,
};

/// The HTTP client the generated `RestClient`s send with, for configuring one
/// (`RestClient::with_client`).
pub use reqwest;

/// HTTP methods, for the generated route tables.
pub use http::Method;

#[cfg(feature = "server")]
/// What a generated route handler receives.
pub type Request = http::Request<axum::body::Body>;

#[cfg(feature = "server")]
/// What a generated route handler returns.
pub type Response = axum::response::Response;

#[cfg(feature = "server")]
#[doc(hidden)]
/// What a generated route handler's future is, boxed so a service's handlers share one type.
/// [`handle`] and its siblings box it themselves: the proof that it is `Send` is then made once,
/// here, instead of once per route in every generated crate (issue 17).
pub type Reply = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

#[cfg(feature = "server")]
#[doc(hidden)]
/// A generated service's handler for one route.
pub type ServiceHandler<S> = fn(std::sync::Arc<S>, Request) -> Reply;

#[cfg(feature = "server")]
#[doc(hidden)]
/// Mounts a generated service: its OpenAPI fragment, and each of its `routes` (its static route
/// table) with the handler at the same index, each called with `service`.
pub fn mount<S: Send + Sync + 'static>(
    parts: &mut crate::server::Parts,
    service: &std::sync::Arc<S>,
    fragment: &'static Fragment,
    routes: &'static [Route],
    handlers: &[ServiceHandler<S>],
) {
    debug_assert_eq!(routes.len(), handlers.len());
    parts.rest.add(fragment);
    for (r, &handler) in routes.iter().zip(handlers) {
        let endpoint = Endpoint {
            handler,
            service: std::sync::Arc::clone(service),
        };
        let bound = endpoint.clone();
        // In the router (until the server starts, `Registry::finish`, apart from the routes
        // mounted by hand) and in the server's own table.
        parts.rest.route(
            r,
            axum::routing::on_service(method_filter(r), endpoint),
            std::sync::Arc::new(move |request| bound.answer(request)),
        );
    }
}

#[cfg(feature = "server")]
/// One generated route as a tower service: axum calls it with the request and polls the
/// handler's own future. Mounted as an axum handler instead, each call went through axum's
/// handler machinery too: one more boxed future holding the request, the request moved in and
/// out of its extractor, the answer through `IntoResponse`.
struct Endpoint<S> {
    handler: ServiceHandler<S>,
    service: std::sync::Arc<S>,
}

#[cfg(feature = "server")]
impl<S> Clone for Endpoint<S> {
    fn clone(&self) -> Self {
        Endpoint {
            handler: self.handler,
            service: std::sync::Arc::clone(&self.service),
        }
    }
}

#[cfg(feature = "server")]
impl<S> Endpoint<S> {
    /// The route's answer to `request`.
    fn answer(&self, request: Request) -> Reply {
        (self.handler)(std::sync::Arc::clone(&self.service), request)
    }
}

#[cfg(feature = "server")]
impl<S> tower::Service<Request> for Endpoint<S> {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Map<Reply, fn(Response) -> Result<Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        futures_util::FutureExt::map(
            self.answer(request),
            Ok as fn(Response) -> Result<Response, Self::Error>,
        )
    }
}

#[cfg(feature = "server")]
/// The axum method filter of `route`'s method.
fn method_filter(route: &Route) -> axum::routing::MethodFilter {
    match route.method {
        http::Method::GET => axum::routing::MethodFilter::GET,
        http::Method::PUT => axum::routing::MethodFilter::PUT,
        http::Method::PATCH => axum::routing::MethodFilter::PATCH,
        http::Method::DELETE => axum::routing::MethodFilter::DELETE,
        _ => axum::routing::MethodFilter::POST,
    }
}

#[cfg(feature = "server")]
#[doc(hidden)]
/// Adds `handler` at `route`'s path and method to `router` (paths shared by several rpcs get
/// each method added to the same path).
pub fn route<H, T>(router: axum::Router, route: &Route, handler: H) -> axum::Router
where
    H: axum::handler::Handler<T, ()>,
    T: 'static,
{
    router.route(route.path, axum::routing::on(method_filter(route), handler))
}
