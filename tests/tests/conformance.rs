//! Cross-protocol conformance: one implementation, three protocols, the same answers.
//!
//! Three shop servers start from the same fresh store; the same sequence of calls — every `shop`
//! method, successes and failures — runs against each through a different generated client
//! (XML-RPC, REST, gRPC). Results must be equal, and failures must have equal kinds and equal
//! declared-error payloads. Then authentication and timeouts are checked on all three protocols.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use rosetta::{Context, ErrorKind, Status, Timestamp};
use rosetta_examples::shop::common::{Money, PageRequest};
use rosetta_examples::shop::v1::{
    CardPayment, InvoicePayment, NewProduct, Order, OrderLine, Orders, Payment, catalog, orders,
};
use rosetta_examples::shop_server;
use rosetta_tests::RunningServer;

/// The observable outcome of a call: the value's debug form, or the error's kind and, for a
/// declared error, its payload (a `Status` message is free text and may differ by protocol).
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Ok(String),
    Err(ErrorKind, String),
}

trait ErrorKey {
    fn key(&self) -> (ErrorKind, String);
}

impl ErrorKey for Status {
    fn key(&self) -> (ErrorKind, String) {
        (self.kind(), String::new())
    }
}

macro_rules! error_key {
    ($($t:ty),*) => {$(
        impl ErrorKey for $t {
            fn key(&self) -> (ErrorKind, String) {
                match self {
                    Self::Status(s) => s.key(),
                    other => (other.kind(), format!("{other:?}")),
                }
            }
        }
    )*};
}
error_key!(
    catalog::GetProductError,
    catalog::CreateProductError,
    catalog::DeleteProductError,
    orders::PlaceOrderError,
    orders::GetOrderError
);

fn outcome<T: Debug, E: ErrorKey>(r: Result<T, E>) -> Outcome {
    match r {
        // The time an order was placed is the one value that legitimately differs per server.
        Ok(v) => Outcome::Ok(normalize_time(&format!("{v:?}"))),
        Err(e) => {
            let (kind, payload) = e.key();
            Outcome::Err(kind, payload)
        }
    }
}

