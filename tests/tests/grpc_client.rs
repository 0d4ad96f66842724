//! The generated `GrpcClient`s against the generated services: domain types in and out, declared
//! errors typed, constraint violations as `Status` with their field paths; and the request
//! `Context` a handler sees over gRPC (metadata, peer, the `grpc-timeout` deadline).

use std::time::Duration;

use rosetta::grpc::GrpcOptions;
use rosetta::{Context, ErrorKind, Status, Timestamp};
use rosetta_examples::seed::{self, HelloRequest, HelloResponse};
use rosetta_examples::shop::common::{Money, NotFound, PageRequest};
use rosetta_examples::shop::v1::{
    CardPayment, NewProduct, Order, OrderLine, Payment, Status as ProductStatus, catalog, orders,
};
use rosetta_tests::RunningServer;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn eur(cents: i64) -> Money {
    Money {
        amount_minor: cents,
        currency: "EUR".into(),
    }
}

#[test]
fn shop_through_the_typed_clients() {
    let server = RunningServer::start(rosetta_examples::shop_server());
    runtime().block_on(async {
        let catalog = catalog::GrpcClient::connect(server.url()).await.unwrap();
        let orders = orders::GrpcClient::connect(server.url()).await.unwrap();

        let p = catalog.get_product("p1".into()).await.unwrap();
        assert_eq!(
            (p.name.as_str(), p.status),
            ("Teapot", ProductStatus::Active)
        );
        match catalog.get_product("nope".into()).await {
            Err(catalog::GetProductError::NotFound(NotFound { resource, id })) => {
                assert_eq!((resource.as_str(), id.as_str()), ("product", "nope"));
            }
            other => panic!("expected NotFound, got {other:?}"),
        }

        let new = NewProduct {
            name: "Cup".into(),
            price: eur(500),
            tags: vec!["mug".into()],
            attributes: [("colour".to_string(), "blue".to_string())].into(),
            image: Some(vec![0, 1, 2]),
        };
        let cup = catalog.create_product(new.clone()).await.unwrap();
        assert_eq!(
            (cup.image.as_deref(), cup.attributes.len()),
            (Some(&[0u8, 1, 2][..]), 1)
        );
        assert!(matches!(
            catalog.create_product(new).await,
            Err(catalog::CreateProductError::AlreadyExists(e)) if e.id == cup.id
        ));
        let invalid = NewProduct {
            name: String::new(),
            price: eur(1),
            ..NewProduct::default()
        };
        match catalog.create_product(invalid).await {
            Err(catalog::CreateProductError::Status(s)) => {
                assert_eq!(s.kind(), ErrorKind::InvalidArgument);
                let fields: Vec<&str> = s.violations().iter().map(|v| v.field.as_str()).collect();
                assert_eq!(fields, ["name"]);
            }
            other => panic!("expected a constraint violation, got {other:?}"),
        }

        let found = catalog
            .search("t".into(), Some(1), Some(ProductStatus::Active))
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        let page = catalog
            .list_products(PageRequest {
                size: 1,
                token: None,
            })
            .await
            .unwrap();
        assert!(page.next_token.is_some());
        let cats = catalog.categories().await.unwrap();
        assert_eq!(cats[0].children.len(), 2);
        catalog.delete_product(cup.id.clone()).await.unwrap();
        assert!(matches!(
            catalog.delete_product(cup.id).await,
            Err(catalog::DeleteProductError::NotFound(_))
        ));

        let order = Order {
            id: String::new(),
            customer_email: "ada@example.org".into(),
            lines: vec![OrderLine {
                product_id: "p2".into(),
                quantity: 2,
            }],
            total: eur(0),
            placed_at: Timestamp::UNIX_EPOCH,
        };
        let card = Payment::Card(CardPayment {
            last4: "4242".into(),
        });
        let placed = orders
            .place_order(order.clone(), card.clone())
            .await
            .unwrap();
        assert_eq!(placed.total.amount_minor, 9998);
        assert_eq!(orders.get_order(placed.id.clone()).await.unwrap(), placed);
        match orders.place_order(order, card).await {
            Err(orders::PlaceOrderError::OutOfStock(e)) => assert_eq!(e.available, 1),
            other => panic!("expected OutOfStock, got {other:?}"),
        }
        #[allow(deprecated)]
        let count = orders.count_orders(Timestamp::UNIX_EPOCH).await.unwrap();
        assert_eq!(count, 1);
        orders.ping().await.unwrap();
    });
}

/// A Greeter that reports what its context says.
struct Introspect;

impl seed::Greeter for Introspect {
    async fn say_hello(
        &self,
        ctx: Context,
        _request: HelloRequest,
    ) -> Result<HelloResponse, Status> {
        let remaining = ctx.remaining().map(|d| d.as_millis());
        Ok(HelloResponse {
            message: format!(
                "{:?} {} x-user={} peer={} deadline={}",
                ctx.protocol(),
                ctx.method(),
                ctx.header("x-user").unwrap_or("-"),
                ctx.peer().is_some_and(|p| p.ip().is_loopback()),
                remaining.is_some_and(|ms| ms > 0 && ms <= 2_000),
            ),
        })
    }
}

