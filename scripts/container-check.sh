#!/usr/bin/env bash
# Builds the image and checks it as the README's "In a container" runs it: it starts on
# its embedded defaults as uid 10001, turns healthy, answers a callback with 200 and
# keeps it in the ledger, reloads on SIGHUP, stops with exit code 0 on SIGTERM, and
# finds the task again after a restart on the same state volume.
# Needs a Docker engine. Usage: scripts/container-check.sh [image tag, default videohookd:check]
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-videohookd:check}"
name="videohookd-check-$$"
volume="$name-state"
port=18643

fail() { echo "container check failed: $*" >&2; docker logs "$name" 2>&1 | tail -20 >&2; exit 1; }
cleanup() { docker rm -f "$name" >/dev/null 2>&1 || true; docker volume rm "$volume" >/dev/null 2>&1 || true; }
trap cleanup EXIT

docker build -q -t "$image" . >/dev/null
docker run -d --name "$name" -p "127.0.0.1:$port:8443" -v "$volume:/var/lib/videohookd" "$image" >/dev/null

# The health check's first run is at 30 s (its interval); the start period is 20 s.
for _ in $(seq 1 60); do
  status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
  [ "$status" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$name")" = true ] || fail "the container exited"
  sleep 1
done
[ "$status" = healthy ] || fail "not healthy after 60 s ($status)"
[ "$(docker exec "$name" id -u)" = 10001 ] || fail "not running as uid 10001"

token=$(docker exec "$name" cat /var/lib/videohookd/callback-token)
body=Tests/LedgerTests/Fixtures/processing.json
code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary "@$body" "https://127.0.0.1:$port/callbacks/$token")
[ "$code" = 200 ] || fail "the callback was answered $code"
task=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$body")
docker exec "$name" videohookd show "$task" >/dev/null || fail "videohookd show $task found nothing"

docker kill --signal HUP "$name" >/dev/null
for _ in $(seq 1 20); do
  docker exec "$name" grep -q 'event=serve.reloaded' /var/lib/videohookd/videohookd.log && break
  sleep 0.5
done
docker exec "$name" grep -q 'event=serve.reloaded' /var/lib/videohookd/videohookd.log || fail "no reload after SIGHUP"

docker stop -t 30 "$name" >/dev/null
[ "$(docker inspect --format '{{.State.ExitCode}}' "$name")" = 0 ] || fail "docker stop: exit code not 0"

docker start "$name" >/dev/null
sleep 2
docker exec "$name" videohookd show "$task" >/dev/null || fail "the task is gone after a restart"
echo "container check passed: $image"
