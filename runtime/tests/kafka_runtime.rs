//! End-to-end tests of the Kafka runtime on the embedded broker (librdkafka's mock cluster, 127.0.0.1 only).
//!
//! Every test starts its own broker, bounds every wait with a deadline and
//! checks delivery through data: which keys a handler saw, what landed in the
//! dead-letter topic, what a plain librdkafka client reads.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta_runtime::kafka::rdkafka::ClientConfig;
use rosetta_runtime::kafka::rdkafka::consumer::{Consumer, StreamConsumer};
use rosetta_runtime::kafka::rdkafka::message::{
    Header as RdHeader, Headers, Message, OwnedHeaders,
};
use rosetta_runtime::kafka::rdkafka::producer::{FutureProducer, FutureRecord};
use rosetta_runtime::kafka::{
    ConsumerRunner, EmbeddedBroker, Encoding, Handler, HandlerError, Json, KafkaConfig, RawBytes,
    Record, RetryPolicy, RunSummary, TopicProducer, Utf8String, headers,
};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Hang protection for any single wait (generous: a busy machine must not fail a test).
const DEADLINE: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Order {
    id: String,
    seq: u32,
    note: String,
}

fn order(key: &str, seq: u32) -> Order {
    Order {
        id: key.to_owned(),
        seq,
        note: format!("order {key}/{seq}"),
    }
}

/// A config for `broker` tuned for fast tests: no lingering, quick group
/// membership and reconnects. (When a group's last member leaves, the mock
/// coordinator waits `session.timeout.ms` - 1 s before it assigns partitions
/// to the next member: keep the session short.)
fn test_config(broker: &EmbeddedBroker) -> KafkaConfig {
    let mut config = KafkaConfig::new(broker.bootstrap_servers());
    config
        .client_id("rosetta-test")
        .set("linger.ms", "0")
        .set("session.timeout.ms", "2000")
        .set("heartbeat.interval.ms", "200")
        .set("reconnect.backoff.ms", "50")
        .set("reconnect.backoff.max.ms", "500")
        .set("fetch.wait.max.ms", "50")
        .set("auto.commit.interval.ms", "200");
    config
}

fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(10),
    }
}

/// Polls `done` every 20 ms until it holds; panics with `what` after [`DEADLINE`].
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Records every value it is given; optionally fails some attempts first.
struct Collector<T> {
    seen: Mutex<Vec<Record<T>>>,
    calls: AtomicU64,
    /// Fails every n-th call (counting all calls) with a retryable error; 0 never.
    fail_every: u64,
    /// Values for which the handler always fails.
    poison: fn(&T) -> Option<HandlerError>,
    delay: Duration,
}

impl<T> Collector<T> {
    fn new() -> Arc<Self> {
        Self::build(0, |_| None, Duration::ZERO)
    }

    fn build(
        fail_every: u64,
        poison: fn(&T) -> Option<HandlerError>,
        delay: Duration,
    ) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::new(Vec::new()),
            calls: AtomicU64::new(0),
            fail_every,
            poison,
            delay,
        })
    }

    fn count(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }

    fn take(&self) -> Vec<Record<T>> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }

    fn keys(&self) -> BTreeSet<String> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter_map(|r| r.key_str().map(str::to_owned))
            .collect()
    }
}

impl<T: Send + 'static> Handler<T> for Collector<T> {
    async fn handle(&self, record: Record<T>) -> Result<(), HandlerError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        if let Some(error) = (self.poison)(&record.value) {
            return Err(error);
        }
        if self.fail_every != 0 && call.is_multiple_of(self.fail_every) {
            return Err(HandlerError::retryable(format!("flaky call {call}")));
        }
        self.seen.lock().expect("lock").push(record);
        Ok(())
    }
}

/// A runner on its own task, with a way to stop it gracefully.
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<RunSummary, rosetta_runtime::kafka::KafkaError>>,
}

impl Running {
    fn start<T, E, H>(runner: ConsumerRunner<T, E>, handler: H) -> Self
    where
        T: Send + 'static,
        E: Encoding<T> + Send + 'static,
        H: Handler<T>,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            runner
                .run(handler, async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self { stop, task }
    }

    async fn shutdown(self) -> RunSummary {
        let _ = self.stop.send(());
        tokio::time::timeout(DEADLINE, self.task)
            .await
            .expect("runner stops in time")
            .expect("runner task")
            .expect("runner result")
    }
}

