//! Response metadata set by a handler through `Context::response_metadata`, read by clients
//! nobody here wrote, one test per protocol: Python grpcio reads gRPC initial and trailing
//! metadata (unary, a trailers-only error, a server stream); urllib reads REST's headers (the
//! trailers of a unary answer among them, and a stream's headers); `xmlrpc.client` with a
//! transport that keeps the response headers reads XML-RPC's. The handler is the interop
//! service's, which echoes `x-grpc-test-echo-initial` as a header and
//! `x-grpc-test-echo-trailing-bin` (bytes, base64 on the wire) as a trailer, the same code on
//! every protocol. A raw HTTP/2 client reads a REST stream's trailers as HTTP trailers; Connect
//! answers carry them as `trailer-` headers.

use std::time::Duration;

use rosetta_tests::{RunningServer, emit_protos, python_stdout, stdlib_python, tier2_python};

#[test]
fn grpc_initial_and_trailing_metadata_reach_grpcio() {
    let dir = emit_protos("grpc_testing.idl", "metadata");
    let server = RunningServer::start(rosetta_examples::interop_server());
    let script = r#"
import os, sys
import grpc, grpc_tools
from grpc_tools import protoc
port, out = sys.argv[1], sys.argv[2]
include = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
assert protoc.main(['protoc', '-I' + out, '-I' + include, '--python_out=' + out,
                    '--grpc_python_out=' + out, 'grpc_testing.proto']) == 0
sys.path.insert(0, out)
import grpc_testing_pb2 as m, grpc_testing_pb2_grpc as g
channel = grpc.insecure_channel('127.0.0.1:' + port)
stub = g.TestServiceStub(channel)
sent = [('x-grpc-test-echo-initial', 'hello metadata'),
        ('x-grpc-test-echo-trailing-bin', b'\x00\xab\xff')]

def check(initial, trailing, where):
    initial, trailing = dict(initial), dict(trailing)
    assert initial.get('x-grpc-test-echo-initial') == 'hello metadata', (where, initial)
    assert trailing.get('x-grpc-test-echo-trailing-bin') == b'\x00\xab\xff', (where, trailing)
    assert 'x-grpc-test-echo-trailing-bin' not in initial, (where, initial)

_, call = stub.EmptyCall.with_call(m.Empty(), metadata=sent, timeout=10)
check(call.initial_metadata(), call.trailing_metadata(), 'unary')

stream = stub.StreamingOutputCall(m.StreamingOutputCallRequest(
    response_parameters=[m.ResponseParameters(size=5), m.ResponseParameters(size=7)]),
    metadata=sent, timeout=10)
assert [len(r.payload.body) for r in stream] == [5, 7]
check(stream.initial_metadata(), stream.trailing_metadata(), 'server stream')

# An error before any message: a trailers-only answer carries the trailers with the status.
try:
    stub.UnaryCall(m.SimpleRequest(response_status=m.EchoStatus(code=5, message='gone')),
                   metadata=sent, timeout=10)
    raise AssertionError('expected NOT_FOUND')
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.NOT_FOUND and e.details() == 'gone', e
    trailing = dict(e.trailing_metadata())
    assert trailing.get('x-grpc-test-echo-trailing-bin') == b'\x00\xab\xff', trailing
print('DONE')
"#;
    let out = python_stdout(
        &tier2_python(),
        script,
        &[&server.addr.port().to_string(), &dir.display().to_string()],
        Duration::from_secs(90),
    );
    assert!(out.contains("DONE"), "{out}");
}

#[test]
fn rest_answers_carry_headers_and_unary_trailers_as_headers() {
    let server = RunningServer::start(rosetta_examples::interop_server());
    let script = r#"
import json, sys, urllib.request, urllib.error
base = sys.argv[1]
# Two bytes: sent padded, echoed unpadded (base64 as gRPC sends binary metadata).
sent = {'x-grpc-test-echo-initial': 'hello metadata', 'x-grpc-test-echo-trailing-bin': 'q6s='}

def post(path, body, accept='application/json'):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method='POST',
                                 headers=dict(sent, **{'Content-Type': 'application/json',
                                                       'Accept': accept}))
    try:
        return urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        return e

