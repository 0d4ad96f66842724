#!/usr/bin/env bash
# Kafka producer benchmark (not a test): the producer generated from shop.idl (`shop.audit`,
# string values) against a bare rdkafka FutureProducer sending the same keys and bytes to the same
# topic, same broker, same librdkafka config, with the same two headers Rosetta writes and without
# them. Alternating rounds; the medians of records/s and of the process's CPU per record, and the
# ratios (target >= 0.95).
#
# Usage: scripts/bench-kafka.sh [--count RECORDS_PER_ROUND] [--rounds N]   (defaults 100000 5)
# It runs on the embedded broker (librdkafka's mock cluster, in process) unless
# BENCH_KAFKA_BOOTSTRAP names a tansu or Kafka address. The bench crate is a member of the bench
# workspace (bench/Cargo.toml), built into target/release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The whole bench workspace, as scripts/bench.sh builds it: one feature set, one build.
cargo build --release --quiet --workspace --manifest-path "$root/bench/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-kafka" "$@"
