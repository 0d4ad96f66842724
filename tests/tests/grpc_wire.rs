//! gRPC on the wire, with a raw HTTP/2 client (the `h2` crate) that can send what no gRPC library
//! sends: truncated and malformed message prefixes, a compressed flag without `grpc-encoding`, a
//! unary call with zero or two messages, `grpc-timeout: 0n`, and compressed messages whose
//! flags and codings the test reads byte by byte. Each answer's status is the one docs/grpc.md
//! names, the handler is never called for a refused request (a counting Greeter says so), and the
//! server goes on serving. The interop service's compression switches (`set_compression`,
//! `request_compressed`) are read here too, where grpcio cannot see message flags.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use rosetta::__private::prost::Message;
use rosetta::{Context, Status};
use rosetta_examples::seed::{self, HelloRequest, HelloResponse};
use rosetta_tests::RunningServer;

/// gRPC status codes the tests expect.
const OK: &str = "0";
const INVALID_ARGUMENT: &str = "3";
const DEADLINE_EXCEEDED: &str = "4";
const UNIMPLEMENTED: &str = "12";
const INTERNAL: &str = "13";

/// A Greeter that counts the calls that reach it.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl seed::Greeter for Counting {
    async fn say_hello(
        &self,
        _ctx: Context,
        request: HelloRequest,
    ) -> Result<HelloResponse, Status> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(HelloResponse {
            message: format!("Hello, {}!", request.name),
        })
    }
}

/// A server with a counting Greeter; the counter.
fn counting_server() -> (RunningServer, Arc<AtomicUsize>) {
    let greeter = Counting::default();
    let calls = Arc::clone(&greeter.0);
    let server = RunningServer::start(
        rosetta::server::Server::new().mount(seed::greeter::Server::new(greeter)),
    );
    (server, calls)
}

/// What came back from one call.
#[derive(Debug)]
struct Answer {
    headers: http::HeaderMap,
    body: Vec<u8>,
    /// `grpc-status` from the trailers, or from the headers of a trailers-only answer.
    status: String,
    message: String,
}