r = post('/grpc.testing.TestService/EmptyCall', {})
assert r.status == 200, r.status
assert r.headers['x-grpc-test-echo-initial'] == 'hello metadata', dict(r.headers)
assert r.headers['x-grpc-test-echo-trailing-bin'] == 'q6s', dict(r.headers)

# An error answer carries them too.
req = {'response_type': 'COMPRESSABLE', 'response_size': 0, 'fill_username': False,
       'fill_oauth_scope': False, 'response_status': {'code': 5, 'message': 'gone'}}
r = post('/grpc.testing.TestService/UnaryCall', req)
assert r.status == 404, r.status
assert r.headers['x-grpc-test-echo-initial'] == 'hello metadata', dict(r.headers)
assert r.headers['x-grpc-test-echo-trailing-bin'] == 'q6s', dict(r.headers)

# A stream: the headers as the handler left them when it returned its stream.
r = post('/grpc.testing.TestService/StreamingOutputCall',
         {'response_type': 'COMPRESSABLE', 'response_parameters': [
             {'size': 3, 'interval_us': 0}]}, accept='application/x-ndjson')
assert r.status == 200, r.status
assert r.headers['x-grpc-test-echo-initial'] == 'hello metadata', dict(r.headers)
lines = [json.loads(l) for l in r.read().decode().splitlines() if l.strip()]
assert len(lines) == 1 and lines[0]['result']['payload']['body'] == 'AAAA', lines
print('DONE')
"#;
    let out = python_stdout(
        &stdlib_python(),
        script,
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("DONE"), "{out}");
}

#[test]
fn xmlrpc_answers_carry_headers_and_trailers_as_headers() {
    let server = RunningServer::start(rosetta_examples::interop_server());
    let script = r#"
import sys, xmlrpc.client
class Transport(xmlrpc.client.Transport):
    """Sends the echo headers and keeps the response's headers."""
    seen = None
    def send_headers(self, connection, headers):
        headers = list(headers) + [('x-grpc-test-echo-initial', 'hello metadata'),
                                   ('x-grpc-test-echo-trailing-bin', 'AKv/')]
        super().send_headers(connection, headers)
    def parse_response(self, response):
        self.seen = {k.lower(): v for k, v in response.getheaders()}
        return super().parse_response(response)

transport = Transport()
proxy = xmlrpc.client.ServerProxy(sys.argv[1] + '/RPC2', transport=transport)
assert proxy.testService.emptyCall({}) == {}
assert transport.seen['x-grpc-test-echo-initial'] == 'hello metadata', transport.seen
assert transport.seen['x-grpc-test-echo-trailing-bin'] == 'AKv/', transport.seen

# A fault carries them too.
try:
    proxy.testService.unaryCall({'response_type': 'COMPRESSABLE', 'response_size': 0,
                                 'fill_username': False, 'fill_oauth_scope': False,
                                 'response_status': {'code': 5, 'message': 'gone'}})
    raise AssertionError('expected a fault')
except xmlrpc.client.Fault as f:
    assert (f.faultCode, f.faultString) == (5, 'gone'), f
assert transport.seen['x-grpc-test-echo-initial'] == 'hello metadata', transport.seen
print('DONE')
"#;
    let out = python_stdout(
        &stdlib_python(),
        script,
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("DONE"), "{out}");
}

/// Connect (unary, JSON) runs through the gRPC services: the headers come back as headers and the
/// trailers as `trailer-` headers, as the Connect protocol carries them.
#[test]
fn connect_answers_carry_headers_and_prefixed_trailers() {
    let server = RunningServer::start(rosetta_examples::interop_server());
    let script = r#"
import sys, urllib.request
req = urllib.request.Request(
    sys.argv[1] + '/grpc.testing.TestService/EmptyCall', data=b'{}', method='POST',
    headers={'Content-Type': 'application/json', 'Connect-Protocol-Version': '1',
             'x-grpc-test-echo-initial': 'hello metadata',
             'x-grpc-test-echo-trailing-bin': 'AKv/'})
r = urllib.request.urlopen(req, timeout=10)
assert r.status == 200 and r.read() == b'{}', r.status
assert r.headers['x-grpc-test-echo-initial'] == 'hello metadata', dict(r.headers)
assert r.headers['trailer-x-grpc-test-echo-trailing-bin'] == 'AKv/', dict(r.headers)
print('DONE')
"#;
    let out = python_stdout(
        &stdlib_python(),
        script,
        &[&server.url()],
        Duration::from_secs(60),
    );
    assert!(out.contains("DONE"), "{out}");
}

