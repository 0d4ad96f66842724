#!/usr/bin/env bash
# The REST benchmark (not a test). From one run it prints the requests/s of three generated
# routes against the same handlers written by hand in axum (bench/rest/src/bin/server.rs), served
# by one server on one worker thread and driven by the same one-thread Rust load generator
# (bench/rest/src/bin/load.rs), and the ratio generated / hand-written (target: >= 0.97):
#   GET  /data                  the seed's REST example: no input, a JSON document out;
#   POST /Greeter/SayHello      a JSON body decoded, validated and answered;
#   GET  /products/{id}         a path variable in, a product with nested fields out.
# Each cell is measured in alternating rounds (generated, hand, generated, hand, ...) and the
# median round is reported, so drift on a shared machine hits both sides alike.
#
#   bash scripts/bench-rest.sh [--seconds N] [--rounds N] [--connections N]
#
# The server listens on 127.0.0.1 only and is stopped on exit. The machine has 2 cores: the load
# generator takes one, the server the other.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=3
rounds=5
connections=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--rounds N] [--connections N]" >&2; exit 2 ;;
  esac
done

target_dir=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export CARGO_TARGET_DIR="$target_dir"
echo "building the benchmark server and load generator (release)..." >&2
cargo build --release -q --manifest-path bench/rest/Cargo.toml
bin="$target_dir/release"

fifo=$(mktemp -u -t rosetta-bench-rest.XXXXXX)
mkfifo "$fifo"
"$bin/rest-bench-server" >"$fifo" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r port <"$fifo"
addr="127.0.0.1:$port"

# One measurement: prints requests/s (exits non-zero if any request failed).
measure() {
  local out
  out=$("$bin/rest-bench-load" "$addr" "$1" "$2" "$seconds" "$connections" "${3:-}")
  read -r rps ok errors <<<"$out"
  if [[ "$errors" != 0 || "$ok" == 0 ]]; then
    echo "load on $1 $2: $ok ok, $errors errors" >&2
    exit 1
  fi
  echo "$rps"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm up both sides once.
measure GET /data >/dev/null
measure GET /hand/data >/dev/null

echo
echo "REST requests/s: ${rounds} alternating rounds of ${seconds}s per side, ${connections} keep-alive connections, one load thread, one server thread"
printf '%-28s %14s %14s %8s\n' "route" "generated" "hand-written" "ratio"
body='{"name": "bench"}'
for row in "GET|/data|/hand/data|" "POST|/Greeter/SayHello|/hand/Greeter/SayHello|$body" "GET|/products/p1|/hand/products/p1|"; do
  IFS='|' read -r method gen hand json <<<"$row"
  gens=()
  hands=()
  for ((i = 0; i < rounds; i++)); do
    gens+=("$(measure "$method" "$gen" "$json")")
    hands+=("$(measure "$method" "$hand" "$json")")
  done
  g=$(printf '%s\n' "${gens[@]}" | median)
  h=$(printf '%s\n' "${hands[@]}" | median)
  ratio=$(python3 -c "print(f'{$g / $h:.3f}')")
  printf '%-28s %14s %14s %8s\n' "$method $gen" "$g" "$h" "$ratio"
done
