#!/usr/bin/env bash
# Kafka producer benchmark (not a test): the producer generated from shop.idl (`shop.audit`,
# string values) against a bare rdkafka FutureProducer sending the same keys and bytes to the same
# topic, same broker, same librdkafka config. Prints each round, the medians, and the ratio
# generated / bare both without headers and with the same two headers Rosetta writes (target >= 0.95).
#
# Usage: scripts/bench-kafka.sh [RECORDS_PER_ROUND] [ROUNDS] [BOOTSTRAP]   (defaults 100000 5)
# Without BOOTSTRAP it runs on the embedded broker (librdkafka's mock cluster, in process); give a
# tansu or Kafka address to measure against a real broker. The bench crate (bench/kafka) is its own
# workspace, built in release mode into target/bench-kafka.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/bench-kafka}"
cargo build --release --quiet --manifest-path "$root/bench/kafka/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-kafka" "$@"
