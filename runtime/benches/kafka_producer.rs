//! Throughput of `TopicProducer` against a bare rdkafka `FutureProducer` on the embedded broker.
//!
//! Both send the same keyed 100-byte payloads to the same mock-cluster topic
//! with the same librdkafka config (idempotent, `acks=all`, default
//! `linger.ms`), queueing a batch and then waiting for every acknowledgement.
//! The difference is the runtime's own cost: encoding call, two headers per
//! record, delivery tracking for `flush`. Run with
//! `cargo bench -p rosetta-runtime --features kafka --bench kafka_producer`.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rosetta_runtime::kafka::{EmbeddedBroker, KafkaConfig, RawBytes, TopicProducer, rdkafka};

/// Records per measured batch.
const BATCH: usize = 10_000;
const TOPIC: &str = "bench";

struct Setup {
    _broker: EmbeddedBroker,
    runtime: tokio::runtime::Runtime,
    typed: TopicProducer<Vec<u8>, RawBytes>,
    bare: FutureProducer,
    keys: Vec<String>,
    payload: Vec<u8>,
}

fn setup() -> Setup {
    let broker = EmbeddedBroker::start().expect("embedded broker");
    broker.create_topic(TOPIC, 4).expect("topic");
    let config = KafkaConfig::new(broker.bootstrap_servers());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (typed, bare) = runtime.block_on(async {
        let typed = TopicProducer::<Vec<u8>, RawBytes>::new(&config, TOPIC, "bench.v1.Payload")
            .expect("typed producer");
        let bare: FutureProducer = config
            .producer_config()
            .expect("config")
            .create()
            .expect("bare producer");
        (typed, bare)
    });
    Setup {
        _broker: broker,
        runtime,
        typed,
        bare,
        keys: (0..BATCH).map(|i| format!("key-{}", i % 64)).collect(),
        payload: vec![b'x'; 100],
    }
}

impl Setup {
    fn typed_batch(&self) -> Duration {
        self.runtime.block_on(async {
            let start = Instant::now();
            for key in &self.keys {
                self.typed
                    .enqueue(Some(key), &self.payload)
                    .await
                    .expect("enqueue");
            }
            self.typed
                .flush(Duration::from_secs(30))
                .await
                .expect("flush");
            start.elapsed()
        })
    }

    fn bare_batch(&self, with_headers: bool) -> Duration {
        self.runtime.block_on(async {
            let start = Instant::now();
            let mut pending = Vec::with_capacity(self.keys.len());
            for key in &self.keys {
                let mut record = FutureRecord::to(TOPIC).key(key).payload(&self.payload);
                if with_headers {
                    record = record.headers(
                        OwnedHeaders::new_with_capacity(2)
                            .insert(Header {
                                key: "content-type",
                                value: Some("application/octet-stream"),
                            })
                            .insert(Header {
                                key: "rosetta-type",
                                value: Some("bench.v1.Payload"),
                            }),
                    );
                }
                loop {
                    match self.bare.send_result(record) {
                        Ok(delivery) => break pending.push(delivery),
                        Err((_, back)) => {
                            record = back;
                            tokio::time::sleep(Duration::from_millis(2)).await;
                        }
                    }
                }
            }
            for delivery in pending {
                delivery.await.expect("not cancelled").expect("delivered");
            }
            start.elapsed()
        })
    }
}

fn main() {
    let setup = setup();
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("kafka_producer");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("bare_future_producer", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| setup.bare_batch(false)).sum())
    });
    group.bench_function("bare_future_producer_same_headers", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| setup.bare_batch(true)).sum())
    });
    group.bench_function("topic_producer", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| setup.typed_batch()).sum())
    });
    group.finish();
    criterion.final_summary();

    // Interleaved rounds, median of each, so all three see the same broker state.
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..15 {
        times[0].push(setup.bare_batch(false));
        times[1].push(setup.bare_batch(true));
        times[2].push(setup.typed_batch());
    }
    let [bare, headers, typed] = times.map(|mut t| {
        t.sort();
        BATCH as f64 / t[t.len() / 2].as_secs_f64()
    });
    println!(
        "kafka_producer (median msg/s): bare FutureProducer {bare:.0}, bare with the same \
         headers {headers:.0}, TopicProducer {typed:.0}; TopicProducer/bare ratio {:.2}, \
         TopicProducer/bare-with-headers ratio {:.2}",
        typed / bare,
        typed / headers
    );
}
