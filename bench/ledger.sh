#!/usr/bin/env bash
# The shared ledger's benchmark (issue 21): durable callbacks on PostgreSQL beside SQLite
# and beside pgbench. Usage: bench/ledger.sh [seconds per run, default 6] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product videohookd >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 bench/ledger.py --binary "$(swift build -c release --show-bin-path)/videohookd" \
  --seconds "${1:-6}" --rounds "${2:-2}"
