//! What the HTTP headers say about a body, on every HTTP protocol of the shop server (issue 11):
//! the charset parameter (ISO-8859-1 on `/RPC2` and REST), a UTF-8 BOM on JSON, content codings
//! (gzip on REST too), and refusals in each protocol's terms; and JSON integers read exactly from
//! their text (`9007199254740993.0` is that integer, `9007199254740992.4` is a 400).

use rosetta::rest::reqwest;
use rosetta::xmlrpc::{self, Limits, Value};
use rosetta_tests::RunningServer;
use serde_json::json;

/// Posts `body` with `headers`; the status, content type and body.
async fn post(
    server: &RunningServer,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .body(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}

fn json_of(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// ISO-8859-1 bytes of `s` (every char of it is below U+0100).
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

const JSON: (&str, &str) = ("content-type", "application/json");

#[tokio::test]
async fn xmlrpc_reads_the_charset_parameter_over_utf8() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    // No `encoding` in the prolog: only the header says ISO-8859-1 (RFC 7303 §3).
    let doc = "<?xml version=\"1.0\"?><methodCall><methodName>catalog.createProduct</methodName>\
        <params><param><value><struct>\
        <member><name>name</name><value><string>Windmühle</string></value></member>\
        <member><name>price</name><value><struct>\
        <member><name>amount_minor</name><value><i8>5</i8></value></member>\
        <member><name>currency</name><value><string>EUR</string></value></member>\
        </struct></value></member>\
        <member><name>tags</name><value><array><data/></array></value></member>\
        <member><name>attributes</name><value><struct/></value></member>\
        </struct></value></param></params></methodCall>";
    let (status, _, body) = post(
        &s,
        "/RPC2",
        &[("content-type", "text/xml; charset=ISO-8859-1")],
        latin1(doc),
    )
    .await;
    assert_eq!(status, 200);
    let product = xmlrpc::decode_method_response(&body, &Limits::default())
        .unwrap()
        .expect("not a fault");
    let Value::Struct(members) = product else {
        panic!("{product:?}")
    };
    let name = members.iter().find(|(k, _)| k == "name").map(|(_, v)| v);
    assert_eq!(name, Some(&Value::String("Windmühle".into())));

    // The same call gzip-compressed, labelled by its prolog instead.
    let doc2 = doc
        .replace(
            "<?xml version=\"1.0\"?>",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
        )
        .replace("Windmühle", "Mühlrad");
    let (status, _, body) = post(
        &s,
        "/RPC2",
        &[("content-type", "text/xml"), ("content-encoding", "gzip")],
        xmlrpc::compress_gzip(&latin1(&doc2)),
    )
    .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("<string>Mühlrad</string>"), "{text}");
}

#[tokio::test]
async fn xmlrpc_refuses_unsupported_codings_and_charsets_with_a_fault() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let call = xmlrpc::encode_method_call("orders.ping", &[]);
    for (headers, named) in [
        (
            vec![("content-type", "text/xml"), ("content-encoding", "br")],
            "\"br\"",
        ),
        (
            vec![("content-type", "text/xml; charset=koi8-r")],
            "\"koi8-r\"",
        ),
    ] {
        let (status, _, body) = post(&s, "/RPC2", &headers, call.clone()).await;
        assert_eq!(status, 200);
        let fault = xmlrpc::decode_method_response(&body, &Limits::default())
            .unwrap()
            .expect_err("a fault");
        assert_eq!(fault.code, xmlrpc::UNSUPPORTED_ENCODING, "{fault:?}");
        assert!(fault.string.contains(named), "{fault:?}");
    }
    // A raw NUL inside <string> is refused like `&#0;` is (XML 1.0 forbids both).
    for string in ["a\u{0}b", "a&#0;b"] {
        let doc = format!(
            "<methodCall><methodName>catalog.getProduct</methodName><params><param>\
             <value><string>{string}</string></value></param></params></methodCall>"
        );
        let (_, _, body) = post(&s, "/RPC2", &[("content-type", "text/xml")], doc.into()).await;
        let fault = xmlrpc::decode_method_response(&body, &Limits::default())
            .unwrap()
            .expect_err("a fault");
        assert!(
            [xmlrpc::PARSE_ERROR, xmlrpc::INVALID_CHARACTER].contains(&fault.code),
            "{string:?}: {fault:?}"
        );
    }
    // The server goes on serving.
    let (_, _, body) = post(&s, "/RPC2", &[("content-type", "text/xml")], call).await;
    assert_eq!(
        xmlrpc::decode_method_response(&body, &Limits::default()).unwrap(),
        Ok(Value::Nil)
    );
}

