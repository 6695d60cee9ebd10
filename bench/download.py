#!/usr/bin/env python3
"""videohookd's downloader against curl: one file from nginx over TLS on loopback.

Both clients fetch the same file from the same nginx (TLS 1.3, ECDSA P-256 certificate
signed by a CA made here and trusted through --ca-file / --cacert) and write it to the
same disk. videohookd runs `videohookd download-bench`: the downloader's own client,
streaming writer, SHA-256 and checkpoints (an fsync every 256 MiB or 5 s, as the daemon
does), outside the queue; once as it ships (whole blocks straight to the disk with
O_DIRECT) and once with `--through-page-cache`, so one run shows what direct writes buy.

Throughput is the file size over the wall time of the whole command (process start,
handshake, body, close), the best of --runs runs each, taken in turns. Peak RSS is the
process's maximum resident set (/usr/bin/time -v); its growth is that figure for the big
file minus the same client's for a 1 KiB file, so it shows what the download itself costs.
Run through bench/download.sh, which builds and installs what it needs.
"""
import argparse, hashlib, os, re, signal, socket, subprocess, time

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "out", "download")
PORT = 28444


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def make_certificates():
    ca, crt, key = (os.path.join(OUT, n) for n in ("ca.crt", "server.crt", "server.key"))
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", os.path.join(OUT, "ca.key"), "-out", ca, "-days", "2", "-subj", "/CN=bench CA",
       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", key, "-out", os.path.join(OUT, "server.csr"), "-subj", "/CN=127.0.0.1")
    with open(os.path.join(OUT, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    sh("openssl", "x509", "-req", "-in", os.path.join(OUT, "server.csr"), "-CA", ca, "-CAkey",
       os.path.join(OUT, "ca.key"), "-CAcreateserial", "-out", crt, "-days", "2", "-extfile",
       os.path.join(OUT, "server.ext"))
    return ca, crt, key


def make_file(path, size):
    if os.path.exists(path) and os.path.getsize(path) == size:
        return
    with open("/dev/urandom", "rb") as source, open(path, "wb") as out:
        left = size
        while left:
            block = source.read(min(left, 8 << 20))
            out.write(block)
            left -= len(block)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def start_nginx(crt, key, root):
    conf = os.path.join(OUT, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {OUT}/nginx.pid;
error_log {OUT}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  sendfile on;
  types {{ video/mp4 mp4; application/octet-stream bin; }}
  server {{
    listen 127.0.0.1:{PORT} ssl;
    ssl_certificate {crt};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    root {root};
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", OUT], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("nginx did not start; see " + os.path.join(OUT, "nginx-error.log"))


def timed(command):
    """Runs `command` under /usr/bin/time -v; returns (wall seconds, max RSS in KiB, stdout)."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return wall, rss, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-dir", default=OUT,
                        help="where the clients write (default bench/out/download; /dev/shm takes the disk out)")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    root = os.path.join(OUT, "www")
    os.makedirs(root, exist_ok=True)
    ca, crt, key = make_certificates()
    size = args.mib << 20
    make_file(os.path.join(root, "big.bin"), size)
    make_file(os.path.join(root, "small.bin"), 1024)
    expected = sha256(os.path.join(root, "big.bin"))

    def videohookd(name, out, *extra):
        return [args.binary, "download-bench", f"https://127.0.0.1:{PORT}/{name}", "--output", out,
                "--ca-file", ca, "--allow-internal", *extra]

    clients = {
        "videohookd": videohookd,
        # The same client with every write through the page cache, as before direct writes.
        "videohookd, page cache": lambda name, out: videohookd(name, out, "--through-page-cache"),
        "curl": lambda name, out: ["curl", "-sS", "--fail", "--cacert", ca, "-o", out,
                                   f"https://127.0.0.1:{PORT}/{name}"],
        # The same durability as the archive: the file's data on the disk before the end.
        "curl+fsync": lambda name, out: ["sh", "-c", f'curl -sS --fail --cacert "{ca}" -o "{out}" '
                                         f'"https://127.0.0.1:{PORT}/{name}" && sync --data "{out}"'],
    }
    # The disk alone, no network: the same bytes copied from the page cache to the same
    # disk, once straight to it (O_DIRECT) and once through the page cache with an
    # fdatasync at the end (the path the archive takes). Neither downloads anything; they
    # show how fast this disk takes a file that must be on it before the end.
    disk = {
        "dd direct": lambda out: ["dd", f"if={os.path.join(root, 'big.bin')}", f"of={out}", "bs=1M",
                                  "oflag=direct", "status=none"],
        "dd fdatasync": lambda out: ["dd", f"if={os.path.join(root, 'big.bin')}", f"of={out}", "bs=1M",
                                     "conv=fdatasync", "status=none"],
    }
    disk_walls = {name: [] for name in disk}
    nginx = start_nginx(crt, key, root)
    results = {name: {"wall": [], "rss": [], "small_rss": []} for name in clients}
    try:
        for client, command in clients.items():
            for _ in range(2):
                _, rss, _ = timed(command("small.bin", os.path.join(OUT, f"{client}-small.out")))
                results[client]["small_rss"].append(rss)
        for _ in range(args.runs):
            for client, command in clients.items():
                out = os.path.join(args.write_dir, f"{client}.out")
                if os.path.exists(out):
                    os.remove(out)
                sh("sync")
                wall, rss, stdout = timed(command("big.bin", out))
                results[client]["wall"].append(wall)
                results[client]["rss"].append(rss)
                if client.startswith("videohookd") and f"sha256={expected}" not in stdout:
                    raise SystemExit(f"videohookd reported another SHA-256: {stdout}")
                if os.path.getsize(out) != size:
                    raise SystemExit(f"{client} wrote {os.path.getsize(out)} bytes, not {size}")
            for name, command in disk.items():
                out = os.path.join(args.write_dir, "disk.out")
                if os.path.exists(out):
                    os.remove(out)
                sh("sync")
                wall, _, _ = timed(command(out))
                disk_walls[name].append(wall)
                os.remove(out)
        for client in clients:
            if sha256(os.path.join(args.write_dir, f"{client}.out")) != expected:
                raise SystemExit(f"the file {client} downloaded differs from the served one")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=30)
        for client in clients:
            for path in (os.path.join(args.write_dir, client + ".out"), os.path.join(OUT, client + "-small.out")):
                if os.path.exists(path):
                    os.remove(path)

    def row(name):
        r = results[name]
        best = min(r["wall"])
        return {"mbps": size / best / 1e6, "walls": r["wall"], "peak": max(r["rss"]) / 1024,
                "growth": (max(r["rss"]) - min(r["small_rss"])) / 1024, "base": min(r["small_rss"]) / 1024}

    rows = {name: row(name) for name in clients}
    vh, cu, cs = rows["videohookd"], rows["curl"], rows["curl+fsync"]
    print(f"\n{args.mib} MiB from nginx over TLS on loopback, written to {args.write_dir}, best of {args.runs} runs each, "
          f"taken in turns, {os.cpu_count()} cores shared; SHA-256 of every copy checked\n")
    names = list(clients)
    print("| measure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    def line(label, cell):
        print(f"| {label} | " + " | ".join(cell(rows[name]) for name in names) + " |")
    line("throughput (best run)", lambda r: f"{r['mbps']:.0f} MB/s")
    line("videohookd's throughput ÷ this", lambda r: f"{vh['mbps'] / r['mbps']:.2f}")
    line("wall time of each run", lambda r: ", ".join(f"{w:.2f}" for w in r["walls"]) + " s")
    line("peak RSS, 1 KiB file", lambda r: f"{r['base']:.1f} MB")
    line(f"peak RSS, {args.mib} MiB file", lambda r: f"{r['peak']:.1f} MB")
    line("peak RSS growth for the download", lambda r: f"{r['growth']:.1f} MB")
    direct = size / min(disk_walls["dd direct"]) / 1e6
    synced = size / min(disk_walls["dd fdatasync"]) / 1e6
    print(f"\nThe disk alone (dd, 1 MiB blocks from memory): {direct:.0f} MB/s with O_DIRECT, "
          f"{synced:.0f} MB/s through the page cache with an fdatasync at the end.")
    print("videohookd fsyncs the file (and checkpoints on the way) before it ends, writing whole blocks with O_DIRECT; "
          "curl leaves the file in the page cache.")
    print("targets: throughput >= 0.90x curl -> "
          f"{'met' if vh['mbps'] >= 0.9 * cu['mbps'] else 'missed'} ({vh['mbps'] / cu['mbps']:.2f}x) against curl, "
          f"{'met' if vh['mbps'] >= 0.9 * cs['mbps'] else 'missed'} against curl then fsync; "
          f"peak RSS growth < 10 MB -> {'met' if vh['growth'] < 10 else 'missed'}")

if __name__ == "__main__":
    main()
