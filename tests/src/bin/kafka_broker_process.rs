//! librdkafka's mock cluster ([`EmbeddedBroker`]) in a process of its own, for tests that must
//! kill a Kafka client without killing its broker (`tests/tests/kafka_crash.rs`).
//!
//! Prints `bootstrap <host:port>` on stdout, then serves until its standard input closes (so
//! the broker ends with the test that started it, even when that test panics).
//!
//! Usage: `kafka_broker_process TOPIC PARTITIONS [TOPIC PARTITIONS ...]` creates those topics
//! first, so no client races topic auto-creation.

use std::io::{Read as _, Write as _};

use rosetta::kafka::EmbeddedBroker;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.len().is_multiple_of(2) {
        return Err("usage: kafka_broker_process [TOPIC PARTITIONS]...".into());
    }
    let broker = EmbeddedBroker::start()?;
    for pair in args.chunks(2) {
        broker.create_topic(&pair[0], pair[1].parse()?)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "bootstrap {}", broker.bootstrap_servers())?;
    out.flush()?;
    drop(out);
    // Serve until the parent closes our stdin (or dies).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(broker);
    Ok(())
}
