#!/usr/bin/env python3
"""Object-store benchmark (issue 20): a video of SIZE (default 1 GiB) served by nginx over
TLS on loopback, archived into a bucket of moto's S3 server (Signature V4 checks on).

In one run, alternating for ROUNDS rounds:
- videohookd with `s3.bucket`: from the callback's 200 to `upload.done` in its log (the
  object completed, given its sha256, verified by HeadObject, the sidecar beside it);
- the download alone: the same videohookd without `s3.bucket`, from the callback's 200 to
  `download.done` (the file fsynced and renamed into the archive);
- `rclone copyurl` of the same URL into the same bucket (Debian's rclone, its defaults;
  `--no-check-certificate` for the test certificate, since rclone 1.60's `--ca-cert`
  breaks its S3 backend; `--s3-no-head`, since moto answers an unversioned bucket's
  CompleteMultipartUpload with `x-amz-version-id: null` and then refuses rclone's
  `HEAD ?versionId=null` with 400: rclone's check after the upload is skipped, and
  with it a request that videohookd does make);
- the store's own floor (bench/s3_store_floor.py): the same multipart steps from a file
  with boto3, one at a time, so that the table can say how much of videohookd's time is
  moto's CompleteMultipartUpload and CopyObject, which begin only after the last byte.
Also videohookd's peak RSS growth during the bucket run (VmHWM less VmRSS before it).

Usage: bench/s3.py --binary PATH --python VENV_PYTHON [--size-mib N] [--rounds N]
(bench/s3.sh installs what it needs, builds and runs this.)
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORT = os.path.join(ROOT, "Tests", "TestSupport")
KEEP_LOGS = os.environ.get("BENCH_KEEP_LOGS")  # a folder: each run's videohookd.log is copied there


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {timeout}s")


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start_nginx(work, crt, key, root):
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""daemon off;
worker_processes 1;
user root;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  types {{ video/mp4 mp4; }}
  sendfile on;
  client_body_temp_path {work}/nginx-tmp;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {crt};
    ssl_certificate_key {key};
    root {root};
  }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return process, port


def start_moto(work, python):
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    process = subprocess.Popen([python, os.path.join(SUPPORT, "moto_s3_server.py"), "-H", "127.0.0.1", "-p", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "moto.log"), "w"))
    wait_port(port)
    endpoint = f"http://127.0.0.1:{port}"
    keys = json.loads(subprocess.run([python, os.path.join(SUPPORT, "moto_s3_setup.py"), endpoint, "bench"],
                                     check=True, capture_output=True, text=True).stdout)
    return process, endpoint, keys


def start_videohookd(binary, work, name, crt, key, s3=""):
    state = os.path.join(work, name)
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    port, admin = free_port(), free_port()
    config = os.path.join(state, "videohookd.yaml")
    with open(config, "w") as f:
        f.write(f"""listen: 127.0.0.1:{port}
admin_listen: 127.0.0.1:{admin}
state_dir: {state}
log_file: {state}/videohookd.log
tls:
  cert_file: {crt}
  key_file: {key}
download:
  ca_file: {crt}
  allow_internal: true
  max_bytes: 8GiB
