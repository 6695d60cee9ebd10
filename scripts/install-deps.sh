#!/usr/bin/env bash
# Installs the Debian packages videohookd needs to build, run and test, when missing.
# Usage: scripts/install-deps.sh [run|test]   (test adds the tools the test suite drives)
set -euo pipefail
packages=(libssl-dev libsqlite3-dev openssl ca-certificates)
if [ "${1:-run}" = test ]; then
  # curl and python3 are the outside clients; logrotate and systemd-analyze check config/;
  # sqlite3 runs the README's ledger backup.
  packages+=(curl python3 logrotate systemd sqlite3)
  # The notification tests: a venv for the standardwebhooks package, and nginx serving
  # the videos over TLS.
  packages+=(python3-venv nginx-light)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "the Swift toolchain (swift) is not on PATH: install Swift 6.1 or later first" >&2; exit 1; }
