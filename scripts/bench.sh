#!/usr/bin/env bash
# Every performance figure of the project in one command, one table (not a test: nothing here
# fails on a time). Builds in release, runs the compiler benchmark (scripts/bench-compiler.sh,
# growth printed), then every generated-vs-hand-written pair in --rounds rounds each, the server
# under test its own process pinned to core 0 and the load generator pinned to core 1
# (bench/support), and prints ONE table: per pair the median rate and the median server CPU per
# request (the server process's own accounting, /proc/<pid>/task/*/schedstat) of each side, both
# ratios (each the median of the rounds' own A/B ratios), and the machine's load average over the
# run. The request and stream pairs (REST, gRPC unary and streams, XML-RPC) measure both sides
# within each round, in turns of 50 ms (A B B A …, bench/support::drive_interleaved), so the
# machine's drift moves both alike; the Kafka pair alternates whole batches (A B, B A, …).
#
#   bash scripts/bench.sh [--quick] [--seconds S] [--rounds N] [--no-compiler]
#
# Defaults: rounds of 2 s per side, 12 rounds for the request and stream pairs, 5 rounds per side
# for the Kafka batches (about 6 minutes on the 2-core machine, plus the build). This
# machine's speed drifts by up to a fifth between consecutive 5 s rounds: turns of 50 ms within a
# round cancel that drift, and a median of twelve rounds' ratios holds still. --quick: 1 s rounds, smaller batches and compiler sizes (about 3 minutes).
# On a shared machine read the CPU-per-request ratio (and the instruction counts) first: wall-clock
# rates move with whatever else runs. Pairs:
#   REST GET /data etc.       generated routes on the one-port server vs plain axum (bench/rest)
#   gRPC unary, streams       one-port server vs hand-written tonic (bench/grpc)
#   XML-RPC add(2, 3)         one-port server vs dxr (bench/xmlrpc)
#   Kafka producer            typed producer vs bare rdkafka with the same headers (bench/kafka;
#                             in process on the embedded broker, so CPU is the whole process's)
#   XML-RPC decode            the codec vs a bare quick-xml event pull over the same documents,
#                             instructions per document under callgrind (runtime/benches/xmlrpc_codec.rs)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

seconds=2 rounds=12 batch_rounds=5 records=100000 compiler=1
compiler_args=(--runs 1 --base-types 500 --base-services 50)
decode_small=2000 decode_big=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick)
      seconds=1 records=20000 decode_small=500 decode_big=1
      compiler_args=(--runs 1 --base-types 100 --base-services 10)
      shift ;;
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --no-compiler) compiler=0; shift ;;
    *) echo "usage: $0 [--quick] [--seconds S] [--rounds N] [--no-compiler]" >&2; exit 2 ;;
  esac
done
if ((rounds < 5)); then echo "at least 5 rounds per side" >&2; exit 2; fi

export CARGO_INCREMENTAL=0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
bin="$CARGO_TARGET_DIR/release"
results=$(mktemp -t rosetta-bench-results.XXXXXX)
loads=$(mktemp -t rosetta-bench-load.XXXXXX)
sampler=
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null
  rm -f "$results" "$loads"
}
trap cleanup EXIT

