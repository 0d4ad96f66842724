//! Streaming rpcs over REST, read by Python's standard library (`http.client`, reading the
//! answer as it arrives): a server stream as Server-Sent Events and as NDJSON (chosen by
//! `Accept`), an error in the middle of each, an NDJSON upload (client stream), an NDJSON chat
//! (bidirectional), bad input refused in REST's terms, and a client that goes away cancelling
//! the handler's stream.

use std::sync::atomic::Ordering;
use std::time::Duration;

use rosetta_examples::stream_service::StreamDemo;
use rosetta_tests::{RunningServer, python_stdout, stdlib_python};

fn python(port: u16, body: &str) -> String {
    let script = format!("{PRELUDE}\n{body}\nprint('DONE')\n");
    let out = python_stdout(
        &stdlib_python(),
        &script,
        &[&port.to_string()],
        Duration::from_secs(60),
    );
    assert!(out.contains("DONE"), "{out}");
    out
}

const PRELUDE: &str = r#"
import sys, json, http.client
port = int(sys.argv[1])

def request(method, path, body=None, headers={}):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.request(method, path, body=body, headers=headers)
    return conn, conn.getresponse()

def sse_events(resp):
    """(event, data) pairs as they arrive, read line by line from the open response."""
    event, data = 'message', []
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode().rstrip('\n')
        if line == '':
            if data:
                yield event, json.loads('\n'.join(data))
            event, data = 'message', []
        elif line.startswith('event:'):
            event = line[6:].strip()
        elif line.startswith('data:'):
            data.append(line[5:].lstrip(' '))
"#;

#[test]
fn server_stream_as_sse_and_ndjson_with_errors_mid_stream() {
    let server = RunningServer::start(rosetta_examples::stream_server_with(StreamDemo::new()));
    let out = python(
        server.addr.port(),
        r#"
# SSE: three events, then the end.
conn, resp = request('GET', '/products/events?prefix=p-&limit=3&fail_after=0',
                     headers={'Accept': 'text/event-stream'})
assert resp.status == 200 and resp.getheader('Content-Type') == 'text/event-stream', resp.status
events = list(sse_events(resp))
assert events == [('message', {'seq': i, 'product_id': 'p-%d' % i, 'kind': k})
                  for i, k in [(1, 'CREATED'), (2, 'UPDATED'), (3, 'DELETED')]], events

# SSE, an error mid-stream: two events, then an `error` event with the declared problem.
conn, resp = request('GET', '/products/events?prefix=&limit=10&fail_after=2',
                     headers={'Accept': 'text/event-stream'})
events = list(sse_events(resp))
assert [e for e, _ in events] == ['message', 'message', 'error'], events
problem = events[2][1]
assert problem['status'] == 503 and problem['after'] == 2, problem
assert problem['type'].endswith('streams.FeedBroken'), problem
print('sse error after', [d['seq'] for e, d in events[:2]])

# NDJSON (the default), an error mid-stream as the last line.
conn, resp = request('GET', '/products/events?prefix=x&limit=10&fail_after=1')
assert resp.getheader('Content-Type') == 'application/x-ndjson'
lines = [json.loads(l) for l in resp.read().decode().splitlines()]
assert lines[0] == {'result': {'seq': 1, 'product_id': 'x1', 'kind': 'CREATED'}}, lines
assert lines[1]['error']['after'] == 1 and len(lines) == 2, lines

# Bad input before the stream: 400 problem; an Accept the rpc cannot answer: 406.
conn, resp = request('GET', '/products/events?prefix=' + 'x' * 65 + '&limit=1&fail_after=0',
                     headers={'Accept': 'text/event-stream'})
assert resp.status == 400 and resp.getheader('Content-Type') == 'application/problem+json'
assert json.loads(resp.read())['violations'][0]['field'] == 'prefix'
conn, resp = request('GET', '/products/events?prefix=&limit=1&fail_after=0',
                     headers={'Accept': 'application/xml'})
assert resp.status == 406, resp.status
"#,
    );
    assert!(out.contains("sse error after [1, 2]"), "{out}");
}

