//! Faults, through the generated shop stubs on the embedded broker (librdkafka's mock cluster):
//! a handler failing at random, a consumer task aborted mid-stream and restarted (a task, not a
//! process), the broker taken down
//! and up — every record handled at least once, none lost, keys in order — and records that
//! cannot be decoded or handled landing in the dead-letter topic with their headers.

#[path = "kafka_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rosetta::Timestamp;
use rosetta::kafka::rdkafka::ClientConfig;
use rosetta::kafka::rdkafka::message::{Header, OwnedHeaders};
use rosetta::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use rosetta::kafka::rdkafka::util::Timeout;
use rosetta::kafka::{
    ConsumerRunner, EmbeddedBroker, HandlerError, RawBytes, Record, handler_fn, headers,
};
use rosetta_examples::shop::common::Money;
use rosetta_examples::shop::v1::{
    Order, OrderLine, Product, ProductDeleted, ProductEvent, shop_audit, shop_orders,
    shop_product_events,
};
use support::{Seen, embedded_config, fast_retries, wait_until};
use tokio::sync::watch;

const LIMIT: Duration = Duration::from_secs(60);

async fn stopper(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

fn order(key: &str, seq: u64) -> Order {
    Order {
        id: key.to_string(),
        customer_email: "a@example.com".into(),
        lines: vec![OrderLine {
            product_id: "p1".into(),
            quantity: 1,
        }],
        total: Money {
            amount_minor: i64::try_from(seq).unwrap_or(i64::MAX),
            currency: "EUR".into(),
        },
        placed_at: Timestamp::from_unix(1_700_000_000, 0).unwrap_or_default(),
    }
}

/// A cheap deterministic hash, to fail "at random" but reproducibly.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_failing_at_random_still_handles_every_record() {
    const N: u64 = 2_000;
    let broker = EmbeddedBroker::start().expect("broker");
    let config = embedded_config(&broker);
    let producer = shop_orders::Producer::new(&config).expect("producer");
    for i in 0..N {
        producer
            .enqueue(&order(&format!("o{}", i % 20), i / 20))
            .await
            .expect("enqueue");
    }
    producer.flush(LIMIT).await.expect("flush");

    let seen = Seen::default();
    let failures = Arc::new(AtomicU64::new(0));
    let (stop, rx) = watch::channel(false);
    let mut consumer = shop_orders::Consumer::new(&config, "flaky");
    consumer.concurrency(4).retry_policy(fast_retries(40));
    let (s, f) = (seen.clone(), failures.clone());
    let handler = handler_fn(move |r: Record<Order>| {
        // About a third of the attempts fail, differently on each attempt.
        let seed = ((r.offset as u64) << 8) | u64::from(r.attempt) | ((r.partition as u64) << 40);
        let fail = mix(seed).is_multiple_of(3);
        if fail {
            f.fetch_add(1, Ordering::Relaxed);
        } else {
            s.push(&r.value.id, r.value.total.amount_minor as u64);
        }
        async move {
            if fail {
                Err(HandlerError::retryable("flaky dependency"))
            } else {
                Ok(())
            }
        }
    });
    let run = tokio::spawn(async move { consumer.run(handler, stopper(rx)).await });
    wait_until("every order handled", LIMIT, || {
        seen.distinct() == N as usize
    })
    .await;
    let _ = stop.send(true);
    let summary = run.await.expect("task").expect("run");
    assert_eq!(summary.dead_lettered, 0);
    assert!(summary.retries > 0 && failures.load(Ordering::Relaxed) > 0);
    seen.assert_complete_and_ordered(20, N / 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_mid_stream_and_restarted_loses_nothing() {
    const N: u64 = 3_000;
    const KEYS: u64 = 10;
    let broker = EmbeddedBroker::start().expect("broker");
    let config = embedded_config(&broker);
    let producer = shop_audit::Producer::new(&config).expect("producer");
    for i in 0..N {
        producer
            .enqueue(&format!("k{}", i % KEYS), &(i / KEYS).to_string())
            .await
            .expect("enqueue");
    }
    producer.flush(LIMIT).await.expect("flush");

    let seen = Seen::default();
    let start = |group: &str| {
        let mut consumer = shop_audit::Consumer::new(&config, group);
        consumer.concurrency(2);
        let s = seen.clone();
        let handler = handler_fn(move |r: Record<String>| {
            s.push(
                r.key_str().unwrap_or_default(),
                r.value.parse().unwrap_or(u64::MAX),
            );
            async {
                // Slow enough that the kill lands mid-stream.
                tokio::time::sleep(Duration::from_micros(200)).await;
                Ok::<(), HandlerError>(())
            }
        });
        tokio::spawn(async move { consumer.run(handler, std::future::pending()).await })
    };
    let first = start("restarts");
    wait_until("a third of the records", LIMIT, || {
        seen.handled() >= (N / 3) as usize
    })
    .await;
    // Killed: the run future is dropped mid-stream, with records in flight.
    first.abort();
    let _ = first.await;
    let handled_before = seen.distinct();
    assert!(handled_before < N as usize, "the kill came too late");
    let second = start("restarts");
    wait_until("every record after the restart", LIMIT, || {
        seen.distinct() == N as usize
    })
    .await;
    second.abort();
    seen.assert_complete_and_ordered(KEYS as usize, N / KEYS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_down_and_up_loses_nothing() {
    const N: u64 = 2_000;
    let broker = EmbeddedBroker::start().expect("broker");
    let mut config = embedded_config(&broker);
    config.set("linger.ms", "2");
    let seen = Seen::default();
    let (stop, rx) = watch::channel(false);
    let consumer = shop_product_events::Consumer::new(&config, "outage");
    let run = tokio::spawn({
        let s = seen.clone();
        async move { consumer.run(Products(s), stopper(rx)).await }
    });
    let producer = shop_product_events::Producer::new(&config).expect("producer");
    for i in 0..N {
        if i == N / 2 {
            producer
                .flush(LIMIT)
                .await
                .expect("flush before the outage");
            broker.broker_down(-1).expect("down");
        }
        if i == N / 2 + 200 {
            tokio::time::sleep(Duration::from_millis(800)).await;
            broker.broker_up(-1).expect("up");
        }
        let product = Product {
            id: format!("p{}", i % 10),
            stock: u32::try_from(i / 10).unwrap_or(u32::MAX),
            ..Product::default()
        };
        producer
            .enqueue(&ProductEvent::Updated(product))
            .await
            .expect("enqueue");
    }
    producer.flush(LIMIT).await.expect("flush after the outage");
    wait_until("every event handled", LIMIT, || {
        seen.distinct() == N as usize
    })
    .await;
    let _ = stop.send(true);
    run.await.expect("task").expect("run");
    seen.assert_complete_and_ordered(10, N / 10);
}

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
    async fn deleted(&self, _: Record<ProductDeleted>) -> Result<(), HandlerError> {
        Err(HandlerError::permanent("deletes are not expected here"))
    }
}

fn header<'a>(record: &'a Record<Vec<u8>>, name: &str) -> &'a str {
    record
        .header(name)
        .and_then(|v| std::str::from_utf8(v).ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_and_failing_records_land_in_the_dead_letter_topic_with_headers() {
    let broker = EmbeddedBroker::start().expect("broker");
    let mut config = embedded_config(&broker);
    config.set("linger.ms", "0");
    // Foreign bytes on the typed topics, written by a bare rdkafka producer.
    let raw: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .set("linger.ms", "0")
        .create()
        .expect("raw producer");
    let garbage: [(&str, &[u8]); 2] = [
        (shop_orders::TOPIC, b"\x0a\xff\xff not protobuf"),
        (shop_product_events::TOPIC, b"{\"created\": 42"),
    ];
    for (topic, bytes) in garbage {
        let record =
            FutureRecord::to(topic)
                .key("bad")
                .payload(bytes)
                .headers(OwnedHeaders::new().insert(Header {
                    key: "x-origin",
                    value: Some("foreign"),
                }));
        raw.send(record, Timeout::Never)
            .await
            .expect("garbage sent");
    }
    let orders = shop_orders::Producer::new(&config).expect("producer");
    orders.send(&order("good", 1)).await.expect("good order");
    orders
        .send(&order("refused", 2))
        .await
        .expect("refused order");
    let events = shop_product_events::Producer::new(&config).expect("producer");
    events
        .send(&ProductEvent::Deleted(ProductDeleted { id: "gone".into() }))
        .await
        .expect("delete event");

    // The generated consumers handle the good records and dead-letter the rest.
    let (stop, rx) = watch::channel(false);
    let handled = Seen::default();
    let mut order_consumer = shop_orders::Consumer::new(&config, "dlq-test");
    order_consumer.retry_policy(fast_retries(2));
    let h = handled.clone();
    let order_run = tokio::spawn({
        let rx = rx.clone();
        async move {
            let handler = handler_fn(move |r: Record<Order>| {
                let refused = r.value.id == "refused";
                if !refused {
                    h.push(&r.value.id, 0);
                }
                async move {
                    if refused {
                        Err(HandlerError::retryable("the warehouse refused it"))
                    } else {
                        Ok(())
                    }
                }
            });
            order_consumer.run(handler, stopper(rx)).await
        }
    });
    let mut event_consumer = shop_product_events::Consumer::new(&config, "dlq-test");
    event_consumer.retry_policy(fast_retries(2));
    let event_run = tokio::spawn({
        let (s, rx) = (handled.clone(), rx.clone());
        async move { event_consumer.run(Products(s), stopper(rx)).await }
    });

    // Read both dead-letter topics as raw records.
    let dead = Arc::new(Mutex::new(BTreeMap::<String, Vec<Record<Vec<u8>>>>::new()));
    let mut dlq_runs = Vec::new();
    for topic in [
        shop_orders::DEAD_LETTER_TOPIC,
        shop_product_events::DEAD_LETTER_TOPIC,
    ] {
        let reader = ConsumerRunner::<Vec<u8>, RawBytes>::new(&config, topic, "dlq-reader");
        let (d, rx) = (dead.clone(), rx.clone());
        dlq_runs.push(tokio::spawn(async move {
            let handler = handler_fn(move |r: Record<Vec<u8>>| {
                d.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(r.topic.clone())
                    .or_default()
                    .push(r);
                async { Ok::<(), HandlerError>(()) }
            });
            reader.run(handler, stopper(rx)).await
        }));
    }
    let count = |topic: &str| {
        dead.lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(topic)
            .map_or(0, Vec::len)
    };
    wait_until("dead letters", LIMIT, || {
        count(shop_orders::DEAD_LETTER_TOPIC) >= 2
            && count(shop_product_events::DEAD_LETTER_TOPIC) >= 2
    })
    .await;
    wait_until("the good order", LIMIT, || handled.handled() >= 1).await;
    let _ = stop.send(true);
    for run in [order_run, event_run] {
        run.await.expect("task").expect("run");
    }
    for run in dlq_runs {
        run.await.expect("task").expect("run");
    }

    let dead = dead.lock().unwrap_or_else(|e| e.into_inner());
    let orders_dlq = &dead[shop_orders::DEAD_LETTER_TOPIC];
    let bad = orders_dlq
        .iter()
        .find(|r| r.key_str() == Some("bad"))
        .expect("the undecodable order");
    assert_eq!(bad.value, b"\x0a\xff\xff not protobuf");
    assert!(
        header(bad, headers::ERROR).starts_with("cannot decode record"),
        "{}",
        header(bad, headers::ERROR)
    );
    assert_eq!(header(bad, headers::ORIGINAL_TOPIC), shop_orders::TOPIC);
    assert!(
        header(bad, headers::ORIGINAL_PARTITION)
            .parse::<i32>()
            .is_ok()
    );
    assert!(header(bad, headers::ORIGINAL_OFFSET).parse::<i64>().is_ok());
    assert_eq!(header(bad, "x-origin"), "foreign");
    let refused = orders_dlq
        .iter()
        .find(|r| r.key_str() == Some("refused"))
        .expect("the refused order");
    assert_eq!(header(refused, headers::ERROR), "the warehouse refused it");
    assert_eq!(
        header(refused, headers::CONTENT_TYPE),
        shop_orders::CONTENT_TYPE
    );
    assert_eq!(header(refused, headers::TYPE), shop_orders::VALUE_TYPE);
    assert_eq!(
        <shop_orders::Value as rosetta::kafka::ProtobufMessage>::decode_proto(&refused.value)
            .expect("the original bytes"),
        order("refused", 2)
    );

    let events_dlq = &dead[shop_product_events::DEAD_LETTER_TOPIC];
    let bad = events_dlq
        .iter()
        .find(|r| r.key_str() == Some("bad"))
        .expect("the undecodable event");
    assert!(header(bad, headers::ERROR).contains("application/json"));
    assert_eq!(
        header(bad, headers::ORIGINAL_TOPIC),
        shop_product_events::TOPIC
    );
    let gone = events_dlq
        .iter()
        .find(|r| r.key_str() == Some("gone"))
        .expect("the refused delete");
    assert_eq!(
        header(gone, headers::ERROR),
        "deletes are not expected here"
    );
    assert_eq!(handled.distinct(), 1, "only the good order was handled");
}
