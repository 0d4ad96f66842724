//! The `/RPC2` endpoint and the client end to end over loopback HTTP: introspection, multicall,
//! arity/type/validation faults, declared errors both ways, panics, gzip both ways, and every
//! hostile body (oversized, gzip bomb, DOCTYPE, deep nesting) answered fast with the server
//! still serving. Handlers are written by hand here the way generated code writes them.
#![cfg(all(feature = "xmlrpc", feature = "server"))]

use std::net::SocketAddr;
use std::time::Duration;

use rosetta_runtime::status::{Probe, RpcError, Visitor};
use rosetta_runtime::validate::Path;
use rosetta_runtime::xmlrpc::client::Client;
use rosetta_runtime::xmlrpc::glue;
use rosetta_runtime::xmlrpc::server::{MethodInfo, Registry};
use rosetta_runtime::xmlrpc::{
    self, Fault, FromXmlRpc, INTERNAL_ERROR, INVALID_PARAMS, Limits, METHOD_NOT_FOUND, PARSE_ERROR,
    Value, ValueError,
};
use rosetta_runtime::{Context, DeclaredError, ErrorKind, Status, Validate, Violation};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---- what generated code would contain ----

#[derive(Debug)]
struct AddRequest {
    a: i32,
    b: i32,
}

impl FromXmlRpc for AddRequest {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let m = xmlrpc::struct_members(v, "AddRequest")?;
        Ok(AddRequest {
            a: xmlrpc::required_member(m, "a")?,
            b: xmlrpc::required_member(m, "b")?,
        })
    }
}

impl Validate for AddRequest {
    fn validate_at(&self, path: &Path<'_>, out: &mut Vec<Violation>) {
        for (name, v) in [("a", self.a), ("b", self.b)] {
            if v > 1000 {
                out.push(Violation {
                    field: path.field(name).render(),
                    rule: "range".into(),
                    message: "must be at most 1000".into(),
                });
            }
        }
    }
}

#[derive(Debug)]
struct SearchRequest {
    query: String,
    limit: Option<u32>,
}

impl FromXmlRpc for SearchRequest {
    fn from_xmlrpc(v: &Value) -> Result<Self, ValueError> {
        let m = xmlrpc::struct_members(v, "SearchRequest")?;
        Ok(SearchRequest {
            query: xmlrpc::required_member(m, "query")?,
            limit: xmlrpc::optional_member(m, "limit")?,
        })
    }
}

impl Validate for SearchRequest {
    fn validate_at(&self, _: &Path<'_>, _: &mut Vec<Violation>) {}
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct NotFound {
    resource: String,
    id: String,
}

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self)
    }
}

impl std::error::Error for NotFound {}

impl DeclaredError for NotFound {
    const NAME: &'static str = "NotFound";
    const FULL_NAME: &'static str = "calc.NotFound";
    const KIND: ErrorKind = ErrorKind::NotFound;
    const HTTP_STATUS: u16 = 404;
    const FAULT_CODE: i32 = 5;
}

#[derive(Debug, Clone, PartialEq)]
enum GetError {
    NotFound(NotFound),
    Status(Status),
}

impl From<Status> for GetError {
    fn from(s: Status) -> Self {
        GetError::Status(s)
    }
}

impl RpcError for GetError {
    fn visit<V: Visitor>(&self, visitor: V) -> V::Output {
        match self {
            GetError::NotFound(e) => visitor.declared(e),
            GetError::Status(s) => visitor.status(s),
        }
    }

