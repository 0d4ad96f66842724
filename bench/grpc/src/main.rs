//! gRPC throughput: the Rosetta-generated Greeter (served by `rosetta::server::Server`, the
//! one-port server) against the same logic written by hand on tonic (`tonic::transport::Server`),
//! each in its own process pinned to one core, under one load client on the other core:
//! `--connections` tasks firing unary `SayHello` calls over one HTTP/2 channel per server. Per
//! round a fresh server of each kind, the two taking turns of 50 ms in one window
//! (`drive_interleaved`); the medians of calls/s and of the server's CPU per call, and their
//! ratios (target >= 0.97 of the calls/s).
//!
//! Usage: `rosetta-bench-grpc [--seconds S] [--rounds N] [--connections N]` (defaults 5, 5, 64);
//! `rosetta-bench-grpc serve generated|hand|adapter` is the server mode the rounds start.
//! `BENCH_GRPC_ADAPTER=1` adds a diagnostic pair: the generated adapter on tonic's own server
//! against the hand-written one (isolates the adapter from the one-port server).

use rosetta_bench_grpc::tonic_api::greeter_client::GreeterClient;
use rosetta_bench_grpc::{Kind, say_hello_world, serve};
use rosetta_bench_support::{
    Options, Sample, Tally, drive_interleaved, interleaved, pin_load_generator, report,
};

/// One round against a fresh server of each kind, taking turns in one window
/// ([`drive_interleaved`]).
fn round(kinds: [Kind; 2], o: &Options) -> [Sample; 2] {
    let servers = kinds.map(Kind::spawn);
    let urls = servers.each_ref().map(|s| format!("http://{}", s.addr));
    // One HTTP/2 channel per server for every task, made inside the load runtime on first use.
    let channels = [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    let worker = |side: usize| {
        let (url, channel) = (&urls[side], &channels[side]);
        move |tally: Tally| {
            let channel = channel.get_or_init(|| {
                tonic::transport::Endpoint::from_shared(url.clone())
                    .expect("url")
                    .connect_lazy()
            });
            let mut client = GreeterClient::new(channel.clone());
            async move {
                while tally.running().await {
                    tally.record(say_hello_world(&mut client).await);
                }
            }
        }
    };
    drive_interleaved(
        servers.each_ref().map(|s| s.pid()),
        o.connections,
        o.seconds,
        worker(0),
        worker(1),
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        serve(&args.next().unwrap_or_default());
        return;
    }
    pin_load_generator();
    let o = Options::from_args(5.0, 5, 64, 0);
    println!(
        "gRPC unary SayHello: {} concurrent calls on one HTTP/2 channel, {} alternating rounds \
         of {} s per server, each server its own process on one worker thread",
        o.connections, o.rounds, o.seconds
    );
    let labels = ["rosetta", "tonic"];
    let samples = interleaved("gRPC unary", labels, o.rounds, || {
        round([Kind::Generated, Kind::Hand], &o)
    });
    report("gRPC unary SayHello", "calls", labels, &samples);
    if std::env::var_os("BENCH_GRPC_ADAPTER").is_some() {
        let labels = ["adapter", "tonic"];
        let samples = interleaved("gRPC adapter", labels, o.rounds, || {
            round([Kind::AdapterOnTonic, Kind::Hand], &o)
        });
        report(
            "gRPC unary, generated adapter on tonic's server",
            "calls",
            labels,
            &samples,
        );
    }
}
