//! Web protocols throughput on one handler: the Rosetta-generated Greeter on the one-port server,
//! called by `--connections` tasks over one HTTP/2 connection for `--seconds`, in turn over gRPC
//! (tonic's client), Connect binary (`application/proto`), Connect JSON (`application/json`) and
//! gRPC-Web (binary), the last three with a plain hyper client. Rounds rotate the protocols; each
//! round's ratios to gRPC are little affected by other load on the machine, and their medians
//! are the figures to quote.
//!
//! Usage: `rosetta-bench-web [--seconds S] [--rounds N] [--connections N]` (defaults 2, 5, 64).
//! The server is its own process (`rosetta-bench-web serve`) pinned to one core, the client on
//! the other; each protocol's server CPU per call is printed beside its calls/s.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use rosetta::__private::prost::Message as _;
use rosetta_bench_support::{
    Options, Sample, ServerProcess, Tally, drive, median, pin_load_generator, serve_one_thread,
};

// The generated client and accessors are not used here.
#[allow(dead_code)]
mod api {
    rosetta::include_idl!("_");
}

use rosetta_bench_grpc::tonic_api::{self, greeter_client::GreeterClient};

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

/// The protocols measured (named as the protocols are, `Proto` suffix and all).
#[allow(clippy::enum_variant_names)]
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

/// The server mode of the executable (`rosetta-bench-web serve`): the one-port server on one
/// worker thread, printing its port first, until killed.
fn serve() {
    serve_one_thread(|listener| async move {
        rosetta::server::Server::new()
            .mount(api::greeter::Server::new(Generated))
            .serve(listener)
            .await
            .expect("serve");
    });
}

/// One call over a web protocol: the request's content type and body, and whether the answer
/// is the expected greeting.
fn web_request(proto: Proto) -> (&'static str, Bytes) {
    let message = tonic_api::HelloRequest {
        name: "world".to_string(),
    }
    .encode_to_vec();
    match proto {
        Proto::ConnectProto => ("application/proto", Bytes::from(message)),
        Proto::ConnectJson => (
            "application/json",
            Bytes::from_static(br#"{"name":"world"}"#),
        ),
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
    tonic_api::HelloResponse::decode(message).is_ok_and(|r| r.message == "Hello, world!")
}

/// One round of `proto` calls against a fresh server process.
fn round(proto: Proto, o: &Options) -> Sample {
    let server = ServerProcess::spawn_self(&["serve"]);
    let addr = server.addr;
    // One HTTP/2 connection for every task, made inside the load runtime on first use.
    let clients = std::sync::OnceLock::new();
    drive(server.pid(), o.connections, o.seconds, |tally: Tally| {
        let (grpc, http) = clients
            .get_or_init(|| {
                let grpc = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                    .expect("url")
                    .connect_lazy();
                // TCP_NODELAY as tonic's channel sets it: without it Nagle's algorithm holds each
                // request's DATA frame behind its HEADERS frame until the server's delayed ACK.
                let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
                connector.set_nodelay(true);
                let http = hyper_util::client::legacy::Client::builder(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .http2_only(true)
                .build::<_, Full<Bytes>>(connector);
                (GreeterClient::new(grpc), http)
            })
            .clone();
        let uri: hyper::Uri = format!("http://{addr}/Greeter/SayHello")
            .parse()
            .expect("uri");
        async move {
            let mut grpc = grpc;
            let (content_type, body) = web_request(proto);
            while tally.running().await {
                let ok = match proto {
                    Proto::Grpc => grpc
                        .say_hello(tonic_api::HelloRequest {
                            name: "world".to_string(),
                        })
                        .await
                        .is_ok_and(|r| r.get_ref().message == "Hello, world!"),
                    _ => {
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
                tally.record(ok);
            }
        }
    })
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve") {
        serve();
        return;
    }
    pin_load_generator();
    let o = Options::from_args(2.0, 5, 64, 0);
    println!(
        "unary SayHello on one handler, {} concurrent calls on one HTTP/2 connection, {} rounds \
         of {} s per protocol (rotating), the server its own process on one worker thread",
        o.connections, o.rounds, o.seconds
    );
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); 4];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); 4];
    for round_no in 0..o.rounds {
        let mut rates = [0.0f64; 4];
        for i in 0..ALL.len() {
            let proto = ALL[(i + round_no) % ALL.len()];
            let s = round(proto, &o);
            assert_eq!(s.errors, 0, "{proto:?} calls failed");
            println!(
                "round {}: {proto:?}: {:.0} calls/s, {:.2} µs server CPU each",
                round_no + 1,
                s.rate(),
                s.cpu_us()
            );
            rates[proto as usize] = s.rate();
            samples[proto as usize].push(s);
        }
        for p in 0..4 {
            ratios[p].push(rates[p] / rates[0]);
        }
    }
    for (p, proto) in ALL.iter().enumerate() {
        println!(
            "{proto:?}: {:.0} calls/s, {:.2} µs server CPU each, {:.3} of gRPC's calls/s (medians)",
            median(samples[p].iter().map(Sample::rate).collect()),
            median(samples[p].iter().map(Sample::cpu_us).collect()),
            median(ratios[p].clone())
        );
    }
}
