//! gRPC stream throughput: messages per second over one server stream (`Feed`: the client asks
//! for `MESSAGES` greetings and reads them) and over one bidirectional stream (`Echo`: the client
//! sends `MESSAGES` names as fast as HTTP/2 flow control lets it and reads every greeting back),
//! the Rosetta-generated Greeter on the one-port server against the same logic written by hand
//! on tonic. Rounds alternate between the two servers; the median of each round's ratio is the
//! figure to quote (target >= 0.95).
//!
//! Usage: `streams [MESSAGES_PER_ROUND] [ROUNDS]` (defaults 200000, 5).

use std::net::SocketAddr;
use std::time::Instant;

use rosetta_bench_grpc::api;
use rosetta_bench_grpc::api::proto::greeter_client::GreeterClient;
use rosetta_bench_grpc::{Kind, start};

/// Which stream a measurement drives.
#[derive(Clone, Copy, Debug)]
enum Shape {
    ServerStream,
    Bidirectional,
}

/// Sends and reads `messages` over one stream of `shape` against `addr`; returns messages/s.
fn measure(addr: SocketAddr, shape: Shape, messages: u32) -> f64 {
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
        let mut client = GreeterClient::new(channel);
        let start = Instant::now();
        let mut responses = match shape {
            Shape::ServerStream => client
                .feed(api::proto::FeedRequest { count: messages })
                .await
                .expect("feed"),
            Shape::Bidirectional => {
                let names =
                    futures_util::stream::iter((0..messages).map(|i| api::proto::HelloRequest {
                        name: i.to_string(),
                    }));
                client.echo(names).await.expect("echo")
            }
        }
        .into_inner();
        let mut received = 0u32;
        while let Some(response) = responses.message().await.expect("a message") {
            assert!(response.message.starts_with("Hello, "));
            received += 1;
        }
        assert_eq!(received, messages, "every message arrives");
        f64::from(messages) / start.elapsed().as_secs_f64()
    })
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let messages = u32::try_from(args.first().copied().unwrap_or(200_000)).expect("messages");
    let rounds = args.get(1).copied().unwrap_or(5);
    println!(
        "gRPC streams: {messages} messages per round over one stream, {rounds} rounds per server \
         (alternating), server and client on one worker thread each"
    );
    for shape in [Shape::ServerStream, Shape::Bidirectional] {
        let mut ratios = Vec::new();
        let mut totals = [0.0f64; 2];
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [Kind::Generated, Kind::Hand]
            } else {
                [Kind::Hand, Kind::Generated]
            };
            let mut pair = [0.0f64; 2];
            for kind in order {
                let (addr, stop, thread) = start(kind);
                let rate = measure(addr, shape, messages);
                let _ = stop.send(());
                let _ = thread.join();
                println!(
                    "{shape:?} round {}: {kind:?}: {rate:.0} messages/s",
                    round + 1
                );
                let slot = usize::from(kind == Kind::Hand);
                pair[slot] = rate;
                totals[slot] += rate;
            }
            ratios.push(pair[0] / pair[1]);
        }
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        println!(
            "{shape:?}: generated {:.0} messages/s, hand-written tonic {:.0} messages/s, \
             ratio {median:.3} (median of rounds; target >= 0.95)",
            totals[0] / rounds as f64,
            totals[1] / rounds as f64
        );
    }
}