    fn probe<P: Probe>(probe: &P) -> Option<Self> {
        probe.probe().map(GetError::NotFound)
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.add(
        MethodInfo::new("add", "Calc.Add", &["int", "int", "int"], 2, "Adds."),
        |_ctx: Context, params| async move {
            let req: AddRequest = glue::decode_params(params, &["a", "b"], 2)?;
            glue::validate(&req)?;
            glue::encode_result(Ok::<i32, Status>(req.a.wrapping_add(req.b)))
        },
    );
    r.add(
        MethodInfo::new(
            "search",
            "Calc.Search",
            &["array", "string", "i8"],
            1,
            "Searches.",
        ),
        |_ctx, params| async move {
            let req: SearchRequest = glue::decode_params(params, &["query", "limit"], 1)?;
            let n = req.limit.unwrap_or(2) as usize;
            glue::encode_result(Ok::<_, Status>(vec![req.query; n]))
        },
    );
    r.add(
        MethodInfo::new("get", "Calc.Get", &["struct", "string"], 1, ""),
        |_ctx, params| async move {
            let req: SearchRequest = glue::decode_params(params, &["query"], 1)?;
            let answer: Result<(), GetError> = match req.query.as_str() {
                "status" => Err(Status::permission_denied("no").into()),
                id => Err(GetError::NotFound(NotFound {
                    resource: "product".into(),
                    id: id.into(),
                })),
            };
            glue::encode_result(answer)
        },
    );
    r.add(
        MethodInfo::new("ping", "Calc.Ping", &["nil"], 0, ""),
        |ctx: Context, params: Vec<Value>| async move {
            glue::decode_none(&params)?;
            assert_eq!(ctx.method(), "Calc.Ping");
            glue::encode_result(Ok::<(), Status>(()))
        },
    );
    r.add(
        MethodInfo::new("boom", "Calc.Boom", &["nil"], 0, ""),
        |_ctx, _params| async move {
            if std::hint::black_box(true) {
                panic!("handler bug");
            }
            Ok(Value::Nil)
        },
    );
    r.add(
        MethodInfo::new("sleep", "Calc.Sleep", &["nil"], 0, ""),
        |_ctx, _params| async move {
            // Longer than any test waits: a client timeout always fires first, however
            // busy the machine.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(Value::Nil)
        },
    );
    r.add(
        MethodInfo::new("big", "Calc.Big", &["string", "int"], 1, ""),
        |_ctx, params| async move {
            let n = params.first().and_then(Value::as_i64).unwrap_or(0);
            Ok(Value::String("x".repeat(n as usize)))
        },
    );
    r
}

/// A server on a loopback port for the duration of a test.
struct Running {
    addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start(registry: Registry) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = registry.into_router();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await;
    });
    Running { addr, _stop: tx }
}

impl Running {
    fn client(&self) -> Client {
        Client::new(&format!("http://{}/RPC2", self.addr))
    }

    async fn call(&self, method: &str, params: &[Value]) -> Result<Value, Fault> {
        self.client()
            .call_value(method, params)
            .await
            .expect("an XML-RPC answer")
    }