echo "== building the benchmarks (release, $CARGO_TARGET_DIR)" >&2
cargo build --release --quiet --workspace --manifest-path bench/Cargo.toml
codec=$(cargo bench --no-run --quiet -p rosetta-runtime --features xmlrpc --bench xmlrpc_codec \
  --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "xmlrpc_codec" and m.get("executable"):
        print(m["executable"])')

if ((compiler)); then
  echo "== compiler benchmark (scripts/bench-compiler.sh ${compiler_args[*]})"
  bash scripts/bench-compiler.sh "${compiler_args[@]}"
fi

# The 1-minute load average every 5 s while the pairs run.
(while :; do cut -d' ' -f1 /proc/loadavg >>"$loads"; sleep 5; done) &
sampler=$!
started=$(date -u +%FT%TZ)

# Runs one pair's benchmark, its progress on stderr, its RESULT lines kept; a failing one is
# reported and the others still run.
failed=()
run() {
  local out
  echo >&2; echo "== $*" >&2
  # Through the inherited stderr, not by reopening /dev/stderr: that truncates (or, with -a,
  # writes past) a log file the output is redirected to.
  if out=$("$@" 2>&1 | tee >(cat >&2)); then
    grep '^RESULT' <<<"$out" >>"$results" || true
  else
    failed+=("$*")
  fi
}
run "$bin/rest-bench" --seconds "$seconds" --rounds "$rounds"
run "$bin/rosetta-bench-grpc" --seconds "$seconds" --rounds "$rounds"
run "$bin/streams" --seconds "$seconds" --rounds "$rounds"
run "$bin/xmlrpc-bench" --seconds "$seconds" --rounds "$rounds"
run "$bin/rosetta-bench-kafka" --count "$records" --rounds "$batch_rounds"

# Decode: instructions per document (callgrind: N runs minus none, over N), the codec and the
# bare pull, on the small call and on the 1 MB response.
if command -v valgrind >/dev/null && [[ -n "$codec" ]]; then
  echo; echo "== XML-RPC decode vs bare quick-xml pull (callgrind instructions per document)"
  instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$codec" --instructions "$1" "$2" 2>&1 \
      | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  }
  per_doc() {
    local none many
    none=$(instructions "$1" 0)
    many=$(instructions "$1" "$2")
    echo $(((many - none) / $2))
  }
  for doc in small:$decode_small 1mb:$decode_big; do
    name=${doc%%:*} n=${doc#*:}
    codec_i=$(per_doc "decode-$name" "$n")
    bare_i=$(per_doc "bare-$name" "$n")
    label="XML-RPC decode ($([[ $name == small ]] && echo 'small call' || echo '1 MB response'))"
    echo "$label: codec $codec_i, bare pull $bare_i instructions per document"
    printf 'RESULT\t%s\tinstructions\tcodec\t-\t%s\tquick-xml\t-\t%s\t-\t%s\n' "$label" "$codec_i" \
      "$bare_i" "$(python3 -c "print(f'{$codec_i / $bare_i:.3f}')")" >>"$results"
  done
else
  echo "(valgrind missing: no decode instruction counts)" >&2
fi

kill "$sampler" 2>/dev/null; sampler=
cut -d' ' -f1 /proc/loadavg >>"$loads"

echo
echo "== one table: $started to $(date -u +%FT%TZ), $(nproc) cores, server on core 0 and load on core 1 (taskset),"
echo "   requests and streams: $rounds rounds of ${seconds} s per side in 50 ms turns (streams of 2,000 messages); Kafka: $batch_rounds alternating rounds of $records records; medians"
python3 - "$results" "$loads" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t")[1:] for l in open(sys.argv[1]) if l.startswith("RESULT")]
loads = [float(x) for x in open(sys.argv[2]).read().split()]
head = ("pair", "A", "A /s", "A cost", "B", "B /s", "B cost", "A/B rate", "A/B cost")
table = [head] + [(p, a, ar, ac, b, br, bc, rr, cr) for p, unit, a, ar, ac, b, br, bc, rr, cr in rows]
print("| " + " | ".join(head) + " |")
print("|" + "|".join(" --- " for _ in head) + "|")
for r in table[1:]:
    print("| " + " | ".join(r) + " |")
print()
print("cost: server CPU µs per request/message (Kafka: the whole process's CPU per record),")
print("or instructions per document for decode. Rates: requests, calls, messages or records per second.")
print("A/B: the median of the rounds' own ratios (A's round i over B's round i, run back to back).")
if loads:
    print(f"load average (1 min) during the pairs: min {min(loads):.2f}, median "
          f"{statistics.median(loads):.2f}, max {max(loads):.2f} ({len(loads)} samples)")
EOF
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
