#!/usr/bin/env bash
# Web protocols benchmark (not a test): the Rosetta-generated Greeter on the one-port server,
# called over gRPC, Connect binary, Connect JSON and gRPC-Web on the same handler. Prints each
# round and, per protocol, its throughput and its median ratio to gRPC.
#
# Usage: scripts/bench-web.sh [SECONDS_PER_ROUND] [ROUNDS] [CONCURRENCY]   (defaults 2 5 64)
# The bench crate (bench/web) is its own workspace, built in release mode into the workspace's
# target folder (target/release), so no second target folder is made.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release --quiet --manifest-path "$root/bench/web/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-web" "$@"
