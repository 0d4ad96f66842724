//! The benchmark's baseline: the same three routes as `server.rs` written by hand on plain axum,
//! what a user would write without Rosetta: its own process, `axum::serve` on one worker thread,
//! no Rosetta server, layers or `Context`. The generated types are used only as plain serde
//! structs (with the same data, `rosetta_bench_rest::{data, products}`), so both sides write the
//! same JSON.
//!
//! `rest-bench-axum` prints the port it listens on (127.0.0.1), then serves on one worker thread
//! until killed (the same runtime as the generated side's).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use rosetta_bench_rest::seed::{Data, HelloRequest, HelloResponse};
use rosetta_bench_rest::shop::v1::Product;

/// What a careful hand-written axum handler does on failure: a problem+json body.
fn problem(status: StatusCode, detail: String) -> Response {
    let body = serde_json::json!({
        "type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(),
        "detail": detail,
    });
    (
        status,
        [("content-type", "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

async fn data() -> Json<Data> {
    Json(rosetta_bench_rest::data())
}

async fn say_hello(Json(r): Json<HelloRequest>) -> Json<HelloResponse> {
    Json(HelloResponse {
        message: format!("Hello, {}!", r.name),
    })
}

async fn get_product(
    State(products): State<Arc<BTreeMap<String, Product>>>,
    Path(id): Path<String>,
) -> Response {
    match products.get(&id) {
        Some(p) => Json(p.clone()).into_response(),
        None => problem(StatusCode::NOT_FOUND, format!("no product {id}")),
    }
}

fn main() {
    rosetta_bench_support::serve_one_thread(|listener| async move {
        let app = axum::Router::new()
            .route("/data", get(data))
            .route("/Greeter/SayHello", post(say_hello))
            .route("/products/{id}", get(get_product))
            .with_state(Arc::new(rosetta_bench_rest::products()));
        // `TCP_NODELAY` on, as axum's docs advise and as Rosetta's server does: with Nagle's
        // algorithm on, answers to pipelined requests share segments and the kernel's share of
        // each request is smaller than the compared server's.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, app).await.expect("serve");
    });
}
