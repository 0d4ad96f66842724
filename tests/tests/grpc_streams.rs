//! Streaming rpcs through the generated Rust `GrpcClient` against the generated service: typed
//! streams both ways, a declared error in the middle of a server stream, backpressure (a client
//! that stops reading stops the server's feed: the number of events produced stops growing, far
//! below what an unbounded buffer would hold) and cancellation (dropping the response stream
//! drops the handler's stream on the server).

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::StreamExt;
use rosetta::ErrorKind;
use rosetta_examples::stream_service::StreamDemo;
use rosetta_examples::streams::demo::{GrpcClient, WatchError};
use rosetta_examples::streams::{Chunk, EventKind, FeedBroken, Msg, WatchRequest};
use rosetta_tests::RunningServer;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn watch(limit: u32, fail_after: u32) -> WatchRequest {
    WatchRequest {
        prefix: "p".into(),
        limit,
        fail_after,
    }
}

#[test]
fn the_three_kinds_through_the_typed_client() {
    let server = RunningServer::start(rosetta_examples::stream_server_with(StreamDemo::new()));
    runtime().block_on(async {
        let client = GrpcClient::connect(server.url()).await.unwrap();

        let events: Vec<_> = client.watch(watch(4, 0)).await.unwrap().collect().await;
        let events: Vec<_> = events.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.seq, e.product_id.as_str()))
                .collect::<Vec<_>>(),
            [(1, "p1"), (2, "p2"), (3, "p3"), (4, "p4")]
        );
        assert_eq!(events[3].kind, EventKind::Created);

        // The declared error arrives typed, after the events sent before it, and ends the stream.
        let items: Vec<_> = client.watch(watch(10, 2)).await.unwrap().collect().await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert!(items[..2].iter().all(Result::is_ok));
        match &items[2] {
            Err(WatchError::FeedBroken(FeedBroken { after })) => assert_eq!(*after, 2),
            other => panic!("expected FeedBroken, got {other:?}"),
        }

        let chunks = futures_util::stream::iter(
            [&b"abc"[..], b"", b"defg"].map(|d| Chunk { data: d.to_vec() }),
        );
        let summary = client.upload(chunks).await.unwrap();
        assert_eq!((summary.chunks, summary.bytes), (3, 7));
        let too_big = futures_util::stream::iter([Chunk {
            data: vec![0; 65537],
        }]);
        let err = client.upload(too_big).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert_eq!(err.violations()[0].field, "data");

        let lines = futures_util::stream::iter(["a", "b"].map(|t| Msg {
            from: "me".into(),
            text: t.into(),
        }));
        let answers: Vec<String> = client
            .chat(lines)
            .await
            .unwrap()
            .map(|m| m.unwrap().text)
            .collect()
            .await;
        assert_eq!(answers, ["A", "B"]);
    });
}

/// Polls `read` every 50 ms until it returns the same value five times in a row (hang
/// protection: 400 rounds), and returns that value.
async fn settled(read: impl Fn() -> u64) -> u64 {
    let mut last = read();
    let mut same = 0;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = read();
        if now == last {
            same += 1;
            if same == 5 {
                return now;
            }
        } else {
            same = 0;
            last = now;
        }
    }
    panic!("never settled (last {last})");
}

