//! Every class of REST failure, with raw HTTP requests against the generated shop server:
//! declared errors (with their fields and overridden status), `Status` errors, malformed JSON
//! (with the position), wrong types, missing fields, constraint violations (every one listed),
//! bad query strings, unknown routes, wrong methods (with `Allow`), wrong media types, bodies
//! over the limit — each an RFC 9457 `application/problem+json` response.

use rosetta::rest::reqwest::{self, Method};
use rosetta_tests::RunningServer;
use serde_json::{Value, json};

struct Answer {
    status: u16,
    content_type: String,
    allow: Option<String>,
    body: Value,
}

async fn send(
    server: &RunningServer,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
) -> Answer {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", server.url()));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type").unwrap_or_default();
    let allow = header("allow");
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{status} {path}: not JSON ({e}): {bytes:?}"))
    };
    Answer {
        status,
        content_type,
        allow,
        body,
    }
}

async fn get(server: &RunningServer, path: &str) -> Answer {
    send(server, Method::GET, path, None, None).await
}

async fn post(server: &RunningServer, path: &str, body: &str) -> Answer {
    send(
        server,
        Method::POST,
        path,
        Some("application/json"),
        Some(body.as_bytes().to_vec()),
    )
    .await
}

/// Asserts a problem of `status` and returns its body.
fn problem(a: &Answer, status: u16) -> &Value {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.content_type, "application/problem+json", "{}", a.body);
    assert_eq!(a.body["status"], status);
    assert!(a.body["title"].is_string());
    assert!(a.body["type"].is_string());
    &a.body
}

fn product(name: &str) -> Value {
    json!({"name": name, "price": {"amount_minor": 100, "currency": "EUR"}})
}

#[tokio::test]
async fn declared_errors_carry_their_fields_and_status() {
    let s = RunningServer::start(rosetta_examples::shop_server());

    let ok = get(&s, "/products/p1").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.content_type, "application/json");
    assert_eq!(ok.body["id"], "p1");

    let p = problem(&get(&s, "/products/nope%2Fx").await, 404).clone();
    assert_eq!(p["type"], "urn:rosetta:error:shop.common.NotFound");
    assert_eq!(p["title"], "NotFound");
    assert_eq!(p["kind"], "not_found");
    assert_eq!(p["resource"], "product");
    assert_eq!(p["id"], "nope/x", "path variables are percent-decoded");

    let dup = post(&s, "/products", &product("Teapot").to_string()).await;
    let p = problem(&dup, 409);
    assert_eq!(p["type"], "urn:rosetta:error:shop.v1.AlreadyExists");
    assert_eq!(p["id"], "p1");

    let negative = json!({"name": "Cheap", "price": {"amount_minor": -1, "currency": "EUR"}});
    let p = problem(&post(&s, "/products", &negative.to_string()).await, 400).clone();
    assert_eq!(p["kind"], "invalid_argument");
    assert_eq!(p["violations"][0]["field"], "price.amount_minor");

    // `@http_status(409)` overrides failed_precondition's 412.
    let order = json!({
        "order": {
            "id": "", "customer_email": "a@b.c",
            "lines": [{"product_id": "p2", "quantity": 999}],
            "total": {"amount_minor": 0, "currency": "EUR"},
            "placed_at": "2024-01-02T03:04:05Z"
        },
        "payment": {"card": {"last4": "4242"}}
    });
    let p = problem(&post(&s, "/orders", &order.to_string()).await, 409).clone();
    assert_eq!(p["type"], "urn:rosetta:error:shop.v1.OutOfStock");
    assert_eq!(p["kind"], "failed_precondition");
    assert_eq!(p["product_id"], "p2");
    assert_eq!(p["available"], 3);

    let gone = send(&s, Method::DELETE, "/products/zzz", None, None).await;
    assert_eq!(problem(&gone, 404)["id"], "zzz");
}

#[tokio::test]
async fn status_errors_use_their_kind() {
    use rosetta::{Context, Status, Timestamp};
    use rosetta_examples::shop::v1::{Order, Orders, Payment, orders};

    /// Orders that answers every call with a plain `Status` (not a declared error).
    struct Closed;
    impl Orders for Closed {
        async fn place_order(
            &self,
            _: Context,
            _: Order,
            _: Payment,
        ) -> Result<Order, orders::PlaceOrderError> {
            Err(Status::unavailable("closed for stocktaking").into())
        }
        async fn get_order(&self, _: Context, _: String) -> Result<Order, orders::GetOrderError> {
            Err(Status::unavailable("closed for stocktaking").into())
        }
        async fn count_orders(&self, _: Context, _: Timestamp) -> Result<i64, Status> {
            Err(Status::permission_denied("counts are for staff"))
        }
        async fn ping(&self, _: Context) -> Result<(), Status> {
            Ok(())
        }
    }

    let s = RunningServer::start(rosetta::server::Server::new().mount(orders::Server::new(Closed)));
    let a = get(&s, "/orders/o1").await;
    let p = problem(&a, 503);
    assert_eq!(p["type"], "about:blank");
    assert_eq!(p["title"], "Service Unavailable");
    assert_eq!(p["kind"], "unavailable");
    assert!(p["detail"].as_str().unwrap().contains("stocktaking"));
    let a = post(
        &s,
        "/shop.v1.Orders/CountOrders",
        r#"{"since": "2024-01-01T00:00:00Z"}"#,
    )
    .await;
    assert_eq!(problem(&a, 403)["kind"], "permission_denied");
}

