//! The Connect protocol on the one port (unary over POST), with a raw HTTP client that reads
//! every byte: the JSON codec is canonical protobuf JSON (lowerCamelCase, 64-bit integers as
//! strings), the proto codec the gRPC message; typed errors with Connect's JSON and HTTP status
//! and the declared error in `details`; `Connect-Timeout-Ms`; gzip both ways; REST and Connect
//! on the same URL told apart by the `Connect-Protocol-Version` header; and bad input (unknown
//! codec, broken JSON, oversized bodies, a bad version or timeout) answered with Connect's error
//! while the server keeps serving.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use rosetta::__private::prost::Message as _;
use rosetta::rest::reqwest;
use rosetta_examples::shop::{common, v1};
use rosetta_tests::RunningServer;
use serde_json::{Value, json};

/// An answer: HTTP status, headers, body (gunzipped when the answer says gzip).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{e}: {} {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().unwrap_or_default())
    }
}

async fn post(url: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let mut req = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .body(body);
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = resp.bytes().await.expect("body").to_vec();
    if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_end(&mut out)
            .expect("gunzip");
        body = out;
    }
    Answer {
        status,
        headers,
        body,
    }
}

const JSON: [(&str, &str); 2] = [
    ("content-type", "application/json"),
    ("connect-protocol-version", "1"),
];
const PROTO: [(&str, &str); 2] = [
    ("content-type", "application/proto"),
    ("connect-protocol-version", "1"),
];

async fn connect_json(url: &str, path: &str, body: Value) -> Answer {
    post(url, path, &JSON, body.to_string().into_bytes()).await
}

/// A bad request: name, headers, body, the expected HTTP status and Connect code.
type BadCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16, &'a str);

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn json_and_proto_calls_typed_errors_and_the_rest_route_on_the_same_url() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let url = s.url();
    runtime().block_on(async {
        // JSON in both spellings protobuf JSON allows; 64-bit integers as strings out.
        let created = connect_json(
            &url,
            "/shop.v1.Catalog/CreateProduct",
            json!({"name": "Lamp", "price": {"amountMinor": "1999", "currency": "EUR"},
                   "tags": ["light"]}),
        )
        .await;
        assert_eq!(created.status, 200, "{}", created.json());
        assert_eq!(created.header("content-type"), "application/json");
        let product = created.json();
        assert_eq!(product["name"], "Lamp");
        assert_eq!(
            product["price"],
            json!({"amountMinor": "1999", "currency": "EUR"})
        );
        let id = product["id"].as_str().expect("an id").to_owned();
        let second = connect_json(
            &url,
            "/shop.v1.Catalog/CreateProduct",
            json!({"name": "Desk", "price": {"amount_minor": 25000, "currency": "EUR"}}),
        )
        .await;
        assert_eq!(second.json()["price"]["amountMinor"], "25000");

        // The proto codec: the gRPC message as is.
        let req = v1::proto::GetProductRequest { id: id.clone() }.encode_to_vec();
        let got = post(&url, "/shop.v1.Catalog/GetProduct", &PROTO, req).await;
        assert_eq!(
            (got.status, got.header("content-type")),
            (200, "application/proto")
        );
        let decoded = v1::proto::Product::decode(&got.body[..]).expect("a Product");
        assert_eq!(
            (decoded.name.as_str(), decoded.id.as_str()),
            ("Lamp", &id[..])
        );

        // A declared error: Connect's code, HTTP status, and the error message in details.
        let missing =
            connect_json(&url, "/shop.v1.Catalog/GetProduct", json!({"id": "nope"})).await;
        assert_eq!(missing.status, 404);
        let err = missing.json();
        assert_eq!(err["code"], "not_found");
        assert!(err["message"].as_str().unwrap().contains("nope"), "{err}");
        assert_eq!(err["details"][0]["type"], "shop.common.NotFound");
        let value = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(err["details"][0]["value"].as_str().unwrap())
            .expect("unpadded base64");
        let detail = common::proto::NotFound::decode(&value[..]).unwrap();
        assert_eq!(
            (detail.resource.as_str(), detail.id.as_str()),
            ("product", "nope")
        );
        // Constraint violations: invalid_argument with google.rpc.BadRequest.
        let bad = connect_json(
            &url,
            "/shop.v1.Catalog/CreateProduct",
            json!({"name": "", "price": {"amountMinor": "1", "currency": "eur"}}),
        )
        .await;
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json()["code"], "invalid_argument");
        assert_eq!(bad.json()["details"][0]["type"], "google.rpc.BadRequest");

        // The same URL: REST without the header, Connect with it.
        let path = "/shop.v1.Catalog/ListProducts";
        let rest = post(
            &url,
            path,
            &[("content-type", "application/json")],
            br#"{"size": 10}"#.to_vec(),
        )
        .await;
        let connect = connect_json(&url, path, json!({"size": 10})).await;
        assert_eq!((rest.status, connect.status), (200, 200));
        assert_eq!(connect.json()["items"][0]["price"]["amountMinor"], "2500");
        let rest_price = &rest.json()["items"][0]["price"];
        assert!(
            rest_price.get("amountMinor").is_none(),
            "REST: {rest_price}"
        );
        // An empty body is the empty message.
        let ping = post(&url, "/shop.v1.Orders/Ping", &JSON, Vec::new()).await;
        assert_eq!((ping.status, ping.json()), (200, json!({})));
    });
}

