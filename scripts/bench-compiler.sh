#!/usr/bin/env bash
# The compiler benchmark (not a test): rosetta check / generate against protoc on the same API.
#
#   bash scripts/bench-compiler.sh [--runs N] [--budget SECONDS]
#
# Installs Debian's protobuf-compiler when `protoc` is missing, builds `rosetta` in release,
# synthesizes an API of 2,000 types / 200 services and 10x that (bench/compiler/synth.py; the
# same API as IDL and as proto3), and prints best-of-N wall-clock times, rosetta/protoc ratios and
# the 1x -> 10x growth of each command (bench/compiler/run.py). Works in a temp dir, removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
  echo "installing protobuf-compiler (protoc)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q protobuf-compiler >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q protobuf-compiler >/dev/null; }
fi

cargo build --release -q -p rosetta-codegen --bin rosetta
target_dir=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

work=$(mktemp -d -t rosetta-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 bench/compiler/run.py --rosetta "$target_dir/release/rosetta" --work "$work" "$@"
