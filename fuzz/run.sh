#!/usr/bin/env bash
# Builds the HTTP request parser fuzzer (libFuzzer + AddressSanitizer) and runs it for
# SECONDS (default 60) on a work copy of the committed seed corpus. Exits non-zero when
# the fuzzer finds a crash or a broken invariant; the input that did it is written to
# .build-fuzz/ (crash-*), and can be replayed with
#   SWIFT_BACKTRACE=enable=no .build-fuzz/http-parser-fuzz .build-fuzz/crash-<hash>
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mkdir -p .build-fuzz fuzz/corpus-work
echo "building .build-fuzz/http-parser-fuzz"
swiftc -O -wmo -sanitize=fuzzer,address -parse-as-library \
    Sources/HTTP/*.swift fuzz/HTTPParserFuzz.swift \
    -o .build-fuzz/http-parser-fuzz

# The work corpus grows with what the fuzzer finds; it is not committed (.gitignore).
cp -n fuzz/corpus/* fuzz/corpus-work/

# Swift's backtracer can hang under ASan after a crash: leave reporting to libFuzzer.
echo "fuzzing for ${seconds}s"
SWIFT_BACKTRACE=enable=no .build-fuzz/http-parser-fuzz \
    -max_total_time="$seconds" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=.build-fuzz/ -print_final_stats=1 \
    fuzz/corpus-work