/// A REST stream request for two small NDJSON messages, with the echo headers.
fn rest_stream_request(addr: std::net::SocketAddr) -> http::request::Builder {
    http::Request::post(format!(
        "http://{addr}/grpc.testing.TestService/StreamingOutputCall"
    ))
    .header("content-type", "application/json")
    .header("accept", "application/x-ndjson")
    .header("x-grpc-test-echo-initial", "hello metadata")
    .header("x-grpc-test-echo-trailing-bin", "AKv/")
}

const STREAM_BODY: &str = r#"{"response_type":"COMPRESSABLE","response_parameters":[{"size":1,"interval_us":0},{"size":2,"interval_us":0}]}"#;

/// A REST stream's trailers arrive as HTTP trailers after the last line over HTTP/2 (h2c). Over
/// HTTP/1.1 hyper sends only trailers named beforehand in a `Trailer` header, which a stream's
/// handler cannot know when the headers leave, so HTTP/1.1 clients get none, even with
/// `TE: trailers` (docs say so); the body is whole either way.
#[test]
fn rest_stream_trailers_are_http_trailers() {
    let server = RunningServer::start(rosetta_examples::interop_server());
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // HTTP/2, prior knowledge.
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (client, connection) = h2::client::handshake(tcp).await.expect("h2 handshake");
        let driver = tokio::spawn(connection);
        let mut client = client.ready().await.expect("h2 ready");
        let request = rest_stream_request(addr).body(()).expect("request");
        let (response, mut send) = client.send_request(request, false).expect("send");
        send.send_data(bytes::Bytes::from_static(STREAM_BODY.as_bytes()), true)
            .expect("body");
        let (parts, mut body) = response.await.expect("response").into_parts();
        assert_eq!(parts.status, 200);
        assert_eq!(parts.headers["x-grpc-test-echo-initial"], "hello metadata");
        assert!(!parts.headers.contains_key("x-grpc-test-echo-trailing-bin"));
        let mut data = Vec::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.expect("data");
            let _ = body.flow_control().release_capacity(chunk.len());
            data.extend_from_slice(&chunk);
        }
        assert_eq!(String::from_utf8_lossy(&data).lines().count(), 2);
        let trailers = body
            .trailers()
            .await
            .expect("trailers")
            .expect("some trailers");
        assert_eq!(trailers["x-grpc-test-echo-trailing-bin"], "AKv/");
        driver.abort();

        // HTTP/1.1, raw, with and without `TE: trailers`.
        for te in ["TE: trailers\r\n", ""] {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let head = format!(
                "POST /grpc.testing.TestService/StreamingOutputCall HTTP/1.1\r\nHost: x\r\n\
                 Content-Type: application/json\r\nAccept: application/x-ndjson\r\n\
                 x-grpc-test-echo-initial: hello metadata\r\n\
                 x-grpc-test-echo-trailing-bin: AKv/\r\n{te}Connection: close\r\n\
                 Content-Length: {}\r\n\r\n{STREAM_BODY}",
                STREAM_BODY.len()
            );
            tcp.write_all(head.as_bytes()).await.expect("write");
            let mut raw = Vec::new();
            tokio::time::timeout(
                std::time::Duration::from_secs(30),
                tcp.read_to_end(&mut raw),
            )
            .await
            .expect("hang protection")
            .expect("read");
            let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
            let (head, body) = text.split_once("\r\n\r\n").expect("a head");
            assert!(
                head.contains("x-grpc-test-echo-initial: hello metadata"),
                "{text}"
            );
            assert!(!head.contains("x-grpc-test-echo-trailing-bin"), "{text}");
            assert_eq!(body.matches("\"result\"").count(), 2, "{text}");
            assert!(
                !body.contains("x-grpc-test-echo-trailing-bin"),
                "te: {te:?}\n{text}"
            );
        }
    });
}