    /// One raw HTTP/1.1 request (`connection: close`); the status code and body.
    async fn raw(&self, extra_headers: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let head = format!(
            "POST /RPC2 HTTP/1.1\r\nhost: x\r\ncontent-type: text/xml\r\nconnection: close\r\n\
             content-length: {}\r\n{extra_headers}\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        // The server may answer (413) before reading everything: ignore write errors then.
        let _ = s.write_all(body).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        let text = String::from_utf8_lossy(&out);
        let code = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body_at = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(out.len(), |i| i + 4);
        (code, out[body_at..].to_vec())
    }

    async fn still_serving(&self) {
        let v = self.call("add", &[Value::Int(2), Value::Int(3)]).await;
        assert_eq!(v, Ok(Value::Int(5)));
    }
}

fn fault_of(body: &[u8]) -> Fault {
    match xmlrpc::decode_method_response(body, &Limits::default()) {
        Ok(Err(f)) => f,
        other => panic!(
            "expected a fault, got {other:?}: {}",
            String::from_utf8_lossy(body)
        ),
    }
}

// ---- tests ----

#[tokio::test]
async fn typed_calls_through_the_client() {
    let s = start(registry()).await;
    let c = s.client();
    let sum: i32 = c
        .call::<i32, Status>("add", vec![Value::Int(2), Value::Int(3)])
        .await
        .unwrap();
    assert_eq!(sum, 5);
    let found: Vec<String> = c
        .call::<_, Status>("search", vec![Value::from("q")])
        .await
        .unwrap();
    assert_eq!(found, vec!["q", "q"]);
    let found: Vec<String> = c
        .call::<_, Status>("search", vec![Value::from("q"), Value::Nil])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    c.call::<(), Status>("ping", vec![]).await.unwrap();
    // A result that does not convert is an internal status, not a panic.
    let e = c
        .call::<i32, Status>("search", vec![Value::from("q")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Internal);
    assert!(e.message().contains("expected i32, found array"), "{e}");
}

#[tokio::test]
async fn declared_errors_and_statuses_round_trip() {
    let s = start(registry()).await;
    let f = s.call("get", &[Value::from("p9")]).await.unwrap_err();
    assert_eq!(f.code, 5);
    assert_eq!(f.string, r#"NotFound: {"resource":"product","id":"p9"}"#);
    let c = s.client();
    let e = c
        .call::<(), GetError>("get", vec![Value::from("p9")])
        .await
        .unwrap_err();
    assert_eq!(
        e,
        GetError::NotFound(NotFound {
            resource: "product".into(),
            id: "p9".into()
        })
    );
    let e = c
        .call::<(), GetError>("get", vec![Value::from("status")])
        .await
        .unwrap_err();
    assert_eq!(e, GetError::Status(Status::permission_denied("no")));
    // Protocol faults become statuses with the code kept in the message.
    let e = c.call::<(), GetError>("nope", vec![]).await.unwrap_err();
    let GetError::Status(st) = e else {
        panic!("expected a status")
    };
    assert_eq!(st.kind(), ErrorKind::Unimplemented);
    assert!(st.message().starts_with("fault -32601"), "{st}");
}

#[tokio::test]
async fn arity_type_and_validation_faults() {
    let s = start(registry()).await;
    let f = s.call("nope", &[]).await.unwrap_err();
    assert_eq!(
        (f.code, f.string.as_str()),
        (METHOD_NOT_FOUND, "method not found: nope")
    );
    let f = s.call("add", &[Value::Int(1)]).await.unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
    assert_eq!(
        f.string,
        "wrong number of params: the method takes 2, got 1"
    );
    let f = s
        .call("add", &[Value::Int(1), Value::Int(2), Value::Int(3)])
        .await
        .unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
    let f = s.call("search", &[]).await.unwrap_err();
    assert_eq!(
        f.string,
        "wrong number of params: the method takes 1 to 2, got 0"
    );
    let f = s
        .call("add", &[Value::Int(1), Value::from("two")])
        .await
        .unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
    assert_eq!(f.string, "invalid params: b: expected i32, found string");
    let f = s
        .call("add", &[Value::I8(1 << 40), Value::Int(2)])
        .await
        .unwrap_err();
    assert_eq!(
        f.string,
        "invalid params: a: 1099511627776 is out of range for i32"
    );
    let f = s
        .call("add", &[Value::Int(5000), Value::Int(7000)])
        .await
        .unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
    assert_eq!(
        f.string,
        "invalid params: a: must be at most 1000; b: must be at most 1000"
    );
    let f = s.call("ping", &[Value::Int(1)]).await.unwrap_err();
    assert_eq!(
        f.string,
        "wrong number of params: the method takes 0, got 1"
    );
}

#[tokio::test]
async fn introspection() {
    let s = start(registry()).await;
    let names = s.call("system.listMethods", &[]).await.unwrap();
    let names: Vec<String> = FromXmlRpc::from_xmlrpc(&names).unwrap();
    for want in [
        "add",
        "search",
        "system.listMethods",
        "system.methodHelp",
        "system.methodSignature",
        "system.multicall",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    let sig = s
        .call("system.methodSignature", &[Value::from("search")])
        .await
        .unwrap();
    let sig: Vec<Vec<String>> = FromXmlRpc::from_xmlrpc(&sig).unwrap();
    assert_eq!(
        sig,
        vec![vec!["array", "string"], vec!["array", "string", "i8"]]
    );
    let sig = s
        .call("system.methodSignature", &[Value::from("system.multicall")])
        .await
        .unwrap();
    let sig: Vec<Vec<String>> = FromXmlRpc::from_xmlrpc(&sig).unwrap();
    assert_eq!(sig, vec![vec!["array", "array"]]);
    let help = s
        .call("system.methodHelp", &[Value::from("add")])
        .await
        .unwrap();
    assert_eq!(help, Value::from("Adds."));
    let f = s
        .call("system.methodHelp", &[Value::from("nope")])
        .await
        .unwrap_err();
    assert_eq!(f.code, METHOD_NOT_FOUND);
    let f = s.call("system.methodHelp", &[]).await.unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
}

#[tokio::test]
async fn multicall_answers_each_call_in_order() {
    let s = start(registry()).await;
    let call = |name: &str, params: Vec<Value>| {
        Value::structure([
            ("methodName", Value::from(name)),
            ("params", Value::Array(params)),
        ])
    };
    let calls = Value::Array(vec![
        call("add", vec![Value::Int(2), Value::Int(3)]),
        call("nope", vec![]),
        call("add", vec![Value::Int(1)]),
        call("system.multicall", vec![Value::Array(vec![])]),
        Value::Int(7),
        call("get", vec![Value::from("p1")]),
        call("system.listMethods", vec![]),
    ]);
    let v = s.call("system.multicall", &[calls]).await.unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0], Value::Array(vec![Value::Int(5)]));
    let code = |i: usize| items[i].get("faultCode").and_then(Value::as_i64);
    assert_eq!(code(1), Some(i64::from(METHOD_NOT_FOUND)));
    assert_eq!(code(2), Some(i64::from(INVALID_PARAMS)));
    assert_eq!(code(3), Some(-32600));
    assert_eq!(code(4), Some(-32600));
    assert_eq!(code(5), Some(5));
    // A fault struct carries exactly faultCode and faultString (Python builds Fault(**it)).
    assert_eq!(items[5].as_struct().unwrap().len(), 2);
    assert!(items[6].as_array().is_some_and(|a| a.len() == 1));
    let f = s
        .call("system.multicall", &[Value::from("x")])
        .await
        .unwrap_err();
    assert_eq!(f.code, INVALID_PARAMS);
}

#[tokio::test]
async fn a_panicking_handler_is_a_fault_and_the_server_goes_on() {
    let s = start(registry()).await;
    let f = s.call("boom", &[]).await.unwrap_err();
    assert_eq!(f.code, INTERNAL_ERROR);
    s.still_serving().await;
}

#[tokio::test]
async fn gzip_request_and_response_bodies() {
    let s = start(registry()).await;
    let body = xmlrpc::encode_method_call("add", &[Value::Int(20), Value::Int(22)]);
    let (code, resp) = s
        .raw("content-encoding: gzip\r\n", &xmlrpc::compress_gzip(&body))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        xmlrpc::decode_method_response(&resp, &Limits::default()).unwrap(),
        Ok(Value::Int(42))
    );
    // Large responses are gzipped for clients that accept it, and the client reads them.
    let body = xmlrpc::encode_method_call("big", &[Value::Int(100_000)]);
    let (code, resp) = s.raw("accept-encoding: gzip\r\n", &body).await;
    assert_eq!(code, 200);
    assert!(resp.len() < 10_000, "not compressed: {} bytes", resp.len());
    let big: String = s
        .client()
        .call::<String, Status>("big", vec![Value::Int(100_000)])
        .await
        .unwrap();
    assert_eq!(big.len(), 100_000);
    // Small ones are not.
    let body = xmlrpc::encode_method_call("add", &[Value::Int(1), Value::Int(1)]);
    let (_, resp) = s.raw("accept-encoding: gzip\r\n", &body).await;
    assert!(resp.starts_with(b"<?xml"));
    // Unknown codings are refused with a fault naming them.
    let (code, resp) = s.raw("content-encoding: br\r\n", &body).await;
    assert_eq!(code, 200);
    let f = fault_of(&resp);
    assert_eq!(f.code, xmlrpc::UNSUPPORTED_ENCODING);
    assert!(f.string.contains("\"br\""), "{f:?}");
    // Corrupt gzip is a parse fault.
    let (code, resp) = s.raw("content-encoding: gzip\r\n", b"not gzip").await;
    assert_eq!(code, 200);
    assert_eq!(fault_of(&resp).code, PARSE_ERROR);
    s.still_serving().await;
}

#[tokio::test]
async fn oversized_bodies_get_413_fast() {
    let mut r = registry();
    r.set_limits(Limits::default().with_max_body_size(1 << 20));
    let s = start(r).await;
    // Over the limit, under the discard bound: read, dropped, answered 413.
    let body = vec![b' '; 3 << 20];
    let (code, _) = s.raw("", &body).await;
    assert_eq!(code, 413);
    // A gzip bomb: 1 GB of zeros would inflate; the limit stops it at 1 MiB.
    let bomb = {
        // 64 gzip members of 1 MiB of zeros each (HTTP gzip bodies may have several members).
        let member = xmlrpc::compress_gzip(&vec![0u8; 1 << 20]);
        member.repeat(64)
    };
    let (code, _) = s.raw("content-encoding: gzip\r\n", &bomb).await;
    assert_eq!(code, 413);
    // A declared length past the discard bound is refused without reading.
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    stream
        .write_all(b"POST /RPC2 HTTP/1.1\r\nhost: x\r\ncontent-length: 999999999999\r\n\r\n<")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    assert!(
        out.starts_with(b"HTTP/1.1 413"),
        "{}",
        String::from_utf8_lossy(&out)
    );
    s.still_serving().await;
}

#[test]
fn settings_mount_into_the_one_registry() {
    use rosetta_runtime::server::{Mount, Parts};
    use rosetta_runtime::xmlrpc::server::Settings;
    let mut parts = Parts::default();
    let limits = Limits::default().with_max_body_size(1000).with_max_depth(3);
    Settings::new()
        .limits(limits)
        .gzip_threshold(None)
        .mount(&mut parts);
    assert_eq!(parts.xmlrpc.limits(), &limits);
    assert_eq!(parts.xmlrpc.gzip_threshold(), None);
    // Settings that say nothing change nothing.
    Settings::new().mount(&mut parts);
    assert_eq!(parts.xmlrpc.limits(), &limits);
}

#[tokio::test]
async fn hostile_xml_is_a_fault_fast() {
    let s = start(registry()).await;
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><methodCall><methodName>add</methodName><params><param><value>&lol2;</value></param></params></methodCall>"#;
    let external = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodCall><methodName>&xxe;</methodName></methodCall>"#;
    let mut deep = String::from(
        "<?xml version=\"1.0\"?><methodCall><methodName>add</methodName><params><param>",
    );
    for _ in 0..100_000 {
        deep.push_str("<value><array><data>");
    }
    for doc in [
        laughs,
        external,
        deep.as_str(),
        "<methodCall>",
        "\u{0}garbage",
    ] {
        let (code, resp) = s.raw("", doc.as_bytes()).await;
        assert_eq!(code, 200);
        let f = fault_of(&resp);
        assert!(f.code <= -32600, "{f:?}");
    }
    s.still_serving().await;
}

#[tokio::test]
async fn transport_failures_are_statuses() {
    // Nothing listens on a port just freed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = Client::new(&format!("http://127.0.0.1:{port}/RPC2"))
        .call::<i32, Status>("add", vec![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    let s = start(registry()).await;
    let e = Client::new(&format!("http://{}/elsewhere", s.addr))
        .call::<i32, Status>("add", vec![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unimplemented);
    let e = s
        .client()
        .with_timeout(Some(Duration::from_millis(100)))
        .call::<(), Status>("sleep", vec![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DeadlineExceeded);
    let e = Client::new("ftp://x/")
        .call::<(), Status>("x", vec![])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    // A URL without a path means /RPC2, as in Python.
    let sum: i32 = Client::new(&format!("http://{}", s.addr))
        .call::<i32, Status>("add", vec![Value::Int(1), Value::Int(1)])
        .await
        .unwrap();
    assert_eq!(sum, 2);
}
