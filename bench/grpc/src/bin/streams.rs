//! gRPC stream throughput: messages per second over one server stream (`Feed`: the client asks
//! for `MESSAGES` greetings and reads them) and over one bidirectional stream (`Echo`: the client
//! sends `MESSAGES` names as fast as HTTP/2 flow control lets it and reads every greeting back),
//! the Rosetta-generated Greeter on the one-port server against the same logic written by hand
//! on tonic, each in its own process pinned to one core, the client on the other. Alternating
//! rounds; the medians of messages/s and of the server's CPU per message, and their ratios
//! (target >= 0.95 of the messages/s).
//!
//! Usage: `streams [--count MESSAGES_PER_ROUND] [--rounds N]` (defaults 200000, 5).

use std::net::SocketAddr;

use rosetta_bench_grpc::Kind;
use rosetta_bench_grpc::tonic_api;
use rosetta_bench_grpc::tonic_api::greeter_client::GreeterClient;
use rosetta_bench_support::{Options, Sample, alternate, pin_load_generator, report};

/// Which stream a measurement drives.
#[derive(Clone, Copy, Debug)]
enum Shape {
    ServerStream,
    Bidirectional,
}

/// Sends and reads `messages` over one stream of `shape` against `addr`.
fn measure(addr: SocketAddr, shape: Shape, messages: u32) {
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
        let mut responses = match shape {
            Shape::ServerStream => client
                .feed(tonic_api::FeedRequest { count: messages })
                .await
                .expect("feed"),
            Shape::Bidirectional => {
                let names =
                    futures_util::stream::iter((0..messages).map(|i| tonic_api::HelloRequest {
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
    })
}

fn main() {
    pin_load_generator();
    let o = Options::from_args(0.0, 5, 1, 200_000);
    let messages = u32::try_from(o.count).expect("messages");
    println!(
        "gRPC streams: {messages} messages per round over one stream, {} alternating rounds per \
         server, each server its own process on one worker thread",
        o.rounds
    );
    for (shape, pair) in [
        (Shape::ServerStream, "gRPC server stream"),
        (Shape::Bidirectional, "gRPC bidirectional stream"),
    ] {
        let run = |kind: Kind| {
            let server = kind.spawn();
            Sample::measure(server.pid(), || {
                measure(server.addr, shape, messages);
                u64::from(messages)
            })
        };
        let labels = ["rosetta", "tonic"];
        let samples = alternate(
            pair,
            labels,
            o.rounds,
            || run(Kind::Generated),
            || run(Kind::Hand),
        );
        report(pair, "messages", labels, &samples);
    }
}
