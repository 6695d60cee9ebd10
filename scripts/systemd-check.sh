#!/usr/bin/env bash
# shellcheck disable=SC2016 # single-quoted commands expand inside the container (inside)
# Runs videohookd under a real systemd, with the unit files of config/ as they ship, and
# checks what the README's "Running in production" promises: the service starts on
# socket activation with all its hardening, answers a callback, reloads on
# `systemctl reload` and after logrotate, a callback sent while the daemon restarts, or
# just after it is killed with SIGKILL, waits in the socket and gets its 200, and a
# completed task's video is downloaded into the archive within the sandbox.
#
# systemd boots as PID 1 in a Debian 12 container. Needs a Docker engine.
# Usage: scripts/systemd-check.sh
# Environment:
#   SYSTEMD_CHECK_DOCKER_FLAGS  how to let systemd run in the container (default --privileged)
#   SYSTEMD_CHECK_NO_CREDENTIAL=1  drop the unit's two API-key lines (LoadCredential=)
set -euo pipefail
cd "$(dirname "$0")/.."
flags="${SYSTEMD_CHECK_DOCKER_FLAGS:---privileged}"
name="videohookd-systemd-check-$$"
context=$(mktemp -d)

fail() { echo "systemd check failed: $*" >&2; docker exec "$name" journalctl --no-pager -n 30 >&2 || true; exit 1; }
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$context"; }
trap cleanup EXIT
# Runs a command in the container's shell: its $(...) and $VARS expand there, not here.
inside() { docker exec "$name" bash -c "$1"; }

# The binary as the Dockerfile builds it (static Swift runtime), and the units as shipped.
docker build -q -t videohookd:check . >/dev/null
docker create --name "$name-extract" videohookd:check >/dev/null
docker cp "$name-extract:/usr/local/bin/videohookd" "$context/videohookd.bin"
docker rm "$name-extract" >/dev/null
cp config/videohookd.service config/videohookd.socket config/videohookd-admin.socket \
   config/videohookd.yaml Tests/LedgerTests/Fixtures/processing.json "$context/"
cp config/logrotate/videohookd "$context/logrotate-videohookd"
# An HTTPS file server in the container for the download check, with a certificate the
# daemon is told to trust (download.ca_file).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$context/media.key" -out "$context/media.crt" 2>/dev/null
cat > "$context/media-server.py" <<'EOF'
import functools, http.server, ssl
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/srv/media")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 9443), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("/root/media.crt", "/root/media.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
EOF
if [ "${SYSTEMD_CHECK_NO_CREDENTIAL:-}" = 1 ]; then
  sed -i -e '/^LoadCredential=/d' -e '/^Environment=VIDEOHOOKD_API_KEY_FILE=/d' "$context/videohookd.service"
