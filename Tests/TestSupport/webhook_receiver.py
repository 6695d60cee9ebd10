#!/usr/bin/env python3
"""A webhook receiver for the end-to-end tests: HTTP on 127.0.0.1, every delivery
verified with the `standardwebhooks` package (PyPI), each secret on its own so that a
test can see that both signatures of a rotated pair verify.

Usage: webhook_receiver.py --dir DIR --secret whsec_... [--secret ...] [--script 500,500,200]
Prints "listening <port>" first. Appends one JSON line per request to DIR/requests.jsonl:
{"received": unix time, "headers": {...}, "body": text, "verified": {secret index: true|error text}}.
Answers each request with the next status of the script (the last repeating; 204 when
none), or of DIR/script.txt when that file exists (read at each request).
"""
import argparse
import http.server
import json
import os
import threading
import time

from standardwebhooks.webhooks import Webhook

LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = {}
        for index, secret in enumerate(self.server.secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified[str(index)] = True
            except Exception as error:  # the package's WebhookVerificationError and kin
                verified[str(index)] = f"{type(error).__name__}: {error}"
        with LOCK:
            script = self.server.script
            path = os.path.join(self.server.folder, "script.txt")
            if os.path.exists(path):
                with open(path) as handle:
                    script = [int(s) for s in handle.read().split(",") if s.strip()]
            number = self.server.count
            self.server.count += 1
            status = script[min(number, len(script) - 1)] if script else 204
            with open(os.path.join(self.server.folder, "requests.jsonl"), "a") as log:
                log.write(json.dumps({"received": time.time(), "path": self.path, "headers": headers,
                                      "body": body.decode("utf-8", "replace"), "verified": verified,
                                      "answered": status}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--script", default="")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.folder = args.dir
    server.secrets = args.secret
    server.script = [int(s) for s in args.script.split(",") if s.strip()]
    server.count = 0
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
