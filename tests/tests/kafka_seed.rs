//! The seed's Kafka example with a client nobody here wrote: kafka-python reads the
//! `("my-topic", "key", "value")` record the generated producer sent (String-serializer bytes,
//! with the `content-type` and `rosetta-type` headers), and the generated consumer handles a
//! record kafka-python produced — on the embedded broker and on tansu, a real Kafka-protocol broker.

#[path = "kafka_support.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{Tansu, wait_until};

/// Reads the first record of my-topic (as a consumer-group member, as kafka-python users do; the
/// 60 s read timeout is hang protection only: a group round on a loaded machine once outlasted a
/// shorter one in a sibling test) and prints it as JSON, then produces one record.
const PYTHON: &str = r#"
import json, sys
from kafka import KafkaConsumer, KafkaProducer
bootstrap, broker = sys.argv[1], sys.argv[2]
extra = {"api_version": (2, 0)} if broker == "embedded" else {}
consumer = KafkaConsumer("my-topic", bootstrap_servers=bootstrap, group_id="python-reader",
                         auto_offset_reset="earliest", consumer_timeout_ms=60000, **extra)
for record in consumer:
    print(json.dumps({"key": record.key.decode(), "value": record.value.decode(),
                      "headers": {k: v.decode() for k, v in record.headers}}), flush=True)
    break
consumer.close()
producer = KafkaProducer(bootstrap_servers=bootstrap, key_serializer=str.encode,
                         value_serializer=str.encode, **extra)
producer.send("my-topic", key="from-python", value="hello from kafka-python").get(timeout=20)
producer.flush()
producer.close()
print("sent", flush=True)
"#;

async fn seed_round_trip(bootstrap: Option<&str>, broker: &str) {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let guard = rosetta_examples::kafka::start_seed_with(bootstrap, move |line| {
        sink.lock().unwrap_or_else(|e| e.into_inner()).push(line)
    })
    .await
    .expect("seed kafka starts");
    let seen = |want: &str| {
        lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|l| l == want)
    };
    // The generated consumer handles the generated producer's record.
    wait_until("the seed's own record", Duration::from_secs(20), || {
        seen("my-topic key=key value=value")
    })
    .await;

    let python = rosetta_tests::tier2_python();
    let servers = guard.bootstrap_servers().to_string();
    let broker = broker.to_string();
    let stdout = tokio::task::spawn_blocking(move || {
        rosetta_tests::python_stdout(
            &python,
            PYTHON,
            &[&servers, &broker],
            Duration::from_secs(120),
        )
    })
    .await
    .expect("python ran");
    let first = stdout.lines().next().unwrap_or_default();
    let record: serde_json::Value = serde_json::from_str(first).expect("a record as JSON");
    assert_eq!(record["key"], "key");
    assert_eq!(record["value"], "value");
    assert_eq!(
        record["headers"]["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(record["headers"]["rosetta-type"], "string");
    assert!(stdout.contains("sent"), "{stdout}");

    // The generated consumer handles kafka-python's record.
    wait_until("kafka-python's record", Duration::from_secs(20), || {
        seen("my-topic key=from-python value=hello from kafka-python")
    })
    .await;
    guard.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_python_and_the_seed_stubs_on_the_embedded_broker() {
    seed_round_trip(None, "embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_python_and_the_seed_stubs_on_tansu() {
    let tansu = Tansu::start();
    seed_round_trip(Some(&tansu.bootstrap), "tansu").await;
    drop(tansu);
}
