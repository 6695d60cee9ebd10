#!/usr/bin/env python3
"""Where videohookd's CPU goes per durable callback (issue 24), by part of the flow.

Starts a release videohookd as bench.py does (pinned to the server cores, downloads
held), sends keep-alive callbacks with wrk from the load cores (or one new TLS connection
each with --close), records the run with `perf record -e cpu-clock --call-graph dwarf`,
and prints the share of the process's samples in each part of the flow: a sample
counts for the first rule whose every pattern appears in its call stack (thread names
and symbols). Also prints requests/s and the server's CPU per request of that run.

Usage: python3 bench/profile.py --binary .build/release/videohookd [--seconds 5] [--close]
       [--connections 32]; needs perf (linux-perf) and wrk. perf slows the process a
little; the shares, not the rate, are the point.
"""
import argparse, collections, os, signal, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

# (name, patterns): the first rule whose patterns all occur in a sample's stack wins.
RULES = [
    ("writer: commit, WAL frames and fsync", ["DatabaseC6commit", "sqlite3WalFrames"]),
    ("writer: commit, checkpoint", ["DatabaseC6commit", "sqlite3Checkpoint"]),
    ("writer: commit, the rest", ["DatabaseC6commit"]),
    ("writer: BEGIN", ["DatabaseC16beginTransaction"]),
    ("writer: binding arguments", ["SQLiteA8DatabaseV4bind"]),
    ("writer: SQLite running the statements", ["SQLiteA8DatabaseV", "sqlite3_step"]),
    ("writer: the notification's body and id", ["Outbox"]),
    ("writer: the read ahead", ["TasksReadAhead"]),
    ("writer: waking the event loops (eventfd)", ["EventFDC6signal"]),
    ("writer: log lines", ["vh-ledger", "EventLog"]),
    ("writer: the rest", ["vh-ledger"]),
    ("loops: TLS writes (the answer)", ["SSL_write"]),
    ("loops: TLS reads", ["SSL_read"]),
    ("loops: TLS handshakes", ["SSL_do_handshake"]),
    ("loops: JSONSerialization", ["JSONSerialization"]),
    ("loops: the body's checks (VideoAPI)", ["VideoAPI"]),
    ("loops: HTTP parsing and answers", ["4HTTP"]),
    ("loops: epoll_wait", ["epoll_wait"]),
    ("loops: accept and close", ["accept4"]),
    ("loops: the rest", ["vh-loop"]),
]


def stacks(text):
    """(thread, frames) per sample of `perf script -F comm,ip,sym` output."""
    comm, frames = None, []
    for line in text.splitlines():
        if not line.strip():
            if comm is not None:
                yield comm, frames
            comm, frames = None, []
        elif not line.startswith((" ", "\t")):
            comm, frames = line.split()[0], []
        else:
            parts = line.strip().split(None, 1)
            frames.append(parts[1] if len(parts) > 1 else parts[0])
    if comm is not None:
        yield comm, frames


def shares(text):
    counts, total = collections.Counter(), 0
    for comm, frames in stacks(text):
        total += 1
        names = [comm] + frames
        rule = next((name for name, patterns in RULES if all(any(p in f for f in names) for p in patterns)),
                    "other threads")
        counts[rule] += 1
    return counts, total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--close", action="store_true", help="one new TLS connection per callback")
    args = parser.parse_args()
    os.makedirs(bench.OUT, exist_ok=True)
    os.sched_setaffinity(0, bench.cores(bench.LOAD_CORES))
    crt, key = bench.make_certificate()
    vh, state = bench.start_videohookd(args.binary, crt, key)
    data = os.path.join(bench.OUT, "profile.data")
    try:
        time.sleep(1)
        token = open(os.path.join(state, "callback-token")).read().strip()
        path = f"/callbacks/{token}"
        url = f"https://127.0.0.1:{bench.VH_PORT}{path}"
        env = bench.callback_env(path, args.close)
        bench.wrk(url, 2, args.connections, script="callback.lua", env=env)  # warm up
        perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "4999", "--call-graph", "dwarf,16384",
                                 "-p", str(vh.pid), "-o", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        run = bench.wrk(url, args.seconds, args.connections, script="callback.lua", env=env,
                        server_pids=lambda: [vh.pid])
        perf.send_signal(signal.SIGINT)
        perf.wait()
    finally:
        vh.send_signal(signal.SIGTERM)
        vh.wait(timeout=60)
    text = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym", "--no-demangle"],
                          capture_output=True, text=True).stdout
    counts, total = shares(text)
    mode = "a new TLS connection each" if args.close else "keep-alive"
    print(f"durable callbacks, {mode}, c={args.connections}, under perf: {run['rps']:.0f} req/s, "
          f"{run['server_cpu_ms']:.3f} ms of server CPU each; {total} samples\n")
    print("| part of the flow | share of the process's samples |")
    print("| --- | --- |")
    for name, _ in RULES + [("other threads", None)]:
        if counts[name]:
            print(f"| {name} | {100 * counts[name] / total:.1f}% |")


if __name__ == "__main__":
    main()
