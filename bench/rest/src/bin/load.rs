//! The benchmark's load generator: the same HTTP/1.1 request sent over keep-alive connections to
//! any route, counting `200` responses with a JSON body.
//!
//! `load HOST:PORT METHOD PATH SECONDS CONNECTIONS [JSON-BODY]`; prints `<requests/s> <ok>
//! <errors>`. Runs on one thread, so the server under test keeps the other core.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request and reads one response; true for a `200` with a JSON body.
async fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> bool {
    if stream.write_all(request).await.is_err() {
        return false;
    }
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let Some(length) = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    }) else {
        return false;
    };
    while buf.len() - head_end < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    head.starts_with("http/1.1 200")
        && head.contains("content-type: application/json")
        && buf.get(head_end) == Some(&b'{')
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
        if exchange(s, &request, &mut buf).await {
            ok += 1;
        } else {
            errors += 1;
            stream = None;
        }
    }
    (ok, errors)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: load HOST:PORT METHOD PATH SECONDS CONNECTIONS [JSON-BODY]";
    let (Some(addr), Some(method), Some(path), Some(secs), Some(conns)) = (
        args.get(1),
        args.get(2),
        args.get(3),
        args.get(4),
        args.get(5),
    ) else {
        return Err(usage.into());
    };
    let secs: f64 = secs.parse()?;
    let conns: usize = conns.parse()?;
    let body = args.get(6).map(String::as_str).unwrap_or("");
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: rosetta-bench\r\n\
         Accept: application/json\r\n{content}\r\n{body}"
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
