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

echo "setup-tier2: building tansu $version with storage into $root (several minutes, once)" >&2
mkdir -p "$root"
# A private target folder: the build must neither lock nor fill the workspace's target folder.
build="$cache/tansu-build"
CARGO_TARGET_DIR="$build" cargo install tansu --version "$version" --locked \
  --features dynostore,libsql --root "$root" --quiet >&2
rm -rf "$build"
"$bin" --version >&2
