//! The REST benchmark's runner: the generated routes on the one-port server (`rest-bench-server`)
//! against the same routes hand-written on plain axum (`rest-bench-axum`), two independent server
//! processes pinned to one core, driven from the other core by one load thread with the same
//! HTTP/1.1 keep-alive requests. Per route, rounds in which the two take turns of 50 ms
//! (generated, axum, axum, generated, …; `drive_interleaved`), the medians of requests/s and of
//! each server's CPU per request, and their ratios (target: >= 0.97 of the requests/s, <= 1.03x
//! the CPU per request).
//!
//! `rest-bench [--seconds S] [--rounds N] [--connections N]` (defaults 5, 5, 4).

use std::net::SocketAddr;
use std::sync::Arc;

use rosetta_bench_support::{Answer, Options, ServerProcess, http1_pair, pin_load_generator};

/// A `200` with a JSON body.
fn json_ok(a: &Answer<'_>) -> bool {
    a.ok() && a.head.contains("content-type: application/json") && a.body.first() == Some(&b'{')
}

fn main() {
    pin_load_generator();
    let o = Options::from_args(5.0, 5, 4, 0);
    let generated = ServerProcess::spawn_sibling("rest-bench-server", &[]);
    let axum = ServerProcess::spawn_sibling("rest-bench-axum", &[]);
    println!(
        "REST: {} rounds of {} s per server in 50 ms turns, {} keep-alive connections from one load \
         thread; each server its own process on one worker thread",
        o.rounds, o.seconds, o.connections
    );
    let hello = r#"{"name": "bench"}"#;
    for (method, path, body) in [
        ("GET", "/data", ""),
        ("POST", "/Greeter/SayHello", hello),
        ("GET", "/products/p1", ""),
    ] {
        let request = |addr: SocketAddr| -> Arc<[u8]> {
            let content = if body.is_empty() {
                String::new()
            } else {
                format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n",
                    body.len()
                )
            };
            format!(
                "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: rosetta-bench\r\n\
                 Accept: application/json\r\n{content}\r\n{body}"
            )
            .into_bytes()
            .into()
        };
        http1_pair(
            &format!("REST {method} {path}"),
            ["rosetta", "axum"],
            [&generated, &axum],
            &o,
            request,
            json_ok,
        );
    }
}
