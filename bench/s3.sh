#!/usr/bin/env bash
# The object-store benchmark (issue 20): builds a release binary and runs bench/s3.py.
# Usage: bench/s3.sh [size in MiB, default 1024] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
need=()
command -v nginx >/dev/null || need+=(nginx-light)
command -v rclone >/dev/null || need+=(rclone)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
venv=.build/bench-venv
if [ ! -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c "import boto3, moto.server" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check boto3 'moto[server]'
fi
swift build -c release --product videohookd >/dev/null
exec python3 bench/s3.py --binary "$(swift build -c release --show-bin-path)/videohookd" --python "$PWD/$venv/bin/python3" \
  --size-mib "${1:-1024}" --rounds "${2:-2}"