#[test]
fn a_client_that_stops_reading_stops_the_feed_and_dropping_it_cancels() {
    let service = StreamDemo::new();
    let stats = service.stats();
    let server = RunningServer::start(rosetta_examples::stream_server_with(service));
    runtime().block_on(async {
        let client = GrpcClient::connect(server.url()).await.unwrap();
        // An endless feed; read ten events, then stop reading.
        let mut feed = client.watch(watch(0, 0)).await.unwrap();
        for seq in 1..=10 {
            assert_eq!(feed.next().await.unwrap().unwrap().seq, seq);
        }
        let stalled = settled(|| stats.produced.load(Ordering::SeqCst)).await;
        // It settled: an unbounded buffer would keep growing. Where it stops is the transport's
        // windows (the client's HTTP/2 receive window, about 1 MiB with tonic, plus tonic's
        // encode buffer), events being 10 to 20 bytes framed: under 4 MiB worth.
        assert!(stalled < 400_000, "the feed ran ahead: {stalled} events");
        // Reading more resumes it.
        for _ in 0..10 {
            feed.next().await.unwrap().unwrap();
        }
        assert_eq!(
            stats.dropped.load(Ordering::SeqCst),
            0,
            "a live feed was dropped"
        );
        drop(feed);
        let dropped = settled(|| stats.dropped.load(Ordering::SeqCst)).await;
        assert_eq!(dropped, 1, "the server kept the cancelled feed");
        let after = settled(|| stats.produced.load(Ordering::SeqCst)).await;
        // Nothing is produced after the cancellation.
        assert_eq!(
            after,
            settled(|| stats.produced.load(Ordering::SeqCst)).await
        );
    });
}

#[test]
fn xmlrpc_leaves_the_streaming_rpcs_out() {
    // XML-RPC has one request and one response: `/RPC2` neither lists nor serves the streaming
    // rpcs (the build warned, W0002), and the server goes on serving. The seed's calculator
    // shares the server, so `/RPC2` exists (with no XML-RPC method at all it answers 404).
    let server = RunningServer::start(
        rosetta_examples::stream_server_with(StreamDemo::new()).mount(
            rosetta_examples::seed::calculator::Server::new(rosetta_examples::seed_service::Seed),
        ),
    );
    let out = rosetta_tests::python_stdout(
        &rosetta_tests::stdlib_python(),
        r#"
import sys, xmlrpc.client
proxy = xmlrpc.client.ServerProxy('http://127.0.0.1:' + sys.argv[1] + '/RPC2')
methods = proxy.system.listMethods()
print('methods:', ','.join(sorted(methods)))
for name in ['demo.watch', 'demo.upload', 'demo.chat']:
    try:
        getattr(proxy, name)({'limit': 1})
        raise AssertionError(name + ' answered')
    except xmlrpc.client.Fault as f:
        assert f.faultCode == -32601, (name, f.faultCode, f.faultString)
assert proxy.add(2, 3) == 5
print('refused: all three')
"#,
        &[&server.addr.port().to_string()],
        Duration::from_secs(60),
    );
    let methods = out
        .lines()
        .find_map(|l| l.strip_prefix("methods: "))
        .expect("listMethods ran");
    assert!(methods.split(',').any(|m| m == "add"), "{methods}");
    assert!(
        methods.split(',').all(|m| !m.starts_with("demo.")),
        "{methods}"
    );
    assert!(out.contains("refused: all three"), "{out}");
    // gRPC on the same port still serves the rpcs XML-RPC left out.
    runtime().block_on(async {
        let client = GrpcClient::connect(server.url()).await.unwrap();
        assert_eq!(client.watch(watch(1, 0)).await.unwrap().count().await, 1);
    });
}

#[test]
fn a_request_stream_longer_than_the_configured_limit_is_refused_and_serving_goes_on() {
    let server = RunningServer::start(
        rosetta_examples::stream_server_with(StreamDemo::new())
            .grpc_options(rosetta::grpc::GrpcOptions::default().with_max_stream_messages(Some(2))),
    );
    let chunks = |n: usize| {
        futures_util::stream::iter((0..n).map(|_| Chunk {
            data: b"ab".to_vec(),
        }))
    };
    runtime().block_on(async {
        let client = GrpcClient::connect(server.url()).await.unwrap();
        let err = client.upload(chunks(3)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResourceExhausted, "{err}");
        assert!(err.message().contains("at most 2 messages"), "{err}");
        // At the limit is fine, and the server serves the next call.
        let summary = client.upload(chunks(2)).await.unwrap();
        assert_eq!((summary.chunks, summary.bytes), (2, 4));
        // A server stream is not a request stream: it is not limited.
        let events: Vec<_> = client.watch(watch(5, 0)).await.unwrap().collect().await;
        assert_eq!(events.len(), 5);
    });
}