#[test]
fn timeouts_compression_and_refusals() {
    let options = rosetta::grpc::GrpcOptions::default()
        .with_compression_min_size(0)
        .with_max_decoding_message_size(4096);
    let open = RunningServer::start(rosetta_examples::shop_server().grpc_options(options));
    let locked = RunningServer::start(
        rosetta_examples::shop_server().authenticate(rosetta::server::bearer_token("secret")),
    );
    let url = open.url();
    runtime().block_on(async {
        let path = "/shop.v1.Catalog/ListProducts";
        let body = br#"{"size": 5}"#.to_vec();
        // gzip both ways.
        let mut headers = JSON.to_vec();
        headers.extend([("content-encoding", "gzip"), ("accept-encoding", "gzip")]);
        let z = post(&url, path, &headers, gzip(&body)).await;
        assert_eq!(z.status, 200);
        assert_eq!(z.header("content-encoding"), "gzip");
        assert_eq!(z.json()["items"][0]["name"], "Teapot");
        // A coding the server does not speak: unimplemented.
        let mut headers = JSON.to_vec();
        headers.push(("content-encoding", "br"));
        let br = post(&url, path, &headers, body.clone()).await;
        assert_eq!(
            (br.status, br.json()["code"].as_str()),
            (501, Some("unimplemented"))
        );

        // Connect-Timeout-Ms: malformed is invalid_argument; 0 is already past.
        for (timeout, status, code) in [
            ("abc", 400, "invalid_argument"),
            ("12345678901", 400, "invalid_argument"),
            ("0", 504, "deadline_exceeded"),
        ] {
            let mut headers = JSON.to_vec();
            headers.push(("connect-timeout-ms", timeout));
            let a = post(&url, path, &headers, body.clone()).await;
            assert_eq!(
                (a.status, a.json()["code"].as_str()),
                (status, Some(code)),
                "{timeout}"
            );
        }
        let mut headers = JSON.to_vec();
        headers.push(("connect-timeout-ms", "5000"));
        assert_eq!(post(&url, path, &headers, body.clone()).await.status, 200);

        // Bad input, each with Connect's error.
        let big = format!(r#"{{"size": 5, "token": "{}"}}"#, "x".repeat(5000));
        let bomb = gzip(&vec![b' '; 1 << 20]);
        let cases: Vec<BadCase> = vec![
            (
                "broken JSON",
                JSON.to_vec(),
                b"{".to_vec(),
                400,
                "invalid_argument",
            ),
            (
                "wrong type",
                JSON.to_vec(),
                br#"{"size": "many"}"#.to_vec(),
                400,
                "invalid_argument",
            ),
            (
                "trailing data",
                JSON.to_vec(),
                br#"{} {}"#.to_vec(),
                400,
                "invalid_argument",
            ),
            (
                "broken proto",
                PROTO.to_vec(),
                vec![0xff, 0xff],
                400,
                "invalid_argument",
            ),
            (
                "over the size limit",
                JSON.to_vec(),
                big.into_bytes(),
                429,
                "resource_exhausted",
            ),
            (
                "gzip bomb",
                vec![
                    ("content-type", "application/json"),
                    ("connect-protocol-version", "1"),
                    ("content-encoding", "gzip"),
                ],
                bomb,
                429,
                "resource_exhausted",
            ),
            (
                "protocol version 2",
                vec![
                    ("content-type", "application/json"),
                    ("connect-protocol-version", "2"),
                ],
                body.clone(),
                400,
                "invalid_argument",
            ),
        ];
        for (name, headers, body, status, code) in cases {
            let a = post(&url, path, &headers, body).await;
            assert_eq!(
                (a.status, a.json()["code"].as_str()),
                (status, Some(code)),
                "{name}"
            );
        }
        // Unknown methods.
        for codec in [JSON, PROTO] {
            let a = post(&url, "/shop.v1.Catalog/Nope", &codec, b"{}".to_vec()).await;
            assert_eq!(
                (a.status, a.json()["code"].as_str()),
                (501, Some("unimplemented"))
            );
        }
        // Codecs Connect unary is not served with: 415 and what is.
        for ct in ["application/xml", "application/connect+json"] {
            let a = post(
                &url,
                path,
                &[("content-type", ct), ("connect-protocol-version", "1")],
                body.clone(),
            )
            .await;
            assert_eq!(a.status, 415, "{ct}");
            assert_eq!(
                a.header("accept-post"),
                "application/json, application/proto, application/connect+proto"
            );
        }
        // A refusal, in Connect's terms.
        let refused = connect_json(&locked.url(), path, json!({"size": 1})).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.json()["code"], "unauthenticated");
        let mut headers = JSON.to_vec();
        headers.push(("authorization", "Bearer secret"));
        assert_eq!(
            post(&locked.url(), path, &headers, body.clone())
                .await
                .status,
            200
        );
        // Still serving.
        assert_eq!(post(&url, path, &JSON, body).await.status, 200);
    });
}

