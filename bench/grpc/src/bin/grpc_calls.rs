//! A fixed number of unary `SayHello` calls, one after another on one HTTP/2 channel, from the
//! same tonic client the throughput rounds use: the driver for counting a server's instructions
//! per call (callgrind on `rosetta-bench-grpc serve generated|hand`, counters zeroed after a
//! warm-up run; see docs/performance.md). Counts, unlike rounds of a fixed length, do not move
//! with the machine's load.
//!
//! Usage: `grpc_calls PORT [N] [CONCURRENCY]` (defaults 1000 and 1: one call at a time; with
//! more, that many tasks share the N calls on the one channel, as the throughput rounds do).
//! Exits non-zero if any answer is wrong.

use rosetta_bench_grpc::say_hello_world;
use rosetta_bench_grpc::tonic_api::greeter_client::GreeterClient;

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: grpc_calls PORT [N]");
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let concurrency: u64 = args.next().and_then(|c| c.parse().ok()).unwrap_or(1).max(1);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let wrong = rt.block_on(async move {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let tasks: Vec<_> = (0..concurrency)
            .map(|task| {
                let mut client = GreeterClient::new(channel.clone());
                // The calls shared out: the first `n % concurrency` tasks make one more.
                let calls = n / concurrency + u64::from(task < n % concurrency);
                tokio::spawn(async move {
                    let mut wrong = 0u64;
                    for _ in 0..calls {
                        wrong += u64::from(!say_hello_world(&mut client).await);
                    }
                    wrong
                })
            })
            .collect();
        let mut wrong = 0u64;
        for task in tasks {
            wrong += task.await.expect("a calling task");
        }
        wrong
    });
    eprintln!("{} calls, {wrong} wrong", n);
    std::process::exit(i32::from(wrong > 0));
}
