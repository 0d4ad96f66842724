#!/usr/bin/env bash
# The REST benchmark (not a test). From one run it prints the requests/s of three generated
# routes against the same handlers written by hand in axum (bench/rest/src/bin/server.rs), served
# by one server on one worker thread and driven by the same one-thread Rust load generator
# (bench/rest/src/bin/load.rs), and the ratio generated / hand-written (target: >= 0.97):
#   GET  /data                  the seed's REST example: no input, a JSON document out;
#   POST /Greeter/SayHello      a JSON body decoded, validated and answered;
#   GET  /products/{id}         a path variable in, a product with nested fields out.
# The two sides run in short alternating rounds (generated, hand-written, generated, ...). Each
# round counts the answers and the server's CPU time (from /proc/PID/task/*/schedstat, in ns), so
# a row gives, per side, wall-clock requests/s and requests per CPU-second of the server, and the
# ratio of the latter: wall-clock rates swing by tens of percent on a machine shared with other
# work, while CPU time per request does not. Medians over the rounds; the ratio is the median of
# the paired ratios.
#
#   bash scripts/bench-rest.sh [--seconds N] [--rounds N] [--connections N]
#
# The server listens on 127.0.0.1 only and is stopped on exit. The machine has 2 cores: the load
# generator takes one, the server the other.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=1
rounds=11
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

# The server's CPU time so far, in ns (every thread).
cpu_ns() {
  local total=0 ns rest f
  for f in /proc/"$pid"/task/*/schedstat; do
    read -r ns rest <"$f" || continue
    total=$((total + ns))
  done
  echo "$total"
}

# One round: prints "<requests/s> <requests per server CPU-second>" (exits non-zero if any
# request failed).
measure() {
  local out c0 c1
  c0=$(cpu_ns)
  out=$("$bin/rest-bench-load" "$addr" "$1" "$2" "$seconds" "$connections" "${3:-}")
  c1=$(cpu_ns)
  read -r rps ok errors <<<"$out"
  if [[ "$errors" != 0 || "$ok" == 0 ]]; then
    echo "load on $1 $2: $ok ok, $errors errors" >&2
    exit 1
  fi
  echo "$rps $(python3 -c "print(round($ok / (($c1 - $c0) / 1e9)))")"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm up both sides once.
measure GET /data >/dev/null
measure GET /hand/data >/dev/null

echo
echo "REST: ${rounds} alternating rounds of ${seconds}s per side, ${connections} keep-alive connections, one load thread, one server thread (medians)"
printf '%-26s %12s %12s %14s %14s %7s\n' "route" "gen req/s" "hand req/s" "gen req/CPU-s" "hand req/CPU-s" "ratio"
body='{"name": "bench"}'
for row in "GET|/data|/hand/data|" "POST|/Greeter/SayHello|/hand/Greeter/SayHello|$body" "GET|/products/p1|/hand/products/p1|"; do
  IFS='|' read -r method gen hand json <<<"$row"
  g_rps=() h_rps=() g_cpu=() h_cpu=() ratios=()
  for ((i = 0; i < rounds; i++)); do
    read -r gr gc <<<"$(measure "$method" "$gen" "$json")"
    read -r hr hc <<<"$(measure "$method" "$hand" "$json")"
    g_rps+=("$gr") h_rps+=("$hr") g_cpu+=("$gc") h_cpu+=("$hc")
    ratios+=("$(python3 -c "print($gc / $hc)")")
  done
  m() { printf '%s\n' "$@" | median; }
  printf '%-26s %12s %12s %14s %14s %7.3f\n' "$method $gen" "$(m "${g_rps[@]}")" \
    "$(m "${h_rps[@]}")" "$(m "${g_cpu[@]}")" "$(m "${h_cpu[@]}")" "$(m "${ratios[@]}")"
done