fi
cat > "$context/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
RUN apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends \
      systemd systemd-sysv dbus libssl3 libsqlite3-0 libstdc++6 ca-certificates curl tzdata logrotate python3 \
    && rm -rf /var/lib/apt/lists/*
COPY videohookd.bin /usr/local/bin/videohookd
COPY videohookd.service videohookd.socket videohookd-admin.socket /etc/systemd/system/
COPY videohookd.yaml /etc/videohookd/videohookd.yaml
COPY logrotate-videohookd /etc/logrotate.d/videohookd
COPY processing.json /root/processing.json
COPY mounts-shared.service /etc/systemd/system/
COPY media.crt media.key media-server.py /root/
RUN install -D -m 0644 /root/media.crt /etc/videohookd/media-ca.pem \
    && install -d /srv/media && head -c 8388608 /dev/urandom > /srv/media/video.mp4
# The API key the unit's LoadCredential= reads: root only, as the README installs it.
RUN install -m 0600 /dev/null /etc/videohookd/api_key \
    && echo 'check-key-not-a-real-one' > /etc/videohookd/api_key \
    && systemctl enable mounts-shared.service videohookd.socket videohookd-admin.socket videohookd.service
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
EOF
# Docker leaves the container's mounts private. systemd hands a unit its credentials by
# moving a mount into /run/credentials, which the unit sees only if mounts propagate, as
# they do on a machine that systemd booted.
cat > "$context/mounts-shared.service" <<'EOF'
[Unit]
Description=Mounts shared, as on a machine systemd booted (container only)
DefaultDependencies=no
Before=sysinit.target
[Service]
Type=oneshot
ExecStart=/bin/mount --make-rshared /
[Install]
WantedBy=sysinit.target
EOF
docker build -q -t videohookd:systemd-check "$context" >/dev/null

# shellcheck disable=SC2086 # the flags are words on purpose
docker run -d --name "$name" $flags --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
  --tmpfs /run --tmpfs /run/lock videohookd:systemd-check >/dev/null

for _ in $(seq 1 30); do
  [ "$(inside 'systemctl is-active videohookd.service' 2>/dev/null)" = active ] && break
  sleep 1
done
[ "$(inside 'systemctl is-active videohookd.service')" = active ] || fail "the service did not start"
[ "$(inside 'curl -s http://127.0.0.1:9090/readyz')" = '{"status":"ready"}' ] || fail "/readyz is not ready"
if [ "${SYSTEMD_CHECK_NO_CREDENTIAL:-}" != 1 ]; then
  # The daemon reads its API key from the copy systemd made; it would not have started
  # without it (api.key_file unreadable is a settings error).
  inside 'test -f /run/credentials/videohookd.service/api_key' || fail "no API key credential"
  [ "$(inside 'cat /proc/$(systemctl show -p MainPID --value videohookd.service)/environ | tr "\0" "\n" | grep ^VIDEOHOOKD_API_KEY_FILE=')" \
    = VIDEOHOOKD_API_KEY_FILE=/run/credentials/videohookd.service/api_key ] || fail "the daemon is not pointed at the credential"
fi

post='curl -sk -o /dev/null -w "%{http_code}" -X POST -H "Content-Type: application/json" --data-binary @/root/processing.json https://127.0.0.1:8443/callbacks/$(cat /var/lib/videohookd/callback-token)'
[ "$(inside "$post")" = 200 ] || fail "a callback was not answered 200"
inside 'videohookd tasks --state-dir /var/lib/videohookd' | grep -q processing || fail "videohookd tasks does not list the task"

inside 'systemctl reload videohookd.service'
sleep 1
inside 'grep -q event=serve.reloaded /var/log/videohookd/videohookd.log' || fail "no reload in the log"

inside 'logrotate -f /etc/logrotate.d/videohookd'
sleep 1
inside 'test -s /var/log/videohookd/videohookd.log.1' || fail "logrotate did not rotate the log"
inside 'grep -q event=serve.reloaded /var/log/videohookd/videohookd.log' || fail "no new log file after logrotate"

inside 'systemctl restart videohookd.service &'
[ "$(inside "$post")" = 200 ] || fail "a callback during a restart was not answered 200"

inside 'systemctl kill -s KILL videohookd.service'
[ "$(inside "$post")" = 200 ] || fail "a callback after SIGKILL was not answered 200 by the restarted daemon"
[ "$(inside 'systemctl show -p NRestarts --value videohookd.service')" -ge 1 ] || fail "no automatic restart"

# A download under the unit's sandbox (system call filter, read-only system, private
# state folder): a completed callback for a video on the container's own HTTPS server.
# Without an API key, so that the job needs no answer from the video API first.
inside 'mkdir -p /etc/systemd/system/videohookd.service.d && printf "%s\n" "[Service]" "LoadCredential=" \
  "UnsetEnvironment=VIDEOHOOKD_API_KEY_FILE" "Environment=VIDEOHOOKD_DOWNLOAD_CA_FILE=/etc/videohookd/media-ca.pem" \
  "Environment=VIDEOHOOKD_DOWNLOAD_ALLOW_INTERNAL=true" > /etc/systemd/system/videohookd.service.d/download-check.conf \
  && systemctl daemon-reload && systemctl restart videohookd.service'
docker exec -d "$name" python3 /root/media-server.py
task="task-unified-$(date +%s)-systemdcheck"
body="{\"created\":$(date +%s),\"id\":\"$task\",\"model\":\"seedance-1.5-pro\",\"object\":\"video.generation.task\",\"progress\":100,\"results\":[\"https://127.0.0.1:9443/video.mp4\"],\"status\":\"completed\"}"
[ "$(inside "curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '$body' \
  https://127.0.0.1:8443/callbacks/\$(cat /var/lib/videohookd/callback-token)")" = 200 ] || fail "the completed callback was not answered 200"
archived=""
for _ in $(seq 1 60); do
  archived=$(inside "find /var/lib/videohookd/archive -name '$task.mp4'")
  [ -n "$archived" ] && break
  sleep 0.5
done
[ -n "$archived" ] || fail "the video was not archived within 30 s: $(inside "videohookd show $task --state-dir /var/lib/videohookd | tail -5")"
[ "$(inside "sha256sum < $archived")" = "$(inside 'sha256sum < /srv/media/video.mp4')" ] || fail "the archived video differs from the served one"

inside 'systemctl stop videohookd.service videohookd.socket videohookd-admin.socket'
[ "$(inside 'systemctl show -p Result --value videohookd.service')" = success ] || fail "the stop did not end cleanly"
echo "systemd check passed"
