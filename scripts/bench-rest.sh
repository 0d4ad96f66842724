#!/usr/bin/env bash
# The REST benchmark (not a test): three generated routes on the one-port server (the seed's and
# shop's `rosetta::server::Server`, bench/rest/src/bin/server.rs) against the same routes written
# by hand on plain axum (an independent server process, bench/rest/src/bin/axum.rs), driven by
# one load thread with the same HTTP/1.1 keep-alive requests (bench/rest/src/bin/bench.rs):
#   GET  /data                  the seed's REST example: no input, a JSON document out;
#   POST /Greeter/SayHello      a JSON body decoded, validated and answered;
#   GET  /products/{id}         a path variable in, a product with nested fields out.
# Alternating rounds (generated, axum, …); per route the medians of requests/s and of each
# server's CPU per request (from its own /proc/<pid>/stat), and their ratios (target: >= 0.97 of
# the requests/s, <= 1.03x the CPU). Servers on core 0, the load generator on core 1.
#
#   bash scripts/bench-rest.sh [--seconds S] [--rounds N] [--connections N]   (defaults 5 5 4)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The whole bench workspace, as scripts/bench.sh builds it: one feature set, one build.
cargo build --release --quiet --workspace --manifest-path "$root/bench/Cargo.toml"
"$CARGO_TARGET_DIR/release/rest-bench" "$@"
