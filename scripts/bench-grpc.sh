#!/usr/bin/env bash
# gRPC benchmark (not a test): the Rosetta-generated Greeter served by the one-port server against
# the same logic written by hand on tonic, with one load client (tonic, N concurrent unary calls on
# one HTTP/2 channel). Prints each round, both throughputs and their ratio (target >= 0.97). Then
# the same two servers on streams: messages/s over one server stream and over one bidirectional
# stream, 2,000,000 messages per round (STREAM_MESSAGES), alternating rounds, median ratio
# (target >= 0.95).
#
# Usage: scripts/bench-grpc.sh [SECONDS_PER_ROUND] [ROUNDS] [CONCURRENCY]   (defaults 2 5 64)
# The bench crate (bench/grpc) is its own workspace, built in release mode into target/bench-grpc.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/bench-grpc}"
cargo build --release --quiet --manifest-path "$root/bench/grpc/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-grpc" "$@"
"$CARGO_TARGET_DIR/release/streams" "${STREAM_MESSAGES:-2000000}" "${2:-5}"
