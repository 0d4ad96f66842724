#!/usr/bin/env bash
# The README's test command: everything the tests need, then every test.
#
#   bash scripts/test.sh            # format, lint, then the whole workspace's tests
#   bash scripts/test.sh --quick    # only the tests
#
# Tier 1 needs only what the machine has (Rust, Python's standard library, Node's fetch).
# Tier 2 (foreign clients from PyPI, a real Kafka-compatible broker) is installed by
# scripts/setup-tier2.sh when the protocol tests that need it exist; it caches outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
[[ "${1:-}" == "--quick" ]] && quick=true

# Disk: with full debug info, the 60-odd test binaries (each links tonic, axum, rdkafka, …) made
# `target/` about 20 GB, and a CI machine with less free disk failed mid-build ("No space left on
# device"); with line tables only it was 9.6 GB, 80 MB a binary. A failing test still names its
# file and line (a panic's location is compiled in, not read from debug info) and a backtrace
# still names its functions; set CARGO_PROFILE_DEV_DEBUG to debug a run. Exported, so the cargo
# builds the tests start themselves (the generated user crates, trybuild) share the profile and
# so the dependency artifacts. Incremental compilation only pays when the same tree is built
# again, which a CI run on a clean clone never does.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"
if [[ -n "${CI:-}" ]]; then
  export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

step() { printf '\n==> %s\n' "$*"; }

if ! $quick; then
  step "cargo fmt --check"
  cargo fmt --all -- --check
  step "cargo clippy (all targets, warnings are errors)"
  cargo clippy --workspace --all-targets --all-features -- -D warnings
fi

if [[ -x scripts/setup-tier2.sh ]]; then
  step "tier 2: foreign clients and broker"
  scripts/setup-tier2.sh
fi

step "cargo test --workspace --all-features"
cargo test --workspace --all-features

step "IDL examples: check and fmt --check through the CLI"
cargo build -q -p rosetta-codegen --bin rosetta
rosetta="${CARGO_TARGET_DIR:-target}/debug/rosetta"
"$rosetta" check idl-examples/*.idl
"$rosetta" fmt --check idl-examples/*.idl
for f in idl-examples/invalid/*.idl; do
  if "$rosetta" check "$f" 2>/dev/null; then
    echo "expected $f to fail the check" >&2
    exit 1
  fi
done

# Not `--locked`: the bench workspace's lockfile (bench/Cargo.lock) lags whenever the main
# workspace gains a dependency, and that is not what this step is about (the path dependencies
# and their names are).
step "benchmark crates resolve against the workspace (the bench workspace's lockfile, not built here)"
for manifest in bench/*/Cargo.toml; do
  cargo metadata -q --format-version 1 --manifest-path "$manifest" >/dev/null
done

step "all tests passed"
