//! What the XML-RPC benchmark's load generator (`load`) and runner (`xmlrpc-bench`) share: the
//! calls, pre-encoded as Python's `xmlrpc.client` writes them, and what counts as an answer.

use std::net::SocketAddr;
use std::sync::Arc;

use rosetta_bench_support::Answer;

/// A call as Python's `xmlrpc.client` encodes it.
pub fn body(call: &str) -> Option<&'static str> {
    Some(match call {
        "add" => {
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>add</methodName>\n<params>\n<param>\n<value><int>2</int></value>\n</param>\n<param>\n<value><int>3</int></value>\n</param>\n</params>\n</methodCall>\n"
        }
        "getProduct" => {
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>catalog.getProduct</methodName>\n<params>\n<param>\n<value><string>p1</string></value>\n</param>\n</params>\n</methodCall>\n"
        }
        "search" => {
            "<?xml version='1.0'?>\n<methodCall>\n<methodName>catalog.search</methodName>\n<params>\n<param>\n<value><string>e</string></value>\n</param>\n<param>\n<value><int>10</int></value>\n</param>\n</params>\n</methodCall>\n"
        }
        _ => return None,
    })
}

/// The raw HTTP/1.1 request for `call` to `addr`; with `close`, asking for a new connection.
pub fn request(addr: SocketAddr, call: &str, close: bool) -> Option<Arc<[u8]>> {
    let body = body(call)?;
    let close = if close { "Connection: close\r\n" } else { "" };
    Some(
        format!(
            "POST /RPC2 HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: rosetta-bench\r\n\
             Content-Type: text/xml\r\n{close}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
        .into(),
    )
}

/// A `200` whose body is a result (`<params>`), not a fault.
pub fn is_result(a: &Answer<'_>) -> bool {
    a.ok() && a.body.windows(8).any(|w| w == b"<params>")
}
