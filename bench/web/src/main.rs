//! Web protocols throughput on one handler: the Rosetta-generated Greeter on the one-port server,
//! called by `CONCURRENCY` tasks over one HTTP/2 connection for `SECONDS`, in turn over gRPC
//! (tonic's client), Connect binary (`application/proto`), Connect JSON (`application/json`) and
//! gRPC-Web (binary), the last three with a plain hyper client. Rounds rotate the protocols; each
//! round's ratios to gRPC are little affected by other load on the machine, and their medians
//! are the figures to quote.
//!
//! Usage: `rosetta-bench-web [SECONDS_PER_ROUND] [ROUNDS] [CONCURRENCY]` (defaults 2, 5, 64).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use rosetta::__private::prost::Message as _;

// The generated client and accessors are not used here.
#[allow(dead_code)]
mod api {
    rosetta::include_idl!("_");
}

use api::proto::greeter_client::GreeterClient;

/// The logic, behind the generated Rosetta trait.
struct Generated;

impl api::Greeter for Generated {
    async fn say_hello(
        &self,
        _ctx: rosetta::Context,
        request: api::HelloRequest,
    ) -> Result<api::HelloResponse, rosetta::Status> {
        Ok(api::HelloResponse {
            message: format!("Hello, {}!", request.name),
        })
    }
}

/// The protocols measured.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Proto {
    Grpc,
    ConnectProto,
    ConnectJson,
    GrpcWeb,
}

const ALL: [Proto; 4] = [
    Proto::Grpc,
    Proto::ConnectProto,
    Proto::ConnectJson,
    Proto::GrpcWeb,
];

/// Starts the one-port server on its own single-threaded runtime.
fn start() -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            rosetta::server::Server::new()
                .mount(api::greeter::Server::new(Generated))
                .serve_with_shutdown(listener, async {
                    let _ = stop_rx.await;
                })
                .await
                .expect("serve");
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server started");
    (addr, stop_tx, thread)
}

/// One call over a web protocol: the request's content type and body, and whether the answer
/// is the expected greeting.
fn web_request(proto: Proto) -> (&'static str, Bytes) {
    let message = api::proto::HelloRequest {
        name: "world".to_string(),
    }
    .encode_to_vec();
    match proto {
        Proto::ConnectProto => ("application/proto", Bytes::from(message)),
        Proto::ConnectJson => ("application/json", Bytes::from_static(br#"{"name":"world"}"#)),
        _ => {
            let mut framed = vec![0];
            framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
            framed.extend_from_slice(&message);
            ("application/grpc-web+proto", Bytes::from(framed))
        }
    }
}

fn web_answer_ok(proto: Proto, body: &[u8]) -> bool {
    let message = match proto {
        Proto::ConnectJson => return body == br#"{"message":"Hello, world!"}"#,
        Proto::ConnectProto => body,
        _ => {
            // The message frame; the trailer frame follows it.
            if body.len() < 5 {
                return false;
            }
            let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
            match body.get(5..5 + len) {
                Some(m) => m,
                None => return false,
            }
        }
    };
    api::proto::HelloResponse::decode(message).is_ok_and(|r| r.message == "Hello, world!")
}

/// Runs the load client against `addr` for `seconds`; returns completed calls per second.
fn load(proto: Proto, addr: SocketAddr, seconds: u64, concurrency: usize) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async move {
        let done = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        let grpc = if proto == Proto::Grpc {
            let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .expect("url")
                .connect()
                .await
                .expect("connect");
            Some(GreeterClient::new(channel))
        } else {
            None
        };
        // TCP_NODELAY as tonic's channel sets it: without it Nagle's algorithm holds each
        // request's DATA frame behind its HEADERS frame until the server's delayed ACK (~40 ms).
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let http = hyper_util::client::legacy::Client::builder(
            hyper_util::rt::TokioExecutor::new(),
        )
        .http2_only(true)
        .build::<_, Full<Bytes>>(connector);
        let uri: hyper::Uri = format!("http://{addr}/Greeter/SayHello").parse().expect("uri");
        for _ in 0..concurrency {
            let (done, errors, stop) = (done.clone(), errors.clone(), stop.clone());
            let mut grpc = grpc.clone();
            let http = http.clone();
            let uri = uri.clone();
            tasks.push(tokio::spawn(async move {
                let (content_type, body) = web_request(proto);
                while !stop.load(Ordering::Relaxed) {
                    let ok = match &mut grpc {
                        Some(client) => client
                            .say_hello(api::proto::HelloRequest {
                                name: "world".to_string(),
                            })
                            .await
                            .is_ok_and(|r| r.get_ref().message == "Hello, world!"),
                        None => {
                            let request = hyper::Request::post(uri.clone())
                                .header("content-type", content_type)
                                .header("connect-protocol-version", "1")
                                .body(Full::new(body.clone()))
                                .expect("request");
                            match http.request(request).await {
                                Ok(resp) if resp.status() == 200 => {
                                    match resp.into_body().collect().await {
                                        Ok(b) => web_answer_ok(proto, &b.to_bytes()),
                                        Err(_) => false,
                                    }
                                }
                                _ => false,
                            }
                        }
                    };
                    if ok {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        // Warm up, then measure.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let start_count = done.load(Ordering::Relaxed);
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let count = done.load(Ordering::Relaxed) - start_count;
        let elapsed = start.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        assert_eq!(errors.load(Ordering::Relaxed), 0, "{proto:?} calls failed");
        count as f64 / elapsed
    })
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numeric arguments"))
        .collect();
    let seconds = args.first().copied().unwrap_or(2);
    let rounds = args.get(1).copied().unwrap_or(5);
    let concurrency = args.get(2).copied().unwrap_or(64) as usize;
    println!(
        "unary SayHello on one handler, {concurrency} concurrent calls on one HTTP/2 connection, \
         {rounds} rounds of {seconds} s per protocol (rotating), server and client on one worker \
         thread each"
    );
    let mut totals = [0.0f64; 4];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for round in 0..rounds as usize {
        let mut rates = [0.0f64; 4];
        for i in 0..ALL.len() {
            let proto = ALL[(i + round) % ALL.len()];
            let (addr, stop, thread) = start();
            let rate = load(proto, addr, seconds, concurrency);
            let _ = stop.send(());
            let _ = thread.join();
            println!("round {}: {proto:?}: {rate:.0} calls/s", round + 1);
            totals[proto as usize] += rate;
            rates[proto as usize] = rate;
        }
        for p in 0..4 {
            ratios[p].push(rates[p] / rates[0]);
        }
    }
    for (p, proto) in ALL.iter().enumerate() {
        let mut r = ratios[p].clone();
        r.sort_by(f64::total_cmp);
        println!(
            "{proto:?}: {:.0} calls/s, {:.3} of gRPC (median of rounds)",
            totals[p] / rounds as f64,
            r[r.len() / 2]
        );
    }
}
