//! Kafka producer benchmark (not a test): the producer generated for `shop.audit` (string values,
//! explicit keys) against a bare rdkafka `FutureProducer` sending the same keys and value bytes
//! to the same topic of the same broker, with the same librdkafka config (Rosetta's: idempotent,
//! `acks=all`, librdkafka's default batching). Both queue every record without waiting, then wait
//! for every acknowledgement (`enqueue` + `flush` against `send_result` + awaiting the delivery
//! futures). The bare producer runs twice: without headers, and with the two headers every Rosetta
//! record carries (`content-type`, `rosetta-type`), so the cost of the headers and the cost of the
//! rest of the generated path show separately.
//!
//! Alternating rounds (generated, bare, …): the medians of records/s and of the process's CPU per
//! record, and their ratios (target >= 0.95 of the records/s).
//!
//! Usage: `rosetta-bench-kafka [--count RECORDS_PER_ROUND] [--rounds N]` (defaults 100000, 5);
//! the embedded broker (librdkafka's mock cluster, in process) unless `BENCH_KAFKA_BOOTSTRAP`
//! names a tansu or Kafka address.

#![deny(warnings)]

use std::time::{Duration, Instant};

use rosetta::kafka::rdkafka::message::{Header, OwnedHeaders};
use rosetta::kafka::rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rosetta::kafka::{EmbeddedBroker, KafkaConfig, headers};
use rosetta_bench_support::{Options, Sample, alternate, cpu_ns, report};

/// The generated code, as a user's crate includes it.
#[allow(dead_code, missing_docs)]
mod shop {
    pub mod common {
        rosetta::include_idl!("shop.common");
    }
    pub mod v1 {
        rosetta::include_idl!("shop.v1");
    }
}

use shop::v1::shop_audit;

const PAYLOAD: usize = 100;

struct Bench {
    keys: Vec<String>,
    value: String,
    generated: shop_audit::Producer,
    bare: FutureProducer,
}

impl Bench {
    async fn generated_round(&self) -> Duration {
        let start = Instant::now();
        for key in &self.keys {
            self.generated
                .enqueue(key, &self.value)
                .await
                .expect("enqueue");
        }
        self.generated
            .flush(Duration::from_secs(300))
            .await
            .expect("every record acknowledged");
        start.elapsed()
    }

    async fn bare_round(&self, with_headers: bool) -> Duration {
        let start = Instant::now();
        let mut pending: Vec<DeliveryFuture> = Vec::with_capacity(self.keys.len());
        for key in &self.keys {
            let mut record = FutureRecord::to(shop_audit::TOPIC)
                .key(key.as_str())
                .payload(self.value.as_bytes());
            if with_headers {
                record = record.headers(
                    OwnedHeaders::new_with_capacity(2)
                        .insert(Header {
                            key: headers::CONTENT_TYPE,
                            value: Some(shop_audit::CONTENT_TYPE),
                        })
                        .insert(Header {
                            key: headers::TYPE,
                            value: Some(shop_audit::VALUE_TYPE),
                        }),
                );
            }
            loop {
                match self.bare.send_result(record) {
                    Ok(delivery) => {
                        pending.push(delivery);
                        break;
                    }
                    Err((_, back)) => {
                        // Queue full: wait as the generated producer does.
                        record = back;
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                }
            }
        }
        for delivery in pending {
            delivery
                .await
                .expect("delivery")
                .expect("every record acknowledged");
        }
        start.elapsed()
    }
}

/// One round of `work` (which sends `records` records) as a sample; the CPU is this whole
/// process's (producer, librdkafka's threads and, when embedded, the mock broker), the same for
/// both sides.
fn sample(records: usize, work: impl FnOnce() -> Duration) -> Sample {
    let cpu0 = cpu_ns(std::process::id());
    let took = work();
    Sample {
        count: records as u64,
        errors: 0,
        seconds: took.as_secs_f64(),
        cpu_ns: cpu_ns(std::process::id()) - cpu0,
    }
}

fn main() {
    let o = Options::from_args(0.0, 5, 0, 100_000);
    let records = o.count as usize;
    let bootstrap = std::env::var("BENCH_KAFKA_BOOTSTRAP").ok();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");

    let mut config = match &bootstrap {
        Some(servers) => KafkaConfig::new(servers),
        None => KafkaConfig::embedded(),
    };
    let broker: Option<EmbeddedBroker> = config.start_embedded_if_needed().expect("broker");
    match &broker {
        Some(b) => {
            b.create_topic(shop_audit::TOPIC, 4).expect("topic");
            println!(
                "broker: embedded (librdkafka mock cluster) at {}",
                b.bootstrap_servers()
            );
        }
        None => {
            rt.block_on(rosetta::kafka::ensure_topics(
                &config,
                &[shop_audit::TOPIC],
                4,
            ))
            .expect("topic");
            println!("broker: {}", bootstrap.as_deref().unwrap_or_default());
        }
    }
    let bench = rt.block_on(async {
        Bench {
            keys: (0..records).map(|i| format!("key-{}", i % 64)).collect(),
            value: "x".repeat(PAYLOAD),
            generated: shop_audit::Producer::new(&config).expect("generated producer"),
            bare: config
                .producer_config()
                .expect("config")
                .create()
                .expect("bare producer"),
        }
    });
    println!(
        "{records} records of {PAYLOAD} B per round, {} alternating rounds, topic {} (4 \
         partitions), config: idempotent, acks=all, default linger",
        o.rounds,
        shop_audit::TOPIC
    );
    let generated = || sample(records, || rt.block_on(bench.generated_round()));
    let labels = ["rosetta", "rdkafka"];
    let with_headers = alternate("Kafka", labels, o.rounds, generated, || {
        sample(records, || rt.block_on(bench.bare_round(true)))
    });
    report(
        "Kafka producer (bare with the same two headers)",
        "records",
        labels,
        &with_headers,
    );
    let without = alternate("Kafka", labels, o.rounds, generated, || {
        sample(records, || rt.block_on(bench.bare_round(false)))
    });
    report(
        "Kafka producer (bare without headers)",
        "records",
        labels,
        &without,
    );
}
