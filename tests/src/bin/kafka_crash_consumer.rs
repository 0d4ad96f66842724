//! A consumer process for `tests/tests/kafka_crash.rs`, which SIGKILLs it mid-stream: consumes
//! `shop.audit` with the generated consumer and prints `handled <key> <value>` per record, flushed
//! at once, so the test sees exactly what was handled before the kill.
//!
//! Usage: `kafka_crash_consumer BOOTSTRAP GROUP INSTANCE_ID`. The instance id is the static group
//! membership (`group.instance.id`): a restarted process with the same id takes its partitions
//! back at once instead of waiting for the killed member's session to expire.

use std::io::Write as _;
use std::time::Duration;

use rosetta::kafka::{HandlerError, KafkaConfig, Record, handler_fn};
use rosetta_examples::shop::v1::shop_audit;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bootstrap, group, instance] = args.as_slice() else {
        return Err("usage: kafka_crash_consumer BOOTSTRAP GROUP INSTANCE_ID".into());
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut config = KafkaConfig::new(bootstrap.as_str());
    config
        .set("group.instance.id", instance.as_str())
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
        .set("auto.commit.interval.ms", "200")
        .set("fetch.wait.max.ms", "100");
    if let Ok(debug) = std::env::var("ROSETTA_KAFKA_DEBUG") {
        // librdkafka's own debug contexts (`cgrp,fetch`), logged through tracing.
        config.set("debug", debug);
    }
    let consumer = shop_audit::Consumer::new(&config, group.as_str());
    println!("started");
    let handler = handler_fn(|record: Record<String>| async move {
        // Slow enough that a kill lands mid-stream.
        tokio::time::sleep(Duration::from_millis(1)).await;
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "handled {} {} {} {}",
            record.key_str().unwrap_or_default(),
            record.value,
            record.partition,
            record.offset
        )
        .and_then(|()| out.flush())
        .map_err(HandlerError::from)
    });
    consumer.run(handler, std::future::pending()).await?;
    Ok(())
}
