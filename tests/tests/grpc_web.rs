//! gRPC-Web on the one port, with raw clients (reqwest on HTTP/1.1, the `h2` crate on HTTP/2)
//! that read every byte: the binary and base64 (`-text`) encodings, the message then the trailer
//! frame, errors and refusals as trailers-only answers, and malformed bodies (bad frames,
//! truncated or invalid base64, an envelope claiming 4 GB, an unknown codec) answered with the
//! gRPC-Web error while the server goes on serving.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use rosetta::__private::prost::Message;
use rosetta::rest::reqwest;
use rosetta::{Context, Protocol, Status};
use rosetta_examples::seed::{self, HelloRequest, HelloResponse};
use rosetta_tests::RunningServer;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A Greeter that records the protocol each call arrived on.
#[derive(Clone, Default)]
struct Recording(Arc<Mutex<Vec<Protocol>>>);

impl seed::Greeter for Recording {
    async fn say_hello(
        &self,
        ctx: Context,
        request: HelloRequest,
    ) -> Result<HelloResponse, Status> {
        self.0.lock().unwrap().push(ctx.protocol());
        Ok(HelloResponse {
            message: format!("Hello, {}!", request.name),
        })
    }
}

fn server(auth: bool) -> (RunningServer, Arc<Mutex<Vec<Protocol>>>) {
    let greeter = Recording::default();
    let calls = Arc::clone(&greeter.0);
    let mut server = rosetta::server::Server::new()
        .mount(seed::greeter::Server::new(greeter))
        .mount(seed::calculator::Server::new(
            rosetta_examples::seed_service::Seed,
        ));
    if auth {
        server = server.authenticate(rosetta::server::bearer_token("secret"));
    }
    (RunningServer::start(server), calls)
}

/// One gRPC message frame.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![flag];
    v.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn hello(name: &str) -> Vec<u8> {
    frame(
        0,
        &seed::proto::HelloRequest { name: name.into() }.encode_to_vec(),
    )
}

/// A gRPC-Web answer, its body already base64-decoded for `-text`.
#[derive(Debug)]
struct Answer {
    http: u16,
    headers: http::HeaderMap,
    /// Message frames' payloads.
    messages: Vec<Vec<u8>>,
    /// The trailer frame's text, if any.
    trailer: Option<String>,
}