disk_reserve_bytes: 0
{s3}""")
    process = subprocess.Popen([binary, "serve", "--config", config], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    process.stdout.readline()
    token = open(os.path.join(state, "callback-token")).read().strip()
    return process, state, port, token


def archive_one(binary, work, name, crt, key, url, task, done_event, s3=""):
    """Seconds from the callback's 200 to `done_event` in the log; the peak RSS growth (KiB)."""
    process, state, port, token = start_videohookd(binary, work, name, crt, key, s3)
    try:
        time.sleep(0.5)
        rss_before = status_kib(process.pid, "VmRSS")
        body = json.dumps({"id": task, "object": "video.generation.task", "model": "seedance-1.5-pro",
                           "created": int(time.time()), "status": "completed", "progress": 100, "type": "video",
                           "results": [url]})
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=crt))
        connection.request("POST", f"/callbacks/{token}", body, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        answer.read()
        began = time.monotonic()
        assert answer.status == 200, answer.status
        log = os.path.join(state, "videohookd.log")
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            with open(log) as f:
                text = f.read()
            if f"event={done_event} " in text and f"task_id={task}" in text:
                break
            if "event=download.failed" in text or "event=upload.retry" in text:
                raise SystemExit(f"{name}: the archive failed or waits:\n" + "\n".join(text.splitlines()[-6:]))
            time.sleep(0.02)
        else:
            raise SystemExit(f"{name}: no {done_event} in 900 s:\n" + "\n".join(text.splitlines()[-6:]))
        seconds = time.monotonic() - began
        growth = status_kib(process.pid, "VmHWM") - rss_before
        return seconds, growth
    finally:
        process.terminate()
        process.wait(timeout=60)
        if KEEP_LOGS:
            shutil.copy(os.path.join(state, "videohookd.log"), os.path.join(KEEP_LOGS, f"{name}-{task}.log"))
        shutil.rmtree(state, ignore_errors=True)


def rclone_copy(endpoint, keys, crt, url, key):
    # AWS_CA_BUNDLE (set on some machines) makes rclone 1.60's S3 backend fail to start.
    env = {name: value for name, value in os.environ.items() if name != "AWS_CA_BUNDLE"}
    env = {**env, "RCLONE_CONFIG_MOTO_TYPE": "s3", "RCLONE_CONFIG_MOTO_PROVIDER": "Other",
           "RCLONE_CONFIG_MOTO_ENDPOINT": endpoint, "RCLONE_CONFIG_MOTO_REGION": "us-east-1",
           "RCLONE_CONFIG_MOTO_ACCESS_KEY_ID": keys["accessKeyID"],
           "RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY": keys["secretAccessKey"]}
    began = time.monotonic()
    run = subprocess.run(["rclone", "copyurl", "--no-check-certificate", "--s3-no-head", url, f"moto:bench/{key}"], env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        last = [line for line in run.stderr.splitlines() if "ERROR" in line or "Failed" in line][-1:]
        print(f"rclone copyurl failed: {' '.join(last) or run.stderr[-300:]}", flush=True)
        return None
    return time.monotonic() - began


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--python", required=True, help="a python3 with boto3 and moto[server]")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="vh-bench-s3-")
    crt, key = os.path.join(work, "crt.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    root = os.path.join(work, "root")
    os.makedirs(root)
    os.makedirs(os.path.join(work, "nginx-tmp"))
    subprocess.run(["dd", "if=/dev/urandom", f"of={root}/video.mp4", "bs=1M", f"count={args.size_mib}"],
                   check=True, capture_output=True)
    nginx, nginx_port = start_nginx(work, crt, key, root)
    moto, endpoint, keys = start_moto(work, args.python)
    url = f"https://127.0.0.1:{nginx_port}/video.mp4"
    s3 = f"""s3:
  bucket: bench
  endpoint: {endpoint}
  region: us-east-1
  path_style: true
  access_key_id: {keys['accessKeyID']}
  secret_access_key: {keys['secretAccessKey']}
"""
    results = {"bucket": [], "download": [], "rclone": [], "rss": [], "floor": []}
    try:
        for round_number in range(args.rounds):
            stamp = f"{int(time.time())}-r{round_number:07d}"
            seconds, growth = archive_one(args.binary, work, "bucket", crt, key, url, f"task-unified-{stamp}", "upload.done", s3)
            results["bucket"].append(seconds)
            results["rss"].append(growth)
            seconds, _ = archive_one(args.binary, work, "files", crt, key, url, f"task-unified-{stamp}", "download.done")
            results["download"].append(seconds)
            results["rclone"].append(rclone_copy(endpoint, keys, crt, url, f"rclone-{round_number}.mp4"))
            floor = subprocess.run([args.python, os.path.join(ROOT, "bench", "s3_store_floor.py"), endpoint, "bench",
                                    keys["accessKeyID"], keys["secretAccessKey"], f"{root}/video.mp4", str(16 << 20)],
                                   check=True, capture_output=True, text=True)
            results["floor"].append(json.loads(floor.stdout))
            rclone_text = "failed" if results["rclone"][-1] is None else f"{results['rclone'][-1]:.2f} s"
            print(f"round {round_number + 1}: bucket {results['bucket'][-1]:.2f} s, download alone "
                  f"{results['download'][-1]:.2f} s, rclone copyurl {rclone_text}, "
                  f"peak RSS growth {results['rss'][-1] / 1024:.1f} MB; the store alone (boto3): "
                  + ", ".join(f"{step} {value:.2f} s" for step, value in results["floor"][-1].items()), flush=True)
    finally:
        nginx.terminate()   # the master stops its workers; SIGKILL would leave them
        moto.kill()
        for process in (nginx, moto):
            process.wait()
        shutil.rmtree(work, ignore_errors=True)

    bucket, download = min(results["bucket"]), min(results["download"])
    rclone_times = [seconds for seconds in results["rclone"] if seconds is not None]
    rclone = min(rclone_times) if rclone_times else float("nan")
    print(f"\n| measure ({args.size_mib} MiB, best of {args.rounds}) | result | target |")
    print("| --- | --- | --- |")
    print(f"| callback to verified object | {bucket:.2f} s | |")
    print(f"| the download alone (file archive) | {download:.2f} s | |")
    print(f"| rclone copyurl into the same bucket | {rclone:.2f} s | |")
    after = min(sum(f[step] for step in ("complete", "copy", "head")) for f in results["floor"])
    parts = min(f["parts"] for f in results["floor"])
    print(f"| the store alone: 16 MiB parts one after another (boto3) | {parts:.2f} s | |")
    print(f"| the store alone: complete + copy + head, after the last byte | {after:.2f} s | |")
    print(f"| videohookd ÷ rclone | {bucket / rclone:.2f} | ≤ 1.0 |")
    print(f"| videohookd ÷ the download alone | {bucket / download:.2f} | ≤ 1.3 |")
    print(f"| videohookd less the store's complete + copy + head, ÷ the download alone | {(bucket - after) / download:.2f} | |")
    print(f"| peak RSS growth (largest) | {max(results['rss']) / 1024:.1f} MB | < 64 MB |")


if __name__ == "__main__":
    sys.exit(main())