/// Splits a Connect stream into its envelopes: (flags, payload).
fn envelopes(body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= body.len() {
        let len = u32::from_be_bytes(body[at + 1..at + 5].try_into().unwrap()) as usize;
        out.push((body[at], body[at + 5..at + 5 + len].to_vec()));
        at += 5 + len;
    }
    assert_eq!(at, body.len(), "whole envelopes only");
    out
}

#[test]
fn streaming_content_type_ends_with_the_end_of_stream_envelope() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let url = s.url();
    let stream = [
        ("content-type", "application/connect+proto"),
        ("connect-protocol-version", "1"),
    ];
    let envelope = |id: &str| {
        let m = v1::proto::GetProductRequest { id: id.into() }.encode_to_vec();
        let mut v = vec![0];
        v.extend_from_slice(&u32::try_from(m.len()).unwrap().to_be_bytes());
        v.extend(m);
        v
    };
    runtime().block_on(async {
        let ok = post(&url, "/shop.v1.Catalog/GetProduct", &stream, envelope("p1")).await;
        assert_eq!(
            (ok.status, ok.header("content-type")),
            (200, "application/connect+proto")
        );
        let parts = envelopes(&ok.body);
        assert_eq!(parts.len(), 2, "a message, then the end of the stream");
        assert_eq!(parts[0].0, 0);
        assert_eq!(
            v1::proto::Product::decode(&parts[0].1[..]).unwrap().id,
            "p1"
        );
        assert_eq!(parts[1].0, 2);
        let end: Value = serde_json::from_slice(&parts[1].1).unwrap();
        assert!(end.get("error").is_none(), "{end}");

        let missing = post(
            &url,
            "/shop.v1.Catalog/GetProduct",
            &stream,
            envelope("nope"),
        )
        .await;
        assert_eq!(
            missing.status, 200,
            "errors travel in the end-of-stream envelope"
        );
        let parts = envelopes(&missing.body);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].0, 2);
        let end: Value = serde_json::from_slice(&parts[0].1).unwrap();
        assert_eq!(end["error"]["code"], "not_found", "{end}");
        assert_eq!(end["error"]["details"][0]["type"], "shop.common.NotFound");
        // A malformed envelope: the gRPC framing check answers, in the envelope.
        let broken = post(&url, "/shop.v1.Catalog/GetProduct", &stream, vec![0, 0, 0]).await;
        let parts = envelopes(&broken.body);
        let end: Value = serde_json::from_slice(&parts[0].1).unwrap();
        assert_eq!(end["error"]["code"], "invalid_argument", "{end}");
    });
}