async fn within<F: Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(DEADLINE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

fn header_str<'a>(record: &'a Record<Vec<u8>>, name: &str) -> &'a str {
    let value = record
        .header(name)
        .unwrap_or_else(|| panic!("header {name} missing"));
    std::str::from_utf8(value).expect("utf-8 header")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn typed_json_records_round_trip_in_key_order() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("orders", 3).expect("topic");
    let config = test_config(&broker);
    let producer =
        TopicProducer::<Order, Json>::new(&config, "orders", "shop.v1.Order").expect("producer");

    let keys = ["a", "b", "c", "d", "e"];
    let mut partition_of = BTreeMap::new();
    for seq in 0..8 {
        for key in keys {
            let delivered = within("send", producer.send(Some(key), &order(key, seq)))
                .await
                .expect("send");
            let first = *partition_of.entry(key).or_insert(delivered.partition);
            assert_eq!(
                first, delivered.partition,
                "a key always maps to one partition"
            );
        }
    }

    let collector = Collector::<Order>::new();
    let mut runner = ConsumerRunner::<Order, Json>::new(&config, "orders", "orders-group");
    runner.concurrency(3);
    let running = Running::start(runner, collector.clone());
    wait_until("40 orders", || collector.count() >= 40).await;
    let summary = running.shutdown().await;
    assert_eq!(summary.handled, 40);
    assert_eq!(summary.dead_lettered, 0);

    let records = collector.take();
    for key in keys {
        let seqs: Vec<u32> = records
            .iter()
            .filter(|r| r.value.id == key)
            .map(|r| r.value.seq)
            .collect();
        assert_eq!(
            seqs,
            (0..8).collect::<Vec<_>>(),
            "records of key {key} arrive once, in order"
        );
    }
    let first = &records[0];
    assert_eq!(first.topic, "orders");
    assert_eq!(first.key_str(), Some(first.value.id.as_str()));
    assert_eq!(
        first.header(headers::CONTENT_TYPE),
        Some(&b"application/json"[..])
    );
    assert_eq!(first.header(headers::TYPE), Some(&b"shop.v1.Order"[..]));
    assert_eq!(first.attempt, 0);
    assert!(first.timestamp_ms.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn string_records_are_plain_utf8_bytes_both_ways() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("my-topic", 1).expect("topic");
    let config = test_config(&broker);

    // Rust -> any client: the bytes are exactly the string's UTF-8.
    let producer =
        TopicProducer::<String, Utf8String>::new(&config, "my-topic", "string").expect("producer");
    within("send", producer.send(Some("key"), &"value".to_owned()))
        .await
        .expect("send");
    let plain: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .set("group.id", "plain-reader")
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("plain consumer");
    plain.subscribe(&["my-topic"]).expect("subscribe");
    let message = within("plain recv", plain.recv()).await.expect("message");
    assert_eq!(message.key(), Some(&b"key"[..]));
    assert_eq!(message.payload(), Some(&b"value"[..]));
    let wire_headers: Vec<(String, Vec<u8>)> = message
        .headers()
        .expect("headers")
        .iter()
        .map(|h| (h.key.to_owned(), h.value.unwrap_or_default().to_vec()))
        .collect();
    assert_eq!(
        wire_headers,
        [
            (
                "content-type".to_owned(),
                b"text/plain; charset=utf-8".to_vec()
            ),
            ("rosetta-type".to_owned(), b"string".to_vec()),
        ]
    );
    drop(message);

    // Any client -> Rust: what Java's StringSerializer writes (raw UTF-8, no headers) decodes.
    let bare: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .set("linger.ms", "0")
        .create()
        .expect("bare producer");
    within(
        "bare send",
        bare.send(
            FutureRecord::to("my-topic")
                .key("k2")
                .payload("héllo wörld"),
            DEADLINE,
        ),
    )
    .await
    .expect("bare send");
    let collector = Collector::<String>::new();
    let running = Running::start(
        ConsumerRunner::<String, Utf8String>::new(&config, "my-topic", "g"),
        collector.clone(),
    );
    wait_until("two strings", || collector.count() >= 2).await;
    running.shutdown().await;
    let values: Vec<(Option<String>, String)> = collector
        .take()
        .into_iter()
        .map(|r| (r.key_str().map(str::to_owned), r.value))
        .collect();
    assert_eq!(
        values,
        [
            (Some("key".to_owned()), "value".to_owned()),
            (Some("k2".to_owned()), "héllo wörld".to_owned()),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn flaky_handler_sees_every_record_and_nothing_is_dead_lettered() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("flaky", 4).expect("topic");
    broker.create_topic("flaky.dlq", 1).expect("dlq");
    let config = test_config(&broker);
    let producer = TopicProducer::<Order, Json>::new(&config, "flaky", "Order").expect("producer");
    let expected: BTreeSet<String> = (0..120).map(|i| format!("k{i}")).collect();
    for key in &expected {
        producer
            .enqueue(Some(key), &order(key, 0))
            .await
            .expect("enqueue");
    }
    within("flush", producer.flush(DEADLINE))
        .await
        .expect("flush");

    // Every third handler call fails, whatever record it is.
    let collector = Collector::<Order>::build(3, |_| None, Duration::ZERO);
    let mut runner = ConsumerRunner::<Order, Json>::new(&config, "flaky", "flaky-group");
    runner.concurrency(4).retry_policy(fast_retries(10));
    let running = Running::start(runner, collector.clone());
    wait_until("all 120 keys", || collector.keys() == expected).await;
    let summary = running.shutdown().await;
    assert!(
        summary.retries >= 40,
        "a third of the calls failed: {summary:?}"
    );
    assert_eq!(summary.dead_lettered, 0);
    assert_eq!(summary.handled, 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn undecodable_and_failing_records_land_in_the_dlq_and_consumption_goes_on() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("events", 1).expect("topic");
    broker.create_topic("events.dlq", 1).expect("dlq");
    let config = test_config(&broker);
    let producer = TopicProducer::<Order, Json>::new(&config, "events", "Order").expect("producer");
    producer
        .send(Some("before"), &order("before", 1))
        .await
        .expect("send");
    // A record some other producer wrote: not JSON, with its own header.
    let bare: FutureProducer = config
        .producer_config()
        .expect("config")
        .create()
        .expect("bare producer");
    let original_headers = OwnedHeaders::new().insert(RdHeader {
        key: "trace-id",
        value: Some("abc-123"),
    });
    let garbage = bare
        .send(
            FutureRecord::to("events")
                .key("garbage")
                .payload(&b"\x00not json"[..])
                .headers(original_headers),
            DEADLINE,
        )
        .await
        .expect("bare send");
    // A record the handler rejects every time (retried, then dead-lettered),
    // and one it rejects as permanently invalid (dead-lettered at once).
    let retried = producer
        .send(Some("retried"), &order("retried", 2))
        .await
        .expect("send");
    let rejected = producer
        .send(Some("rejected"), &order("rejected", 3))
        .await
        .expect("send");
    producer
        .send(Some("after"), &order("after", 4))
        .await
        .expect("send");

    let collector = Collector::<Order>::build(
        0,
        |o| match o.id.as_str() {
            "retried" => Some(HandlerError::retryable("inventory service unavailable")),
            "rejected" => Some(HandlerError::permanent("price must be positive")),
            _ => None,
        },
        Duration::ZERO,
    );
    let mut runner = ConsumerRunner::<Order, Json>::new(&config, "events", "events-group");
    runner.retry_policy(fast_retries(2));
    let running = Running::start(runner, collector.clone());
    wait_until("the record after the bad ones", || {
        collector.keys().contains("after")
    })
    .await;
    let summary = running.shutdown().await;
    assert_eq!(
        collector.keys(),
        BTreeSet::from(["before".to_owned(), "after".to_owned()])
    );
    assert_eq!(
        summary,
        RunSummary {
            handled: 2,
            retries: 2,
            dead_lettered: 3,
            consume_errors: 0,
        }
    );
    assert_eq!(
        collector.calls.load(Ordering::SeqCst),
        2 + 3 + 1,
        "3 attempts of `retried`, 1 of `rejected`"
    );

    let dead = Collector::<Vec<u8>>::new();
    let running = Running::start(
        ConsumerRunner::<Vec<u8>, RawBytes>::new(&config, "events.dlq", "dlq-reader"),
        dead.clone(),
    );
    wait_until("three dead letters", || dead.count() >= 3).await;
    running.shutdown().await;
    let dead = dead.take();
    assert_eq!(dead.len(), 3);

    let undecodable = &dead[0];
    assert_eq!(undecodable.key_str(), Some("garbage"));
    assert_eq!(undecodable.value, b"\x00not json");
    assert_eq!(
        header_str(undecodable, "trace-id"),
        "abc-123",
        "original headers are kept"
    );
    assert!(
        header_str(undecodable, headers::ERROR)
            .starts_with("cannot decode record: application/json")
    );
    assert_eq!(header_str(undecodable, headers::ORIGINAL_TOPIC), "events");
    assert_eq!(
        header_str(undecodable, headers::ORIGINAL_PARTITION),
        garbage.partition.to_string()
    );
    assert_eq!(
        header_str(undecodable, headers::ORIGINAL_OFFSET),
        garbage.offset.to_string()
    );

    let exhausted = &dead[1];
    assert_eq!(exhausted.key_str(), Some("retried"));
    assert_eq!(Json::decode(&exhausted.value), Ok(order("retried", 2)));
    assert_eq!(
        header_str(exhausted, headers::ERROR),
        "inventory service unavailable"
    );
    assert_eq!(
        header_str(exhausted, headers::CONTENT_TYPE),
        "application/json"
    );
    assert_eq!(
        header_str(exhausted, headers::ORIGINAL_OFFSET),
        retried.offset.to_string()
    );

    let permanent = &dead[2];
    assert_eq!(
        header_str(permanent, headers::ERROR),
        "price must be positive"
    );
    assert_eq!(
        header_str(permanent, headers::ORIGINAL_OFFSET),
        rejected.offset.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crashed_consumer_loses_nothing_and_a_stopped_one_commits() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("jobs", 2).expect("topic");
    let config = test_config(&broker);
    let producer = TopicProducer::<Order, Json>::new(&config, "jobs", "Order").expect("producer");
    let expected: BTreeSet<String> = (0..300).map(|i| format!("job{i}")).collect();
    for key in &expected {
        producer
            .enqueue(Some(key), &order(key, 0))
            .await
            .expect("enqueue");
    }
    within("flush", producer.flush(DEADLINE))
        .await
        .expect("flush");

    // 1. Crash: the run future is dropped mid-stream, with no shutdown.
    let first = Collector::<Order>::build(0, |_| None, Duration::from_millis(2));
    let running = Running::start(
        ConsumerRunner::<Order, Json>::new(&config, "jobs", "workers"),
        first.clone(),
    );
    wait_until("some jobs before the crash", || first.count() >= 50).await;
    running.task.abort();
    let _ = running.task.await;
    let crashed_at = first.count();
    assert!(crashed_at < 300, "the crash happened mid-stream");

    // 2. Restart in the same group, then stop gracefully part-way.
    let second = Collector::<Order>::build(0, |_| None, Duration::from_millis(2));
    let running = Running::start(
        ConsumerRunner::<Order, Json>::new(&config, "jobs", "workers"),
        second.clone(),
    );
    wait_until("some jobs after the restart", || second.count() >= 50).await;
    let summary = running.shutdown().await;
    let mut union = first.keys();
    union.extend(second.keys());
    assert!(union.len() < 300, "the graceful stop happened mid-stream");

    // 3. A third run finishes: everything was handled at least once, and
    //    nothing handled before the graceful stop is handled again.
    let third = Collector::<Order>::new();
    let running = Running::start(
        ConsumerRunner::<Order, Json>::new(&config, "jobs", "workers"),
        third.clone(),
    );
    wait_until("every job", || {
        let mut all = union.clone();
        all.extend(third.keys());
        all == expected
    })
    .await;
    running.shutdown().await;
    let after_stop = third.keys();
    assert!(
        after_stop.is_disjoint(&second.keys()),
        "offsets handled before the graceful stop ({} records) were committed",
        summary.handled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn brokers_down_and_up_during_production_lose_nothing() {
    let broker = EmbeddedBroker::with_brokers(3).expect("broker");
    broker.create_topic("payments", 6).expect("topic");
    let mut config = test_config(&broker);
    config.set("linger.ms", "2");
    let producer =
        TopicProducer::<Order, Json>::new(&config, "payments", "Order").expect("producer");

    let collector = Collector::<Order>::new();
    let mut runner = ConsumerRunner::<Order, Json>::new(&config, "payments", "ledger");
    runner.concurrency(3);
    let running = Running::start(runner, collector.clone());

    let keys: Vec<String> = (0..1500).map(|i| format!("p{i}")).collect();
    for key in &keys[..500] {
        producer
            .enqueue(Some(key), &order(key, 0))
            .await
            .expect("enqueue");
    }
    // Every broker goes away (consumer group coordinator included) while
    // records keep being produced.
    broker.broker_down(-1).expect("down");
    for key in &keys[500..1000] {
        producer
            .enqueue(Some(key), &order(key, 0))
            .await
            .expect("enqueue");
    }
    let probe = {
        let producer = producer.clone();
        tokio::spawn(async move { producer.send(Some("probe"), &order("probe", 0)).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !probe.is_finished(),
        "no acknowledgement while every broker is down"
    );
    broker.broker_up(-1).expect("up");
    within("probe", probe)
        .await
        .expect("probe task")
        .expect("probe delivered after the restart");
    for key in &keys[1000..] {
        producer
            .enqueue(Some(key), &order(key, 0))
            .await
            .expect("enqueue");
    }
    within("flush", producer.flush(DEADLINE))
        .await
        .expect("every record acknowledged");

    let mut expected: BTreeSet<String> = keys.into_iter().collect();
    expected.insert("probe".to_owned());
    wait_until("every payment consumed", || collector.keys() == expected).await;
    let summary = running.shutdown().await;
    assert!(summary.handled >= 1501);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_consumers_in_one_group_share_the_partitions() {
    let broker = EmbeddedBroker::start().expect("broker");
    broker.create_topic("clicks", 4).expect("topic");
    let config = test_config(&broker);
    let producer = TopicProducer::<Order, Json>::new(&config, "clicks", "Order").expect("producer");

    let left = Collector::<Order>::new();
    let right = Collector::<Order>::new();
    let a = Running::start(
        ConsumerRunner::<Order, Json>::new(&config, "clicks", "analytics"),
        left.clone(),
    );
    let b = Running::start(
        ConsumerRunner::<Order, Json>::new(&config, "clicks", "analytics"),
        right.clone(),
    );

    // Produce in small batches until both members have received something.
    let mut expected = BTreeSet::new();
    let start = Instant::now();
    while left.count() == 0 || right.count() == 0 {
        assert!(start.elapsed() < DEADLINE, "both members got partitions");
        for _ in 0..8 {
            let key = format!("c{}", expected.len());
            producer
                .enqueue(Some(&key), &order(&key, 0))
                .await
                .expect("enqueue");
            expected.insert(key);
        }
        producer.flush(DEADLINE).await.expect("flush");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_until("every click", || {
        let mut all = left.keys();
        all.extend(right.keys());
        all == expected
    })
    .await;
    let (sa, sb) = (a.shutdown().await, b.shutdown().await);
    assert!(sa.handled > 0 && sb.handled > 0, "{sa:?} {sb:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_config_starts_its_broker_and_topics_are_created_on_use() {
    let mut config = KafkaConfig::embedded();
    let broker = config
        .start_embedded_if_needed()
        .expect("start")
        .expect("a broker, since none was configured");
    assert_eq!(
        config.bootstrap_servers.as_deref(),
        Some(broker.bootstrap_servers())
    );
    assert!(broker.bootstrap_servers().starts_with("127.0.0.1:"));
    assert!(config.start_embedded_if_needed().expect("no-op").is_none());

    config.set("linger.ms", "0");
    let producer = TopicProducer::<String, Utf8String>::new(&config, "never-created", "string")
        .expect("producer");
    let delivered = within("send", producer.send(None, &"hello".to_owned()))
        .await
        .expect("auto-created topic");
    assert!((0..4).contains(&delivered.partition));
    assert_eq!(delivered.offset, 0);
}

/// Records that cannot be delivered (no broker listens; librdkafka gives up after
/// `message.timeout.ms`) are reported by the next `flush`: a timeout first while they are in
/// flight, then every failure, counted, with the first error; then nothing is left to report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undeliverable_records_are_counted_and_reported_by_flush() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut config = KafkaConfig::new(format!("127.0.0.1:{port}"));
    config
        .set("message.timeout.ms", "1500")
        .set("reconnect.backoff.ms", "50")
        .set("reconnect.backoff.max.ms", "200");
    let producer = TopicProducer::<String, Utf8String>::new(&config, "nowhere", "string")
        .expect("a producer (it connects lazily)");
    for i in 0..3 {
        producer
            .enqueue(Some("k"), &format!("record {i}"))
            .await
            .expect("queued");
    }
    match producer.flush(Duration::from_millis(100)).await {
        Err(rosetta_runtime::kafka::KafkaError::FlushTimeout { pending }) => assert_eq!(pending, 3),
        other => panic!("expected a flush timeout with 3 in flight, got {other:?}"),
    }
    match producer.flush(DEADLINE).await {
        Err(rosetta_runtime::kafka::KafkaError::DeliveryFailed { failed, first }) => {
            assert_eq!(failed, 3);
            assert!(first.to_string().contains("timed out"), "{first}");
        }
        other => panic!("expected 3 failed deliveries, got {other:?}"),
    }
    // Reported once: the next flush has nothing in flight and nothing failed.
    producer.flush(DEADLINE).await.expect("nothing left");
    // An awaited send reports its own failure, and a flush does not count it again.
    let err = within("an awaited send", producer.send(Some("k"), &"x".to_owned()))
        .await
        .expect_err("undeliverable");
    assert!(err.to_string().contains("timed out"), "{err}");
    producer
        .flush(DEADLINE)
        .await
        .expect("awaited sends are not counted");
}
