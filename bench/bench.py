#!/usr/bin/env python3
"""videohookd against nginx on the same certificate, on loopback, in one run.

Prints requests/s, p50/p99 latency and peak RSS side by side with the ratio
videohookd/nginx, for: keep-alive requests, one new TLS connection per request
(as the video API calls us), and 10,000 idle TLS connections held while a real
request is answered. Run through bench/run.sh, which builds and installs what it needs.
"""
import argparse, os, re, resource, shutil, signal, socket, ssl, subprocess, sys, time

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "out")
VH_PORT, VH_ADMIN, NGINX_PORT = 18443, 19090, 28443


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def rss_kib(pids, field="VmRSS"):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def family(pid):
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [int(c) for c in children]


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def make_certificate():
    crt, key = os.path.join(OUT, "bench.crt"), os.path.join(OUT, "bench.key")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=localhost",
       "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    return crt, key


def start_videohookd(binary, crt, key, extra=""):
    state = os.path.join(OUT, "state")
    shutil.rmtree(state, ignore_errors=True)
    config = os.path.join(OUT, "videohookd.yaml")
    with open(config, "w") as f:
        f.write(f"""listen: 127.0.0.1:{VH_PORT}
admin_listen: 127.0.0.1:{VH_ADMIN}
state_dir: {state}
log_level: warning
tls:
  cert_file: {crt}
  key_file: {key}
limits:
  max_connections: 20000
# Downloads are held (a reserve no disk has) so that the callback figures are the
# intake's own: every completed body queues a download of a host that does not exist
# here. bench/download.sh measures the downloader.
disk_reserve_bytes: 1125899906842624
{extra}""")
    proc = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    wait_port(VH_PORT)
    return proc, state


