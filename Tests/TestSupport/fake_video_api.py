#!/usr/bin/env python3
"""A scriptable stand-in for the video API (and for the CDN its links point at):
HTTPS on loopback, with a certificate from the test's own CA. Standard library only.

    fake_video_api.py --cert server.crt --key server.key --dir DIR [--port 0]

Prints "listening <port>" on stdout once it accepts connections.

The script is DIR/script.json, read again whenever its "version" changes:

    {"version": 3,
     "require_key": "sk-test",            # optional: on /v1/ paths, other keys get the API's 401
     "routes": {
       "POST /v1/videos/generations": [RESPONSE, ...],
       "GET /v1/tasks/task-unified-1-abc": [RESPONSE, ...]
     }}

A route's responses are given in order, one per request; the last one repeats. The
counters start over when the version changes. A RESPONSE is

    {"status": 200, "headers": {"Retry-After": "1"},
     "json": {...}            # sent as application/json
     | "text": "..."          # sent as text/plain
     | "file": "/path", "content_type": "video/mp4"}

A request to a route the script does not name gets the API's 404 error body.

Every request is appended, as one JSON line, to DIR/requests.jsonl:
{"method", "path", "headers": {lower-cased name: value}, "body"} so a test can assert
what was sent, and that nothing was.
"""

import argparse
import json
import os
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"version": None, "script": {}, "served": {}}


def load_script(directory):
    path = os.path.join(directory, "script.json")
    try:
        with open(path, "rb") as handle:
            script = json.loads(handle.read() or b"{}")
    except FileNotFoundError:
        script = {}
    if script.get("version") != STATE["version"]:
        STATE["version"] = script.get("version")
        STATE["served"] = {}
    STATE["script"] = script
    return script


def api_error(status, error_type, message):
    return {"status": status,
            "json": {"error": {"code": status, "message": message, "type": error_type}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-video-api/1"

    def log_message(self, *args):  # quiet: the test reads requests.jsonl instead
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path = self.path.split("?", 1)[0]
        record = {
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        directory = self.server.directory
        with LOCK:
            with open(os.path.join(directory, "requests.jsonl"), "a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
            script = load_script(directory)
            route = self.command + " " + path
            responses = script.get("routes", {}).get(route)
            required = script.get("require_key")
            # The key guards the API's own paths; a CDN link needs none.
            guarded = path.startswith("/v1/")
            if guarded and required is not None and self.headers.get("Authorization") != "Bearer " + required:
                response = api_error(401, "authentication_error", "Invalid or expired token")
            elif not responses:
                response = api_error(404, "not_found_error", "no route " + route + " in the fake's script")
            else:
                index = STATE["served"].get(route, 0)
                STATE["served"][route] = index + 1
                response = responses[min(index, len(responses) - 1)]
        self.answer(response)

    def answer(self, response):
        status = int(response.get("status", 200))
        headers = dict(response.get("headers", {}))
        if "json" in response:
            payload = json.dumps(response["json"]).encode()
            headers.setdefault("Content-Type", "application/json")
        elif "file" in response:
            with open(response["file"], "rb") as handle:
                payload = handle.read()
            headers.setdefault("Content-Type", response.get("content_type", "application/octet-stream"))
        else:
            payload = response.get("text", "").encode()
            headers.setdefault("Content-Type", "text/plain")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    # A child started from one of the test runner's dispatch threads inherits their
    # blocked signals: without this, the test's SIGTERM would never arrive.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, range(1, signal.NSIG))

    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    server.directory = arguments.dir
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(arguments.cert, arguments.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
