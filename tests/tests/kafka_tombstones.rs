//! Tombstones (records with a null value) against empty values, on a topic of every encoding:
//! kafka-python sends `value=None` and `value=b""` to `my-topic` (string), `shop.product-events`
//! (JSON), `shop.images` (bytes) and `shop.orders` (protobuf); the generated consumers must give
//! each tombstone to `Handler::tombstone` with its key, and each empty value to the value methods
//! (or, where an empty value is not a value of the type, to the dead-letter topic). The generated
//! producer's `tombstone(key)` must reach kafka-python as a null value.

#[path = "kafka_support.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rosetta::kafka::{EmbeddedBroker, HandlerError, KafkaConfig, Record, handler_fn};
use rosetta_examples::seed::my_topic;
use rosetta_examples::shop::v1::{
    Order, Product, ProductDeleted, shop_images, shop_orders, shop_product_events,
};
use support::{embedded_config, fast_retries, join_runners, wait_until};
use tokio::sync::watch;

/// What a consumer saw, as `"<topic> <key> <what>"` lines.
#[derive(Clone, Default)]
struct Saw(Arc<Mutex<Vec<String>>>);

impl Saw {
    fn push(&self, topic: &str, record_key: Option<&str>, what: String) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{topic} {} {what}", record_key.unwrap_or("-")));
    }

    fn sorted(&self) -> Vec<String> {
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        all.sort();
        all
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The string topic's handler, written out (not `handler_fn`) to override `tombstone`.
struct Lines(Saw);

impl my_topic::Handler for Lines {
    async fn handle(&self, r: Record<String>) -> Result<(), HandlerError> {
        self.0
            .push(&r.topic, r.key_str(), format!("value {:?}", r.value));
        Ok(())
    }
    async fn tombstone(&self, r: Record<()>) -> Result<(), HandlerError> {
        self.0.push(&r.topic, r.key_str(), "tombstone".into());
        Ok(())
    }
}

struct Products(Saw);

impl shop_product_events::Handler for Products {
    async fn created(&self, r: Record<Product>) -> Result<(), HandlerError> {
        self.0
            .push(&r.topic, r.key_str(), format!("created {}", r.value.id));
        Ok(())
    }
    async fn updated(&self, r: Record<Product>) -> Result<(), HandlerError> {
        self.0
            .push(&r.topic, r.key_str(), format!("updated {}", r.value.id));
        Ok(())
    }
    async fn deleted(&self, r: Record<ProductDeleted>) -> Result<(), HandlerError> {
        self.0
            .push(&r.topic, r.key_str(), format!("deleted {}", r.value.id));
        Ok(())
    }
    async fn tombstone(&self, r: Record<()>) -> Result<(), HandlerError> {
        self.0.push(&r.topic, r.key_str(), "tombstone".into());
        Ok(())
    }
}

struct Images(Saw);

impl shop_images::Handler for Images {
    async fn handle(&self, r: Record<Vec<u8>>) -> Result<(), HandlerError> {
        self.0.push(
            &r.topic,
            r.key_str(),
            format!("value {} bytes", r.value.len()),
        );
        Ok(())
    }
    async fn tombstone(&self, r: Record<()>) -> Result<(), HandlerError> {
        self.0.push(&r.topic, r.key_str(), "tombstone".into());
        Ok(())
    }
}

struct Orders(Saw);

impl shop_orders::Handler for Orders {
    async fn handle(&self, r: Record<Order>) -> Result<(), HandlerError> {
        self.0
            .push(&r.topic, r.key_str(), format!("order {}", r.value.id));
        Ok(())
    }
    async fn tombstone(&self, r: Record<()>) -> Result<(), HandlerError> {
        self.0.push(&r.topic, r.key_str(), "tombstone".into());
        Ok(())
    }
}

/// Sends a tombstone and an empty value (keys `gone` and `empty`) to each topic; then reads
/// `my-topic` until it has seen the Rust producer's tombstone (key `rust-gone`) and prints
/// whether its value was None.
const PYTHON: &str = r#"
import sys, time
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
bootstrap, topics = sys.argv[1], sys.argv[2:]
producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 0))
for topic in topics:
    producer.send(topic, key=b"gone", value=None).get(timeout=20)
    producer.send(topic, key=b"empty", value=b"").get(timeout=20)
producer.flush()
producer.close()
print("sent", flush=True)
# Partitions assigned by hand, read from the beginning: no consumer group to join, so no
# coordinator round (whose timing on a loaded machine once outlasted the read timeout).
consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=60000,
                         api_version=(2, 0))
partitions = None
for _ in range(200):
    partitions = consumer.partitions_for_topic("my-topic")
    if partitions:
        break
    consumer.topics()
    time.sleep(0.1)
consumer.assign([TopicPartition("my-topic", p) for p in sorted(partitions)])
consumer.seek_to_beginning()
for record in consumer:
    if record.key == b"rust-gone":
        print("rust tombstone value is None:", record.value is None, flush=True)
        break
