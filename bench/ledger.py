#!/usr/bin/env python3
"""The shared ledger's benchmark (issue 21): durable callbacks per second with the ledger
on PostgreSQL beside SQLite, and beside pgbench running a one-row INSERT per transaction
at the same concurrency against the same PostgreSQL server, in one run.

PostgreSQL is a throwaway cluster (initdb in a temporary folder, as Debian's `postgres`
user when run as root; fsync and synchronous_commit on, the defaults), reached on its
Unix socket. The load generator runs on half the cores and the servers (videohookd and
PostgreSQL) on the other half (bench.py's LOAD_CORES and SERVER_CORES; on 2 cores, 0
and 1), so that wrk and pgbench do not starve what they measure. Each videohookd row is wrk with bench/callback.lua: a completed callback with a
new task id per request, so every request is a new task, a new event, a download job and
a task.completed event committed before its 200 (downloads held back by a disk reserve
no disk has). Rows alternate between the ledgers, best of ROUNDS.

Usage: bench/ledger.py --binary PATH [--seconds N] [--rounds N] [--connections N]
(bench/ledger.sh builds and installs what it needs.)
"""
import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the wrk runner, certificates and ports of bench.py)

def pg_binary(name):
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: int(v) if v.isdigit() else 0)
    return f"/usr/lib/postgresql/{versions[-1]}/bin/{name}"


