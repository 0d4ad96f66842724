#!/usr/bin/env bash
# gRPC benchmark (not a test): the Rosetta-generated Greeter served by the one-port server against
# the same logic written by hand on tonic, each its own process pinned to core 0, one load client
# on core 1 (tonic, --connections concurrent unary calls on one HTTP/2 channel per server).
# Rounds in which the two servers take turns of 50 ms; the medians of calls/s and of the server's CPU per call, and their ratios (target
# >= 0.97). Then the same two servers on streams: messages/s over one server stream and over one
# bidirectional stream, STREAM_MESSAGES per round (default 200000; target >= 0.95).
#
# Usage: scripts/bench-grpc.sh [--seconds S] [--rounds N] [--connections N]   (defaults 5 5 64)
# BENCH_GRPC_ADAPTER=1 adds the generated adapter on tonic's own server as a diagnostic pair.
# The bench crate is a member of the bench workspace (bench/Cargo.toml), built into target/release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The whole bench workspace, as scripts/bench.sh builds it: one feature set, one build.
cargo build --release --quiet --workspace --manifest-path "$root/bench/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-grpc" "$@"
rounds=5
for ((i = 1; i <= $#; i++)); do [[ ${!i} == --rounds ]] && { j=$((i + 1)); rounds=${!j}; }; done
"$CARGO_TARGET_DIR/release/streams" --count "${STREAM_MESSAGES:-200000}" --rounds "$rounds"
