//! REST: the runtime behind generated HTTP+JSON routes and clients (feature `rest`).
//!
//! - [`handle`] / [`handle_unit`]: one generated route's work — the request struct from the path,
//!   the query string (GET, DELETE) or the JSON body, validation, the call, the JSON answer;
//! - [`Problem`]: RFC 9457 `application/problem+json` for every failure, declared or not;
//! - [`Registry`] / [`Fragment`]: `/openapi.json` for exactly the services a server mounts, and
//!   problem+json 404 and 405 (with `Allow`) for requests no route takes;
//! - [`stream`]: streaming rpcs — Server-Sent Events or NDJSON answers, NDJSON request bodies;
//! - [`Client`]: the base of every generated `RestClient`.
//!
//! Generated code reaches this module through `::rosetta::__private::rosetta_runtime::rest`.

mod client;
mod handler;
mod openapi;
mod problem;
pub mod stream;
mod text;

pub use client::Client;
pub use handler::{BODY_LIMIT, json_response};
// Glue for generated code (route tables and handlers), not a stable API.
#[doc(hidden)]
pub use handler::{Kind, Param, Route, handle, handle_unit};
pub use openapi::{Fragment, Registry, Schema};
pub use problem::{
    ABOUT_BLANK, DECLARED_TYPE_PREFIX, FromProblem, IntoProblem, PROBLEM_JSON, Problem,
    RESERVED_MEMBERS, kind_for_status, reason_phrase,
};
#[doc(hidden)]
pub use stream::{
    handle_client_stream, handle_server_stream, handle_server_stream_unit, handle_streaming,
};

/// The HTTP client the generated `RestClient`s send with, for configuring one
/// (`RestClient::with_client`).
pub use reqwest;

/// HTTP methods, for the generated route tables.
pub use http::Method;

/// What a generated route handler receives.
pub type Request = http::Request<axum::body::Body>;

/// What a generated route handler returns.
pub type Response = axum::response::Response;

#[doc(hidden)]
/// What a generated route handler's future is, boxed so a service's handlers share one type.
pub type Reply = std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>;

#[doc(hidden)]
/// A generated service's handler for one route.
pub type ServiceHandler<S> = fn(std::sync::Arc<S>, Request) -> Reply;

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
        let service = std::sync::Arc::clone(service);
        parts.http = route(
            std::mem::take(&mut parts.http),
            r,
            move |request: Request| handler(std::sync::Arc::clone(&service), request),
        );
    }
}

#[doc(hidden)]
/// Adds `handler` at `route`'s path and method to `router` (paths shared by several rpcs get
/// each method added to the same path).
pub fn route<H, T>(router: axum::Router, route: &Route, handler: H) -> axum::Router
where
    H: axum::handler::Handler<T, ()>,
    T: 'static,
{
    let filter = match route.method {
        http::Method::GET => axum::routing::MethodFilter::GET,
        http::Method::PUT => axum::routing::MethodFilter::PUT,
        http::Method::PATCH => axum::routing::MethodFilter::PATCH,
        http::Method::DELETE => axum::routing::MethodFilter::DELETE,
        _ => axum::routing::MethodFilter::POST,
    };
    router.route(route.path, axum::routing::on(filter, handler))
}
