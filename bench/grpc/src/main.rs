//! gRPC throughput: the Rosetta-generated Greeter (served by `rosetta::server::Server`, the
//! one-port server) against the same logic written by hand on tonic (`tonic::transport::Server`),
//! under one load client: `CONCURRENCY` tasks firing unary `SayHello` calls over one HTTP/2
//! channel for `SECONDS`. Rounds alternate between the two servers; the totals give the ratio.
//!
//! Usage: `rosetta-bench-grpc [SECONDS_PER_ROUND] [ROUNDS] [CONCURRENCY]` (defaults 2, 5, 64).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rosetta_bench_grpc::api;
use rosetta_bench_grpc::api::proto::greeter_client::GreeterClient;
use rosetta_bench_grpc::{Kind, start};

/// Runs the load client against `addr` for `seconds`; returns completed calls per second.
fn load(addr: SocketAddr, seconds: u64, concurrency: usize) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async move {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("url")
            .connect()
            .await
            .expect("connect");
        let client = GreeterClient::new(channel);
        let done = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let mut client = client.clone();
            let (done, errors, stop) = (done.clone(), errors.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let request = api::proto::HelloRequest {
                        name: "world".to_string(),
                    };
                    match client.say_hello(request).await {
                        Ok(r) if r.get_ref().message == "Hello, world!" => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        // Warm up, then measure.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let start_count = done.load(Ordering::Relaxed);
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let count = done.load(Ordering::Relaxed) - start_count;
        let elapsed = start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        assert_eq!(errors.load(Ordering::Relaxed), 0, "calls failed");
        count as f64 / elapsed
    })
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let seconds = args.first().copied().unwrap_or(2);
    let rounds = args.get(1).copied().unwrap_or(5);
    let concurrency = args.get(2).copied().unwrap_or(64) as usize;
    println!(
        "gRPC unary SayHello, {concurrency} concurrent calls on one HTTP/2 channel, \
         {rounds} rounds of {seconds} s per server (alternating), server and client on one \
         worker thread each"
    );
    let mut totals = [0.0f64; 3];
    let mut pair_ratios = Vec::new();
    for round in 0..rounds {
        let mut pair = [0.0f64; 3];
        let order = if round % 2 == 0 {
            [Kind::Generated, Kind::Hand, Kind::AdapterOnTonic]
        } else {
            [Kind::AdapterOnTonic, Kind::Hand, Kind::Generated]
        };
        for kind in order {
            let (addr, stop, thread) = start(kind);
            let rate = load(addr, seconds, concurrency);
            let _ = stop.send(());
            let _ = thread.join();
            println!("round {}: {kind:?}: {rate:.0} calls/s", round + 1);
            totals[kind as usize] += rate;
            pair[kind as usize] = rate;
        }
        pair_ratios.push(pair[0] / pair[1]);
    }
    // Each round measures both servers back to back, so the ratio of a round is little affected
    // by other load on the machine; the median of those is the figure to quote.
    pair_ratios.sort_by(f64::total_cmp);
    let median = pair_ratios[pair_ratios.len() / 2];
    let generated = totals[0] / rounds as f64;
    let hand = totals[1] / rounds as f64;
    println!("generated (rosetta::server::Server): {generated:.0} calls/s");
    println!("hand-written (tonic::transport::Server): {hand:.0} calls/s");
    println!(
        "diagnostic: generated adapter on tonic::transport::Server: {:.0} calls/s",
        totals[2] / rounds as f64
    );
    println!(
        "ratio generated / hand-written: {:.3} overall, {median:.3} median of rounds (target >= 0.97)",
        generated / hand
    );
}