#[test]
fn ndjson_upload_and_chat() {
    let server = RunningServer::start(rosetta_examples::stream_server_with(StreamDemo::new()));
    python(
        server.addr.port(),
        r#"
import base64
nd = {'Content-Type': 'application/x-ndjson'}
def chunk(b):
    return json.dumps({'data': base64.b64encode(b).decode()})

# Client stream: three lines (and a blank one), one summary.
body = '\n'.join([chunk(b'ab'), chunk(b'cde'), '', chunk(b'')]) + '\n'
conn, resp = request('POST', '/uploads', body=body, headers=nd)
assert resp.status == 200, (resp.status, resp.read())
assert json.loads(resp.read()) == {'chunks': 3, 'bytes': 5}

# Sent in pieces as it is produced (chunked transfer coding): the same.
def pieces():
    for b in [b'x', b'yz']:
        yield (chunk(b) + '\n').encode()
conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
conn.request('POST', '/uploads', body=pieces(), headers=nd, encode_chunked=True)
assert json.loads(conn.getresponse().read()) == {'chunks': 2, 'bytes': 3}

# An invalid line (not JSON) and a line over @length: 400 problems naming the line / field.
conn, resp = request('POST', '/uploads', body=chunk(b'ok') + '\n{nope\n', headers=nd)
assert resp.status == 400, resp.status
assert 'line 2' in json.loads(resp.read())['detail']
conn, resp = request('POST', '/uploads', body=chunk(b'x' * 65537) + '\n', headers=nd)
assert resp.status == 400 and json.loads(resp.read())['violations'][0]['field'] == 'data'
# Not NDJSON: 415.
conn, resp = request('POST', '/uploads', body='<x/>', headers={'Content-Type': 'application/xml'})
assert resp.status == 415, resp.status

# Bidirectional: NDJSON in, NDJSON out, one answer per line.
lines = '\n'.join(json.dumps({'from': 'me', 'text': t}) for t in ['hi', 'there']) + '\n'
conn, resp = request('POST', '/streams.Demo/Chat', body=lines, headers=nd)
answers = [json.loads(l) for l in resp.read().decode().splitlines()]
assert answers == [{'result': {'from': 'server', 'text': 'HI'}},
                   {'result': {'from': 'server', 'text': 'THERE'}}], answers
# ... or SSE out; an invalid line ends it with an error event.
conn, resp = request('POST', '/streams.Demo/Chat', body=lines + '{"text": "anonymous"}\n',
                     headers=dict(nd, Accept='text/event-stream'))
events = list(sse_events(resp))
assert [e for e, _ in events] == ['message', 'message', 'error'], events
assert events[2][1]['status'] == 400, events[2]
"#,
    );
}

#[test]
fn a_reader_that_goes_away_cancels_the_feed() {
    let service = StreamDemo::new();
    let stats = service.stats();
    let server = RunningServer::start(rosetta_examples::stream_server_with(service));
    python(
        server.addr.port(),
        r#"
import socket
# An endless feed: read five events, then close the connection.
conn, resp = request('GET', '/products/events?prefix=&limit=0&fail_after=0',
                     headers={'Accept': 'text/event-stream'})
it = sse_events(resp)
seqs = [next(it)[1]['seq'] for _ in range(5)]
assert seqs == [1, 2, 3, 4, 5], seqs
conn.sock.shutdown(socket.SHUT_RDWR)
conn.close()
"#,
    );
    // The server notices when a write fails: bounded wait, hang protection only.
    for _ in 0..400 {
        if stats.dropped.load(Ordering::SeqCst) == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        stats.dropped.load(Ordering::SeqCst),
        1,
        "the feed outlived its reader"
    );
    let produced = stats.produced.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        stats.produced.load(Ordering::SeqCst),
        produced,
        "nothing is produced after the cancellation"
    );
}
