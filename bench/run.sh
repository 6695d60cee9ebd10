#!/usr/bin/env bash
# Benchmarks videohookd against nginx on the same certificate, on loopback.
# Usage: bench/run.sh [seconds per run, default 10] [alternating rounds, default 2] [bench.py options]
#   e.g. bench/run.sh 6 2 --suite server, or bench/run.sh 6 2 --shared (unpinned)
# Installs nginx-light, wrk and the build dependencies when missing, builds a release
# binary, then prints one table of ratios measured in this one run, with wrk on half the
# cores and each server on the other half (on 2 cores: wrk on core 0, servers on core 1).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product videohookd >/dev/null
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 bench/bench.py --binary "$(swift build -c release --show-bin-path)/videohookd" --seconds "${1:-10}" --rounds "${2:-2}" "${@:3}"
