//! The hand-written baseline: `add(2, 3)` served by `dxr` (the Rust XML-RPC crate, on axum), as
//! its documentation shows, for the same load generator as the generated server.
//!
//! `dxr_server` prints the port it listens on (127.0.0.1), then serves `/RPC2` on one worker
//! thread (as the generated server does) until killed. Only `add` is served: the row the
//! comparison is about.

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

fn main() {
    rosetta_bench_support::serve_one_thread(|listener| async move {
        let router = RouteBuilder::new()
            .set_path("/RPC2")
            .add_method("add", Box::new(add as HandlerFn))
            .build();
        // `TCP_NODELAY` on, as axum's docs advise and as Rosetta's server does: with Nagle's
        // algorithm on, answers to pipelined requests share segments and the kernel's share of
        // each request is smaller than the compared server's.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, router).await.expect("serve");
    });
}
