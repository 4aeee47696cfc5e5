#!/usr/bin/env python3
"""The hostile campaign of bench/hostile.sh: a lying upstream, load with faults, hostile clients.

Run through bench/hostile.sh, which builds nothing and starts everything on loopback. The
upstream lies at the transport level (sizes, endless bodies, a gzip bomb, a dripped page); the
clients verify every complete 200 against the page's sha256 and count the bytes of any that do
not match ("bad bytes served": must be 0), while other clients hold half-open connections,
trickle headers and pipeline requests. Between phases the proxy is killed with SIGKILL in the
middle of a download and restarted on the same cache, which must serve the file whole.
"""
import gzip
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORK, LAUNCHER, DURATION = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(14)


def blob(n):
    return bytes(rnd.getrandbits(8) for _ in range(min(n, 4096))) * (n // 4096 + 1)


# name -> (bytes the page's sha256 and size describe, declared size or None, how it is sent)
FILES = {}
for i in range(8):
    FILES[f"good-1.{i}-py3-none-any.whl"] = (blob(256 * 1024 * (i + 1))[: 256 * 1024 * (i + 1)], True, "honest")
FILES["big-1.0-py3-none-any.whl"] = (blob(24 << 20)[: 24 << 20], True, "slow")
# One version per lie: a name like bad-overrun-1.0-... is no valid wheel name (PEP 427: its version
# would be "overrun"), and the file-name rule blocks it before its bytes are ever fetched.
for k, lie in enumerate(("overrun", "endless", "wrong", "undeclared-endless")):
    FILES[f"bad-1.0.{k}-py3-none-any.whl"] = (blob(512 * 1024)[: 512 * 1024], lie != "undeclared-endless", lie)
PROJECT_OF = lambda f: f.split("-")[0]  # noqa: E731


def page(project):
    files = []
    for name, (data, declared, _) in FILES.items():
        if PROJECT_OF(name) == project:
            e = {"filename": name, "url": f"/files/{name}", "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}
            if declared:
                e["size"] = len(data)
            files.append(e)
    return json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": files}).encode()


BOMB = gzip.compress(b'{"meta":{"api-version":"1.1"},"files":[' + b" " * (300 << 20) + b"]}", 1)


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def head(self, status, headers):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def chunk(self, b):
        self.wfile.write(b"%x\r\n" % len(b) + b + b"\r\n")

    def do_GET(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def serve(self):
        p = self.path
        ctype = "application/vnd.pypi.simple.v1+json"
        if p.startswith("/simple/"):
            project = p.split("/")[2]
            if project == "bomb":
                self.head(200, {"Content-Type": ctype, "Content-Encoding": "gzip", "Content-Length": len(BOMB)})
                self.wfile.write(BOMB)
            elif project == "drip":
                body = page("good")
                self.head(200, {"Content-Type": ctype, "Content-Length": len(body)})
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.5)
            elif project in ("good", "bad", "big"):
                body = page(project)
                self.head(200, {"Content-Type": ctype, "Content-Length": len(body)})
                self.wfile.write(body)
            else:
                self.head(404, {"Content-Length": 0})
            return
        name = p.split("/")[-1]
        if name not in FILES:
            self.head(404, {"Content-Length": 0})
            return
        data, _, how = FILES[name]
        if how == "honest":
            self.head(200, {"Content-Length": len(data)})
            self.wfile.write(data)
        elif how == "slow":
            self.head(200, {"Content-Length": len(data)})
            for i in range(0, len(data), 256 * 1024):
                self.wfile.write(data[i:i + 256 * 1024])
                time.sleep(0.05)
        elif how == "wrong":
            self.head(200, {"Content-Length": len(data)})
            self.wfile.write(bytes(reversed(data)))
        else:  # overrun, endless, undeclared-endless: chunked, more than declared
            self.head(200, {"Transfer-Encoding": "chunked"})
            self.chunk(data)
            more = b"X" * 65536
            for _ in range(8 if how == "overrun" else 1 << 15):
                self.chunk(more)
            self.wfile.write(b"0\r\n\r\n")
        self.close_connection = how != "honest"


class Trickled:
    cut = 0
    pipelined = 0


up = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
up.daemon_threads = True
threading.Thread(target=up.serve_forever, daemon=True).start()
UP = up.server_address[1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()
cache = os.path.join(WORK, "cache")
with open(os.path.join(WORK, "pypi-guard.yaml"), "w") as f:
    f.write(f"""listen: 127.0.0.1:{PORT}
upstream: http://127.0.0.1:{UP}/simple/
cache-dir: {cache}
cache: {{page-ttl: 10m, stream-after: 1MB, max-size: {os.environ.get('MAX_SIZE', '48MB')}}}
timeouts: {{connect: 2s, read: 3s, request-headers: 5s, idle: 30s}}
limits: {{connections-per-client: 200, file-size: 16MB}}
""")

# The lies under test are the upstream's, not the policy's: a permissive policy (an empty file;
# the built-in one holds releases younger than 7 days, which is every file here) and no
# advisory source (an empty directory; the OSV API is not reachable from a test machine).
PERMISSIVE = os.path.join(WORK, "permissive.yaml")
open(PERMISSIVE, "w").close()
NO_ADVISORIES = os.path.join(WORK, "osv-none")
os.makedirs(NO_ADVISORIES, exist_ok=True)

proxy = None


def start_proxy():
    global proxy
    log = open(os.path.join(WORK, "proxy.log"), "a")
    proxy = subprocess.Popen([LAUNCHER, "serve", "--config", os.path.join(WORK, "pypi-guard.yaml"),
                              "--policy", PERMISSIVE, "--advisories", NO_ADVISORIES],
                             stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            if get("/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("the proxy did not start: see " + os.path.join(WORK, "proxy.log"))


def get(path, timeout=30, source=None):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout,
                                   source_address=(source, 0) if source else None)
    try:
        c.request("GET", path, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        r = c.getresponse()
        try:
            body = r.read()
            return r.status, body, True
        except http.client.IncompleteRead as e:
            return r.status, e.partial, False
    finally:
        c.close()


def proc(pid):
    rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
    return int(rss) // 1024, len(os.listdir(f"/proc/{pid}/fd"))


other = {}  # status -> count, of the "other errors"
stats = {"requests": 0, "ok": 0, "refused (502/504)": 0, "cut": 0, "other errors": 0, "bad bytes served": 0}
lock = threading.Lock()
EXPECT = {n: hashlib.sha256(d).hexdigest() for n, (d, _, _) in FILES.items()}


def count(key, n=1):
    with lock:
        stats[key] += n


def one_request():
    kind = rnd.random()
    if kind < 0.15:
        path = "/simple/" + rnd.choice(["good", "bad", "bomb", "drip", "big", "nope"]) + "/"
    else:
        name = rnd.choice(list(FILES))
        path = f"/files/{PROJECT_OF(name)}/{name}"
    count("requests")
    try:
        status, body, complete = get(path, source="127.0.0.3")
    except (OSError, http.client.HTTPException):
        count("cut")
        return
    if status == 200 and complete and path.startswith("/files/"):
        name = path.split("/")[-1]
        if hashlib.sha256(body).hexdigest() != EXPECT[name]:
            count("bad bytes served", len(body))
            return
    if status == 200 and complete:
        count("ok")
    elif status == 200:
        count("cut")
    elif status in (502, 504):
        count("refused (502/504)")
    elif status == 404 and "nope" in path:
        count("ok")
    else:
        count("other errors")
        with lock:
            key = f"{status} {path.split('/')[2]}"
            other[key] = other.get(key, 0) + 1


def load(seconds, workers=12):
    end = time.time() + seconds

    def work():
        while time.time() < end:
            one_request()
    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def hostile_clients(seconds):
    """Half-open connections from 127.0.0.1, trickled headers from .4, pipelined bursts from .5."""
    held = []
    for _ in range(400):
        try:
            held.append(socket.create_connection(("127.0.0.1", PORT), timeout=5))
        except OSError:
            break
    end = time.time() + seconds

    def trickle():
        while time.time() < end:
            try:
                s = socket.create_connection(("127.0.0.1", PORT), timeout=10, source_address=("127.0.0.4", 0))
                for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 100:
                    s.send(bytes([b]))
                    time.sleep(0.2)
            except OSError:
                with lock:
                    Trickled.cut += 1

    def pipeline():
        while time.time() < end:
            try:
                s = socket.create_connection(("127.0.0.1", PORT), timeout=10, source_address=("127.0.0.5", 0))
                s.sendall(b"".join(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" for _ in range(100)))
                got = b""
                while got.count(b"HTTP/1.1 200") < 100:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                s.close()
                if got.count(b"HTTP/1.1 200") == 100:
                    with lock:
                        Trickled.pipelined += 1
            except OSError:
                pass
    ts = [threading.Thread(target=trickle) for _ in range(10)] + [threading.Thread(target=pipeline) for _ in range(2)]
    for t in ts:
        t.start()
    return held, ts


def report(title, before, after):
    print(f"{title}: RSS {before[0]} MiB -> {after[0]} MiB, open files {before[1]} -> {after[1]}")


start_proxy()
time.sleep(1)
before = proc(proxy.pid)
print(f"hostile campaign: {DURATION}s of load with faults, then kill -9 mid-download; cache max-size "
      f"{os.environ.get('MAX_SIZE', '48MB')}, limits.file-size 16MB")

# Phase 1: load with a lying upstream while hostile clients hoard, trickle and pipeline.
held, ts = hostile_clients(DURATION)
healthy = 0
probes = 0
probe_end = time.time() + DURATION


def probe():
    global healthy, probes
    while time.time() < probe_end:
        probes += 1
        try:
            if get("/healthz", timeout=5, source="127.0.0.2")[0] == 200:
                healthy += 1
        except OSError:
            pass
        time.sleep(0.5)


pt = threading.Thread(target=probe)
pt.start()
load(DURATION)
pt.join()
for t in ts:
    t.join()
for s in held:
    s.close()
time.sleep(2)
report("proxy under attack", before, proc(proxy.pid))
print(f"/healthz from another address during the attack: {healthy}/{probes} answered 200 "
      f"(while {len(held)} half-open connections were held from 127.0.0.1)")
print(f"trickled requests cut at timeouts.request-headers: {Trickled.cut}; "
      f"bursts of 100 pipelined requests answered whole and in order: {Trickled.pipelined}")

# Phase 2: kill -9 in the middle of a cold 24 MiB download, restart on the same cache.
done = threading.Event()
threading.Thread(target=lambda: (get("/files/big/big-1.0-py3-none-any.whl", timeout=60), done.set()),
                 daemon=True).start()
time.sleep(1.0)
proxy.send_signal(signal.SIGKILL)
proxy.wait()
start_proxy()
time.sleep(1)
restarted = proc(proxy.pid)
status, body, complete = get("/files/big/big-1.0-py3-none-any.whl", timeout=120)
count("requests")
if status == 200 and complete and hashlib.sha256(body).hexdigest() == EXPECT["big-1.0-py3-none-any.whl"]:
    count("ok")
    print("after kill -9 mid-download and a restart: the file is served whole and verified")
elif status == 200 and complete:
    count("bad bytes served", len(body))
    print("after kill -9: WRONG BYTES")
else:
    count("other errors")
    print(f"after kill -9: {status}, complete={complete}")

# Phase 3: the same load again on the restarted proxy (what the cache kept must be good).
load(max(3, DURATION // 2))
time.sleep(2)
after = proc(proxy.pid)
du = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(cache, "blobs")) for f in fs)
for k, v in stats.items():
    print(f"{k:>20}: {v}")
if other:
    print("     other statuses: " + ", ".join(f"{k} x{v}" for k, v in sorted(other.items())))
report("restarted proxy", restarted, after)
print(f"cache blobs on disk: {du / 1048576:.1f} MiB")
proxy.terminate()
proxy.wait(timeout=20)
up.shutdown()
sys.exit(1 if stats["bad bytes served"] else 0)
