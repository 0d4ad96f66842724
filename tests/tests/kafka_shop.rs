//! The shop's four topics, one per encoding (JSON union, protobuf struct, string, bytes), on a
//! real Kafka-protocol broker (tansu): 10,000 records each from the generated producer to the
//! generated consumer, none lost, none out of order within a key.

#[path = "kafka_support.rs"]
mod support;

use std::time::{Duration, Instant};

use rosetta::Timestamp;
use rosetta::kafka::{HandlerError, KafkaConfig, Record, handler_fn};
use rosetta_examples::shop::common::Money;
use rosetta_examples::shop::v1::{
    Order, OrderLine, Product, ProductDeleted, ProductEvent, shop_audit, shop_images, shop_orders,
    shop_product_events,
};
use support::{Seen, Tansu, wait_until};
use tokio::sync::watch;

const RECORDS: u64 = 10_000;
const KEYS: u64 = 40;
const PER_KEY: u64 = RECORDS / KEYS;
const FLUSH: Duration = Duration::from_secs(60);

fn key(i: u64) -> String {
    format!("k{:02}", i % KEYS)
}

fn seq(i: u64) -> u64 {
    i / KEYS
}

/// Runs `run` until `stop` says so.
async fn stopper(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Product events keyed by product id; the sequence number is in `stock`, and a key's last
/// record is its deletion.
struct Products(Seen);

impl shop_product_events::Handler for Products {
    async fn created(&self, r: Record<Product>) -> Result<(), HandlerError> {
        self.0.push(&r.value.id, u64::from(r.value.stock));
        Ok(())
    }
    async fn updated(&self, r: Record<Product>) -> Result<(), HandlerError> {
        self.0.push(&r.value.id, u64::from(r.value.stock));
        Ok(())
    }
    async fn deleted(&self, r: Record<ProductDeleted>) -> Result<(), HandlerError> {
        self.0.push(&r.value.id, PER_KEY - 1);
        Ok(())
    }
}

fn product_event(i: u64) -> ProductEvent {
    let product = Product {
        id: key(i),
        name: format!("product {i}"),
        stock: u32::try_from(seq(i)).unwrap_or(u32::MAX),
        tags: vec!["kitchen".into()],
        ..Product::default()
    };
    if seq(i) == PER_KEY - 1 {
        ProductEvent::Deleted(ProductDeleted { id: key(i) })
    } else if seq(i) == 0 {
        ProductEvent::Created(product)
    } else {
        ProductEvent::Updated(product)
    }
}

fn order(i: u64) -> Order {
    Order {
        id: key(i),
        customer_email: "a@example.com".into(),
        lines: vec![OrderLine {
            product_id: "p1".into(),
            quantity: 2,
        }],
        total: Money {
            amount_minor: i64::try_from(seq(i)).unwrap_or(i64::MAX),
            currency: "EUR".into(),
        },
        placed_at: Timestamp::from_unix(1_700_000_000 + i as i64, 5).unwrap_or_default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_records_per_encoding_on_tansu_in_order_per_key() {
    let tansu = Tansu::start();
    let config: KafkaConfig = tansu.config();
    let topics: Vec<&str> = [
        shop_product_events::TOPIC,
        shop_orders::TOPIC,
        shop_audit::TOPIC,
        shop_images::TOPIC,
    ]
    .into_iter()
    .chain([
        shop_product_events::DEAD_LETTER_TOPIC,
        shop_orders::DEAD_LETTER_TOPIC,
        shop_audit::DEAD_LETTER_TOPIC,
        shop_images::DEAD_LETTER_TOPIC,
    ])
    .collect();
    rosetta::kafka::ensure_topics(&config, &topics, 4)
        .await
        .expect("topics created");
    let started = Instant::now();

    // Produce: every topic through its generated producer, batched with enqueue + flush.
    let events = shop_product_events::Producer::new(&config).expect("producer");
    let orders = shop_orders::Producer::sharing(events.inner());
    let audit = shop_audit::Producer::sharing(events.inner());
    let images = shop_images::Producer::sharing(events.inner());
    for i in 0..RECORDS {
        events.enqueue(&product_event(i)).await.expect("enqueue");
        orders.enqueue(&order(i)).await.expect("enqueue");
        audit
            .enqueue(&key(i), &seq(i).to_string())
            .await
            .expect("enqueue");
        let mut image = seq(i).to_le_bytes().to_vec();
        image.extend_from_slice(&[0xff, 0x00, 0x80]);
        images.enqueue(&key(i), &image).await.expect("enqueue");
    }
    for flushed in [
        events.flush(FLUSH).await,
        orders.flush(FLUSH).await,
        audit.flush(FLUSH).await,
        images.flush(FLUSH).await,
    ] {
        flushed.expect("every record acknowledged");
    }
    let produced = started.elapsed();

    // Consume: one generated consumer per topic, several partitions at once.
    let (stop, stop_rx) = watch::channel(false);
    let seen: [Seen; 4] = Default::default();
    let mut runs = Vec::new();
    {
        let mut c = shop_product_events::Consumer::new(&config, "shop-test");
        c.concurrency(4);
        let (h, rx) = (Products(seen[0].clone()), stop_rx.clone());
        runs.push(tokio::spawn(async move { c.run(h, stopper(rx)).await }));
    }
    {
        let mut c = shop_orders::Consumer::new(&config, "shop-test");
        c.concurrency(4);
        let (s, rx) = (seen[1].clone(), stop_rx.clone());
        let h = handler_fn(move |r: Record<Order>| {
            s.push(
                &r.value.id,
                u64::try_from(r.value.total.amount_minor).unwrap_or(u64::MAX),
            );
            async { Ok::<(), HandlerError>(()) }
        });
        runs.push(tokio::spawn(async move { c.run(h, stopper(rx)).await }));
    }
    {
        let mut c = shop_audit::Consumer::new(&config, "shop-test");
        c.concurrency(4);
        let (s, rx) = (seen[2].clone(), stop_rx.clone());
        let h = handler_fn(move |r: Record<String>| {
            s.push(
                r.key_str().unwrap_or_default(),
                r.value.parse().unwrap_or(u64::MAX),
            );
            async { Ok::<(), HandlerError>(()) }
        });
        runs.push(tokio::spawn(async move { c.run(h, stopper(rx)).await }));
    }
    {
        let mut c = shop_images::Consumer::new(&config, "shop-test");
        c.concurrency(4);
        let (s, rx) = (seen[3].clone(), stop_rx.clone());
        let h = handler_fn(move |r: Record<Vec<u8>>| {
            let n = r
                .value
                .first_chunk::<8>()
                .filter(|_| r.value.ends_with(&[0xff, 0x00, 0x80]))
                .map_or(u64::MAX, |b| u64::from_le_bytes(*b));
            s.push(r.key_str().unwrap_or_default(), n);
            async { Ok::<(), HandlerError>(()) }
        });
        runs.push(tokio::spawn(async move { c.run(h, stopper(rx)).await }));
    }
    wait_until("every record handled", Duration::from_secs(180), || {
        seen.iter().all(|s| s.distinct() >= RECORDS as usize)
    })
    .await;
    let consumed = started.elapsed() - produced;
    let _ = stop.send(true);
    for run in runs {
        let summary = run.await.expect("consumer task").expect("consumer ran");
        assert_eq!(summary.dead_lettered, 0);
    }
    for (topic, s) in topics.iter().zip(&seen) {
        assert_eq!(s.distinct(), RECORDS as usize, "{topic}");
        s.assert_complete_and_ordered(KEYS as usize, PER_KEY);
    }
    eprintln!(
        "tansu: produced 4 x {RECORDS} records in {produced:?}, consumed them in {consumed:?}"
    );
    drop(tansu);
}
