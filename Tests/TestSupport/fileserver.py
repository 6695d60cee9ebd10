#!/usr/bin/env python3
"""An HTTPS file server on loopback for the downloader's tests, able to misbehave.

    fileserver.py --root DIR --cert CRT --key KEY [--untrusted-cert CRT --untrusted-key KEY]

Prints "port N" once listening (port 0: the kernel picks), then serves until its stdin
closes, so it never outlives the test process that started it.

TLS: the certificate given (the tests' own CA) for every name, except a client whose SNI
is "untrusted.test", which gets the certificate signed by an authority nobody trusts.

Paths
  /files/NAME              the file ROOT/NAME: ETag, Last-Modified, Range, If-Range, 416
  /redirect/N/REST         302 to /redirect/N-1/REST ... /redirect/0/REST is 302 to /REST
                           (the query is kept), so N+1 redirects in all
  /_control/log?key=K      the requests seen for key K, as JSON lines
  /_control/health         200 "ok"

Query parameters of /files (the plan; every request carries it):
  key=K             the name of this test's request counter and log (default: the path)
  times=N           the faults below apply to the first N requests of K (default: every one)
  status=S          fault: answer status S with a short text body (retry_after=T adds Retry-After)
  reset=F           fault: after F (0..1) of the body, reset the connection (RST)
  stall=F           fault: after F of the body, send nothing for stall_seconds (default 5), then close
  length_delta=D    fault: declare Content-Length as the real length + D (D < 0: send the real body anyway)
  redirect=URL      fault: answer 302 with Location URL
  then=NAME         once the faults are used up, serve ROOT/NAME instead (the file changed)
  after_status=S    once the faults are used up, answer status S (a link that expired meanwhile)
  norange=1         ignore Range: always 200 with the whole file
  type=T            Content-Type (default video/mp4)
  encoding=E        a Content-Encoding header (the body is sent as it is)
  chunked=1         chunked transfer coding instead of Content-Length
  close=1           no Content-Length: the body ends when the connection does
  etag=0            no ETag header (Last-Modified only)
  chunk_bytes=B     send the body B bytes at a time (default 65536)
  delay=S           sleep S seconds before the head of every answer (slow server)
  pace=S            sleep S seconds after each chunk of the body (a slow link: with
                    chunk_bytes, a known rate)
"""

import argparse
import email.utils
import hashlib
import http.server
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
COUNTERS = {}
LOG = {}


LOG_DIR = None


def note(key, entry):
    with LOCK:
        LOG.setdefault(key, []).append(entry)
        if LOG_DIR:
            name = "".join(c if c.isalnum() or c in "-_" else "_" for c in key)[:100]
            with open(os.path.join(LOG_DIR, name + ".jsonl"), "a") as out:
                out.write(json.dumps(entry) + "\n")


