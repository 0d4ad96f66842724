//! The XML-RPC pair: `add(2, 3)` on the generated server (`server`, the one-port server) against
//! dxr (`dxr_server`, the Rust XML-RPC crate on axum), two server processes pinned to one core,
//! one load thread on the other. Alternating rounds (rosetta, dxr, …); the medians of requests/s
//! and of each server's CPU per request, and their ratios (target: >= 1.1x the requests/s,
//! <= 0.7x the CPU per request).
//!
//! `xmlrpc-bench [--seconds S] [--rounds N] [--connections N]` (defaults 5, 5, 4).

use rosetta_bench_support::{Options, ServerProcess, http1_pair, pin_load_generator};
use rosetta_bench_xmlrpc::{is_result, request};

fn main() {
    pin_load_generator();
    let o = Options::from_args(5.0, 5, 4, 0);
    let rosetta = ServerProcess::spawn_sibling("server", &[]);
    let dxr = ServerProcess::spawn_sibling("dxr_server", &[]);
    println!(
        "XML-RPC add(2, 3): {} rounds of {} s per server in 50 ms turns, {} keep-alive connections \
         from one load thread",
        o.rounds, o.seconds, o.connections
    );
    http1_pair(
        "XML-RPC add(2, 3)",
        ["rosetta", "dxr"],
        [&rosetta, &dxr],
        &o,
        |addr| request(addr, "add", false).expect("add"),
        is_result,
    );
}
