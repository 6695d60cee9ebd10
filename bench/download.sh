#!/usr/bin/env bash
# Download throughput and peak RSS: videohookd's downloader against curl, fetching the
# same 1 GB file from nginx over TLS on loopback.
# Usage: bench/download.sh [size in MiB, default 1024] [runs per client, default 3]
# Installs nginx-light and the build dependencies when missing, builds a release binary,
# then prints one table of figures measured in this one run.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build -c release --product videohookd >/dev/null
exec python3 bench/download.py --binary "$(swift build -c release --show-bin-path)/videohookd" \
  --mib "${1:-1024}" --runs "${2:-3}"
