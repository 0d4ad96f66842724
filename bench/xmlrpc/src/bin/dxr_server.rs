//! The hand-written baseline: `add(2, 3)` served by `dxr` (the Rust XML-RPC crate, on axum), as
//! its documentation shows, for the same load generator as the generated server.
//!
//! `dxr_server [ADDR]` (default `127.0.0.1:0`) prints the port it listens on, then serves
//! `/RPC2` until killed. Only `add` is served: the row the comparison is about.

use dxr::{Fault, TryFromParams, TryToValue, Value};
use dxr_server::{HandlerFn, HandlerResult, RouteBuilder, axum};

/// `add(a, b)` with dxr's parameter and result conversions.
fn add(params: &[Value], _headers: axum::http::HeaderMap) -> HandlerResult {
    let (a, b) = <(i32, i32)>::try_from_params(params)?;
    a.checked_add(b)
        .ok_or_else(|| Fault::new(-32602, "overflow".to_string()))?
        .try_to_value()
        .map_err(Into::into)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("{}", listener.local_addr()?.port());
    let router = RouteBuilder::new()
        .set_path("/RPC2")
        .add_method("add", Box::new(add as HandlerFn))
        .build();
    axum::serve(listener, router).await?;
    Ok(())
}
