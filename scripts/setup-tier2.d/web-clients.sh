#!/usr/bin/env bash
# Installs the web clients the tier-2 web tests drive (tests/tests/web_*.rs): the npm packages
# pinned in scripts/web/package-lock.json (@connectrpc/connect-node and connect-web,
# @bufbuild/protobuf, the buf CLI, esbuild for the browser page, playwright-core, @grpc/grpc-js
# with @grpc/proto-loader, eventsource (the WHATWG EventSource for Node that reads the SSE
# streams)) into
# ${ROSETTA_CACHE:-$HOME/.cache/rosetta}/node, and Debian's chromium (the real browser the
# playwright test drives) when /usr/bin/chromium is missing. Skips what is already there (a stamp
# holds the lock file's hash). Run by scripts/setup-tier2.sh (which holds the setup lock); safe
# to run by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${ROSETTA_CACHE:-$HOME/.cache/rosetta}"
node_dir="$cache/node"
lock="$here/web/package-lock.json"

if ! command -v npm >/dev/null; then
  echo "setup-tier2: npm is missing: install Node.js 20 or later (apt-get install nodejs npm)" >&2
  exit 1
fi
want="$(cat "$here/web/package.json" "$lock" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$node_dir/.lock.sha256" 2>/dev/null || true)" != "$want" ]] ||
  [[ ! -x "$node_dir/node_modules/.bin/buf" ]]; then
  echo "setup-tier2: installing the web clients (npm ci) into $node_dir" >&2
  mkdir -p "$node_dir"
  cp "$here/web/package.json" "$lock" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$node_dir/.lock.sha256"
fi

if [[ ! -x /usr/bin/chromium ]]; then
  echo "setup-tier2: installing Debian's chromium (apt-get)" >&2
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "setup-tier2: chromium is missing and installing it needs root: apt-get install chromium" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
fi