def as_postgres(command):
    """initdb and the server refuse root: run them as Debian's postgres user then."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"] + command


def start_cluster():
    folder = tempfile.mkdtemp(prefix="vh-bench-pg-")
    data = os.path.join(folder, "data")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    subprocess.run(as_postgres([pg_binary("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync",
                                "-E", "UTF8", "--locale=C"]), check=True, capture_output=True, cwd="/")
    options = f"-k {folder} -c listen_addresses='' -c max_connections=200"
    subprocess.run(as_postgres([pg_binary("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(folder, "log"),
                                "-w", "start"]), check=True, capture_output=True, cwd="/")
    postmaster = int(open(os.path.join(data, "postmaster.pid")).readline())
    return folder, data, postmaster


def stop_cluster(folder, data):
    subprocess.run(as_postgres([pg_binary("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]), capture_output=True, cwd="/")
    shutil.rmtree(folder, ignore_errors=True)


def psql(folder, database, sql):
    return subprocess.run(["psql", "-h", folder, "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                          check=True, capture_output=True, text=True).stdout


def postgres_pids(postmaster):
    return bench.family(postmaster)


def pgbench(folder, connections, seconds):
    script = os.path.join(folder, "insert.sql")
    with open(script, "w") as f:
        f.write("INSERT INTO rows (body) VALUES (repeat('x', 1000));\n")
    psql(folder, "postgres", "DROP DATABASE IF EXISTS pgbench")
    psql(folder, "postgres", "CREATE DATABASE pgbench")
    psql(folder, "pgbench", "CREATE TABLE rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)")
    out = subprocess.run(bench.on_load_cores() + ["pgbench", "-h", folder, "-U", "postgres", "-n", "-c",
                          str(connections), "-j", "1", "-T", str(seconds), "-f", script, "pgbench"],
                         check=True, capture_output=True, text=True).stdout
    tps = float(next(line for line in out.splitlines() if line.startswith("tps")).split("=")[1].split()[0])
    return {"rps": tps}


def callbacks(binary, crt, key, extra, server_pids, connections, seconds, close):
    process, state = bench.start_videohookd(binary, crt, key, extra)  # on SERVER_CORES from its start
    try:
        time.sleep(0.5)
        token = open(os.path.join(state, "callback-token")).read().strip()
        path = f"/callbacks/{token}"
        url = f"https://127.0.0.1:{bench.VH_PORT}{path}"
        env = bench.callback_env(path, close)
        result = run_wrk(bench.on_load_cores(), url, seconds, connections, env, lambda: [process.pid] + server_pids())
        return result
    finally:
        process.terminate()
        process.wait(timeout=60)


def run_wrk(prefix, url, seconds, connections, env, pids):
    before = bench.cpu_seconds(pids())
    args = prefix + ["wrk", f"-t{bench.load_threads()}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                     os.path.join(bench.ROOT, "callback.lua"), url]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env={**os.environ, **env}).stdout
    requests = max(int(re.search(r"(\d+) requests in", out).group(1)), 1)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    cpu = bench.cpu_seconds(pids()) - before
    return {"rps": rps, "non2xx": int(errors.group(1)) if errors else 0, "server_cpu_ms": 1000 * cpu / requests,
            "requests": requests}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    os.makedirs(bench.OUT, exist_ok=True)
    crt, key = bench.make_certificate()
    folder, data, postmaster = start_cluster()
    try:
        bench.pin(postgres_pids(postmaster), bench.SERVER_CORES)
        psql(folder, "postgres", "CREATE DATABASE videohookd")
        postgres_ledger = f"ledger:\n  url: postgresql:///videohookd?host={folder}&user=postgres\n"
        no_pids = lambda: []
        pg_pids = lambda: postgres_pids(postmaster)
        rows = {}
        for round_number in range(args.rounds):
            for close in (False, True):
                label = "new connections" if close else "keep-alive"
                sqlite = callbacks(args.binary, crt, key, "", no_pids, args.connections, args.seconds, close)
                psql(folder, "postgres", "DROP DATABASE videohookd WITH (FORCE)")
                psql(folder, "postgres", "CREATE DATABASE videohookd")
                postgres = callbacks(args.binary, crt, key, postgres_ledger, pg_pids, args.connections, args.seconds, close)
                # How well the group commit groups: the database's commits (the writer's
                # batches, plus a few reads and the migrations) per callback answered.
                time.sleep(1)  # the statistics collector's delay
                commits = int(psql(folder, "postgres",
                                   "SELECT xact_commit FROM pg_stat_database WHERE datname = 'videohookd'").strip())
                postgres["commits_per_callback"] = commits / max(postgres["requests"], 1)
                print("  tasks scans (seq_scan, seq_tup_read, idx_scan):", psql(folder, "videohookd",
                      "SELECT seq_scan, seq_tup_read, idx_scan FROM pg_stat_user_tables WHERE relname = 'tasks'").strip())
                for name, result in ((f"SQLite, {label}", sqlite), (f"PostgreSQL, {label}", postgres)):
                    if name not in rows or result["rps"] > rows[name]["rps"]:
                        rows[name] = result
                print(f"round {round_number + 1}, {label}: SQLite {sqlite['rps']:.0f}/s, "
                      f"PostgreSQL {postgres['rps']:.0f}/s (non-2xx {sqlite['non2xx']}, {postgres['non2xx']}; "
                      f"PostgreSQL commits per callback {postgres['commits_per_callback']:.2f})", flush=True)
            result = pgbench(folder, args.connections, args.seconds)
            if "pgbench" not in rows or result["rps"] > rows["pgbench"]["rps"]:
                rows["pgbench"] = result
            print(f"round {round_number + 1}: pgbench one-row INSERT per transaction {result['rps']:.0f} tps", flush=True)
    finally:
        stop_cluster(folder, data)

    pgbench_tps = rows["pgbench"]["rps"]
    print(f"\n| measure ({args.connections} connections, load on core {bench.LOAD_CORES}, servers on {bench.SERVER_CORES}, "
          f"best of {args.rounds}) | per second | server CPU per request | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| pgbench, one-row INSERT per transaction | {pgbench_tps:.0f} | | |")
    for label in ("keep-alive", "new connections"):
        sqlite, postgres = rows[f"SQLite, {label}"], rows[f"PostgreSQL, {label}"]
        print(f"| durable callbacks, SQLite, {label} | {sqlite['rps']:.0f} | {sqlite['server_cpu_ms']:.3f} ms | |")
        print(f"| durable callbacks, PostgreSQL, {label} | {postgres['rps']:.0f} | {postgres['server_cpu_ms']:.3f} ms "
              f"(videohookd and PostgreSQL) | {postgres['rps'] / pgbench_tps:.2f} of pgbench (≥ 2), "
              f"{postgres['rps'] / sqlite['rps']:.2f} of SQLite (≥ 0.7) |")


if __name__ == "__main__":
    sys.exit(main())