consumer.close()
"#;

/// Spawns a runner of `consumer` that stops when `stop` says so, keeping its task in `runs`.
fn spawn<F>(
    runs: &mut Vec<tokio::task::JoinHandle<()>>,
    stop: &watch::Receiver<bool>,
    run: impl FnOnce(watch::Receiver<bool>) -> F,
) where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    runs.push(tokio::spawn(run(stop.clone())));
}

async fn stopper(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tombstones_and_empty_values_are_told_apart_on_every_encoding() {
    let broker = EmbeddedBroker::start().expect("broker");
    let config: KafkaConfig = embedded_config(&broker);
    let saw = Saw::default();
    let (stop, rx) = watch::channel(false);
    let mut runs = Vec::new();

    let mut strings = my_topic::Consumer::new(&config, "tombstones");
    strings.retry_policy(fast_retries(0));
    let handler = Lines(saw.clone());
    spawn(&mut runs, &rx, |rx| async move {
        let _ = strings.run(handler, stopper(rx)).await;
    });
    let mut products = shop_product_events::Consumer::new(&config, "tombstones");
    products.retry_policy(fast_retries(0));
    let handler = Products(saw.clone());
    spawn(&mut runs, &rx, |rx| async move {
        let _ = products.run(handler, stopper(rx)).await;
    });
    let mut images = shop_images::Consumer::new(&config, "tombstones");
    images.retry_policy(fast_retries(0));
    let handler = Images(saw.clone());
    spawn(&mut runs, &rx, |rx| async move {
        let _ = images.run(handler, stopper(rx)).await;
    });
    let mut orders = shop_orders::Consumer::new(&config, "tombstones");
    orders.retry_policy(fast_retries(0));
    let handler = Orders(saw.clone());
    spawn(&mut runs, &rx, |rx| async move {
        let _ = orders.run(handler, stopper(rx)).await;
    });
    // What the consumers could not take lands in the dead-letter topics.
    let dead = Saw::default();
    for dlq in [
        my_topic::DEAD_LETTER_TOPIC,
        shop_product_events::DEAD_LETTER_TOPIC,
        shop_images::DEAD_LETTER_TOPIC,
        shop_orders::DEAD_LETTER_TOPIC,
    ] {
        let d = dead.clone();
        let runner = rosetta::kafka::ConsumerRunner::<Vec<u8>, rosetta::kafka::RawBytes>::new(
            &config,
            dlq,
            "tombstones",
        );
        spawn(&mut runs, &rx, |rx| async move {
            let handler = handler_fn(move |r: Record<Vec<u8>>| {
                let error = String::from_utf8_lossy(
                    r.header(rosetta::kafka::headers::ERROR).unwrap_or_default(),
                )
                .into_owned();
                let original = String::from_utf8_lossy(
                    r.header(rosetta::kafka::headers::ORIGINAL_TOPIC)
                        .unwrap_or_default(),
                )
                .into_owned();
                d.push(
                    &original,
                    r.key_str(),
                    format!("dead: {}", !error.is_empty()),
                );
                async { Ok::<(), HandlerError>(()) }
            });
            let _ = runner.run(handler, stopper(rx)).await;
        });
    }

    // The generated producer sends a tombstone too.
    my_topic::Producer::new(&config)
        .expect("producer")
        .tombstone("rust-gone")
        .await
        .expect("tombstone sent");

    let python = rosetta_tests::tier2_python();
    let servers = broker.bootstrap_servers().to_string();
    let stdout = tokio::task::spawn_blocking(move || {
        rosetta_tests::python_stdout(
            &python,
            PYTHON,
            &[
                &servers,
                my_topic::TOPIC,
                shop_product_events::TOPIC,
                shop_images::TOPIC,
                shop_orders::TOPIC,
            ],
            Duration::from_secs(90),
        )
    })
    .await
    .expect("python ran");
    assert!(
        stdout.contains("rust tombstone value is None: True"),
        "{stdout}"
    );

    // 9 records reach handlers (4 tombstones, the Rust one, string and bytes empty values);
    // JSON and protobuf cannot decode an empty value: 2 dead letters.
    wait_until("every record handled", Duration::from_secs(60), || {
        saw.len() >= 7 && dead.len() >= 2
    })
    .await;
    let _ = stop.send(true);
    join_runners(runs, Duration::from_secs(60)).await;
    assert_eq!(
        saw.sorted(),
        [
            "my-topic empty value \"\"",
            "my-topic gone tombstone",
            "my-topic rust-gone tombstone",
            "shop.images empty value 0 bytes",
            "shop.images gone tombstone",
            "shop.orders gone tombstone",
            "shop.product-events gone tombstone",
        ]
    );
    assert_eq!(
        dead.sorted(),
        [
            "shop.orders empty dead: true",
            "shop.product-events empty dead: true",
        ]
    );
}
