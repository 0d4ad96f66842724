#!/usr/bin/env bash
# Web protocols benchmark (not a test): the Rosetta-generated Greeter on the one-port server (its
# own process on core 0), called over gRPC, Connect binary, Connect JSON and gRPC-Web on the same
# handler from a load client on core 1. Prints each round and, per protocol, its calls/s, the
# server's CPU per call and its median ratio to gRPC.
#
# Usage: scripts/bench-web.sh [--seconds S] [--rounds N] [--connections N]   (defaults 2 5 64)
# The bench crate is a member of the bench workspace (bench/Cargo.toml), built into target/release.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The whole bench workspace, as scripts/bench.sh builds it: one feature set, one build.
cargo build --release --quiet --workspace --manifest-path "$root/bench/Cargo.toml"
"$CARGO_TARGET_DIR/release/rosetta-bench-web" "$@"