def next_number(key):
    with LOCK:
        COUNTERS[key] = COUNTERS.get(key, 0) + 1
        return COUNTERS[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fileserver/1"

    def log_message(self, format, *args):  # quiet: the tests read /_control/log
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = urllib.parse.unquote(url.path)
        if path == "/_control/health":
            return self.plain(200, "ok\n")
        if path == "/_control/log":
            with LOCK:
                entries = list(LOG.get(query.get("key", ""), []))
            return self.plain(200, "".join(json.dumps(e) + "\n" for e in entries), "application/x-ndjson")
        if path.startswith("/redirect/"):
            return self.redirect_chain(path, url.query)
        if path.startswith("/files/"):
            return self.serve_file(path[len("/files/"):], query)
        return self.plain(404, "no such path\n")

    def redirect_chain(self, path, raw_query):
        parts = path.split("/", 3)  # ['', 'redirect', N, REST]
        if len(parts) < 4 or not parts[2].isdigit():
            return self.plain(404, "bad redirect path\n")
        hops, rest = int(parts[2]), parts[3]
        target = "/%s" % rest if hops == 0 else "/redirect/%d/%s" % (hops - 1, rest)
        if raw_query:
            target += "?" + raw_query
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def serve_file(self, name, query):
        key = query.get("key", self.path.split("?")[0])
        number = next_number(key)
        times = int(query.get("times", "0") or "0")
        faulty = times == 0 or number <= times
        if not faulty and query.get("then"):
            name = query["then"]
        entry = {
            "number": number, "path": self.path.split("?")[0], "range": self.headers.get("Range"),
            "if_range": self.headers.get("If-Range"), "host": self.headers.get("Host"),
            "user_agent": self.headers.get("User-Agent"), "file": name,
        }
        if "delay" in query:
            time.sleep(float(query["delay"]))
        full = os.path.join(self.server.root, os.path.basename(name))
        if faulty and "redirect" in query:
            entry["status"] = 302
            note(key, entry)
            self.send_response(302)
            self.send_header("Location", query["redirect"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if (faulty and "status" in query) or (not faulty and "after_status" in query):
            status = int(query["status"] if faulty else query["after_status"])
            entry["status"] = status
            note(key, entry)
            extra = {"Retry-After": query["retry_after"]} if "retry_after" in query else {}
            return self.plain(status, "fault %d\n" % status, headers=extra)
        if not os.path.isfile(full):
            entry["status"] = 404
            note(key, entry)
            return self.plain(404, "no such file\n")

        size = os.path.getsize(full)
        stat = os.stat(full)
        etag = '"%s"' % self.server.etag(full)
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and query.get("norange") != "1":
            same = if_range is None or if_range == etag or if_range == last_modified
            if same and wanted.startswith("bytes=") and "," not in wanted:
                first, _, last = wanted[6:].partition("-")
                if first.isdigit():
                    start = int(first)
                    end = min(int(last), size - 1) if last.isdigit() else size - 1
                    if start >= size:
                        entry["status"] = 416
                        note(key, entry)
                        self.send_response(416)
                        self.send_header("Content-Range", "bytes */%d" % size)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
        length = end - start + 1
        entry["status"] = status
        note(key, entry)

        self.send_response(status)
        self.send_header("Content-Type", query.get("type", "video/mp4"))
        if "encoding" in query:
            self.send_header("Content-Encoding", query["encoding"])
        if query.get("etag") != "0":
            self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        chunked = query.get("chunked") == "1"
        close_delimited = query.get("close") == "1"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif close_delimited:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            delta = int(query.get("length_delta", "0")) if faulty else 0
            self.send_header("Content-Length", str(length + delta))
        self.end_headers()

        reset_at = float(query["reset"]) if faulty and "reset" in query else None
        stall_at = float(query["stall"]) if faulty and "stall" in query else None
        chunk_bytes = int(query.get("chunk_bytes", "65536"))
        sent = 0
        with open(full, "rb") as source:
            source.seek(start)
            while sent < length:
                progress = (start + sent) / size if size else 1
                if reset_at is not None and progress >= reset_at:
                    return self.reset()
                if stall_at is not None and progress >= stall_at:
                    time.sleep(float(query.get("stall_seconds", "5")))
                    self.close_connection = True
                    return
                block = source.read(min(chunk_bytes, length - sent))
                if not block:
                    break
                try:
                    if chunked:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                    else:
                        self.wfile.write(block)
                except OSError:
                    self.close_connection = True
                    return
                sent += len(block)
                if "pace" in query and sent < length:
                    time.sleep(float(query["pace"]))
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        if close_delimited:
            self.clean_close()

    def reset(self):
        """Ends the connection with a TCP RST, as a crashed proxy would."""
        self.close_connection = True
        # An RST makes the client's kernel drop what it has not read yet: let the bytes
        # sent so far arrive first, so the cut lands where the plan says.
        time.sleep(0.3)
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The socket closes for real only once its file objects are closed too.
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except (OSError, ValueError):
            pass

    def clean_close(self):
        """close_notify, so a body read until the connection ends is not mistaken for a cut one."""
        self.close_connection = True
        try:
            self.connection.settimeout(2)
            self.connection.unwrap()
        except (OSError, ValueError):
            pass

    def plain(self, status, text, content_type="text/plain", headers=None):
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, root, context):
        super().__init__(address, Handler)
        self.root = root
        self.context = context
        self.etags = {}

    def etag(self, path):
        stat = os.stat(path)
        key = (path, stat.st_size, stat.st_mtime_ns)
        with LOCK:
            if key not in self.etags:
                digest = hashlib.sha256()
                with open(path, "rb") as source:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        digest.update(block)
                self.etags[key] = digest.hexdigest()[:32]
            return self.etags[key]

    def finish_request(self, request, client_address):
        # The handshake runs on the request's own thread: a client that gives up on
        # the certificate does not hold the accept loop.
        try:
            request.settimeout(30)
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--untrusted-cert")
    parser.add_argument("--untrusted-key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log-dir")
    args = parser.parse_args()
    global LOG_DIR
    LOG_DIR = args.log_dir

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    if args.untrusted_cert:
        untrusted = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        untrusted.load_cert_chain(args.untrusted_cert, args.untrusted_key)

        def choose(sslobj, name, _context):
            if name == "untrusted.test":
                sslobj.context = untrusted
        context.sni_callback = choose

    server = Server(("127.0.0.1", args.port), args.root, context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("port %d" % server.server_address[1], flush=True)
    # Serve until the test process closes our stdin (or dies).
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