#[test]
fn handlers_see_metadata_peer_and_deadline() {
    let server = RunningServer::start(
        rosetta::server::Server::new().mount(seed::greeter::Server::new(Introspect)),
    );
    runtime().block_on(async {
        let mut client = seed::greeter::GrpcClient::connect(server.url())
            .await
            .unwrap();
        let plain = client
            .say_hello(HelloRequest { name: "a".into() })
            .await
            .unwrap();
        assert_eq!(
            plain.message,
            "Grpc Greeter.SayHello x-user=- peer=true deadline=false"
        );
        let mut request =
            rosetta::__private::tonic::Request::new(seed::proto::HelloRequest { name: "b".into() });
        request.set_timeout(Duration::from_secs(2));
        request
            .metadata_mut()
            .insert("x-user", "ada".parse().unwrap());
        let reply = say_hello_raw(&mut client, request).await.unwrap();
        assert_eq!(
            reply.into_inner().message,
            "Grpc Greeter.SayHello x-user=ada peer=true deadline=true"
        );
        // A Connect call reaches the handler through the gRPC services, its peer with it.
        let connect: serde_json::Value = rosetta::rest::reqwest::Client::new()
            .post(format!("{}/Greeter/SayHello", server.url()))
            .header("content-type", "application/json")
            .header("connect-protocol-version", "1")
            .body(r#"{"name": "c"}"#)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            connect["message"],
            "Connect Greeter.SayHello x-user=- peer=true deadline=false"
        );
    });
}

#[test]
fn message_size_limit_is_configurable() {
    let server = RunningServer::start(
        rosetta::server::Server::new()
            .mount(seed::greeter::Server::new(Introspect))
            .grpc_options(GrpcOptions::default().with_max_decoding_message_size(1024)),
    );
    runtime().block_on(async {
        let client = seed::greeter::GrpcClient::connect(server.url())
            .await
            .unwrap();
        let err = client
            .say_hello(HelloRequest {
                name: "x".repeat(2048),
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResourceExhausted, "{err}");
        assert!(
            client
                .say_hello(HelloRequest { name: "ok".into() })
                .await
                .is_ok()
        );
    });
}

#[test]
fn compressed_calls_with_the_typed_client() {
    let server = RunningServer::start(rosetta_examples::seed_server());
    let name = "n".repeat(5000);
    runtime().block_on(async {
        // Requests in each coding the server accepts; large answers come back compressed.
        for encoding in rosetta::grpc::ALL_ENCODINGS {
            let client = seed::greeter::GrpcClient::connect(server.url())
                .await
                .unwrap()
                .send_compressed(encoding);
            let reply = client
                .say_hello(HelloRequest { name: name.clone() })
                .await
                .unwrap();
            assert_eq!(reply.message, format!("Hello, {name}!"), "{encoding:?}");
        }
        // The client advertises every coding, so the server compresses a large answer (tonic
        // leaves the response headers in the metadata) and the client decodes it.
        let mut client = seed::greeter::GrpcClient::connect(server.url())
            .await
            .unwrap();
        let big = seed::proto::HelloRequest { name: name.clone() };
        let response = say_hello_raw(&mut client, big).await.unwrap();
        assert_eq!(response.metadata().get("grpc-encoding").unwrap(), "gzip");
        assert_eq!(response.into_inner().message, format!("Hello, {name}!"));
    });
}

#[test]
fn compression_is_configurable() {
    let server = RunningServer::start(
        rosetta::server::Server::new()
            .mount(seed::greeter::Server::new(Introspect))
            .grpc_options(
                GrpcOptions::default()
                    .with_accept_compression([rosetta::grpc::CompressionEncoding::Zstd])
                    .with_send_compression([]),
            ),
    );
    runtime().block_on(async {
        let client = seed::greeter::GrpcClient::connect(server.url())
            .await
            .unwrap();
        let gzip = client
            .clone()
            .send_compressed(rosetta::grpc::CompressionEncoding::Gzip);
        let err = gzip
            .say_hello(HelloRequest { name: "a".into() })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unimplemented, "{err}");
        let zstd = client.send_compressed(rosetta::grpc::CompressionEncoding::Zstd);
        assert!(
            zstd.say_hello(HelloRequest { name: "a".into() })
                .await
                .is_ok()
        );
        // Never compressed, whatever the client accepts.
        let mut tonic = zstd.clone();
        let big = seed::proto::HelloRequest {
            name: "n".repeat(5000),
        };
        let response = say_hello_raw(&mut tonic, big).await.unwrap();
        assert!(response.metadata().get("grpc-encoding").is_none());
    });
}

/// `Greeter.SayHello` sent with prost messages through the typed client's tonic channel
/// (`GrpcClient::tonic`), so the response's metadata can be read.
async fn say_hello_raw(
    client: &mut seed::greeter::GrpcClient,
    request: impl rosetta::__private::tonic::IntoRequest<seed::proto::HelloRequest>,
) -> Result<
    rosetta::__private::tonic::Response<seed::proto::HelloResponse>,
    rosetta::__private::tonic::Status,
> {
    let grpc = client.tonic();
    grpc.ready().await.expect("the channel is ready");
    grpc.unary(
        request.into_request(),
        rosetta::__private::tonic::codegen::http::uri::PathAndQuery::from_static(
            "/Greeter/SayHello",
        ),
        rosetta::grpc::tonic_prost::ProstCodec::default(),
    )
    .await
}
