#!/usr/bin/env bash
# Builds videohookd and runs it in the foreground on embedded defaults (no settings file):
# state in ./videohookd-state, callbacks on https://0.0.0.0:8443, admin on 127.0.0.1:9090.
# Extra arguments go to `videohookd serve` (for example --config config/videohookd.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
swift build --product videohookd
exec .build/debug/videohookd serve "$@"