impl Answer {
    /// `grpc-status` from the trailer frame, else from the headers (trailers-only).
    fn status(&self) -> String {
        if let Some(t) = &self.trailer {
            for line in t.split("\r\n") {
                if let Some(v) = line.strip_prefix("grpc-status:") {
                    return v.trim().to_owned();
                }
            }
        }
        self.headers
            .get("grpc-status")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

fn parse(http: u16, headers: http::HeaderMap, body: &[u8]) -> Answer {
    // The answer's encoding is the one its content type names (the request's `accept` asks).
    let text = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/grpc-web-text"));
    let body = if text {
        // Each frame is base64-encoded on its own, so the body may be several padded runs.
        let mut out = Vec::new();
        let s = std::str::from_utf8(body).unwrap_or_else(|e| panic!("text body {e}: {body:?}"));
        let mut rest = s;
        while !rest.is_empty() {
            let end = rest.find('=').map_or(rest.len(), |i| {
                i + rest[i..].bytes().take_while(|b| *b == b'=').count()
            });
            out.extend(B64.decode(&rest[..end]).expect("base64 answer"));
            rest = &rest[end..];
        }
        out
    } else {
        body.to_vec()
    };
    let mut messages = Vec::new();
    let mut trailer = None;
    let mut at = 0;
    while at + 5 <= body.len() {
        let len = u32::from_be_bytes(body[at + 1..at + 5].try_into().unwrap()) as usize;
        let payload = body[at + 5..at + 5 + len].to_vec();
        if body[at] & 0x80 != 0 {
            trailer = Some(String::from_utf8(payload).unwrap());
        } else {
            messages.push(payload);
        }
        at += 5 + len;
    }
    assert_eq!(at, body.len(), "whole frames only");
    Answer {
        http,
        headers,
        messages,
        trailer,
    }
}

/// A gRPC-Web call over HTTP/1.1.
async fn http1(
    url: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    auth: Option<&str>,
) -> Answer {
    let mut req = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .header("content-type", content_type)
        .header("accept", content_type)
        .header("x-grpc-web", "1")
        .body(body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.expect("send");
    let http = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body");
    parse(http, headers, &body)
}

/// A gRPC-Web call over HTTP/2 (prior knowledge, as a proxy would send it).
async fn http2(
    addr: std::net::SocketAddr,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Answer {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let driver = tokio::spawn(connection);
    let mut client = client.ready().await.expect("h2 ready");
    let request = http::Request::post(format!("http://{addr}{path}"))
        .header("content-type", content_type)
        .header("accept", content_type)
        .body(())
        .unwrap();
    let (response, mut stream) = client.send_request(request, false).expect("send");
    stream.send_data(Bytes::from(body), true).expect("data");
    let (parts, mut body) = response.await.expect("response").into_parts();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("data");
        let _ = body.flow_control().release_capacity(chunk.len());
        data.extend_from_slice(&chunk);
    }
    // gRPC-Web carries trailers in the body: no HTTP trailers.
    assert!(body.trailers().await.expect("trailers").is_none());
    driver.abort();
    parse(parts.status.as_u16(), parts.headers, &data)
}

fn greeting(answer: &Answer) -> String {
    assert_eq!(answer.messages.len(), 1, "{answer:?}");
    seed::proto::HelloResponse::decode(&answer.messages[0][..])
        .unwrap()
        .message
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn binary_and_text_over_http1_and_http2_end_with_a_trailer_frame() {
    let (server, calls) = server(false);
    let url = server.url();
    runtime().block_on(async {
        for ct in [
            "application/grpc-web",
            "application/grpc-web+proto",
            "application/grpc-web-text",
            "application/grpc-web-text+proto",
        ] {
            let text = ct.contains("-text");
            let body = if text {
                B64.encode(hello("web")).into_bytes()
            } else {
                hello("web")
            };
            for answer in [
                http1(&url, "/Greeter/SayHello", ct, body.clone(), None).await,
                http2(server.addr, "/Greeter/SayHello", ct, body).await,
            ] {
                assert_eq!(answer.http, 200, "{ct}: {answer:?}");
                let want = if text {
                    "application/grpc-web-text+proto"
                } else {
                    "application/grpc-web+proto"
                };
                assert_eq!(answer.headers["content-type"], want);
                assert_eq!(greeting(&answer), "Hello, web!");
                let trailer = answer.trailer.as_deref().expect("a trailer frame");
                assert!(trailer.contains("grpc-status:0"), "{trailer:?}");
                // Not in the headers: the trailer frame is where it belongs.
                assert!(answer.headers.get("grpc-status").is_none());
            }
        }
    });
    // A text request whose `accept` does not ask for text gets a binary answer, labelled so.
    runtime().block_on(async {
        let resp = reqwest::Client::new()
            .post(format!("{url}/Greeter/SayHello"))
            .header("content-type", "application/grpc-web-text")
            .body(B64.encode(hello("bin")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "application/grpc-web+proto");
        let headers = resp.headers().clone();
        let answer = parse(200, headers, &resp.bytes().await.unwrap());
        assert_eq!(greeting(&answer), "Hello, bin!");
    });
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 9);
    assert!(calls.iter().all(|p| *p == Protocol::GrpcWeb), "{calls:?}");
}

#[test]
fn errors_and_refusals_are_grpc_web_answers() {
    let (open, _) = server(false);
    let (locked, calls) = server(true);
    runtime().block_on(async {
        // A constraint violation: INVALID_ARGUMENT with google.rpc details.
        let add = frame(
            0,
            &seed::proto::AddRequest {
                a: 2_000_000_000,
                b: 1,
            }
            .encode_to_vec(),
        );
        let a = http1(
            &open.url(),
            "/Calculator/Add",
            "application/grpc-web+proto",
            add,
            None,
        )
        .await;
        assert_eq!((a.http, a.status().as_str()), (200, "3"), "{a:?}");
        assert!(a.headers.contains_key("grpc-status-details-bin"), "{a:?}");
        // No token: UNAUTHENTICATED, in gRPC-Web terms.
        let a = http1(
            &locked.url(),
            "/Greeter/SayHello",
            "application/grpc-web",
            hello("x"),
            None,
        )
        .await;
        assert_eq!((a.http, a.status().as_str()), (200, "16"), "{a:?}");
        assert_eq!(a.headers["content-type"], "application/grpc-web+proto");
        let a = http1(
            &locked.url(),
            "/Greeter/SayHello",
            "application/grpc-web",
            hello("x"),
            Some("Bearer secret"),
        )
        .await;
        assert_eq!(greeting(&a), "Hello, x!");
        // An unknown method.
        let a = http1(
            &open.url(),
            "/Greeter/Nope",
            "application/grpc-web",
            hello("x"),
            None,
        )
        .await;
        assert_eq!(a.status(), "12", "{a:?}");
    });
    assert_eq!(calls.lock().unwrap().len(), 1);
}

#[test]
fn malformed_bodies_get_the_grpc_web_error_and_the_server_keeps_serving() {
    let (server, calls) = server(false);
    let url = server.url();
    let web = "application/grpc-web+proto";
    let text = "application/grpc-web-text";
    let good = hello("w");
    let mut huge = vec![0, 0xff, 0xff, 0xff, 0xff];
    huge.extend_from_slice(&[1, 2, 3]);
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("3-byte body", web, vec![0, 0, 0], "3"),
        ("short message", web, good[..good.len() - 1].to_vec(), "3"),
        ("flag 2", web, frame(2, &good[5..]), "3"),
        ("envelope claiming 4 GB", web, huge.clone(), "8"),
        ("4 GB, base64", text, B64.encode(&huge).into_bytes(), "8"),
        (
            "truncated base64",
            text,
            B64.encode(&good).as_bytes()[..B64.encode(&good).len() - 3].to_vec(),
            "3",
        ),
        ("not base64", text, b"AAAA!!!!".to_vec(), "3"),
        (
            "base64 of a short message",
            text,
            B64.encode(&good[..good.len() - 1]).into_bytes(),
            "3",
        ),
    ];
    runtime().block_on(async {
        for (name, ct, body, want) in cases {
            let a = http1(&url, "/Greeter/SayHello", ct, body, None).await;
            assert_eq!((a.http, a.status().as_str()), (200, want), "{name}: {a:?}");
            assert!(a.messages.is_empty(), "{name}");
        }
        // A codec the server does not speak: HTTP 415.
        let resp = reqwest::Client::new()
            .post(format!("{url}/Greeter/SayHello"))
            .header("content-type", "application/grpc-web+json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415);
        // Still serving, and no refused call reached the handler.
        let a = http1(&url, "/Greeter/SayHello", web, hello("after"), None).await;
        assert_eq!(greeting(&a), "Hello, after!");
    });
    assert_eq!(calls.lock().unwrap().len(), 1);
}