#[tokio::test]
async fn malformed_and_mistyped_json_is_400() {
    let s = RunningServer::start(rosetta_examples::shop_server());

    let a = post(&s, "/products", "{\n  \"name\": \"x\",\n  \"price\": }").await;
    let p = problem(&a, 400);
    assert!(p["detail"].as_str().unwrap().starts_with("malformed JSON"));
    assert_eq!(p["line"], 3);
    assert_eq!(p["column"], 12);

    let a = post(
        &s,
        "/products",
        r#"{"name": 5, "price": {"amount_minor": 1, "currency": "EUR"}}"#,
    )
    .await;
    let p = problem(&a, 400);
    assert!(
        p["detail"].as_str().unwrap().contains("invalid type"),
        "{p}"
    );

    let a = post(&s, "/products", r#"{"name": "x"}"#).await;
    assert!(
        problem(&a, 400)["detail"]
            .as_str()
            .unwrap()
            .contains("missing field `price`")
    );

    // Unions are exactly one variant.
    let two = json!({
        "order": {
            "id": "", "customer_email": "a@b.c", "lines": [{"product_id": "p1", "quantity": 1}],
            "total": {"amount_minor": 0, "currency": "EUR"}, "placed_at": "2024-01-02T03:04:05Z"
        },
        "payment": {"card": {"last4": "4242"}, "invoice": {"due_days": 3}}
    });
    problem(&post(&s, "/orders", &two.to_string()).await, 400);

    // A bad timestamp, and a bad base64 string.
    let a = post(
        &s,
        "/shop.v1.Orders/CountOrders",
        r#"{"since": "yesterday"}"#,
    )
    .await;
    problem(&a, 400);
    let img =
        json!({"name": "Pic", "price": {"amount_minor": 1, "currency": "EUR"}, "image": "%%%"});
    problem(&post(&s, "/products", &img.to_string()).await, 400);
}

#[tokio::test]
async fn every_violation_is_listed() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let bad = json!({"name": "", "price": {"amount_minor": 1, "currency": "eur"}, "tags": tags});
    // `tags` has @length(0, 20): name, currency and tags are wrong.
    let a = post(&s, "/products", &bad.to_string()).await;
    let p = problem(&a, 400);
    assert_eq!(p["kind"], "invalid_argument");
    let fields: Vec<&str> = p["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "price.currency", "tags"]);
    assert_eq!(p["violations"][0]["rule"], "length");
    assert_eq!(p["violations"][1]["rule"], "pattern");

    let a = get(&s, "/products?query=a&limit=0").await;
    let p = problem(&a, 400);
    assert_eq!(p["violations"][0]["field"], "limit");
    assert_eq!(p["violations"][0]["rule"], "range");
}

#[tokio::test]
async fn query_strings_are_typed() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let ok = get(&s, "/products?query=tea&limit=5&status=ACTIVE&unknown=1").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body[0]["name"], "Teapot");

    let p = problem(&get(&s, "/products?query=a&limit=five").await, 400).clone();
    assert!(p["detail"].as_str().unwrap().contains("`limit`"), "{p}");
    problem(&get(&s, "/products?query=a&limit=1&limit=2").await, 400);
    problem(&get(&s, "/products?query=a&status=GONE").await, 400);
    let p = problem(&get(&s, "/products").await, 400).clone();
    assert!(p["detail"].as_str().unwrap().contains("`query`"), "{p}");
}

#[tokio::test]
async fn routing_failures_are_problems_too() {
    let s = RunningServer::start(rosetta_examples::shop_server());

    let a = get(&s, "/no/such/route").await;
    assert_eq!(problem(&a, 404)["kind"], "not_found");

    let a = send(&s, Method::PATCH, "/products/p1", None, None).await;
    problem(&a, 405);
    let allow = a.allow.expect("405 carries Allow");
    for m in ["GET", "DELETE"] {
        assert!(allow.contains(m), "{allow}");
    }

    let a = send(&s, Method::GET, "/orders", None, None).await;
    assert_eq!(problem(&a, 405).clone()["status"], 405);
    assert!(a.allow.unwrap().contains("POST"));

    let a = send(
        &s,
        Method::POST,
        "/products",
        Some("text/plain"),
        Some(product("Plain").to_string().into_bytes()),
    )
    .await;
    problem(&a, 415);

    let huge = vec![b' '; 5 * 1024 * 1024];
    let a = send(
        &s,
        Method::POST,
        "/products",
        Some("application/json"),
        Some(huge),
    )
    .await;
    problem(&a, 413);
}

#[tokio::test]
async fn successes_without_a_result_are_204() {
    let s = RunningServer::start(rosetta_examples::shop_server());
    let a = post(&s, "/shop.v1.Orders/Ping", "").await;
    assert_eq!(a.status, 204);
    assert_eq!(a.body, Value::Null);
    let a = send(&s, Method::DELETE, "/products/p1", None, None).await;
    assert_eq!(a.status, 204);
    problem(&get(&s, "/products/p1").await, 404);
    // A body without a content type is read as JSON (curl's habit with -d aside).
    let a = send(
        &s,
        Method::POST,
        "/products",
        None,
        Some(product("Bare").to_string().into_bytes()),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

/// A body must be a JSON object: serde alone would read a struct from an array of its fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn array_bodies_are_refused() {
    let s = RunningServer::start(rosetta_examples::seed_server());
    let a = post(&s, "/Greeter/SayHello", r#"[""]"#).await;
    let p = problem(&a, 400);
    assert_eq!(p["kind"], "invalid_argument");
    assert!(p["detail"].as_str().unwrap().contains("JSON object"), "{p}");
    let ok = post(&s, "/Greeter/SayHello", r#"{"name": "Ada"}"#).await;
    assert_eq!(ok.status, 200);
}