/// Sends one gRPC request on a fresh HTTP/2 connection: `path`, extra `headers`, the body as
/// `chunks` (one DATA frame each, then END_STREAM).
async fn send(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    chunks: &[Vec<u8>],
) -> Answer {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let driver = tokio::spawn(connection);
    let mut client = client.ready().await.expect("h2 ready");
    let mut request = http::Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (response, mut stream) = client
        .send_request(request.body(()).expect("request"), false)
        .expect("send request");
    for chunk in chunks {
        stream
            .send_data(Bytes::copy_from_slice(chunk), false)
            .expect("send data");
    }
    stream.send_data(Bytes::new(), true).expect("end stream");
    let (parts, mut body) = response.await.expect("response").into_parts();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("response data");
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.expect("trailers").unwrap_or_default();
    driver.abort();
    let field = |name: &str| {
        trailers
            .get(name)
            .or_else(|| parts.headers.get(name))
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    Answer {
        status: field("grpc-status"),
        message: field("grpc-message"),
        headers: parts.headers,
        body: data,
    }
}

/// A refused request: its name, extra headers, body chunks, and the expected `grpc-status`.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<Vec<u8>>, &'a str);

/// One length-prefixed message.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![flag];
    v.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn hello(name: &str) -> Vec<u8> {
    seed::proto::HelloRequest { name: name.into() }.encode_to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// The one response message: its compressed flag and its (decompressed) `HelloResponse`.
fn reply(answer: &Answer) -> (u8, String) {
    assert!(answer.body.len() >= 5, "{answer:?}");
    let flag = answer.body[0];
    let len = u32::from_be_bytes(answer.body[1..5].try_into().unwrap()) as usize;
    assert_eq!(answer.body.len(), 5 + len, "one message: {answer:?}");
    let payload = &answer.body[5..];
    let plain = if flag == 1 {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(payload)
            .read_to_end(&mut out)
            .expect("gzip");
        out
    } else {
        payload.to_vec()
    };
    let message = seed::proto::HelloResponse::decode(&plain[..]).expect("HelloResponse");
    (flag, message.message)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn framing_faults_answer_the_documented_status_and_never_reach_the_handler() {
    let (server, calls) = counting_server();
    let addr = server.addr;
    runtime().block_on(async {
        let path = "/Greeter/SayHello";
        let good = frame(0, &hello("w"));
        let cases: Vec<Case> = vec![
            // The body ends inside the 5-byte prefix.
            ("3-byte body", vec![], vec![vec![0, 0, 0]], INVALID_ARGUMENT),
            // The body ends inside the message.
            (
                "short message",
                vec![],
                vec![good[..good.len() - 1].to_vec()],
                INVALID_ARGUMENT,
            ),
            (
                "flag 2",
                vec![],
                vec![frame(2, &hello("w"))],
                INVALID_ARGUMENT,
            ),
            // compression.md: MUST fail with INTERNAL.
            (
                "flag 1, no grpc-encoding",
                vec![],
                vec![frame(1, &hello("w"))],
                INTERNAL,
            ),
            (
                "flag 1, grpc-encoding identity",
                vec![("grpc-encoding", "identity")],
                vec![frame(1, &hello("w"))],
                INTERNAL,
            ),
            // Request cardinality violations: UNIMPLEMENTED (statuscodes.md).
            (
                "two messages",
                vec![],
                vec![[good.clone(), good.clone()].concat()],
                UNIMPLEMENTED,
            ),
            (
                "two messages, two frames",
                vec![],
                vec![good.clone(), good.clone()],
                UNIMPLEMENTED,
            ),
            ("no message", vec![], vec![], UNIMPLEMENTED),
            // An expired deadline: DEADLINE_EXCEEDED, the handler not called.
            (
                "grpc-timeout 0n",
                vec![("grpc-timeout", "0n")],
                vec![good.clone()],
                DEADLINE_EXCEEDED,
            ),
        ];
        for (name, headers, chunks, status) in &cases {
            let answer = send(addr, path, headers, chunks).await;
            assert_eq!(&answer.status, status, "{name}: {answer:?}");
            assert!(!answer.message.is_empty(), "{name}: no grpc-message");
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "a refused call reached the handler"
        );

        // The same server, the same framing done right: answered, and counted once.
        let answer = send(
            addr,
            path,
            &[("grpc-timeout", "5S")],
            std::slice::from_ref(&good),
        )
        .await;
        assert_eq!(answer.status, OK, "{answer:?}");
        assert_eq!(reply(&answer), (0, "Hello, w!".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn health_is_refused_the_same_way() {
    let (server, _) = counting_server();
    runtime().block_on(async {
        let path = "/grpc.health.v1.Health/Check";
        let two = [frame(0, b""), frame(0, b"")].concat();
        assert_eq!(
            send(server.addr, path, &[], &[two]).await.status,
            UNIMPLEMENTED
        );
        assert_eq!(
            send(server.addr, path, &[], &[vec![0]]).await.status,
            INVALID_ARGUMENT
        );
        assert_eq!(
            send(server.addr, path, &[], &[frame(0, b"")]).await.status,
            OK
        );
    });
}

#[test]
fn compression_both_ways_on_the_wire() {
    let (server, calls) = counting_server();
    let addr = server.addr;
    runtime().block_on(async {
        let path = "/Greeter/SayHello";
        // Every answer advertises what the server accepts.
        let plain = send(addr, path, &[], &[frame(0, &hello("w"))]).await;
        assert_eq!(plain.status, OK);
        assert_eq!(
            plain.headers["grpc-accept-encoding"],
            "gzip,deflate,zstd,identity"
        );
        assert_eq!(
            reply(&plain),
            (0, "Hello, w!".to_string()),
            "not asked to compress"
        );

        // A gzip request.
        let gz = send(
            addr,
            path,
            &[("grpc-encoding", "gzip")],
            &[frame(1, &gzip(&hello("zipped")))],
        )
        .await;
        assert_eq!(gz.status, OK, "{gz:?}");
        assert_eq!(reply(&gz).1, "Hello, zipped!");

        // The client accepts gzip: a large response is compressed, a small one is not.
        let name = "n".repeat(4000);
        let big = send(
            addr,
            path,
            &[("grpc-accept-encoding", "gzip")],
            &[frame(0, &hello(&name))],
        )
        .await;
        assert_eq!(big.status, OK, "{big:?}");
        assert_eq!(big.headers["grpc-encoding"], "gzip");
        let (flag, message) = reply(&big);
        assert_eq!((flag, message), (1, format!("Hello, {name}!")));
        assert!(
            big.body.len() < 1000,
            "4 KB of one letter compresses: {}",
            big.body.len()
        );
        let small = send(
            addr,
            path,
            &[("grpc-accept-encoding", "gzip")],
            &[frame(0, &hello("s"))],
        )
        .await;
        assert_eq!(reply(&small), (0, "Hello, s!".to_string()));

        // A coding the server does not speak: UNIMPLEMENTED, naming what it accepts.
        let br = send(addr, path, &[("grpc-encoding", "br")], &[frame(1, b"x")]).await;
        assert_eq!(br.status, UNIMPLEMENTED, "{br:?}");
        assert!(br.message.contains("br"), "{br:?}");
        assert!(
            br.headers["grpc-accept-encoding"]
                .to_str()
                .unwrap()
                .contains("gzip"),
            "{br:?}"
        );
        // Corrupt gzip: could not decompress, INTERNAL (statuscodes.md).
        let corrupt = send(
            addr,
            path,
            &[("grpc-encoding", "gzip")],
            &[frame(1, b"not gzip")],
        )
        .await;
        assert_eq!(corrupt.status, INTERNAL, "{corrupt:?}");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            4,
            "every good call, and only those"
        );
    });
}

#[test]
fn an_expired_deadline_is_checked_after_decoding_too() {
    // `grpc-timeout` that passes while the request is still arriving: the handler is not called.
    let (server, calls) = counting_server();
    runtime().block_on(async {
        // One call first, so the server is serving (its router built) and reads the next
        // request's headers as they come, not together with its late body.
        let warm = send(
            server.addr,
            "/Greeter/SayHello",
            &[],
            &[frame(0, &hello("w"))],
        )
        .await;
        assert_eq!(warm.status, OK, "{warm:?}");
        let tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let (client, connection) = h2::client::handshake(tcp).await.unwrap();
        let driver = tokio::spawn(connection);
        let mut client = client.ready().await.unwrap();
        let request = http::Request::post(format!("http://{}/Greeter/SayHello", server.addr))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .header("grpc-timeout", "1m")
            .body(())
            .unwrap();
        let (response, mut stream) = client.send_request(request, false).unwrap();
        // Hold the body back well past the 1 ms deadline (the bound is only hang protection).
        tokio::time::sleep(Duration::from_millis(50)).await;
        stream
            .send_data(Bytes::from(frame(0, &hello("late"))), true)
            .unwrap();
        let response = tokio::time::timeout(Duration::from_secs(10), response)
            .await
            .expect("an answer")
            .unwrap();
        let (parts, mut body) = response.into_parts();
        while body.data().await.is_some() {}
        let trailers = body.trailers().await.unwrap().unwrap_or_default();
        let status = trailers
            .get("grpc-status")
            .or_else(|| parts.headers.get("grpc-status"))
            .cloned();
        driver.abort();
        assert_eq!(status.unwrap(), DEADLINE_EXCEEDED);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "only the first call");
    });
}

/// One interop `SimpleRequest` asking for `size` bytes, with `response_compressed` and
/// `expect_compressed` as given.
fn simple_request(size: i32, compress: Option<bool>, expect: Option<bool>) -> Vec<u8> {
    use rosetta_examples::grpc::testing::proto::{BoolValue, SimpleRequest};
    SimpleRequest {
        response_size: size,
        response_compressed: compress.map(|value| BoolValue { value }),
        expect_compressed: expect.map(|value| BoolValue { value }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// The interop service's two compression switches, read on the wire where grpcio cannot see
/// them: `ResponseMetadata::set_compression` overrides the size rule both ways (a 10-byte answer
/// compressed, a 5,000-byte one not), and `Context::request_compressed` is each message's own
/// `Compressed-Flag`.
#[test]
fn handlers_see_and_choose_message_compression() {
    let server = RunningServer::start(rosetta_examples::interop_server());
    let addr = server.addr;
    runtime().block_on(async {
        let path = "/grpc.testing.TestService/UnaryCall";
        let accept = [("grpc-accept-encoding", "gzip")];
        let flag_of = |a: &Answer| {
            assert_eq!(a.status, OK, "{a:?}");
            a.body[0]
        };
        let by_size = |size| async move {
            let a = send(
                addr,
                path,
                &accept,
                &[frame(0, &simple_request(size, None, None))],
            )
            .await;
            flag_of(&a)
        };
        assert_eq!(
            (by_size(10).await, by_size(5000).await),
            (0, 1),
            "the size rule"
        );
        let small = [frame(0, &simple_request(10, Some(true), None))];
        let small = send(addr, path, &accept, &small).await;
        assert_eq!(flag_of(&small), 1, "asked to compress");
        let large = [frame(0, &simple_request(5000, Some(false), None))];
        let large = send(addr, path, &accept, &large).await;
        assert_eq!(flag_of(&large), 0, "asked not to");

        // expect_compressed: the same message compressed passes, uncompressed is refused, even
        // when the call names a coding (the flag is per message).
        let gz = [("grpc-encoding", "gzip")];
        let message = simple_request(3, None, Some(true));
        let ok = send(addr, path, &gz, &[frame(1, &gzip(&message))]).await;
        assert_eq!(ok.status, OK, "{ok:?}");
        let refused = send(addr, path, &gz, &[frame(0, &message)]).await;
        assert_eq!(refused.status, INVALID_ARGUMENT, "{refused:?}");
    });
}

/// Each message's `Compressed-Flag` in a response body of gRPC frames.
fn message_flags(mut body: &[u8]) -> Vec<u8> {
    let mut flags = Vec::new();
    while body.len() >= 5 {
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        flags.push(body[0]);
        body = &body[5 + len..];
    }
    assert!(body.is_empty(), "whole frames");
    flags
}

/// A response stream goes uncompressed even when the client accepts a coding (as every grpcio
/// client says it does): tonic would compress each of its messages with a fresh compressor,
/// 45 times the CPU of sending a small one. `GrpcOptions::compress_streams` turns it on; a unary
/// answer keeps its size rule either way.
#[test]
fn response_streams_are_uncompressed_unless_configured() {
    use rosetta::grpc::GrpcOptions;
    use rosetta_examples::grpc::testing::proto::{ResponseParameters, StreamingOutputCallRequest};
    let stream_request = StreamingOutputCallRequest {
        response_parameters: [10, 5000, 20]
            .into_iter()
            .map(|size| ResponseParameters {
                size,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
    .encode_to_vec();
    for (compress_streams, want) in [(false, [0, 0, 0]), (true, [1, 1, 1])] {
        let options = GrpcOptions::default().with_compress_streams(compress_streams);
        let server = RunningServer::start(rosetta_examples::interop_server().grpc_options(options));
        let addr = server.addr;
        runtime().block_on(async {
            let accept = [("grpc-accept-encoding", "gzip, deflate")];
            let path = "/grpc.testing.TestService/StreamingOutputCall";
            let a = send(addr, path, &accept, &[frame(0, &stream_request)]).await;
            assert_eq!(a.status, OK, "{a:?}");
            assert_eq!(
                message_flags(&a.body),
                want,
                "compress_streams: {compress_streams}"
            );
            let path = "/grpc.testing.TestService/UnaryCall";
            let a = send(
                addr,
                path,
                &accept,
                &[frame(0, &simple_request(5000, None, None))],
            )
            .await;
            assert_eq!(message_flags(&a.body), [1], "a large unary answer");
        });
    }
}
