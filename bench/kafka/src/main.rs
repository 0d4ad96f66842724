//! Kafka producer benchmark (not a test): the producer generated for `shop.audit` (string values,
//! explicit keys) against a bare rdkafka `FutureProducer` sending the same keys and value bytes
//! to the same topic of the same broker, with the same librdkafka config (Rosetta's: idempotent,
//! `acks=all`, librdkafka's default batching). Both queue every record without waiting, then wait
//! for every acknowledgement (`enqueue` + `flush` against `send_result` + awaiting the delivery
//! futures). The bare producer runs twice: without headers, and with the two headers every Rosetta
//! record carries (`content-type`, `rosetta-type`), so the cost of the headers and the cost of the
//! rest of the generated path show separately.
//!
//! Usage: rosetta-bench-kafka [RECORDS_PER_ROUND] [ROUNDS] [BOOTSTRAP]   (defaults 100000 5, embedded)

#![deny(warnings)]

use std::time::{Duration, Instant};

use rosetta::kafka::rdkafka::message::{Header, OwnedHeaders};
use rosetta::kafka::rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rosetta::kafka::{EmbeddedBroker, KafkaConfig, headers};

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

fn rate(records: usize, took: Duration) -> f64 {
    records as f64 / took.as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let bootstrap = args.next();

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
            rosetta::kafka::ensure_topics(&config, &[shop_audit::TOPIC], 4)
                .await
                .expect("topic");
            println!("broker: {}", bootstrap.as_deref().unwrap_or_default());
        }
    }
    let bench = Bench {
        keys: (0..records).map(|i| format!("key-{}", i % 64)).collect(),
        value: "x".repeat(PAYLOAD),
        generated: shop_audit::Producer::new(&config).expect("generated producer"),
        bare: config
            .producer_config()
            .expect("config")
            .create()
            .expect("bare producer"),
    };
    println!(
        "{records} records of {PAYLOAD} B per round, {rounds} rounds, topic {} (4 partitions), \
         config: idempotent, acks=all, default linger",
        shop_audit::TOPIC
    );

    // Warm up connections and metadata.
    bench.generated_round().await;
    bench.bare_round(true).await;

    let (mut generated, mut bare, mut bare_headers) = (vec![], vec![], vec![]);
    for round in 1..=rounds {
        // Alternate the order so that neither side always runs on a warmer (or busier) broker.
        let (g, b, h) = if round % 2 == 1 {
            let g = rate(records, bench.generated_round().await);
            let b = rate(records, bench.bare_round(false).await);
            let h = rate(records, bench.bare_round(true).await);
            (g, b, h)
        } else {
            let h = rate(records, bench.bare_round(true).await);
            let b = rate(records, bench.bare_round(false).await);
            let g = rate(records, bench.generated_round().await);
            (g, b, h)
        };
        println!(
            "round {round}: generated {g:>9.0} rec/s   bare {b:>9.0} rec/s   bare+headers {h:>9.0} rec/s"
        );
        generated.push(g);
        bare.push(b);
        bare_headers.push(h);
    }
    let (g, b, h) = (median(generated), median(bare), median(bare_headers));
    println!(
        "median: generated {g:.0} rec/s, bare {b:.0} rec/s, bare with the same two headers {h:.0} rec/s"
    );
    println!("ratio generated / bare (no headers):          {:.3}", g / b);
    println!("ratio generated / bare (same two headers):    {:.3}", g / h);
    println!("target: >= 0.95");
}
