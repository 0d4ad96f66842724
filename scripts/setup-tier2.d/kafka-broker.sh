#!/usr/bin/env bash
# Builds the Kafka-compatible broker the tier-2 Kafka tests run against: tansu 0.6.0 from cargo's
# registry, with storage engines (the default build stores nothing), into a cache folder outside
# the repository. Skips when the binary is already there. Run by scripts/setup-tier2.sh (which holds
# the setup lock); safe to run by hand.
#
# The tests find the binary at ${ROSETTA_CACHE:-$HOME/.cache/rosetta}/tansu/bin/tansu and start and
# stop the broker themselves (a free 127.0.0.1 port, an empty working folder, memory storage).
set -euo pipefail
cache="${ROSETTA_CACHE:-$HOME/.cache/rosetta}"
root="$cache/tansu"
bin="$root/bin/tansu"
version="0.6.0"

if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "$version"; then
  exit 0
fi

echo "setup-tier2: building tansu $version with storage into $root (once; several hundred" \
  "crates, 53 min was measured on a busy 2-core machine)" >&2
mkdir -p "$root"
# A private target folder: the build must neither lock nor fill the workspace's target folder.
build="$cache/tansu-build"
start=$SECONDS
# Progress: one line per 50 crates compiled (cargo's own per-crate lines would be ~600 lines);
# anything that is not routine progress (errors, warnings about the build) is passed through.
CARGO_TARGET_DIR="$build" cargo install tansu --version "$version" --locked \
  --features dynostore,libsql --root "$root" --color never 2>&1 |
  while IFS= read -r line; do
    case "$line" in
      *Compiling*)
        n=$((${n:-0} + 1))
        if ((n % 50 == 0)); then
          echo "setup-tier2: tansu: $n crates compiled ($((SECONDS - start)) s)"
        fi
        ;;
      *Downloaded* | *Downloading* | *Locking* | *Adding* | *Updating* | *Installing* | *Installed* | *Replacing* | *Finished* | *Blocking*) ;;
      *) echo "$line" ;;
    esac
  done >&2
echo "setup-tier2: tansu built in $((SECONDS - start)) s" >&2
rm -rf "$build"
"$bin" --version >&2
