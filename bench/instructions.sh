#!/usr/bin/env bash
# Instructions per callback, counted by callgrind: repeatable whatever else the machine
# is doing, unlike the timed runs of bench/run.sh. Each server runs under
# `valgrind --tool=callgrind` and answers 300 callbacks sent one at a time over new TLS
# connections that resume their session (bench/callbacks_client.py); the count starts
# after 30 warm-up callbacks. Prints instructions per callback for videohookd (total,
# the TLS handshake, the ledger writer's share) and for nginx `return 200`.
# Usage: bench/instructions.sh   (installs valgrind and nginx-light when missing)
#   BENCH_BINARY=path counts that binary instead of building one (to compare two
#   builds); OUT_SUFFIX=-x keeps its files apart (bench/out/instructions-x).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v valgrind >/dev/null || need+=(valgrind)
command -v nginx >/dev/null || need+=(nginx-light)
dpkg -s libssl-dev >/dev/null 2>&1 || need+=(libssl-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
BIN=${BENCH_BINARY:-}; if [ -z "$BIN" ]; then swift build -c release --product videohookd >/dev/null; BIN="$(swift build -c release --show-bin-path)/videohookd"; fi
out="$PWD/bench/out/instructions${OUT_SUFFIX:-}"
rm -rf "$out" && mkdir -p "$out"
# Valgrind 3.19 cannot read the DWARF 5 that Swift writes: count on a copy without it
# (the symbol table stays, so functions keep their names).
objcopy --strip-debug "$BIN" "$out/videohookd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$out/key.pem" \
  -out "$out/cert.pem" -days 2 -subj /CN=localhost 2>/dev/null
cat > "$out/videohookd.yaml" <<YAML
listen: 127.0.0.1:18453
admin_listen: 127.0.0.1:19093
state_dir: $out/state
log_file: $out/state/videohookd.log
tls:
  cert_file: $out/cert.pem
  key_file: $out/key.pem
disk_reserve_bytes: 1125899906842624
YAML
cat > "$out/nginx.conf" <<NGINX
worker_processes 1;
master_process off;
daemon off;
pid $out/nginx.pid;
error_log $out/nginx-error.log;
events { worker_connections 64; }
http {
  access_log $out/nginx-access.log;
  server {
    listen 127.0.0.1:28453 ssl;
    # As in bench/bench.py; Debian's nginx 1.22 would otherwise stop at TLS 1.2.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $out/cert.pem;
    ssl_certificate_key $out/key.pem;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
NGINX

# count NAME PORT PATH COMMAND...: runs COMMAND under callgrind, counts 300 callbacks.
count() {
  local name=$1 port=$2 path=$3; shift 3
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.%p" "$@" >"$out/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 120); do
    curl -sk -o /dev/null "https://127.0.0.1:$port/" && break
    sleep 1
  done
  path=$(eval echo "$path")
  python3 bench/callbacks_client.py "$port" "$path" 30 >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  python3 bench/callbacks_client.py "$port" "$path" 300 >/dev/null
  callgrind_control -d "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  callgrind_annotate --inclusive=yes "$(ls "$out/$name".*.1)" 2>/dev/null > "$out/$name.txt"
}
per_callback() { # FILE PATTERN: that function's inclusive instructions per callback, in thousands
  grep -m1 -E "$2" "$1" | awk '{ gsub(",", "", $1); printf "%.0fK", $1 / 300 / 1000 }'
}
count videohookd 18453 '/callbacks/$(cat '"$out"'/state/callback-token)' \
  "$out/videohookd" serve --config "$out/videohookd.yaml"
count nginx 28453 / nginx -c "$out/nginx.conf" -p "$out"
v="$out/videohookd.txt"; n="$out/nginx.txt"
echo "instructions per callback (callgrind, 300 callbacks over resumed TLS sessions)"
echo "| server | total | TLS handshake | ledger writer | body classified | log line |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| videohookd | $(per_callback "$v" 'PROGRAM TOTALS') | $(per_callback "$v" 'SSL_do_handshake') |" \
     "$(per_callback "$v" 'WriteQueueC5drain') | $(per_callback "$v" 'CallbackBodyO8classify') |" \
     "$(per_callback "$v" 'LogfmtB7HandlerV3log5event') |"
echo "| nginx return 200 | $(per_callback "$n" 'PROGRAM TOTALS') | $(per_callback "$n" 'SSL_do_handshake') | | | |"
