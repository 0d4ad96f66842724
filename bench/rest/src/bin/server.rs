//! The benchmark's generated side: the seed's `GET /data`, `POST /Greeter/SayHello` and the
//! shop's `GET /products/{id}` as generated routes on the one-port server, mounted the way the
//! seed and shop examples do (`rosetta::server::Server::new().mount(...)`), so a round measures
//! what users run. The baseline is `axum.rs`, an independent plain axum server process.
//!
//! `rest-bench-server` prints the port it listens on (127.0.0.1), then serves on one worker
//! thread until killed (the load generator has the other core).

use std::sync::Arc;

use rosetta_bench_rest::{Bench, products, seed, shop};

fn main() {
    rosetta_bench_support::serve_one_thread(|listener| async move {
        let bench = Arc::new(Bench {
            products: products(),
        });
        rosetta::server::Server::new()
            .mount(seed::data_service::Server::from_arc(Arc::clone(&bench)))
            .mount(seed::greeter::Server::from_arc(Arc::clone(&bench)))
            .mount(shop::v1::catalog::Server::from_arc(bench))
            .serve(listener)
            .await
            .expect("serve");
    });
}
