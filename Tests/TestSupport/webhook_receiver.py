#!/usr/bin/env python3
"""A webhook receiver for the end-to-end tests: plain HTTP on 127.0.0.1, every delivery
verified with the `standardwebhooks` package from PyPI (not with our own code), each
secret on its own, so that a test can see that both signatures of a rotated pair verify.

    webhook_receiver.py [--secret whsec_... ...] [--script 500,500,200] [--port N]
                        [--require-verified]

Prints "port N" first (--port 0, the default: the kernel picks; a fixed port lets a test
bring a stopped receiver back where the daemon sends), then serves until its stdin
closes, so it never outlives the test process that started it.

Any request outside /_control/ is a delivery: it is recorded and answered with the next
status of the script, and 200 once the script is used up. With --require-verified, a
request that no secret verifies is answered 401 instead (the script is not consumed), as
a real receiver would answer a forged or wrongly signed one.

    GET  /_control/log      every delivery so far, oldest first, as a JSON array of
                            {"number", "received" (unix time), "method", "path",
                             "headers" (lower-cased names), "body" (text),
                             "body_base64", "verified": [{"secret": index, "ok": bool,
                             "error": text or null}], "answered": status}
    POST /_control/script   body "500,500,200" (or empty): the script from the next
                            delivery on
"""
import argparse
import base64
import http.server
import json
import signal
import sys
import threading
import time

try:
    from standardwebhooks.webhooks import Webhook
except ImportError as error:  # the tests' venv is missing or lacks the package
    sys.stderr.write("webhook_receiver.py: cannot import standardwebhooks with %s (%s); "
                     "scripts/test.sh makes the venv and installs it\n" % (sys.executable, error))
    sys.exit(3)

LOCK = threading.Lock()


def parse_script(text):
    return [int(part) for part in text.replace(" ", "").split(",") if part]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "webhook-receiver/1"

    def log_message(self, format, *args):  # quiet: the tests read /_control/log
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))

    def answer(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        received = time.time()
        body = self.read_body()
        path = self.path.split("?")[0]
        server = self.server
        if path == "/_control/log" and self.command == "GET":
            with LOCK:
                text = json.dumps(server.deliveries)
            return self.answer(200, text.encode(), "application/json")
        if path == "/_control/script" and self.command == "POST":
            try:
                script = parse_script(body.decode())
            except ValueError:
                return self.answer(400, b"a script is statuses separated by commas, such as 500,500,200\n")
            with LOCK:
                server.script = script
            return self.answer(204)
        # A delivery. The headers as the package's verify() takes them: a dict; a header
        # sent twice would be folded here, so it is noted too.
        headers = {}
        repeated = []
        for name, value in self.headers.items():
            name = name.lower()
            if name in headers:
                repeated.append(name)
            headers[name] = value
        verified = []
        for index, secret in enumerate(server.secrets):
            try:
                Webhook(secret).verify(body, headers)
                verified.append({"secret": index, "ok": True, "error": None})
            except Exception as error:  # WebhookVerificationError, or a body that is not JSON
                verified.append({"secret": index, "ok": False, "error": "%s: %s" % (type(error).__name__, error)})
        with LOCK:
            if server.require_verified and not any(v["ok"] for v in verified):
                status = 401
            elif server.script:
                status = server.script.pop(0)
            else:
                status = 200
            server.deliveries.append({
                "number": len(server.deliveries) + 1, "received": received, "method": self.command,
                "path": self.path, "headers": headers, "repeated_headers": repeated,
                "body": body.decode("utf-8", "replace"), "body_base64": base64.b64encode(body).decode(),
                "verified": verified, "answered": status,
            })
        self.answer(status, b"" if status == 204 else b"status %d\n" % status)

    do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def main():
    # Foundation's Process passes on the test runner's blocked signals: SIGTERM from
    # stop() must end this process at once.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--script", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--require-verified", action="store_true")
    args = parser.parse_args()
    for secret in args.secret:
        Webhook(secret)  # a malformed secret fails here, before the port is printed
    server = Server(("127.0.0.1", args.port), Handler)
    server.secrets = args.secret
    server.script = parse_script(args.script)
    server.require_verified = args.require_verified
    server.deliveries = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("port %d" % server.server_address[1], flush=True)
    # Serve until the test process closes our stdin (or dies).
    sys.stdin.read()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
