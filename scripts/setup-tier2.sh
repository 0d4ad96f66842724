#!/usr/bin/env bash
# Installs what the tier-2 tests need, cached outside the repository so later runs skip it:
# a Python virtualenv with the foreign clients listed in scripts/requirements-tier2.txt
# (grpcio, kafka-python, schemathesis, ...), and whatever scripts/setup-tier2.d/*.sh add
# (the Kafka broker, for instance). Safe to run concurrently (a lock) and repeatedly (stamps).
#
#   bash scripts/setup-tier2.sh                # everything (the first run builds the broker: long)
#   bash scripts/setup-tier2.sh --python-only  # only the virtualenv (about a minute): what the
#                                              # README's gRPC and Kafka one-liners need
#
# Prints the venv's python path on its last line. ROSETTA_CACHE overrides the cache folder.
set -euo pipefail
python_only=false
case "${1:-}" in
  --python-only) python_only=true ;;
  "") ;;
  *) echo "usage: bash scripts/setup-tier2.sh [--python-only]" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
cache="${ROSETTA_CACHE:-$HOME/.cache/rosetta}"
mkdir -p "$cache"
exec 9>"$cache/.setup.lock"
flock 9

venv="$cache/venv"
req="$here/requirements-tier2.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  echo "setup-tier2: installing Python packages into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  echo "$want" >"$stamp"
fi

for extra in "$here"/setup-tier2.d/*.sh; do
  [[ "$python_only" == true ]] && break
  [[ -e "$extra" ]] || continue
  ROSETTA_CACHE="$cache" bash "$extra" >&2
done

echo "$venv/bin/python"
