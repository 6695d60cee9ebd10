#!/usr/bin/env python3
"""videohookd against nginx on the same certificate, on loopback, in one run.

The load generator (wrk, and this script's own Python clients) runs on half the
machine's cores and each server on the other half (`taskset`; on 2 cores, load on
core 0 and servers on core 1), so that the client does not starve what it measures;
`--shared` runs everything on all cores instead, as before issue 24.
Prints requests/s, the server's CPU per request, p50/p99 latency and RSS side by side
with the ratio videohookd/nginx, for: keep-alive requests, one new TLS connection per request
(as the video API calls us), 10,000 idle TLS connections held while a real
request is answered, and (--suite flood) callbacks from 127.0.0.1 while 10,500
connections from 127.0.0.2 trickle their ClientHello (issue 23). Run through
bench/run.sh, which builds and installs what it needs.
"""
import argparse, os, re, resource, shutil, signal, socket, ssl, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "out")
VH_PORT, VH_ADMIN, NGINX_PORT = 18443, 19090, 28443
# The connection counts of the extra new-connection callback rows (beside c=16).
SWEEP = (64, 256)

# Where the load generator and the servers run: half the cores each (issue 24). The
# ledger bench (bench/ledger.py) places its load and its servers the same way.
ALL_CORES = sorted(os.sched_getaffinity(0))
LOAD_CORES = ",".join(map(str, ALL_CORES[:max(len(ALL_CORES) // 2, 1)]))
SERVER_CORES = ",".join(map(str, ALL_CORES[len(ALL_CORES) // 2:]))
# Cleared by --shared: every process on every core, the load generator among the servers.
PINNED = True


def cores(spec):
    return {int(c) for c in spec.split(",")}


def on_load_cores():
    """The prefix that runs a load generator on LOAD_CORES (nothing when --shared)."""
    return ["taskset", "-c", LOAD_CORES] if PINNED else []


def on_server_cores():
    """The prefix that starts a server on SERVER_CORES: its threads and forked workers
    inherit the mask from birth (nothing when --shared)."""
    return ["taskset", "-c", SERVER_CORES] if PINNED else []


def load_threads():
    """wrk's threads: one per core it runs on."""
    return len(cores(LOAD_CORES)) if PINNED else len(ALL_CORES)


def pin(pids, spec):
    """Moves every thread of running processes onto the cores `spec` names."""
    for pid in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", spec, str(pid)], check=True, capture_output=True)


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
log_file: {state}/videohookd.log
tls:
  cert_file: {crt}
  key_file: {key}
limits:
  max_connections: 20000
  # As nginx's client_header_timeout (60 s): opening the 10,000 idle connections takes
  # longer than the default 10 s, which would close the first ones before the count.
  header_timeout: 60s
# Downloads are held (a reserve no disk has) so that the callback figures are the
# intake's own: every completed body queues a download of a host that does not exist
# here. bench/download.sh measures the downloader.
disk_reserve_bytes: 1125899906842624
{extra}""")
    proc = subprocess.Popen(on_server_cores() + [binary, "serve", "--config", config], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_port(VH_PORT)
    return proc, state


def start_nginx(crt, key):
    conf = os.path.join(OUT, "nginx.conf")
    with open(conf, "w") as f:
        # A worker per core it may run on, as `worker_processes auto` would choose.
        workers = len(cores(SERVER_CORES)) if PINNED else len(ALL_CORES)
        f.write(f"""worker_processes {workers};
daemon off;
pid {OUT}/nginx.pid;
error_log {OUT}/nginx-error.log;
events {{ worker_connections 20000; }}
http {{
  # Both servers write one line per request, as each does by default: videohookd its
  # event log at level info, nginx its access log.
  # $request_time (seconds, millisecond resolution, from the request's first byte to
  # the log line): nginx's own time to answer, beside videohookd's `ms=`.
  log_format timed '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time';
  access_log {OUT}/nginx-access.log timed;
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
    proc = subprocess.Popen(on_server_cores() + ["nginx", "-c", conf, "-p", OUT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(NGINX_PORT)
    return proc


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_seconds(pids):
    """User plus system CPU time the processes (all their threads) have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / ticks


def wrk(url, seconds, connections, extra=(), script=None, env=None, server_pids=None):
    """One wrk run. With `server_pids` (a callable), also the CPU the server and wrk spent
    per request: on a machine whose cores the two share, requests/s follow from these."""
    args = on_load_cores() + ["wrk", f"-t{load_threads()}", f"-c{connections}", f"-d{seconds}s", "--latency", *extra]
    if script:
        args += ["-s", os.path.join(ROOT, script)]
    server_before = cpu_seconds(server_pids()) if server_pids else 0.0
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    out = subprocess.run(args + [url], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    wall = time.monotonic() - started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    p99 = to_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    result = {"rps": rps, "p50": p50, "p99": p99,
              "non2xx": int(errors.group(1)) if errors else 0,
              "socket_errors": socket_errors.group(1) if socket_errors else ""}
    if server_pids:
        # wrk's own count: its seconds start after its connections are set up, the CPU
        # times around the whole process.
        requests = max(int(re.search(r"(\d+) requests in", out).group(1)), 1)
        server = cpu_seconds(server_pids()) - server_before
        client = (children_after.ru_utime + children_after.ru_stime
                  - children_before.ru_utime - children_before.ru_stime)
        result.update(server_cpu_ms=1000 * server / requests, client_cpu_ms=1000 * client / requests,
                      server_cores=server / wall, client_cores=client / wall)
    return result


def idle_connections(port, count):
    """Opens `count` TLS connections that send nothing more, then times one real request."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    held = []
    for index in range(count):
        # From 50 loopback addresses, 200 each: under videohookd's default cap of 256
        # connections per address, as 10,000 clients would be.
        raw = socket.create_connection(("127.0.0.1", port), source_address=(f"127.0.1.{index % 50 + 1}", 0))
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


def callback_env(path, close=False, pause_ms=None):
    env = {"BENCH_PATH": path}
    if close:
        env["BENCH_CLOSE"] = "1"
    if pause_ms is not None:
        env["BENCH_DELAY_MS"] = str(pause_ms)
    return env


def half_rate_pause(url, path, full_rps, connections=16):
    """The pause (ms) before each request that holds 16 connections at half `full_rps`.

    A connection's cycle is its pause plus the time a request takes; two short runs
    measure that time at about the target load, and the pause is set from it."""
    target = full_rps / 2
    pause = 1000.0 * connections / max(full_rps, 1)
    for _ in range(2):
        rps = wrk(url, 3, connections, script="callback.lua", env=callback_env(path, True, int(pause)))["rps"]
        request_ms = max(1000.0 * connections / max(rps, 1) - pause, 0.0)
        pause = max(1000.0 * connections / target - request_ms, 0.0)
    return int(round(pause))


def answer_times(name, state):
    """A mark, and a reader of the times to answer each server logged after it (ms):
    videohookd's `ms=` on `callback.accepted` (from the request complete to its durable
    answer), nginx's `$request_time` (from the request's first byte, 1 ms resolution)."""
    path = os.path.join(state, "videohookd.log") if name == "videohookd" else os.path.join(OUT, "nginx-access.log")
    mark = os.path.getsize(path) if os.path.exists(path) else 0

    def read():
        with open(path, "rb") as f:
            f.seek(mark)
            text = f.read().decode("utf-8", "replace")
        if name == "videohookd":
            return [float(m) for m in re.findall(r"event=callback\.accepted .*? ms=([\d.]+)", text)]
        return [1000.0 * float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.strip()]
    return read


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def best(results):
    """The best of the rounds: load from the rest of the machine only ever slows a run."""
    return max(results, key=lambda r: r["rps"])


def alternate(rounds, runs):
    """Runs each (name, thunk) in turn, `rounds` times, so drift in the machine's load
    touches both servers alike; returns the best result of each."""
    results = {name: [] for name, _ in runs}
    for _ in range(rounds):
        for name, thunk in runs:
            results[name].append(thunk())
    return {name: best(r) for name, r in results.items()}


def videohookd_open_connections():
    """The callback listener's open connections, from videohookd's /metrics."""
    text = subprocess.run(["curl", "-s", f"http://127.0.0.1:{VH_ADMIN}/metrics"], capture_output=True, text=True).stdout
    found = re.search(r"^videohookd_open_connections (\S+)", text, re.M)
    return int(float(found.group(1))) if found else -1


def idle_row(pids_of, port, open_count=None):
    row = {"idle_rss_mb": rss_kib(pids_of()) / 1024}
    held, latency, ok = idle_connections(port, 10_000)
    row["idle10k_rss_mb"] = rss_kib(pids_of()) / 1024
    # A connection closed meanwhile (a timeout) would make the figure a smaller count's.
    row["idle10k_open"] = open_count() if open_count else None
    row["idle10k_latency_ms"] = latency
    row["idle10k_ok"] = ok
    close_all(held)
    # videohookd gives the heap back as a burst of connections closes, 1,024 at a time
    # (HeapReturnTrigger); nginx keeps what it took.
    time.sleep(3)
    row["closed10k_rss_mb"] = rss_kib(pids_of()) / 1024
    return row


class SlowHandshakeFlood(threading.Thread):
    """`target` connections from `sources` (all of 127.0.0.0/8 is loopback: other clients
    to the server), taken in turn, that send a ClientHello record's header, then one
    byte every 3 s, and reconnect when dropped: the flood of issue 23."""

    RECORD = bytes([0x16, 0x03, 0x01, 0x02, 0x00]) + bytes(511)

    def __init__(self, port, target, sources):
        super().__init__(daemon=True)
        self.port, self.target, self.sources = port, target, sources
        self.stopping = threading.Event()
        self.opened = self.dropped = 0
        self.held = {}  # socket -> (bytes sent, when the next byte goes)

    def connect(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.sources[self.opened % len(self.sources)], 0))
            s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            return
        self.held[s] = (0, time.monotonic())
        self.opened += 1

    def run(self):
        while not self.stopping.is_set():
            for _ in range(min(1000, self.target - len(self.held))):
                self.connect()
            now = time.monotonic()
            for s, (sent, due) in list(self.held.items()):
                try:
                    if s.recv(1, socket.MSG_PEEK) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    pass
                except OSError:
                    s.close()
                    del self.held[s]
                    self.dropped += 1
                    continue
                if now >= due and sent < len(self.RECORD):
                    try:
                        count = s.send(self.RECORD[sent:sent + (5 if sent == 0 else 1)])
                        self.held[s] = (sent + count, now + 3)
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        s.close()
                        del self.held[s]
                        self.dropped += 1
            time.sleep(0.1)
        close_all(self.held)


def one_callback(port, path, index):
    """A callback over a new TLS connection, as the video API sends it: (status, ms)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    body = ('{"id":"task-unified-1765000000-flood%06d","object":"video.generation.task","model":"m",'
            '"created":1765000000,"status":"processing","progress":50,"type":"video"}' % index).encode()
    started = time.perf_counter()
    try:
        conn = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
        conn.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (path.encode(), len(body), body))
        answer = b""
        while True:  # to the end: Connection: close
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        conn.close()
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def handshakes(pids_of, port, resumed, count=3000):
    """The server's CPU per new TLS 1.3 connection (GET /healthz, Connection: close), each
    a full handshake or each resuming the previous connection's session (a ticket used
    once, as RFC 8446 C.4 advises and as the video API's HTTP client would). Sequential,
    from this script's single thread on the load cores."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_3
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    session, reused = None, 0

    def one():
        nonlocal session, reused
        conn = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                                   server_hostname="localhost", session=session if resumed else None)
        conn.sendall(request)
        while conn.recv(4096):  # to the end: the ticket comes after the handshake
            pass
        reused += conn.session_reused
        session = conn.session
        conn.close()

    for _ in range(50):  # the first session, and a warm server
        one()
    reused = 0
    before = cpu_seconds(pids_of())
    started = time.monotonic()
    for _ in range(count):
        one()
    wall = time.monotonic() - started
    server = cpu_seconds(pids_of()) - before
    return {"rps": count / wall, "server_cpu_ms": 1000 * server / count, "reused": reused, "count": count}


def flood_row(pids_of, port, path, sources, count=10_500, callbacks=100):
    """RSS and callback latency while `count` slow handshakes flood from `sources`."""
    row = {"start_rss_mb": rss_kib(pids_of()) / 1024}
    flood = SlowHandshakeFlood(port, count, sources)
    flood.start()
    peak = 0
    deadline = time.time() + 15  # the flood's ramp: every connection made at least once
    while time.time() < deadline and flood.opened < count:
        peak = max(peak, rss_kib(pids_of()))
        time.sleep(0.2)
    time.sleep(3)
    answers = []
    for index in range(callbacks):
        answers.append(one_callback(port, path, index))
        peak = max(peak, rss_kib(pids_of()))
        time.sleep(0.1)
    flood.stopping.set()
    flood.join()
    row.update(flood_rss_mb=peak / 1024, opened=flood.opened, dropped=flood.dropped,
               ok=sum(1 for status, _ in answers if status == 200), answered=len(answers),
               p50=percentile([ms for _, ms in answers], 0.5), p99=percentile([ms for _, ms in answers], 0.99))
    time.sleep(5)
    row["after_rss_mb"] = rss_kib(pids_of()) / 1024
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--suite", choices=["server", "callbacks", "flood", "all"], default="all")
    parser.add_argument("--shared", action="store_true",
                        help="run the load generator and the servers on every core, unpinned")
    args = parser.parse_args()
    global PINNED
    PINNED = not args.shared
    if PINNED:
        # This script's own clients (the idle connections, the flood, single callbacks)
        # are load too; wrk gets its cores from its taskset prefix.
        os.sched_setaffinity(0, cores(LOAD_CORES))
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(OUT, exist_ok=True)
    crt, key = make_certificate()
    server_suite = args.suite in ("server", "all")
    callback_suite = args.suite in ("callbacks", "all")
    flood_suite = args.suite in ("flood", "all")
    seconds, rounds = args.seconds, args.rounds

    # Both servers run side by side (an idle one costs nothing) and each measure
    # alternates between them, so a change in the machine's load hits both.
    vh, state = start_videohookd(args.binary, crt, key)
    ng = start_nginx(crt, key)
    vh_pids, ng_pids = (lambda: [vh.pid]), (lambda: family(ng.pid))
    urls = {"videohookd": f"https://127.0.0.1:{VH_PORT}", "nginx": f"https://127.0.0.1:{NGINX_PORT}"}
    pids_of = {"videohookd": vh_pids, "nginx": ng_pids}

    def both(run):
        """`run(name, base_url)` for each server, alternating, best of the rounds."""
        return alternate(rounds, [(name, lambda name=name: run(name, urls[name])) for name in urls])

    rows = {}
    try:
        time.sleep(1)
        if server_suite:
            rows["idle"] = {"videohookd": idle_row(vh_pids, VH_PORT, videohookd_open_connections),
                            "nginx": idle_row(ng_pids, NGINX_PORT)}
            rows["keepalive"] = both(lambda name, url: wrk(url + "/healthz", seconds, 32, server_pids=pids_of[name]))
            rows["close"] = both(lambda name, url: wrk(url + "/healthz", seconds, 16, ("-H", "Connection: close"),
                                                       server_pids=pids_of[name]))
            # What a resumed TLS 1.3 handshake costs the server beside a full one (issue 24).
            ports = {"videohookd": VH_PORT, "nginx": NGINX_PORT}
            for key, resumed in (("hs_full", False), ("hs_resumed", True)):
                rows[key] = both(lambda name, url, resumed=resumed: handshakes(pids_of[name], ports[name], resumed))
        if callback_suite:
            token = open(os.path.join(state, "callback-token")).read().strip()
            paths = {"videohookd": f"/callbacks/{token}", "nginx": "/callbacks/bench"}

            def callbacks(connections, close=False, pauses=None):
                def run(name, url):
                    logged = answer_times(name, state)
                    result = wrk(url + paths[name], seconds, connections, script="callback.lua",
                                 env=callback_env(paths[name], close, pauses and pauses[name]),
                                 server_pids=pids_of[name])
                    times = logged()
                    result.update(answer_p50=percentile(times, 0.5), answer_p99=percentile(times, 0.99))
                    return result
                return run

            rows["cb_keepalive"] = both(callbacks(32))
            rows["cb_close"] = both(callbacks(16, close=True))
            # More callbacks at once: videohookd commits the callbacks that wait together
            # (one transaction, one sync), so its rate and its CPU per callback depend on
            # how many arrive together; nginx's `return 200` has nothing to group.
            for connections in SWEEP:
                rows[f"cb_close{connections}"] = both(callbacks(connections, close=True))
            best_rate = {name: max(rows[key][name]["rps"] for key in ("cb_close", *(f"cb_close{c}" for c in SWEEP)))
                    for name in urls}
            rows["cb_peak"] = {name: {"rps": best_rate[name]} for name in urls}
            # Half each server's best new-connection rate. Each of the 16 connections pauses
            # before every request; the pause that gives half the rate is found by a short
            # calibration run, since at a lower load a request also takes less time. The
            # latency is then what an answer costs when the server is not saturated.
            pauses = {name: half_rate_pause(urls[name] + paths[name], paths[name], best_rate[name]) for name in urls}
            rows["cb_half"] = both(callbacks(16, close=True, pauses=pauses))
            for name in urls:
                rows["cb_half"][name]["target"] = best_rate[name] / 2
        if flood_suite:
            token = open(os.path.join(state, "callback-token")).read().strip()
            # From one address (videohookd's per-address cap holds), then from 42 at 250
            # each (under the cap: 10,500 pending handshakes held, what each costs).
            for key, sources in (("flood", ["127.0.0.2"]), ("flood42", [f"127.0.2.{n}" for n in range(1, 43)])):
                rows[key] = {"videohookd": flood_row(vh_pids, VH_PORT, f"/callbacks/{token}", sources),
                             "nginx": flood_row(ng_pids, NGINX_PORT, "/callbacks/bench", sources)}
        peak = {"videohookd": rss_kib(vh_pids(), "VmHWM") / 1024, "nginx": rss_kib(ng_pids(), "VmHWM") / 1024}
    finally:
        vh.send_signal(signal.SIGTERM)
        ng.send_signal(signal.SIGQUIT)
        vh.wait(timeout=60)
        ng.wait(timeout=30)

    def line(label, a, b, unit, fmt="{:.1f}"):
        ratio = f"{a / b:.2f}" if b else "—"
        print(f"| {label} | {fmt.format(a)} {unit} | {fmt.format(b)} {unit} | {ratio} |")

    placement = (f"load generator on core(s) {LOAD_CORES}, each server on core(s) {SERVER_CORES}" if PINNED
                 else f"{len(ALL_CORES)} cores shared by the load generator and the servers")
    print(f"\nvideohookd vs nginx, same ECDSA P-256 certificate, loopback, wrk -t{load_threads()}, {seconds}s per run, "
          f"best of {rounds} alternating rounds, {placement}\n")
    print("| measure | videohookd | nginx | ratio |")
    print("| --- | --- | --- | --- |")
    labels = (("keepalive", "GET /healthz, keep-alive (c=32)"), ("close", "GET /healthz, new TLS connection each (c=16)"),
              ("cb_keepalive", "callbacks, keep-alive (c=32)"), ("cb_close", "callbacks, new TLS connection each (c=16)"),
              *((f"cb_close{c}", f"callbacks, new TLS connection each (c={c})") for c in SWEEP),
              ("cb_peak", f"callbacks, new TLS connection each, each server's best of c=16, {', '.join(map(str, SWEEP))}:"),
              ("cb_half", "callbacks at half that best rate (c=16)"))
    for key, label in labels:
        if key not in rows:
            continue
        vh_r, ng_r = rows[key]["videohookd"], rows[key]["nginx"]
        line(f"{label} requests/s", vh_r["rps"], ng_r["rps"], "req/s", "{:.0f}")
        if "p50" not in vh_r:
            continue
        line(f"{label} p50", vh_r["p50"], ng_r["p50"], "ms", "{:.2f}")
        line(f"{label} p99", vh_r["p99"], ng_r["p99"], "ms", "{:.2f}")
        if "target" in vh_r:
            line(f"{label}: the rate aimed at (half the best rate)", vh_r["target"], ng_r["target"], "req/s", "{:.0f}")
        if "answer_p99" in vh_r:
            line(f"{label}: the server's own time to answer (its log), p50", vh_r["answer_p50"], ng_r["answer_p50"],
                 "ms", "{:.2f}")
            line(f"{label}: the server's own time to answer (its log), p99", vh_r["answer_p99"], ng_r["answer_p99"],
                 "ms", "{:.2f}")
        if "server_cpu_ms" in vh_r and key != "cb_half":
            line(f"{label}: server CPU per request", vh_r["server_cpu_ms"], ng_r["server_cpu_ms"], "ms", "{:.3f}")
            line(f"{label}: cores the server used", vh_r["server_cores"], ng_r["server_cores"], "", "{:.2f}")
            line(f"{label}: wrk CPU per request", vh_r["client_cpu_ms"], ng_r["client_cpu_ms"], "ms", "{:.3f}")
        for name, r in (("videohookd", vh_r), ("nginx", ng_r)):
            if r["non2xx"] or r["socket_errors"]:
                print(f"note: {name} {label}: non-2xx {r['non2xx']}, socket errors: {r['socket_errors']}")
    if "hs_full" in rows:
        label = "TLS 1.3, one connection at a time (Python client), GET /healthz"
        full, resumed = rows["hs_full"], rows["hs_resumed"]
        line(f"{label}, full handshake: server CPU per connection", full["videohookd"]["server_cpu_ms"],
             full["nginx"]["server_cpu_ms"], "ms", "{:.3f}")
        line(f"{label}, every session resumed: server CPU per connection", resumed["videohookd"]["server_cpu_ms"],
             resumed["nginx"]["server_cpu_ms"], "ms", "{:.3f}")
        line(f"{label}: resumed / full, each server's own", resumed["videohookd"]["server_cpu_ms"]
             / full["videohookd"]["server_cpu_ms"], resumed["nginx"]["server_cpu_ms"] / full["nginx"]["server_cpu_ms"],
             "", "{:.2f}")
        for name in ("videohookd", "nginx"):
            if resumed[name]["reused"] != resumed[name]["count"]:
                print(f"note: {name} resumed {resumed[name]['reused']} of {resumed[name]['count']} sessions")
    if "idle" in rows:
        vh_i, ng_i = rows["idle"]["videohookd"], rows["idle"]["nginx"]
        line("RSS at start", vh_i["idle_rss_mb"], ng_i["idle_rss_mb"], "MB")
        line("RSS with 10,000 idle TLS connections", vh_i["idle10k_rss_mb"], ng_i["idle10k_rss_mb"], "MB")
        line("a request while 10,000 are idle", vh_i["idle10k_latency_ms"], ng_i["idle10k_latency_ms"], "ms")
        line("RSS 3 s after those 10,000 closed", vh_i["closed10k_rss_mb"], ng_i["closed10k_rss_mb"], "MB")
        if vh_i["idle10k_open"] < 10_000:
            print(f"note: videohookd had {vh_i['idle10k_open']} connections open when its RSS was read, not 10,000")
        for name, r in (("videohookd", vh_i), ("nginx", ng_i)):
            if not r["idle10k_ok"]:
                print(f"note: {name}: the request during 10,000 idle connections did not get 200")
    for key, who in (("flood", "127.0.0.2"), ("flood42", "42 addresses, 250 each")):
        if key not in rows:
            continue
        vh_f, ng_f = rows[key]["videohookd"], rows[key]["nginx"]
        line(f"flood from {who}: RSS before its 10,500 slow ClientHellos", vh_f["start_rss_mb"], ng_f["start_rss_mb"], "MB")
        line(f"flood from {who}: peak RSS during it", vh_f["flood_rss_mb"], ng_f["flood_rss_mb"], "MB")
        line(f"flood from {who}: RSS 5 s after it stopped", vh_f["after_rss_mb"], ng_f["after_rss_mb"], "MB")
        line(f"flood from {who}: callbacks from 127.0.0.1 answered 200", vh_f["ok"], ng_f["ok"],
             f"of {vh_f['answered']}", "{:.0f}")
        line(f"flood from {who}: callback p50 (new TLS connection each)", vh_f["p50"], ng_f["p50"], "ms", "{:.2f}")
        line(f"flood from {who}: callback p99", vh_f["p99"], ng_f["p99"], "ms", "{:.2f}")
        line(f"flood from {who}: connections it made (reconnecting when dropped)", vh_f["opened"], ng_f["opened"], "",
             "{:.0f}")
    line("peak RSS over the whole run", peak["videohookd"], peak["nginx"], "MB")

if __name__ == "__main__":
    main()
