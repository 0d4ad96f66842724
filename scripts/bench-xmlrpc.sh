#!/usr/bin/env bash
# The XML-RPC benchmark (not a test). From one run it prints:
#   1. requests/s of the generated server (release build, seed + shop IDLs, XML-RPC glue only)
#      against Python's SimpleXMLRPCServer with the same methods and data, on the same calls
#      (`add(2, 3)`, `catalog.getProduct("p1")` -> a struct, `catalog.search("e", 10)` -> a list
#      of structs), driven by the same one-thread Rust load generator (bench/xmlrpc/src/bin/load.rs).
#      Python's server answers HTTP/1.0 and closes every connection while Rosetta's keeps them
#      alive, so a last row asks both for a new connection per call (`connection: close`);
#   2. `add(2, 3)` against dxr (the Rust XML-RPC crate, bench/xmlrpc/src/bin/dxr_server.rs) in
#      alternating rounds: median requests/s and server CPU per request of each, and the ratios;
#   3. the codec's decode MB/s against a bare quick-xml event pull over the same documents
#      (the criterion bench runtime/benches/xmlrpc_codec.rs).
#
#   bash scripts/bench-xmlrpc.sh [--seconds N] [--connections N]
#
# Servers listen on 127.0.0.1 only and are stopped on exit. The machine has 2 cores: the load
# generator takes one, the server under test the other.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5
connections=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--connections N]" >&2; exit 2 ;;
  esac
done

target_dir=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export CARGO_TARGET_DIR="$target_dir"
echo "building the benchmark server and load generator (release)..." >&2
cargo build --release -q --manifest-path bench/xmlrpc/Cargo.toml
bin="$target_dir/release"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# Starts a server that prints its port on its first line; sets $port.
start() {
  local fifo
  fifo=$(mktemp -u -t rosetta-bench.XXXXXX)
  mkfifo "$fifo"
  "$@" >"$fifo" &
  pids+=($!)
  read -r port <"$fifo"
  rm -f "$fifo"
}

# The server under test on core 0, the load generator on core 1 (when taskset is there).
pin_server=(); pin_load=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
  pin_server=(taskset -c 0); pin_load=(taskset -c 1)
fi

start "${pin_server[@]}" "$bin/server"
rust_port=$port; rust_pid=${pids[-1]}
start "${pin_server[@]}" python3 bench/xmlrpc/py_server.py
python_port=$port
start "${pin_server[@]}" "$bin/dxr_server"
dxr_port=$port; dxr_pid=${pids[-1]}

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo
echo "XML-RPC requests/s, ${seconds}s per cell, ${connections} connections, one load thread"
printf '%-34s %14s %14s %8s\n' "call" "rosetta (Rust)" "Python stdlib" "ratio"
for row in add getProduct search add:close; do
  call=${row%%:*}
  mode=${row#"$call"}; mode=${mode#:}
  read -r rust_rps rust_ok rust_err < <("${pin_load[@]}" "$bin/load" "127.0.0.1:$rust_port" "$call" "$seconds" "$connections" $mode)
  read -r py_rps py_ok py_err < <("${pin_load[@]}" "$bin/load" "127.0.0.1:$python_port" "$call" "$seconds" "$connections" $mode)
  case "$row" in
    add) label='add(2, 3)' ;;
    getProduct) label='catalog.getProduct("p1")' ;;
    search) label='catalog.search("e", 10)' ;;
    add:close) label='add(2, 3), new connection each' ;;
  esac
  ratio=$(python3 -c "print(f'{$rust_rps / max($py_rps, 1):.1f}x')")
  printf '%-34s %14s %14s %8s\n' "$label" "$rust_rps" "$py_rps" "$ratio"
  if [[ "$rust_err" != 0 || "$py_err" != 0 ]]; then
    echo "  (errors: rosetta $rust_err, python $py_err)"
  fi
done

# Rosetta against dxr, the Rust XML-RPC crate, on `add(2, 3)`: alternating rounds (R D R D ...),
# the median of each side's requests/s and server CPU per request (from the server process's own
# CPU accounting, the figure to judge on a shared machine), and their ratios.
rounds=5
echo
echo "add(2, 3): rosetta vs dxr 0.8 (axum), ${rounds} alternating rounds of ${seconds}s, ${connections} connections"
ticks_per_s=$(getconf CLK_TCK)
results=()
for ((r = 0; r < rounds; r++)); do
  for side in rosetta dxr; do
    if [[ $side == rosetta ]]; then p=$rust_port; pid=$rust_pid; else p=$dxr_port; pid=$dxr_pid; fi
    before=$(cpu_ticks "$pid")
    read -r rps ok err < <("${pin_load[@]}" "$bin/load" "127.0.0.1:$p" add "$seconds" "$connections")
    after=$(cpu_ticks "$pid")
    results+=("$side $rps $ok $err $((after - before))")
  done
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
tick = 1e6 / float(sys.argv[1])
rows = {}
for line in sys.stdin:
    side, rps, ok, err, ticks = line.split()
    rows.setdefault(side, []).append((float(rps), int(ticks) * tick / max(int(ok), 1), int(err)))
med = {s: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), sum(r[2] for r in v)) for s, v in rows.items()}
print("%-10s %12s %15s %7s" % ("server", "requests/s", "CPU us/request", "errors"))
for s in ("rosetta", "dxr"):
    rps, cpu, err = med[s]
    print(f"{s:<10} {rps:>12.0f} {cpu:>15.1f} {err:>7}")
(r_rps, r_cpu, _), (d_rps, d_cpu, _) = med["rosetta"], med["dxr"]
print(f"rosetta/dxr: {r_rps / d_rps:.2f}x the requests/s, {r_cpu / d_cpu:.2f}x the CPU per request")
' "$ticks_per_s"

echo
echo "codec decode vs bare quick-xml pull (runtime/benches/xmlrpc_codec.rs):"
cargo bench -q -p rosetta-runtime --features xmlrpc --bench xmlrpc_codec 2>/dev/null \
  | sed -n '/decode vs bare/,$p' | tail -n +2
