//! Compressed batches from a client nobody here wrote: kafka-python sends 1,000-byte values with
//! every compression codec Kafka defines (gzip, snappy, lz4, zstd) to `shop.images`, then one
//! uncompressed record per key, on the embedded broker and on tansu; the generated consumer must
//! handle every record with its exact bytes. A zstd batch used to stall its partition forever
//! (librdkafka was built without zstd, and the consumer logged nothing): the uncompressed records
//! after it prove the partition moves on.

#[path = "kafka_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosetta::kafka::{EmbeddedBroker, HandlerError, KafkaConfig, Record, handler_fn};
use rosetta_examples::shop::v1::shop_images;
use support::{Tansu, embedded_config, wait_until};
use tokio::sync::watch;

const CODECS: [&str; 4] = ["gzip", "snappy", "lz4", "zstd"];
const PER_CODEC: usize = 20;

/// For each codec: PER_CODEC records keyed `<codec>-<i>` whose value is 1,000 bytes of a
/// repeating pattern (so it really compresses), sent with that codec and flushed as a batch;
/// then one uncompressed record `<codec>-after`.
const PYTHON: &str = r#"
import sys
from kafka import KafkaProducer
bootstrap, broker, topic, per_codec = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
extra = {"api_version": (2, 1)} if broker == "embedded" else {}
for codec in ["gzip", "snappy", "lz4", "zstd"]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec,
                             linger_ms=50, **extra)
    futures = []
    for i in range(per_codec):
        value = (f"{codec}-{i}:".encode() * 200)[:1000]
        futures.append(producer.send(topic, key=f"{codec}-{i}".encode(), value=value))
    producer.flush()
    for f in futures:
        f.get(timeout=20)
    producer.close()
    plain = KafkaProducer(bootstrap_servers=bootstrap, **extra)
    plain.send(topic, key=f"{codec}-after".encode(), value=b"after").get(timeout=20)
    plain.close()
    print("sent", codec, flush=True)
"#;

fn expected_value(key: &str) -> Vec<u8> {
    if key.ends_with("-after") {
        return b"after".to_vec();
    }
    format!("{key}:")
        .into_bytes()
        .into_iter()
        .cycle()
        .take(1000)
        .collect()
}

async fn every_codec_is_consumed(config: KafkaConfig, broker: &str) {
    let seen: Arc<Mutex<BTreeMap<String, Vec<u8>>>> = Arc::default();
    let (stop, rx) = watch::channel(false);
    let consumer = shop_images::Consumer::new(&config, "compression");
    let sink = seen.clone();
    let run = tokio::spawn(async move {
        let handler = handler_fn(move |r: Record<Vec<u8>>| {
            let key = r.key_str().unwrap_or_default().to_owned();
            sink.lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, r.value);
            async { Ok::<(), HandlerError>(()) }
        });
        let mut rx = rx;
        consumer
            .run(handler, async move {
                let _ = rx.wait_for(|s| *s).await;
            })
            .await
    });

    let python = rosetta_tests::tier2_python();
    let servers = config.bootstrap_servers.clone().unwrap_or_default();
    let broker = broker.to_owned();
    let started = Instant::now();
    tokio::task::spawn_blocking(move || {
        rosetta_tests::python_stdout(
            &python,
            PYTHON,
            &[
                &servers,
                &broker,
                shop_images::TOPIC,
                &PER_CODEC.to_string(),
            ],
            Duration::from_secs(120),
        )
    })
    .await
    .expect("python ran");
    let want = CODECS.len() * (PER_CODEC + 1);
    wait_until("every compressed record", Duration::from_secs(60), || {
        seen.lock().unwrap_or_else(|e| e.into_inner()).len() >= want
    })
    .await;
    println!(
        "{want} records ({} codecs) handled {:?} after kafka-python started",
        CODECS.len(),
        started.elapsed()
    );
    let _ = stop.send(true);
    let summary = run.await.expect("runner").expect("run");
    assert_eq!(summary.dead_lettered, 0);
    assert_eq!(summary.consume_errors, 0);
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(seen.len(), want);
    for codec in CODECS {
        for i in (0..PER_CODEC)
            .map(|i| i.to_string())
            .chain(["after".to_string()])
        {
            let key = format!("{codec}-{i}");
            assert_eq!(
                seen.get(&key).map(Vec::as_slice),
                Some(expected_value(&key).as_slice()),
                "{key}"
            );
        }
    }
}

#[test]
fn the_bundled_librdkafka_has_every_kafka_codec() {
    let features = rosetta::kafka::builtin_features().expect("builtin.features");
    for codec in ["gzip", "snappy", "lz4", "zstd"] {
        assert!(
            features.split(',').any(|f| f == codec),
            "{codec} missing from {features}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_codec_from_kafka_python_on_the_embedded_broker() {
    let broker = EmbeddedBroker::start().expect("broker");
    every_codec_is_consumed(embedded_config(&broker), "embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_codec_from_kafka_python_on_tansu() {
    let tansu = Tansu::start();
    let config = tansu.config();
    rosetta::kafka::ensure_topics(
        &config,
        &[shop_images::TOPIC, shop_images::DEAD_LETTER_TOPIC],
        4,
    )
    .await
    .expect("topics");
    every_codec_is_consumed(config, "tansu").await;
    drop(tansu);
}
