//! The generated `RestClient`s against the generated server: every shop method, its declared
//! errors rebuilt as typed values, `Status` errors with their violations, and transport failures.

use rosetta::{ErrorKind, Timestamp};
use rosetta_examples::shop::common::{Money, NotFound, PageRequest};
use rosetta_examples::shop::v1::{
    CardPayment, NewProduct, Order, OrderLine, Payment, Status as ProductStatus, catalog, orders,
};
use rosetta_tests::RunningServer;

fn new_product(name: &str) -> NewProduct {
    NewProduct {
        name: name.to_string(),
        price: Money {
            amount_minor: 1_999,
            currency: "EUR".to_string(),
        },
        tags: vec!["new".to_string()],
        attributes: [("colour".to_string(), "blue".to_string())].into(),
        image: Some(vec![0, 1, 2, 250, 251, 255]),
    }
}

fn order(product_id: &str, quantity: i32) -> Order {
    Order {
        id: String::new(),
        customer_email: "ada@example.com".to_string(),
        lines: vec![OrderLine {
            product_id: product_id.to_string(),
            quantity,
        }],
        total: Money {
            amount_minor: 0,
            currency: "EUR".to_string(),
        },
        placed_at: Timestamp::now(),
    }
}

#[tokio::test]
async fn every_catalog_method() {
    let server = RunningServer::start(rosetta_examples::shop_server());
    let c = catalog::RestClient::new(server.url() + "/");

    let p1 = c.get_product("p1".to_string()).await.unwrap();
    assert_eq!(p1.name, "Teapot");
    match c.get_product("nope".to_string()).await {
        Err(catalog::GetProductError::NotFound(NotFound { resource, id })) => {
            assert_eq!((resource.as_str(), id.as_str()), ("product", "nope"));
        }
        other => panic!("{other:?}"),
    }

    let created = c.create_product(new_product("Mug")).await.unwrap();
    assert_eq!(created.name, "Mug");
    assert_eq!(
        created.image.as_deref(),
        Some(&[0u8, 1, 2, 250, 251, 255][..])
    );
    assert_eq!(created.attributes["colour"], "blue");
    assert_eq!(c.get_product(created.id.clone()).await.unwrap(), created);
    match c.create_product(new_product("Mug")).await {
        Err(catalog::CreateProductError::AlreadyExists(e)) => assert_eq!(e.id, created.id),
        other => panic!("{other:?}"),
    }
    let mut cheap = new_product("Cheap");
    cheap.price.amount_minor = -5;
    // `Money.amount_minor` is `@range(0, ..)`: refused by validation, before the handler.
    assert!(matches!(
        c.create_product(cheap).await,
        Err(catalog::CreateProductError::Status(s)) if s.kind() == rosetta::ErrorKind::InvalidArgument
    ));
    let mut bad = new_product("");
    bad.price.currency = "eu".to_string();
    match c.create_product(bad).await {
        Err(catalog::CreateProductError::Status(s)) => {
            assert_eq!(s.kind(), ErrorKind::InvalidArgument);
            let fields: Vec<&str> = s.violations().iter().map(|v| v.field.as_str()).collect();
            assert_eq!(fields, ["name", "price.currency"]);
        }
        other => panic!("{other:?}"),
    }

    let found = c
        .search("mu".to_string(), Some(5), Some(ProductStatus::Active))
        .await
        .unwrap();
    assert_eq!(found, vec![created.clone()]);
    assert!(
        c.search("zzz".to_string(), None, None)
            .await
            .unwrap()
            .is_empty()
    );
    let refused = c.search("a".to_string(), Some(0), None).await.unwrap_err();
    assert_eq!(refused.violations()[0].field, "limit");

    let page = c
        .list_products(PageRequest {
            size: 2,
            token: None,
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let rest = c
        .list_products(PageRequest {
            size: 2,
            token: page.next_token.clone(),
        })
        .await
        .unwrap();
    assert_eq!(rest.items, vec![created.clone()]);
    assert_eq!(rest.next_token, None);

    let tree = c.categories().await.unwrap();
    assert_eq!(tree[0].children.len(), 2);

    c.delete_product(created.id.clone()).await.unwrap();
    assert!(matches!(
        c.delete_product(created.id).await,
        Err(catalog::DeleteProductError::NotFound(_))
    ));
}

#[tokio::test]
async fn every_orders_method() {
    let server = RunningServer::start(rosetta_examples::shop_server());
    let o = orders::RestClient::new(server.url());
    let before = Timestamp::now();

    let card = Payment::Card(CardPayment {
        last4: "4242".to_string(),
    });
    let placed = o.place_order(order("p1", 2), card.clone()).await.unwrap();
    assert!(!placed.id.is_empty());
    assert_eq!(placed.total.amount_minor, 5_000);
    assert_eq!(o.get_order(placed.id.clone()).await.unwrap(), placed);
    match o.get_order("o999".to_string()).await {
        Err(orders::GetOrderError::NotFound(e)) => assert_eq!(e.resource, "order"),
        other => panic!("{other:?}"),
    }
    match o.place_order(order("p2", 50), card.clone()).await {
        Err(orders::PlaceOrderError::OutOfStock(e)) => {
            assert_eq!((e.product_id.as_str(), e.available), ("p2", 3));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        o.place_order(order("p404", 1), card.clone()).await,
        Err(orders::PlaceOrderError::NotFound(_))
    ));
    match o.place_order(order("p1", 0), card).await {
        Err(orders::PlaceOrderError::Status(s)) => {
            assert_eq!(s.violations()[0].field, "order.lines[0].quantity");
        }
        other => panic!("{other:?}"),
    }

    #[allow(deprecated)]
    let n = o.count_orders(before).await.unwrap();
    assert_eq!(n, 1);
    o.ping().await.unwrap();
}

#[tokio::test]
async fn transport_failures_are_unavailable() {
    // A port that was just free: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let o = orders::RestClient::new(format!("http://{addr}"));
    let err = o.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}
