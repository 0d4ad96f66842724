//! `#[derive(rosetta::Event)]` types produced and consumed on the embedded broker, through
//! `event_producer`, `publish` and `event_consumer`: the runtime generated topic modules use.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta::kafka::{
    EmbeddedBroker, Event, HandlerError, KafkaConfig, Record, RunSummary, event_consumer,
    event_producer, handler_fn, headers, publish,
};
use tokio::sync::oneshot;

/// Hang protection for any single wait (generous: a busy machine must not fail a test).
const DEADLINE: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, rosetta::Event)]
#[rosetta(topic = "orders.placed", key = order_id)]
struct OrderPlaced {
    order_id: String,
    total_cents: u64,
}

#[derive(Debug, Clone, PartialEq, rosetta::Event)]
#[rosetta(topic = "greetings", encoding = "string")]
struct Greeting(String);

/// A config for `broker` tuned for fast tests (as in the runtime's Kafka tests).
fn test_config(broker: &EmbeddedBroker) -> KafkaConfig {
    let mut config = KafkaConfig::new(broker.bootstrap_servers());
    config
        .client_id("rosetta-macros-test")
        .set("linger.ms", "0")
        .set("session.timeout.ms", "2000")
        .set("heartbeat.interval.ms", "200")
        .set("fetch.wait.max.ms", "50")
        .set("auto.commit.interval.ms", "200");
    config
}

/// Consumes `T`'s topic until `count` records arrived (bounded by [`DEADLINE`]), then shuts
/// down and returns them.
async fn consume<T: Event + Clone>(config: &KafkaConfig, count: usize) -> Vec<Record<T>>
where
    T::Encoding: Send + 'static,
{
    let seen: Arc<Mutex<Vec<Record<T>>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let runner = event_consumer::<T>(config, "macros-test");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        runner
            .run(
                handler_fn(move |record: Record<T>| {
                    let sink = Arc::clone(&sink);
                    async move {
                        sink.lock().expect("lock").push(record);
                        Ok::<(), HandlerError>(())
                    }
                }),
                async move {
                    let _ = stopped.await;
                },
            )
            .await
    });
    let start = Instant::now();
    while seen.lock().expect("lock").len() < count {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {count} records"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(());
    let summary: RunSummary = tokio::time::timeout(DEADLINE, task)
        .await
        .expect("runner stops in time")
        .expect("runner task")
        .expect("runner result");
    assert_eq!(summary.dead_lettered, 0, "{summary:?}");
    std::mem::take(&mut *seen.lock().expect("lock"))
}

fn header<'a, T>(record: &'a Record<T>, name: &str) -> &'a str {
    std::str::from_utf8(record.header(name).expect("header")).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_json_events_are_published_keyed_and_consumed() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic(OrderPlaced::TOPIC, 2).expect("topic");
    let config = test_config(&broker);

    let producer = event_producer::<OrderPlaced>(&config).expect("producer");
    assert_eq!(producer.topic(), "orders.placed");
    let sent = [
        OrderPlaced {
            order_id: "o-1".into(),
            total_cents: 1299,
        },
        OrderPlaced {
            order_id: "o-2".into(),
            total_cents: 5,
        },
    ];
    for event in &sent {
        tokio::time::timeout(DEADLINE, publish(&producer, event))
            .await
            .expect("publish in time")
            .expect("delivered");
    }

    let mut records = consume::<OrderPlaced>(&config, sent.len()).await;
    records.sort_by(|a, b| a.value.order_id.cmp(&b.value.order_id));
    for (record, event) in records.iter().zip(&sent) {
        assert_eq!(&record.value, event);
        assert_eq!(record.key_str(), Some(event.order_id.as_str()));
        assert_eq!(header(record, headers::TYPE), "OrderPlaced");
        assert_eq!(header(record, headers::CONTENT_TYPE), "application/json");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_string_events_travel_as_plain_text_without_a_key() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic(Greeting::TOPIC, 1).expect("topic");
    let config = test_config(&broker);

    let producer = event_producer::<Greeting>(&config).expect("producer");
    let greeting = Greeting("hello, kafka".into());
    tokio::time::timeout(DEADLINE, publish(&producer, &greeting))
        .await
        .expect("publish in time")
        .expect("delivered");

    let records = consume::<Greeting>(&config, 1).await;
    assert_eq!(records[0].value, greeting);
    assert_eq!(records[0].key_str(), None);
    assert_eq!(header(&records[0], headers::TYPE), "Greeting");
    assert_eq!(
        header(&records[0], headers::CONTENT_TYPE),
        "text/plain; charset=utf-8"
    );
}
