#!/usr/bin/env bash
# The XML-RPC benchmark (not a test). From one run it prints:
#   1. requests/s of the generated server (release build, seed + shop IDLs, XML-RPC glue only)
#      against Python's SimpleXMLRPCServer with the same methods and data, on the same calls
#      (`add(2, 3)`, `catalog.getProduct("p1")` -> a struct, `catalog.search("e", 10)` -> a list
#      of structs), driven by the same one-thread Rust load generator (bench/xmlrpc/src/bin/load.rs).
#      Python's server answers HTTP/1.0 and closes every connection while Rosetta's keeps them
#      alive, so a last row asks both for a new connection per call (`connection: close`);
#   2. `add(2, 3)` against dxr (the Rust XML-RPC crate, bench/xmlrpc/src/bin/dxr_server.rs) in
#      rounds in 50 ms turns: median requests/s and server CPU per request of each, and the ratios;
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
# The whole bench workspace, as scripts/bench.sh builds it: one feature set, one build.
cargo build --release -q --workspace --manifest-path bench/Cargo.toml
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

# The server under test on core 0 (the load generator pins itself to core 1, bench/support).
pin_server=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
  pin_server=(taskset -c 0)
fi

start "${pin_server[@]}" "$bin/server"
rust_port=$port
start "${pin_server[@]}" python3 bench/xmlrpc/py_server.py
python_port=$port

echo
echo "XML-RPC requests/s, ${seconds}s per cell, ${connections} connections, one load thread"
printf '%-34s %14s %14s %8s\n' "call" "rosetta (Rust)" "Python stdlib" "ratio"
for row in add getProduct search add:close; do
  call=${row%%:*}
  mode=${row#"$call"}; mode=${mode#:}
  read -r rust_rps rust_ok rust_err < <("$bin/load" "127.0.0.1:$rust_port" "$call" "$seconds" "$connections" $mode)
  read -r py_rps py_ok py_err < <("$bin/load" "127.0.0.1:$python_port" "$call" "$seconds" "$connections" $mode)
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

# Rosetta against dxr, the Rust XML-RPC crate, on `add(2, 3)`: rounds in 50 ms turns, medians of
# requests/s and server CPU per request, and their ratios (bench/xmlrpc/src/bin/bench.rs, which
# starts its own two servers).
echo
"$bin/xmlrpc-bench" --seconds "$seconds" --rounds 5 --connections "$connections"

echo
echo "codec decode vs bare quick-xml pull (runtime/benches/xmlrpc_codec.rs):"
cargo bench -q -p rosetta-runtime --features xmlrpc --bench xmlrpc_codec 2>/dev/null \
  | sed -n '/decode vs bare/,$p' | tail -n +2
