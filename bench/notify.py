#!/usr/bin/env python3
"""Notification delivery benchmark (issue 19): 1,000 archived videos' `video.archived`
events to a webhook receiver on loopback.

Phase 1, latency: 1,000 completed callbacks, each video (256 KiB) served over TLS on
loopback and archived; for each event, the time from its commit (`created_at` in the
ledger's outbox) to the receiver's receipt; p50 and p99.
Phase 2, throughput: the same 1,000 deliveries queued again (the daemon stopped, its
deliveries set back to pending), then the daemon started: the time from its start to
the 1,000th receipt, at notify.concurrency 4.

Usage: bench/notify.py --binary PATH [--count N]      (bench/notify.sh builds and runs it)
"""
import argparse
import http.client
import http.server
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.lock = threading.Lock()
        self.received = {}
        super().__init__(("127.0.0.1", 0), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        now = time.time()
        with self.server.lock:
            self.server.received.setdefault(self.headers.get("webhook-id"), now)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Files(http.server.ThreadingHTTPServer):
    daemon_threads = True


class FileHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = os.urandom(256 << 10)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("ETag", '"bench"')
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="vh-bench-notify-")
    crt, key = os.path.join(work, "crt.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)

    files = Files(("127.0.0.1", 0), FileHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, key)
    files.socket = context.wrap_socket(files.socket, server_side=True)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    port, admin = free_port(), free_port()
    state = os.path.join(work, "state")
    config = os.path.join(work, "videohookd.yaml")
    with open(config, "w") as out:
        out.write(f"""listen: 127.0.0.1:{port}
admin_listen: 127.0.0.1:{admin}
state_dir: {state}
log_level: warning
log_file: {state}/videohookd.log
tls:
  cert_file: {crt}
  key_file: {key}
download:
  ca_file: {crt}
  allow_internal: true
  concurrency: 4
disk_reserve_bytes: 0
notify:
  webhooks:
    - url: http://127.0.0.1:{receiver.server_address[1]}/hooks
      secret: whsec_{'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'}
      events: [video.archived]
  concurrency: 4
""")

    def start():
        process = subprocess.Popen([args.binary, "serve", "--config", config], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
        process.stdout.readline()
        return process

    def stop(process):
        process.terminate()
        process.wait(timeout=60)

    daemon = start()
    token = open(os.path.join(state, "callback-token")).read().strip()
    client_context = ssl.create_default_context(cafile=crt)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=client_context)
    created = int(time.time())
    base = f"https://127.0.0.1:{files.server_address[1]}/v.mp4"
    for number in range(args.count):
        task = f"task-unified-{created}-{number:08d}"
        body = json.dumps({"id": task, "object": "video.generation.task", "model": "seedance-1.5-pro",
                           "created": created, "status": "completed", "progress": 100, "type": "video",
                           "results": [f"{base}?n={number}"]})
        connection.request("POST", f"/callbacks/{token}", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        assert answer.status == 200, answer.status

    deadline = time.time() + 600
    while len(receiver.received) < args.count and time.time() < deadline:
        time.sleep(0.05)
    stop(daemon)
    ledger = sqlite3.connect(os.path.join(state, "ledger.sqlite"))
    committed = dict(ledger.execute("SELECT id, created_at FROM notification_events WHERE type = 'video.archived'"))
    latencies = [(receiver.received[i] - committed[i]) * 1000 for i in committed if i in receiver.received]

    # Phase 2: the same deliveries, queued again, all due at once.
    ledger.execute("UPDATE notification_deliveries SET state = 'pending', attempts = 0, next_attempt_at = 0")
    ledger.commit()
    ledger.close()
    with receiver.lock:
        receiver.received.clear()
    began = time.time()
    daemon = start()
    while len(receiver.received) < args.count and time.time() < deadline:
        time.sleep(0.01)
    finished = max(receiver.received.values()) if receiver.received else float("nan")
    stop(daemon)
    span = finished - began

    print(f"| measure ({args.count} video.archived events, notify.concurrency 4, loopback) | result | target |")
    print("| --- | --- | --- |")
    print(f"| delivered in phase 1 | {len(latencies)} of {args.count} | all |")
    print(f"| commit to delivered, p50 | {percentile(latencies, 0.5):.1f} ms | |")
    print(f"| commit to delivered, p99 | {percentile(latencies, 0.99):.1f} ms | < 50 ms |")
    print(f"| {args.count} queued deliveries, start to last | {span:.2f} s ({args.count / span:.0f}/s) | < 5 s |")


if __name__ == "__main__":
    sys.exit(main())
