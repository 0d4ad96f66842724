//! The benchmark's load generator: the same pre-encoded XML-RPC calls (as Python's
//! `xmlrpc.client` writes them) sent over HTTP/1.1 to any server, counting successful responses.
//!
//! `load HOST:PORT CALL SECONDS CONNECTIONS [close]` with CALL one of `add`, `getProduct`,
//! `search`; prints `<requests/s> <ok> <errors>`. Connections are kept alive when the server
//! allows it and reopened when it closes them (Python's `SimpleXMLRPCServer` answers HTTP/1.0 and
//! closes); with `close`, every request asks for a new connection (`connection: close`).
//! Runs on one thread, so the server under test keeps the other core.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A call as Python's `xmlrpc.client` encodes it.
fn body(call: &str) -> Option<&'static str> {
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

/// What one exchange ended with.
enum Outcome {
    Ok { keep_alive: bool },
    Error,
}

/// Reads one HTTP response: true status 200, a `<params>` (not a fault) body.
async fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> Outcome {
    if stream.write_all(request).await.is_err() {
        return Outcome::Error;
    }
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    // Headers.
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Outcome::Error,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status_ok = head.starts_with("http/1.1 200") || head.starts_with("http/1.0 200");
    let length = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let keep_alive = head.starts_with("http/1.1") && !head.contains("connection: close");
    // Body: by length, or to the end of the connection.
    loop {
        let have = buf.len() - head_end;
        if length.is_some_and(|l| have >= l) {
            break;
        }
        match stream.read(&mut chunk).await {
            Ok(0) if length.is_none() => break,
            Ok(0) | Err(_) => return Outcome::Error,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = &buf[head_end..];
    let is_result = body.windows(8).any(|w| w == b"<params>");
    if status_ok && is_result {
        Outcome::Ok {
            keep_alive: keep_alive && length.is_some(),
        }
    } else {
        Outcome::Error
    }
}

/// One connection's loop until `deadline`: (ok, errors).
async fn worker(addr: String, request: Vec<u8>, deadline: Instant) -> (u64, u64) {
    let (mut ok, mut errors) = (0u64, 0u64);
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut stream: Option<TcpStream> = None;
    while Instant::now() < deadline {
        let s = match stream.as_mut() {
            Some(s) => s,
            None => match TcpStream::connect(&addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream.insert(s)
                }
                Err(_) => {
                    errors += 1;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    continue;
                }
            },
        };
        match exchange(s, &request, &mut buf).await {
            Outcome::Ok { keep_alive } => {
                ok += 1;
                if !keep_alive {
                    stream = None;
                }
            }
            Outcome::Error => {
                errors += 1;
                stream = None;
            }
        }
    }
    (ok, errors)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: load HOST:PORT add|getProduct|search SECONDS CONNECTIONS [close]";
    let (Some(addr), Some(call), Some(secs), Some(conns)) =
        (args.get(1), args.get(2), args.get(3), args.get(4))
    else {
        return Err(usage.into());
    };
    let body = body(call).ok_or(usage)?;
    let secs: f64 = secs.parse()?;
    let conns: usize = conns.parse()?;
    let close = match args.get(5).map(String::as_str) {
        None => "",
        Some("close") => "Connection: close\r\n",
        Some(_) => return Err(usage.into()),
    };
    let request = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: rosetta-bench\r\n\
         Content-Type: text/xml\r\n{close}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (ok, errors, elapsed) = rt.block_on(async {
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(secs);
        let tasks: Vec<_> = (0..conns)
            .map(|_| tokio::spawn(worker(addr.clone(), request.clone(), deadline)))
            .collect();
        let (mut ok, mut errors) = (0, 0);
        for t in tasks {
            if let Ok((o, e)) = t.await {
                ok += o;
                errors += e;
            }
        }
        (ok, errors, start.elapsed())
    });
    println!("{:.0} {ok} {errors}", ok as f64 / elapsed.as_secs_f64());
    Ok(())
}