#[tokio::test]
async fn rest_reads_a_bom_a_charset_and_gzip() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    // A UTF-8 BOM (RFC 8259 §8.1): accepted, and the values are used.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(
        json!({"name": "Bom", "price": {"amount_minor": 7, "currency": "EUR"}})
            .to_string()
            .into_bytes(),
    );
    let (status, _, body) = post(&s, "/products", &[JSON], bom).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let p = json_of(&body);
    assert_eq!(
        (&p["name"], &p["price"]["amount_minor"]),
        (&json!("Bom"), &json!(7))
    );

    // ISO-8859-1 by the charset parameter.
    let text = json!({"name": "Windmühle", "price": {"amount_minor": 1, "currency": "EUR"}});
    let (status, _, body) = post(
        &s,
        "/products",
        &[("content-type", "application/json; charset=ISO-8859-1")],
        latin1(&text.to_string()),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["name"], "Windmühle");

    // gzip, as on /RPC2.
    let text = json!({"name": "Zipped", "price": {"amount_minor": 2, "currency": "EUR"}});
    let (status, _, body) = post(
        &s,
        "/products",
        &[JSON, ("content-encoding", "gzip")],
        xmlrpc::compress_gzip(text.to_string().as_bytes()),
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["name"], "Zipped");

    // Refusals: 415 problem+json naming what is unsupported.
    let text = json!({"name": "No", "price": {"amount_minor": 2, "currency": "EUR"}}).to_string();
    for (headers, named) in [
        (vec![JSON, ("content-encoding", "br")], "\"br\""),
        (
            vec![("content-type", "application/json; charset=koi8-r")],
            "\"koi8-r\"",
        ),
    ] {
        let (status, ct, body) = post(&s, "/products", &headers, text.clone().into()).await;
        assert_eq!((status, ct.as_str()), (415, "application/problem+json"));
        let detail = json_of(&body)["detail"].as_str().unwrap().to_string();
        assert!(detail.contains(named), "{detail}");
    }
}

#[tokio::test]
async fn rest_integers_are_read_exactly_or_refused() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    // 2^53 + 1 written as a float: stored as exactly that integer.
    let body = r#"{"name":"n1","price":{"amount_minor":9007199254740993.0,"currency":"EUR"}}"#;
    let (status, _, created) = post(&s, "/products", &[JSON], body.into()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&created));
    let text = String::from_utf8(created.clone()).unwrap();
    assert!(text.contains("\"amount_minor\":9007199254740993"), "{text}");
    let id = json_of(&created)["id"].as_str().unwrap().to_string();
    let stored = reqwest::get(format!("{}/products/{id}", s.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        stored.contains("\"amount_minor\":9007199254740993"),
        "{stored}"
    );

    // Integral spellings stay accepted.
    for (i, amount) in ["10", "1e1", "10.0", "100e-1"].iter().enumerate() {
        let body =
            format!(r#"{{"name":"e{i}","price":{{"amount_minor":{amount},"currency":"EUR"}}}}"#);
        let (status, _, created) = post(&s, "/products", &[JSON], body.into()).await;
        assert_eq!(status, 200, "{amount}");
        assert_eq!(json_of(&created)["price"]["amount_minor"], 10, "{amount}");
    }

    // Not integers: 400 naming the field, never a neighbouring number.
    for amount in [
        "9007199254740992.4",
        "9007199254740991.5",
        "1.00000000000000001",
    ] {
        let body =
            format!(r#"{{"name":"x","price":{{"amount_minor":{amount},"currency":"EUR"}}}}"#);
        let (status, _, p) = post(&s, "/products", &[JSON], body.into()).await;
        let p = json_of(&p);
        assert_eq!(status, 400, "{amount}: {p}");
        assert_eq!(p["field"], "price.amount_minor", "{amount}: {p}");
        assert!(p["detail"].as_str().unwrap().contains("price.amount_minor"));
    }
    let order = json!({
        "order": {
            "id": "", "customer_email": "a@b.c",
            "lines": [{"product_id": "p1", "quantity": 1}],
            "total": {"amount_minor": 0, "currency": "EUR"}, "placed_at": "2024-01-02T03:04:05Z"
        },
        "payment": {"card": {"last4": "4242"}}
    })
    .to_string()
    .replace("\"quantity\":1", "\"quantity\":1.00000000000000001");
    let (status, _, p) = post(&s, "/orders", &[JSON], order.into()).await;
    assert_eq!(status, 400);
    assert_eq!(json_of(&p)["field"], "order.lines[0].quantity");
    // An out-of-range i32, and a u32 in the query string.
    let order = json!({"order": {"lines": [{"product_id": "p1", "quantity": 4294967297u64}]}});
    let (status, _, p) = post(&s, "/orders", &[JSON], order.to_string().into()).await;
    assert_eq!(status, 400);
    assert_eq!(json_of(&p)["field"], "order.lines[0].quantity");
    let r = reqwest::get(format!(
        "{}/products?query=a&limit=1.00000000000000001",
        s.url()
    ))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = reqwest::get(format!("{}/products?query=a&limit=2.0", s.url()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}
