#!/usr/bin/env bash
# Installs the Debian packages videohookd needs to build, run and test, when missing.
# Usage: scripts/install-deps.sh [run|test]   (test adds the tools the test suite drives)
set -euo pipefail
# libpq-dev: the PostgreSQL client library the ledger's PostgreSQL backend links (the
# CLibPQ target, found through pkg-config), needed to build whichever ledger is used.
packages=(libssl-dev libsqlite3-dev libpq-dev pkg-config openssl ca-certificates)
if [ "${1:-run}" = test ]; then
  # curl and python3 are the outside clients; logrotate and systemd-analyze check config/;
  # sqlite3 runs the README's ledger backup.
  packages+=(curl python3 logrotate systemd sqlite3)
  # The notification tests: a venv for the standardwebhooks package, and nginx serving
  # the videos over TLS.
  packages+=(python3-venv nginx-light)
  # The PostgreSQL tests: a throwaway cluster made with initdb and pg_ctl (no system
  # service is used); pgbench in postgresql-contrib for bench/. As root, the cluster runs
  # as the postgres user this package creates, through setpriv (util-linux).
  packages+=(postgresql postgresql-contrib util-linux)
  # Two instances behind a TCP load balancer: Debian's HAProxy, run by the test in the
  # foreground with config/haproxy.cfg's shape (no system service is used).
  packages+=(haproxy)
  # The archive page's tests: headless Chromium driven by Selenium through Debian's
  # chromedriver, and ffmpeg, which makes the test's MP4 (and the daemon's poster frames).
  packages+=(chromium chromium-driver ffmpeg)
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
