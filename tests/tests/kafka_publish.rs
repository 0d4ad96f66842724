//! A published event is never dropped silently: the shop answers a call only after its events
//! were acknowledged, and fails the call (undoing its change) when they could not be. A product
//! with an 800,000-byte image (1.07 MB of JSON: above librdkafka's default `message.max.bytes`,
//! which used to drop it with a 200 answer) is published with its image and audit records; a
//! product whose event can never fit (17 MB of attributes) fails with `resource_exhausted` and
//! leaves no record and no product behind. On the embedded broker and on tansu.

#[path = "kafka_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rosetta::{Context, ErrorKind};
use rosetta_examples::shop::common::Money;
use rosetta_examples::shop::v1::{Catalog, NewProduct, catalog};
use support::{Tansu, wait_until};

fn new_product(
    name: &str,
    image: Option<Vec<u8>>,
    attributes: BTreeMap<String, String>,
) -> NewProduct {
    NewProduct {
        name: name.to_owned(),
        price: Money {
            amount_minor: 100,
            currency: "EUR".to_owned(),
        },
        tags: Vec::new(),
        attributes,
        image,
    }
}

async fn large_products(bootstrap: Option<&str>) {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let (shop, guard) = rosetta_examples::kafka::start_shop_with(bootstrap, move |line| {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(line)
    })
    .await
    .expect("shop kafka starts");
    let has = |want: &str| {
        lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|l| l == want)
    };
    let ctx = || Context::local("CreateProduct");

    // Large but valid: published, all three records.
    let image: Vec<u8> = (0..800_000u32).map(|i| (i % 251) as u8).collect();
    let big = shop
        .create_product(
            ctx(),
            new_product("big image", Some(image), BTreeMap::new()),
        )
        .await
        .expect("a large valid product is published, so the call succeeds");
    for want in [
        format!(
            "shop.product-events key={} created {} \"big image\"",
            big.id, big.id
        ),
        format!("shop.images key={} bytes=800000", big.id),
        format!("shop.audit key=catalog created product {}", big.id),
    ] {
        wait_until(&want, Duration::from_secs(60), || has(&want)).await;
    }

    // Can never fit (above the producer's 16 MiB): the call fails, nothing is left behind.
    let attributes: BTreeMap<String, String> = (0..17_000)
        .map(|i| (format!("a{i:05}"), "x".repeat(1_000)))
        .collect();
    let refused = shop
        .create_product(ctx(), new_product("too big", None, attributes))
        .await
        .expect_err("an event that cannot be published fails the call");
    assert_eq!(refused.kind(), ErrorKind::ResourceExhausted, "{refused}");
    assert!(
        matches!(refused, catalog::CreateProductError::Status(_)),
        "{refused:?}"
    );
    let listed = shop
        .search(Context::local("Search"), "too big".to_owned(), None, None)
        .await
        .expect("search");
    assert!(listed.is_empty(), "the failed call's product was kept");

    // A small product after it: once its records are in, the refused one's would be too.
    let small = shop
        .create_product(ctx(), new_product("small", None, BTreeMap::new()))
        .await
        .expect("small product");
    // Its event and its audit line travel on two topics, consumed independently: wait for both.
    for want in [
        format!(
            "shop.product-events key={} created {} \"small\"",
            small.id, small.id
        ),
        format!("shop.audit key=catalog created product {}", small.id),
    ] {
        wait_until(&want, Duration::from_secs(60), || has(&want)).await;
    }
    let all = lines.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert!(
        !all.iter().any(|l| l.contains("too big")),
        "a record of the refused call was published: {all:?}"
    );
    let products = all
        .iter()
        .filter(|l| l.starts_with("shop.product-events"))
        .count();
    let audits = all
        .iter()
        .filter(|l| l.starts_with("shop.audit key=catalog"))
        .count();
    assert_eq!((products, audits), (2, 2), "{all:?}");
    guard.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_products_are_published_or_fail_the_call_on_the_embedded_broker() {
    large_products(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_products_are_published_or_fail_the_call_on_tansu() {
    let tansu = Tansu::start();
    large_products(Some(&tansu.bootstrap)).await;
    drop(tansu);
}

/// The compiler's E0139 (a topic whose every value is above the producer's message limit)
/// uses the limit the runtime's producers are configured with.
#[test]
fn the_compile_time_limit_is_the_producers_limit() {
    assert_eq!(
        rosetta_codegen::check::PRODUCER_MESSAGE_MAX_BYTES,
        rosetta::kafka::PRODUCER_MESSAGE_MAX_BYTES as u64
    );
}
