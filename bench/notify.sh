#!/usr/bin/env bash
# The notification benchmark: builds a release binary and runs bench/notify.py.
# Usage: bench/notify.sh [count, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
swift build -c release --product videohookd >/dev/null
exec python3 bench/notify.py --binary "$(swift build -c release --show-bin-path)/videohookd" --count "${1:-1000}"
