//! gRPC stream throughput: messages per second over server streams (`Feed`: the client asks for
//! `--count` greetings and reads them) and over bidirectional streams (`Echo`: the client sends
//! `--count` names as fast as HTTP/2 flow control lets it and reads every greeting back), the
//! Rosetta-generated Greeter on the one-port server against the same logic written by hand on
//! tonic, each in its own process pinned to one core, the client on the other. Per round a fresh
//! server of each kind, the two taking turns of 50 ms in one window (`drive_interleaved`: within
//! its turn a side runs one stream after another, and the turn ends when its stream in flight
//! has ended); the medians of messages/s and of the server's CPU per message, and their ratios
//! (target >= 0.95 of the messages/s).
//!
//! Usage: `streams [--seconds S] [--rounds N] [--count MESSAGES_PER_STREAM]` (defaults 2, 12,
//! 2000). `streams call PORT feed|echo N` makes one stream of N messages against a server
//! started with `rosetta-bench-grpc serve generated|hand`: the driver for counting a server's
//! instructions per message under callgrind.

use std::net::SocketAddr;
use std::sync::OnceLock;

use rosetta_bench_grpc::Kind;
use rosetta_bench_grpc::tonic_api;
use rosetta_bench_grpc::tonic_api::greeter_client::GreeterClient;
use rosetta_bench_support::{
    Options, Sample, Tally, drive_interleaved, interleaved, pin_load_generator, report,
};
use tonic::transport::Channel;

/// Which stream a measurement drives.
#[derive(Clone, Copy, Debug)]
enum Shape {
    ServerStream,
    Bidirectional,
}

impl Shape {
    fn parse(name: &str) -> Shape {
        match name {
            "feed" => Shape::ServerStream,
            "echo" => Shape::Bidirectional,
            other => panic!("no stream {other:?}: feed or echo"),
        }
    }
}

/// Makes one stream of `shape` carrying `messages` messages over `channel`, calling `received`
/// for every greeting read back; an error says what went wrong (a failed call, a wrong or missing
/// greeting).
async fn one_stream(
    channel: Channel,
    shape: Shape,
    messages: u32,
    mut received: impl FnMut(),
) -> Result<(), String> {
    let mut client = GreeterClient::new(channel);
    let called = match shape {
        Shape::ServerStream => {
            client
                .feed(tonic_api::FeedRequest { count: messages })
                .await
        }
        Shape::Bidirectional => {
            let names =
                futures_util::stream::iter((0..messages).map(|i| tonic_api::HelloRequest {
                    name: i.to_string(),
                }));
            client.echo(names).await
        }
    };
    let mut responses = called.map_err(|s| format!("{shape:?}: {s}"))?.into_inner();
    let mut count = 0u32;
    while let Some(response) = responses
        .message()
        .await
        .map_err(|s| format!("{shape:?} after {count} messages: {s}"))?
    {
        if !response.message.starts_with("Hello, ") {
            return Err(format!(
                "{shape:?}: a wrong greeting {:?}",
                response.message
            ));
        }
        count += 1;
        received();
    }
    if count == messages {
        Ok(())
    } else {
        Err(format!("{shape:?}: {count} of {messages} messages arrived"))
    }
}

/// One round against a fresh server of each kind, taking turns in one window: each side's task
/// runs one stream of `o.count` messages after another, counting every message read.
fn round(shape: Shape, o: &Options) -> [Sample; 2] {
    let servers = [Kind::Generated, Kind::Hand].map(Kind::spawn);
    let urls = servers.each_ref().map(|s| format!("http://{}", s.addr));
    let channels = [OnceLock::new(), OnceLock::new()];
    let messages = u32::try_from(o.count).expect("messages per stream");
    let worker = |side: usize| {
        let (url, channel) = (&urls[side], &channels[side]);
        move |tally: Tally| {
            let channel: Channel = channel
                .get_or_init(|| {
                    tonic::transport::Endpoint::from_shared(url.clone())
                        .expect("url")
                        .connect_lazy()
                })
                .clone();
            async move {
                // A failed stream is counted, not a panic: the turns wait for every task, and
                // `report` refuses a pair with any failure.
                while tally.running().await {
                    if let Err(e) =
                        one_stream(channel.clone(), shape, messages, || tally.record(true)).await
                    {
                        eprintln!("{e}");
                        tally.record(false);
                    }
                }
            }
        }
    };
    drive_interleaved(
        servers.each_ref().map(|s| s.pid()),
        1,
        o.seconds,
        worker(0),
        worker(1),
    )
}

/// `streams call PORT feed|echo N`: one stream, for instruction counts.
fn call(mut args: impl Iterator<Item = String>) {
    let usage = "usage: streams call PORT feed|echo N";
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect(usage);
    let shape = Shape::parse(&args.next().expect(usage));
    let messages: u32 = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async move {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("url")
            .connect()
            .await
            .expect("connect");
        if let Err(e) = one_stream(channel, shape, messages, || {}).await {
            panic!("{e}");
        }
    });
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("call") {
        args.next();
        call(args);
        return;
    }
    pin_load_generator();
    let o = Options::from_args(2.0, 12, 1, 2000);
    println!(
        "gRPC streams: streams of {} messages one after another, {} rounds of {} s per server in \
         50 ms turns, each server its own process on one worker thread",
        o.count, o.rounds, o.seconds
    );
    for (shape, pair) in [
        (Shape::ServerStream, "gRPC server stream"),
        (Shape::Bidirectional, "gRPC bidirectional stream"),
    ] {
        let labels = ["rosetta", "tonic"];
        let samples = interleaved(pair, labels, o.rounds, || round(shape, &o));
        report(pair, "messages", labels, &samples);
    }
}
