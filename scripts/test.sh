#!/usr/bin/env bash
# Runs the whole test suite: unit, loopback integration (real TLS, real SQLite, a
# throwaway PostgreSQL) and end-to-end tests against the real binary, then the ledger's
# tests again on PostgreSQL. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh test
# PyPI packages the tests use, in a virtual environment under the build folder:
# standardwebhooks checks every webhook signature the daemon makes; boto3 (botocore's
# signer) checks the object store's signatures, and moto[server] is the S3 it talks to;
# schemathesis runs the archive API against its OpenAPI document (docs/openapi.json);
# selenium drives headless Chromium (Debian's chromium-driver) through the archive page.
# A venv missing any of them (made before one was added) is completed.
venv=.build/test-venv
if [ ! -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c "import standardwebhooks, boto3, moto.server, schemathesis, selenium" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check standardwebhooks boto3 'moto[server]' schemathesis selenium
fi
# Not VIDEOHOOKD_*: the daemon refuses an environment variable of its own prefix that names
# no setting, and several tests run it with the test runner's environment.
export TEST_VENV_PYTHON="$PWD/$venv/bin/python3"
# The end-to-end tests open thousands of connections and run the daemon as a child.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# Package.swift's dependencies must equal the imports, and imports go down the layers.
python3 scripts/check-module-graph.py
swift build --build-tests
swift test --skip-build
# The ledger's suite once more on PostgreSQL (each test's ledger a database of its own in a
# throwaway cluster, with PostgreSQL's own tests of two instances on one database), so that
# every run covers both backends.
LEDGER_TEST_BACKEND=postgres swift test --skip-build --filter '^LedgerTests\.'