async fn get(url: &str) -> Answer {
    let resp = reqwest::get(url).await.expect("send");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

#[test]
fn unary_get_serves_side_effect_free_rpcs_and_refuses_broken_messages() {
    let s = RunningServer::start(rosetta_examples::seed_server());
    let url = s.url();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    // DataService.GetData is bound to `@http(GET, "/data")`: no side effects.
    let data = format!("{url}/DataService/GetData?connect=v1");
    runtime().block_on(async {
        let json = get(&format!("{data}&encoding=json&message=%7B%7D")).await;
        assert_eq!(json.status, 200, "{}", String::from_utf8_lossy(&json.body));
        assert_eq!(json.json()["message"], "Hello from Rosetta");
        let proto = get(&format!("{data}&encoding=proto&base64=1&message=")).await;
        assert_eq!(
            (proto.status, proto.header("content-type")),
            (200, "application/proto")
        );
        let decoded = rosetta_examples::seed::proto::Data::decode(&proto.body[..]).unwrap();
        assert_eq!(decoded.protocols.len(), 4);
        let zipped = b64(&gzip(b"{}"));
        let gz = get(&format!(
            "{data}&encoding=json&base64=1&compression=gzip&message={zipped}"
        ))
        .await;
        assert_eq!(gz.status, 200);
        // An rpc that may have side effects: POST only.
        let hello = get(&format!(
            "{url}/Greeter/SayHello?connect=v1&encoding=json&message=%7B%7D"
        ))
        .await;
        assert_eq!((hello.status, hello.header("allow")), (405, "POST"));
        // Bad input, each with Connect's answer.
        for (query, status, code) in [
            (
                "&encoding=proto&base64=1&message=!!!",
                400,
                Some("invalid_argument"),
            ),
            (
                "&encoding=proto&base64=1&message=%2F%2F8",
                400,
                Some("invalid_argument"),
            ),
            ("&encoding=json&message=%7B", 400, Some("invalid_argument")),
            ("&encoding=json", 400, Some("invalid_argument")),
            ("&message=%7B%7D", 400, Some("invalid_argument")),
            (
                "&encoding=json&compression=br&message=%7B%7D",
                501,
                Some("unimplemented"),
            ),
            ("&encoding=xml&message=%7B%7D", 415, None),
        ] {
            let a = get(&format!("{data}{query}")).await;
            assert_eq!(a.status, status, "{query}");
            if let Some(code) = code {
                assert_eq!(a.json()["code"], code, "{query}");
            }
        }
        // Still serving; and a plain GET without `connect=v1` is REST's.
        assert_eq!(
            get(&format!("{data}&encoding=json&message=%7B%7D"))
                .await
                .status,
            200
        );
        assert_eq!(
            get(&format!("{url}/data")).await.json()["protocols"][0],
            "XML-RPC"
        );
    });
}

/// An `Orders` whose `ping` outlives the server's timeout.
struct SlowOrders;

impl v1::Orders for SlowOrders {
    async fn place_order(
        &self,
        _: rosetta::Context,
        _: v1::Order,
        _: v1::Payment,
    ) -> Result<v1::Order, v1::orders::PlaceOrderError> {
        Err(rosetta::Status::unimplemented("not in this test").into())
    }

    async fn get_order(
        &self,
        _: rosetta::Context,
        _: String,
    ) -> Result<v1::Order, v1::orders::GetOrderError> {
        Err(rosetta::Status::unimplemented("not in this test").into())
    }

    async fn count_orders(
        &self,
        _: rosetta::Context,
        _: rosetta::Timestamp,
    ) -> Result<i64, rosetta::Status> {
        Ok(0)
    }

    async fn ping(&self, _: rosetta::Context) -> Result<(), rosetta::Status> {
        // Never finishes within the test: any answer is the server's deadline.
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        Ok(())
    }
}

#[test]
fn the_servers_timeout_is_a_connect_error() {
    let s = RunningServer::start(
        rosetta::server::Server::new()
            .timeout(Some(std::time::Duration::from_millis(200)))
            .mount(v1::orders::Server::new(SlowOrders)),
    );
    runtime().block_on(async {
        let a = post(&s.url(), "/shop.v1.Orders/Ping", &JSON, b"{}".to_vec()).await;
        assert_eq!(
            (a.status, a.json()["code"].as_str()),
            (504, Some("deadline_exceeded"))
        );
        // The server keeps serving.
        let since = br#"{"since": "1970-01-01T00:00:00Z"}"#.to_vec();
        let a = post(&s.url(), "/shop.v1.Orders/CountOrders", &JSON, since).await;
        assert_eq!((a.status, a.json()), (200, json!({})));
    });
}