def start_nginx(crt, key):
    conf = os.path.join(OUT, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
daemon off;
pid {OUT}/nginx.pid;
error_log {OUT}/nginx-error.log;
events {{ worker_connections 20000; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{NGINX_PORT} ssl;
    ssl_certificate {crt};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {{ default_type application/json; return 200 '{{"status":"ok"}}'; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", OUT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(NGINX_PORT)
    return proc


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, seconds, connections, extra=(), script=None, env=None):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra]
    if script:
        args += ["-s", os.path.join(ROOT, script)]
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    p99 = to_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def idle_connections(port, count):
    """Opens `count` TLS connections that send nothing more, then times one real request."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    held = []
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", port))
        held.append(context.wrap_socket(raw, server_hostname="localhost"))
    time.sleep(0.5)
    started = time.perf_counter()
    conn = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    answer = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            break
        answer += chunk
    elapsed_ms = (time.perf_counter() - started) * 1000
    ok = answer.startswith(b"HTTP/1.1 200")
    return held, elapsed_ms, ok


def close_all(held):
    for s in held:
        try:
            s.close()
        except OSError:
            pass


def measure_callbacks(port, path, seconds):
    """A real completed callback body per request, each with its own task id."""
    url = f"https://127.0.0.1:{port}{path}"
    row = {"keepalive": wrk(url, seconds, 32, script="callback.lua", env={"BENCH_PATH": path}),
           "close": wrk(url, seconds, 16, script="callback.lua", env={"BENCH_PATH": path, "BENCH_CLOSE": "1"})}
    # Half the new-connection rate: each of the 16 connections pauses as long as a request
    # took at full load, which halves the rate; then the latency is what an answer costs
    # when the daemon is not saturated.
    full = row["close"]["rps"]
    pause_ms = int(16_000 / full) if full > 0 else 10
    row["half"] = wrk(url, seconds, 16, script="callback.lua",
                      env={"BENCH_PATH": path, "BENCH_CLOSE": "1", "BENCH_DELAY_MS": str(pause_ms)})
    return row


def measure(name, pids_of, port, path, seconds):
    row = {}
    row["idle_rss_mb"] = rss_kib(pids_of()) / 1024
    row["keepalive"] = wrk(f"https://127.0.0.1:{port}{path}", seconds, 32)
    row["close"] = wrk(f"https://127.0.0.1:{port}{path}", seconds, 16, ("-H", "Connection: close"))
    held, latency, ok = idle_connections(port, 10_000)
    row["idle10k_rss_mb"] = rss_kib(pids_of()) / 1024
    row["idle10k_latency_ms"] = latency
    row["idle10k_ok"] = ok
    close_all(held)
    row["peak_rss_mb"] = rss_kib(pids_of(), "VmHWM") / 1024
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--suite", choices=["server", "callbacks", "all"], default="all")
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(OUT, exist_ok=True)
    crt, key = make_certificate()

    server_suite = args.suite in ("server", "all")
    callback_suite = args.suite in ("callbacks", "all")
    vh, state = start_videohookd(args.binary, crt, key)
    try:
        time.sleep(1)
        if server_suite:
            vh_row = measure("videohookd", lambda: [vh.pid], VH_PORT, "/healthz", args.seconds)
        if callback_suite:
            token = open(os.path.join(state, "callback-token")).read().strip()
            vh_cb = measure_callbacks(VH_PORT, f"/callbacks/{token}", args.seconds)
            vh_cb["peak_rss_mb"] = rss_kib([vh.pid], "VmHWM") / 1024
    finally:
        vh.send_signal(signal.SIGTERM)
        vh.wait(timeout=60)

    ng = start_nginx(crt, key)
    try:
        time.sleep(1)
        if server_suite:
            ng_row = measure("nginx", lambda: family(ng.pid), NGINX_PORT, "/healthz", args.seconds)
        if callback_suite:
            ng_cb = measure_callbacks(NGINX_PORT, "/callbacks/bench", args.seconds)
            ng_cb["peak_rss_mb"] = rss_kib(family(ng.pid), "VmHWM") / 1024
    finally:
        ng.send_signal(signal.SIGQUIT)
        ng.wait(timeout=30)

    def line(label, a, b, unit, fmt="{:.1f}"):
        ratio = a / b if b else float("nan")
        print(f"| {label} | {fmt.format(a)} {unit} | {fmt.format(b)} {unit} | {ratio:.2f} |")

    print(f"\nvideohookd vs nginx, same ECDSA P-256 certificate, loopback, wrk -t2, {args.seconds}s per run, {os.cpu_count()} cores shared\n")
    print("| measure | videohookd | nginx | ratio |")
    print("| --- | --- | --- | --- |")
    if callback_suite:
        for mode, label in (("keepalive", "callbacks, keep-alive (c=32)"), ("close", "callbacks, new TLS connection each (c=16)"),
                            ("half", "callbacks at half the new-connection rate (c=16)")):
            line(f"{label} requests/s", vh_cb[mode]["rps"], ng_cb[mode]["rps"], "req/s", "{:.0f}")
            line(f"{label} p50", vh_cb[mode]["p50"], ng_cb[mode]["p50"], "ms", "{:.2f}")
            line(f"{label} p99", vh_cb[mode]["p99"], ng_cb[mode]["p99"], "ms", "{:.2f}")
        line("peak RSS after the callback runs", vh_cb["peak_rss_mb"], ng_cb["peak_rss_mb"], "MB")
        for name, row in (("videohookd", vh_cb), ("nginx", ng_cb)):
            for mode in ("keepalive", "close", "half"):
                if row[mode]["non2xx"] or row[mode]["socket_errors"]:
                    print(f"note: {name} callbacks {mode}: non-2xx {row[mode]['non2xx']}, socket errors: {row[mode]['socket_errors']}")
    if not server_suite:
        return
    for mode, label in (("keepalive", "keep-alive (c=32)"), ("close", "new TLS connection per request (c=16)")):
        line(f"{label} requests/s", vh_row[mode]["rps"], ng_row[mode]["rps"], "req/s", "{:.0f}")
        line(f"{label} p50", vh_row[mode]["p50"], ng_row[mode]["p50"], "ms", "{:.2f}")
        line(f"{label} p99", vh_row[mode]["p99"], ng_row[mode]["p99"], "ms", "{:.2f}")
    line("RSS at start", vh_row["idle_rss_mb"], ng_row["idle_rss_mb"], "MB")
    line("RSS with 10,000 idle TLS connections", vh_row["idle10k_rss_mb"], ng_row["idle10k_rss_mb"], "MB")
    line("a request while 10,000 are idle", vh_row["idle10k_latency_ms"], ng_row["idle10k_latency_ms"], "ms", "{:.1f}")
    line("peak RSS", vh_row["peak_rss_mb"], ng_row["peak_rss_mb"], "MB")
    for name, row in (("videohookd", vh_row), ("nginx", ng_row)):
        for mode in ("keepalive", "close"):
            if row[mode]["non2xx"] or row[mode]["socket_errors"]:
                print(f"note: {name} {mode}: non-2xx {row[mode]['non2xx']}, socket errors: {row[mode]['socket_errors']}")
        if not row["idle10k_ok"]:
            print(f"note: {name}: the request during 10,000 idle connections did not get 200")


if __name__ == "__main__":
    main()