fn normalize_time(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("placed_at: ") {
        out.push_str(&rest[..i + "placed_at: ".len()]);
        rest = &rest[i + "placed_at: ".len()..];
        // `Timestamp { secs: .., nanos: .. }`: skip to its closing brace.
        let end = rest.find('}').map_or(rest.len(), |i| i + 1);
        out.push_str("<time>");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn new_product(name: &str, cents: i64) -> NewProduct {
    NewProduct {
        name: name.to_string(),
        price: Money {
            amount_minor: cents,
            currency: "EUR".to_string(),
        },
        tags: vec!["mug".into(), "ceramic €".into()],
        attributes: BTreeMap::from([("colour".to_string(), "<blue> & \"white\"".to_string())]),
        image: Some(vec![0, 1, 2, 255]),
    }
}

fn order(product: &str, quantity: i32, email: &str) -> Order {
    Order {
        id: String::new(),
        customer_email: email.to_string(),
        lines: vec![OrderLine {
            product_id: product.to_string(),
            quantity,
        }],
        total: Money {
            amount_minor: 0,
            currency: "EUR".to_string(),
        },
        placed_at: Timestamp::UNIX_EPOCH,
    }
}

/// Runs the same sequence of calls through one protocol's clients; the macro keeps the three
/// sequences textually identical.
macro_rules! script {
    ($catalog:expr, $orders:expr) => {{
        let c = $catalog;
        let o = $orders;
        let card = || {
            Payment::Card(CardPayment {
                last4: "4242".to_string(),
            })
        };
        vec![
            ("get_product ok", outcome(c.get_product("p1".into()).await)),
            (
                "get_product not found",
                outcome(c.get_product("nope".into()).await),
            ),
            (
                "create_product ok",
                outcome(c.create_product(new_product("Mug", 1_250)).await),
            ),
            (
                "create_product exists",
                outcome(c.create_product(new_product("Mug", 1_250)).await),
            ),
            (
                "create_product invalid",
                outcome(c.create_product(new_product("Cup", -5)).await),
            ),
            (
                "create_product violates @length",
                outcome(c.create_product(new_product("", 5)).await),
            ),
            ("search", outcome(c.search("t".into(), Some(5), None).await)),
            (
                "search violates @range",
                outcome(c.search("t".into(), Some(0), None).await),
            ),
            (
                "list_products page 1",
                outcome(
                    c.list_products(PageRequest {
                        size: 1,
                        token: None,
                    })
                    .await,
                ),
            ),
            (
                "list_products page 2",
                outcome(
                    c.list_products(PageRequest {
                        size: 1,
                        token: Some("1".into()),
                    })
                    .await,
                ),
            ),
            (
                "list_products bad token",
                outcome(
                    c.list_products(PageRequest {
                        size: 1,
                        token: Some("x".into()),
                    })
                    .await,
                ),
            ),
            ("categories", outcome(c.categories().await)),
            (
                "place_order ok",
                outcome(o.place_order(order("p1", 2, "a@b.c"), card()).await),
            ),
            (
                "place_order out of stock",
                outcome(o.place_order(order("p2", 99, "a@b.c"), card()).await),
            ),
            (
                "place_order unknown product",
                outcome(o.place_order(order("p404", 1, "a@b.c"), card()).await),
            ),
            (
                "place_order violates @pattern",
                outcome(
                    o.place_order(
                        order("p1", 1, "not-an-email"),
                        Payment::Invoice(InvoicePayment { due_days: 30 }),
                    )
                    .await,
                ),
            ),
            ("get_order ok", outcome(o.get_order("o4".into()).await)),
            (
                "get_order not found",
                outcome(o.get_order("o9".into()).await),
            ),
            (
                "count_orders",
                outcome(o.count_orders(Timestamp::UNIX_EPOCH).await),
            ),
            ("ping", outcome(o.ping().await)),
            (
                "delete_product ok",
                outcome(c.delete_product("p3".into()).await),
            ),
            (
                "delete_product again",
                outcome(c.delete_product("p3".into()).await),
            ),
            (
                "get_product after delete",
                outcome(c.get_product("p1".into()).await),
            ),
        ]
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shop_method_answers_the_same_on_every_protocol() {
    let xml_server = RunningServer::start(shop_server());
    let rest_server = RunningServer::start(shop_server());
    let grpc_server = RunningServer::start(shop_server());

    let xml = script!(
        catalog::XmlRpcClient::new(&format!("{}/RPC2", xml_server.url())),
        orders::XmlRpcClient::new(&format!("{}/RPC2", xml_server.url()))
    );
    let rest = script!(
        catalog::RestClient::new(rest_server.url()),
        orders::RestClient::new(rest_server.url())
    );
    let grpc = script!(
        catalog::GrpcClient::connect(grpc_server.url())
            .await
            .expect("grpc connect"),
        orders::GrpcClient::connect(grpc_server.url())
            .await
            .expect("grpc connect")
    );

    assert_eq!(xml.len(), rest.len());
    for ((step, x), ((_, r), (_, g))) in xml.iter().zip(rest.iter().zip(grpc.iter())) {
        assert_eq!(x, r, "{step}: XML-RPC and REST differ");
        assert_eq!(x, g, "{step}: XML-RPC and gRPC differ");
    }
    // The script exercises what it says: successes and each failure kind.
    let kinds: Vec<&Outcome> = xml.iter().map(|(_, o)| o).collect();
    for expected in [
        ErrorKind::NotFound,
        ErrorKind::AlreadyExists,
        ErrorKind::InvalidArgument,
        ErrorKind::FailedPrecondition,
    ] {
        assert!(
            kinds
                .iter()
                .any(|o| matches!(o, Outcome::Err(k, _) if *k == expected)),
            "no {expected} in the script: {xml:#?}"
        );
    }
    assert!(matches!(xml[0].1, Outcome::Ok(_)));
}

/// An `Orders` whose `ping` outlives any sensible deadline (the rest answer at once).
struct SlowOrders;

impl Orders for SlowOrders {
    async fn place_order(
        &self,
        _: Context,
        _: Order,
        _: Payment,
    ) -> Result<Order, orders::PlaceOrderError> {
        Err(Status::unimplemented("not in this test").into())
    }

    async fn get_order(&self, _: Context, _: String) -> Result<Order, orders::GetOrderError> {
        Err(Status::unimplemented("not in this test").into())
    }

    async fn count_orders(&self, _: Context, _: Timestamp) -> Result<i64, Status> {
        Ok(0)
    }

    async fn ping(&self, _: Context) -> Result<(), Status> {
        // Never finishes within the test: any answer is the server's deadline.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

fn status_kind<T: Debug>(r: Result<T, Status>) -> ErrorKind {
    match r {
        Ok(v) => panic!("expected a failure, got {v:?}"),
        Err(s) => s.kind(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_are_deadline_exceeded_on_every_protocol() {
    let server = RunningServer::start(
        rosetta::server::Server::new()
            .timeout(Some(Duration::from_millis(200)))
            .mount(orders::Server::new(SlowOrders)),
    );
    // The handler sleeps an hour, so an answer at all means the server answered at its
    // deadline; the limit below is hang protection only (never a performance bound).
    let calls = async {
        let xml = orders::XmlRpcClient::new(&format!("{}/RPC2", server.url()));
        assert_eq!(status_kind(xml.ping().await), ErrorKind::DeadlineExceeded);
        let rest = orders::RestClient::new(server.url());
        assert_eq!(status_kind(rest.ping().await), ErrorKind::DeadlineExceeded);
        let grpc = orders::GrpcClient::connect(server.url())
            .await
            .expect("connect");
        assert_eq!(status_kind(grpc.ping().await), ErrorKind::DeadlineExceeded);
        rest
    };
    let rest = tokio::time::timeout(Duration::from_secs(600), calls)
        .await
        .expect("the server answers at its deadline, not when the handler finishes");
    // And it keeps serving.
    assert_eq!(rest.count_orders(Timestamp::UNIX_EPOCH).await, Ok(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_failures_are_unauthenticated_on_every_protocol() {
    let server =
        RunningServer::start(shop_server().authenticate(rosetta_examples::bearer_auth("secret")));
    let xml = orders::XmlRpcClient::new(&format!("{}/RPC2", server.url()));
    assert_eq!(status_kind(xml.ping().await), ErrorKind::Unauthenticated);
    let rest = orders::RestClient::new(server.url());
    assert_eq!(status_kind(rest.ping().await), ErrorKind::Unauthenticated);
    let grpc = orders::GrpcClient::connect(server.url())
        .await
        .expect("connect");
    assert_eq!(status_kind(grpc.ping().await), ErrorKind::Unauthenticated);
}
