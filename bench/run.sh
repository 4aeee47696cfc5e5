#!/usr/bin/env bash
# Benchmark (issue 15, README "Speed"): cached pages and files of pypi-guard beside nginx serving
# the same bytes, in the same run, printed as ratios.
#
#   mvn -B -q -DskipTests package && bench/run.sh
#   DURATION=10 SIZES="100 500 5000" bench/run.sh          # longer runs, all sizes
#   LAUNCHER=/tmp/old/bin/pypi-guard bench/run.sh         # another build (before/after)
#
# Needs nginx, wrk, python3 and curl. Debian: apt-get install -y nginx wrk
# Everything runs on loopback. For each page (JSON v1 with PEP 700 fields, asked for as pip 26
# asks, and HTML; identity and gzip; SIZES files) it measures
#   pypi-guard       with a permissive policy (nothing to judge): the page from its rendered cache
#   nginx static     the very bytes pypi-guard answered, from disk (gzip_static for gzip)
#   nginx proxy_cache nginx caching pypi-guard's answers (key: URI, Accept, Accept-Encoding)
# then a judged page (cooldown, advisories, yanks) against the unjudged one, a cached
# FILE_MB MiB file against nginx sendfile (8 and 50 clients, with pypi-guard's RSS while 50 pull),
# cold misses (COLD_FILES files of COLD_MB MiB through a pypi-guard in front of a local nginx,
# against the same downloads straight from that nginx and through nginx proxy_cache, all written
# to a file, each after a sync; after COLD_WARMUP misses of other files that warm the JVM, printed
# apart; then the same behind an upstream link of COLD_RATE bytes a second; each side is asked
# for the wheel's core metadata before the wheel, as pip asks, and only the wheel is timed; and
# COLD_SMALL wheels of COLD_SMALL_KB KiB with their metadata, after COLD_SMALL_WARMUP others, the
# first COLD_SMALL of which are printed apart as a fresh JVM's), and
# a warm pip install of PIP_REQS through pypi-guard in front of nginx serving the static index PIP_INDEX,
# against the same from nginx serving pypi-guard's answers to that install as a static mirror
# (the very same requests) and against PIP_INDEX itself (no metadata files), timed after
# PIP_WARMUP replays of that install's requests through pypi-guard. Before measuring,
# pypi-guard is warmed for WARMUP seconds per page so that C2 has compiled the hot path (the
# script waits for an empty C2 queue).
# wrk runs with -t1 (one core for the client, one for the server on a 2-core machine) and CONNS
# connections for DURATION seconds; each figure is the best of RUNS rounds, and the servers of a
# row take turns within each round. Page rows also print each server's CPU time per request over
# all rounds (user + system, from /proc/PID/stat), which the load of the machine moves far less.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
launcher=${LAUNCHER:-"$here/distribution/target/pypi-guard/bin/pypi-guard"}
[ -x "$launcher" ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
for tool in nginx wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (Debian: apt-get install -y nginx wrk)" >&2; exit 2; }
done
DURATION=${DURATION:-3}
WARMUP=${WARMUP:-8}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"100 500 5000"}
FILE_MB=${FILE_MB:-64}
FILE_SMALL_KB=${FILE_SMALL_KB:-64}  # a cached wheel of the size of most, beside the large one
CONNS=${CONNS:-32}
# Server threads of the measured servers (pages, judged, cached file): nginx worker_processes and
# pypi-guard's event loops (-Dio.netty.eventLoopThreads), alike. One by default, leaving the other
# core of a 2-core machine to wrk. With two each, nginx put a round's 32 connections on one of its
# workers in some rounds and spread them in others (look at /proc/PID/fd of each worker during a
# round), while pypi-guard always split them evenly, so the rates measured how three busy threads
# shared two cores rather than what a request costs. SERVER_THREADS=2 runs both with two. The cold
# and pip parts keep each server's defaults.
SERVER_THREADS=${SERVER_THREADS:-1}
FILE_CONNS=${FILE_CONNS:-8}
COLD_MB=${COLD_MB:-64}
COLD_FILES=${COLD_FILES:-5}
COLD_WARMUP=${COLD_WARMUP:-3}
COLD_SMALL=${COLD_SMALL:-200}
COLD_SMALL_KB=${COLD_SMALL_KB:-64}
# Small cold wheels through pypi-guard before those timed: a method run once or twice per request
# reaches C2 only after some 5,000-15,000 requests, so a shorter warm-up times the JIT's work (README
# "Speed"). The first COLD_SMALL of them are timed too, as a fresh JVM's.
COLD_SMALL_WARMUP=${COLD_SMALL_WARMUP:-25000}
if [ "$COLD_SMALL_WARMUP" -gt 0 ] && [ "$COLD_SMALL_WARMUP" -lt "$COLD_SMALL" ]; then
  echo "COLD_SMALL_WARMUP must be 0 or at least COLD_SMALL ($COLD_SMALL): its first COLD_SMALL are timed apart" >&2
  exit 2
fi
COLD_RATE=${COLD_RATE-125m}  # the far upstream's link (nginx limit_rate; 125m = 1 Gbit/s); empty: none
PIP_RUNS=${PIP_RUNS:-15}  # rounds of the three installs (one varies by ±0.4 s: 7 rounds gave medians of 0.96 and 1.08 in two runs)
PIP_WARMUP=${PIP_WARMUP:-40}  # replays of the install's requests that warm pypi-guard's JVM before timing
PIP_REQS=${PIP_REQS:-"flask requests pydantic"}
PIP_INDEX=${PIP_INDEX:-/opt/pypi}  # a static simple index on disk (simple/, files/) with the wheels pip needs
ONLY=${ONLY:-"pages file judged cold pip"}  # which parts to measure
want() { [[ " $ONLY " == *" $1 "* ]]; }
JSON_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as an unprivileged user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then echo "logs and pages kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # url [log]
  for _ in $(seq 600); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; [ -n "${2:-}" ] && tail -5 "$2" >&2; exit 1
}

# Every file the benchmark downloads is a real wheel, as on PyPI: a zip with its .dist-info, its
# core metadata advertised on the page (PEP 658/714, as PyPI does for every wheel) and served
# beside it as NAME.metadata. A file of random bytes named .whl is not one: the proxy would look
# for its METADATA by ranges on every miss, and open it as a zip on every hit, work that a real
# wheel never causes, and the benchmark would measure that instead of the serving.
cat >"$work/benchwheel.py" <<'PY'
import hashlib, os, zipfile
def wheel(files_dir, project, version, size):
    """Writes a wheel of about SIZE bytes (random, stored) and its .metadata; returns its page entry."""
    name = f"{project}-{version}-py3-none-any.whl"
    meta = f"Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n".encode()
    path = f"{files_dir}/{name}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"{project}/data.bin", os.urandom(size))
        z.writestr(f"{project}-{version}.dist-info/METADATA", meta)
        z.writestr(f"{project}-{version}.dist-info/WHEEL",
                   "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(f"{project}-{version}.dist-info/RECORD", "")
    with open(path + ".metadata", "wb") as f:
        f.write(meta)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": h.hexdigest()},
            "size": os.path.getsize(path), "core-metadata": {"sha256": hashlib.sha256(meta).hexdigest()}}
PY

# 1. An upstream serving PEP 691 JSON pages with PEP 700 fields (api-version 1.1, versions, size,
#    upload-time), one project per size, and two real files on the first page: one of FILE_MB MiB
#    and one of FILE_SMALL_KB KiB.
#    Every tenth release is an hour old (a 7-day cooldown holds it), the others are from 2020.
mkdir -p "$work/upstream"
python3 - "$work" "$FILE_MB" "$FILE_SMALL_KB" $SIZES <<'PY'
import datetime, hashlib, json, os, sys
sys.path.insert(0, sys.argv[1])
from benchwheel import wheel
root, mb, kb, sizes = sys.argv[1] + "/upstream", int(sys.argv[2]), int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
os.makedirs(f"{root}/files", exist_ok=True)
real = {0: wheel(f"{root}/files", f"benchpkg{sizes[0]}", "1.0", mb << 20),
        1: wheel(f"{root}/files", f"benchpkg{sizes[0]}", "1.1", kb << 10)}
recent = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
names = []
for n in sizes:
    project = f"benchpkg{n}"
    names.append(project)
    files, versions = [], []
    for i in range(n):
        v = f"1.{i}"
        name = f"{project}-{v}-py3-none-any.whl"
        if i in real and n == sizes[0]:
            entry = dict(real[i])
        else:
            entry = {"filename": name, "url": f"../../files/{name}",
                     "hashes": {"sha256": hashlib.sha256(name.encode()).hexdigest()}, "size": 1000 + i}
        versions.append(v)
        entry.update({"requires-python": ">=3.8",
                      "upload-time": recent if i % 10 == 5 else "2020-01-01T00:00:00Z",
                      "yanked": "broken build" if i % 50 == 7 else False})
        files.append(entry)
    page = {"meta": {"api-version": "1.1"}, "name": project, "versions": versions, "files": files}
    os.makedirs(f"{root}/simple/{project}", exist_ok=True)
    with open(f"{root}/simple/{project}/index.json", "w") as f:
        json.dump(page, f)
with open(f"{root}/simple/index.json", "w") as f:
    json.dump({"meta": {"api-version": "1.1"}, "projects": [{"name": p} for p in names]}, f)
PY
cat >"$work/upstream.py" <<'PY'
import http.server, os, sys
class H(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        if self.path.startswith("/simple/"):
            p = self.translate_path(self.path.split("?")[0]) + "/index.json"
            if not os.path.isfile(p):
                self.send_error(404); return None
            f = open(p, "rb")
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
            self.end_headers()
            return f
        return super().send_head()
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up: not news
            super().handle_error(request, client_address)
os.chdir(sys.argv[1])
S(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
PY
up_port=$(free_port)
python3 "$work/upstream.py" "$work/upstream" "$up_port" &
pids+=($!)
wait_http "http://127.0.0.1:$up_port/simple/"

# 2. pypi-guard with a permissive policy (the built-in one holds releases younger than 7 days)
#    and no advisories, and a second one with a policy that judges: cooldown, advisories, yanks.
: >"$work/permissive.yaml"
mkdir -p "$work/osv"
first=${SIZES%% *}
for n in $SIZES; do
  cat >"$work/osv/BENCH-$n.json" <<OSV
{"id": "BENCH-$n", "modified": "2026-01-01T00:00:00Z", "summary": "benchmark advisory",
 "affected": [{"package": {"ecosystem": "PyPI", "name": "benchpkg$n"}, "versions": ["1.2", "1.3"]}],
 "database_specific": {"severity": "CRITICAL"}}
OSV
done
cat >"$work/judged.yaml" <<POL
release-age:
  minimum: 7d
  unknown: block
files:
  yanked: hide
  yank:
    benchpkg$first: "==1.4"
advisories:
  malicious: block
  vulnerable: block
  min-severity: low
POL
start_guard() { # name policy [advisories dir]
  local port; port=$(free_port)
  local adv=(); [ -n "${3:-}" ] && adv=(--advisories "$3")
  JAVA_OPTS="-Dio.netty.eventLoopThreads=$SERVER_THREADS ${JAVA_OPTS:-}" "$launcher" serve --listen "127.0.0.1:$port" --upstream "http://127.0.0.1:$up_port/simple/" \
    --cache-dir "$work/$1" --policy "$2" "${adv[@]}" >"$work/$1.log" 2>&1 &
  pids+=($!)
  eval "${1}_pid=$!; ${1}_port=$port"
  wait_http "http://127.0.0.1:$port/healthz" "$work/$1.log"
}
mkdir -p "$work/osv-none"
start_guard pg "$work/permissive.yaml" "$work/osv-none"
start_guard judged "$work/judged.yaml" "$work/osv"
pg="http://127.0.0.1:$pg_port"
file_path="/files/benchpkg$first/benchpkg$first-1.0-py3-none-any.whl"
small_path="/files/benchpkg$first/benchpkg$first-1.1-py3-none-any.whl"

# 3. What pypi-guard answers, saved for nginx: NAME.json, NAME.html and their .gz.
mkdir -p "$work/nginx/root/p" "$work/nginx/root/files" "$work/nginx/cache"
for n in $SIZES; do
  curl -fs -H "Accept: $JSON_ACCEPT" "$pg/simple/benchpkg$n/" -o "$work/nginx/root/p/$n.json"
  curl -fs "$pg/simple/benchpkg$n/" -o "$work/nginx/root/p/$n.html"
  curl -fs -H "Accept: $JSON_ACCEPT" -H 'Accept-Encoding: gzip' "$pg/simple/benchpkg$n/" -o "$work/nginx/root/p/$n.json.gz"
  curl -fs -H 'Accept-Encoding: gzip' "$pg/simple/benchpkg$n/" -o "$work/nginx/root/p/$n.html.gz"
  curl -fs -H "Accept: $JSON_ACCEPT" "http://127.0.0.1:$judged_port/simple/benchpkg$n/" -o "$work/judged-$n.json"
done
curl -fs "$pg$file_path" -o "$work/nginx/root/files/bench.whl"
cmp -s "$work/nginx/root/files/bench.whl" "$work/upstream/files/benchpkg$first-1.0-py3-none-any.whl" \
  || { echo "the cached file differs from the upstream's" >&2; exit 1; }
curl -fs "$pg$small_path" -o "$work/nginx/root/files/small.whl"
cmp -s "$work/nginx/root/files/small.whl" "$work/upstream/files/benchpkg$first-1.1-py3-none-any.whl" \
  || { echo "the cached small file differs from the upstream's" >&2; exit 1; }

ng_port=$(free_port)
nc_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<NGX
worker_processes $SERVER_THREADS;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log $work/nginx/access.log;
  sendfile on; tcp_nopush on; keepalive_requests 100000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  types { application/vnd.pypi.simple.v1+json json; text/html html; application/zip whl; }
  gzip_static on;
  proxy_cache_path $work/nginx/cache keys_zone=pages:10m max_size=1g inactive=1d;
  server { listen 127.0.0.1:$ng_port; root $work/nginx/root; etag on; }
  server {
    listen 127.0.0.1:$nc_port;
    location / {
      proxy_pass $pg;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache pages;
      proxy_cache_key "\$uri|\$http_accept|\$http_accept_encoding";
      proxy_ignore_headers Cache-Control Expires Vary;
      proxy_cache_valid 200 1d;
      add_header X-Cache-Status \$upstream_cache_status;
    }
  }
}
NGX
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_http "http://127.0.0.1:$ng_port/p/$first.json"
wait_http "http://127.0.0.1:$nc_port/healthz"

# wrk arguments of one page variant: format, coding.
hdrs() {
  local a=()
  [ "$1" = json ] && a+=(-H "Accept: $JSON_ACCEPT")
  [ "$2" = gzip ] && a+=(-H 'Accept-Encoding: gzip')
  [ ${#a[@]} -eq 0 ] || printf '%s\0' "${a[@]}"
}
once() { # connections url headers... -> prints req/s, bytes/s and requests of one wrk run
  local c=$1 url=$2; shift 2
  local out; out=$(wrk -t1 -c"$c" -d"${DURATION}s" "$@" "$url")
  grep -q 'Non-2xx' <<<"$out" && echo "  (non-2xx answers from $url)" >&2
  awk '/Requests\/sec/ {r=$2} / requests in / {n=$1} /Transfer\/sec/ {v=$2; m=1; if (v ~ /GB/) m=1024*1024*1024; else if (v ~ /MB/) m=1048576; else if (v ~ /KB/) m=1024; sub(/[A-Za-z]+/, "", v); t=v*m} END {print r, t, n}' <<<"$out"
}
# CPU time (user + system, in clock ticks) of the processes PIDS, all their threads.
ticks() { # pids...
  local p t=0
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
# The server processes behind each url of the next measure, a quoted list of pids per url (empty:
# not counted): measure then also prints their CPU time per request over all its rounds, in us.
cpu_pids=()
# Side by side: RUNS rounds, each measuring every url in turn, so that a burst of other load on
# the machine falls on all of them alike; prints each url's best req/s and bytes/s, a line each.
measure() { # connections n url1..urln headers...
  local c=$1 n=$2; shift 2
  local urls=("${@:1:$n}"); shift "$n"
  local best=() bestt=() reqs=() cpu=() moved=() i r t k t0 pids
  for ((i = 0; i < n; i++)); do best[i]=0; bestt[i]=0; reqs[i]=0; cpu[i]=0; moved[i]=0; done
  for _ in $(seq "$RUNS"); do
    for ((i = 0; i < n; i++)); do
      read -r -a pids <<<"${cpu_pids[i]:-}"
      t0=$(ticks "${pids[@]}")
      read -r r t k < <(once "$c" "${urls[i]}" "$@")
      cpu[i]=$((cpu[i] + $(ticks "${pids[@]}") - t0)); reqs[i]=$((reqs[i] + ${k:-0}))
      moved[i]=$(awk -v m="${moved[i]}" -v t="$t" -v d="$DURATION" 'BEGIN {printf "%.0f", m + t * d}')
      if awk -v a="$r" -v b="${best[i]}" 'BEGIN {exit !(a > b)}'; then best[i]=$r; bestt[i]=$t; fi
    done
  done
  local hz; hz=$(getconf CLK_TCK)
  for ((i = 0; i < n; i++)); do
    # best req/s, its bytes/s, CPU us per request, CPU ms per GiB sent
    echo "${best[i]} ${bestt[i]} $(awk -v c="${cpu[i]}" -v n="${reqs[i]}" -v b="${moved[i]}" -v hz="$hz" \
      'BEGIN {if (n > 0 && c > 0) printf "%.1f %.0f", c * 1e6 / hz / n, c * 1e3 / hz / (b / 1073741824); else print "- -"}')"
  done
}
warm() { # url headers...
  local url=$1; shift
  wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$@" "$url" >/dev/null
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }

# 4. Warm-up: every variant of pypi-guard (and nginx's cache once), then wait for C2.
for n in $SIZES; do
  for fmt in json html; do
    for enc in identity gzip; do
      mapfile -d '' h < <(hdrs $fmt $enc)
      curl -fs "${h[@]}" "http://127.0.0.1:$nc_port/simple/benchpkg$n/" -o /dev/null
      warm "$pg/simple/benchpkg$n/" "${h[@]}"
    done
  done
done
# The file at both client counts: 50 clients run code that 8 do not (more connections, more
# writes that wait for the socket), which the JIT would otherwise compile during their rounds.
warm "$pg$file_path" -c"$FILE_CONNS"
warm "$pg$small_path"
warm "$pg$file_path" -c50
# The judging pypi-guard is a JVM of its own: warmed alike, so that it is not measured colder.
if want judged; then
  for n in $SIZES; do
    for enc in identity gzip; do
      mapfile -d '' h < <(hdrs json $enc)
      warm "http://127.0.0.1:$judged_port/simple/benchpkg$n/" "${h[@]}"
    done
  done
fi
status=$(curl -fsI -H "Accept: $JSON_ACCEPT" "http://127.0.0.1:$nc_port/simple/benchpkg$first/" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache-status" {print $2}')
[ "$status" = HIT ] || echo "warning: nginx proxy_cache answered $status, not HIT" >&2
# Waits (at most 60 s) until a JVM's C2 compile queue is empty.
c2_idle() { # pid
  command -v jcmd >/dev/null || return 0
  local q
  for _ in $(seq 60); do
    q=$(jcmd "$1" Compiler.queue 2>/dev/null | grep -c 'C2\|c2\|level 4' || true)
    [ "$q" -le 1 ] && break
    sleep 1
  done
}
c2_idle "$pg_pid"
c2_idle "$judged_pid"

echo "pypi-guard $("$launcher" --version 2>/dev/null | head -1); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "wrk -t1 -c$CONNS -d${DURATION}s, best of $RUNS rounds (servers in turn), $SERVER_THREADS server thread(s) each; ratios are pypi-guard / other"
# nginx's workers, whose CPU time the page and file rows count beside pypi-guard's.
ng_workers=$(pgrep -P "$(cat "$work/nginx/nginx.pid")" | tr '\n' ' ')
if want pages; then
# Beside the rates, each server's CPU time per request over all rounds (user + system, every
# thread of pypi-guard; nginx's workers, which serve both nginx columns): a figure that the load
# of the machine moves far less than a rate.
cpu_pids=("$pg_pid" "$ng_workers" "$ng_workers")
printf '%-28s %10s %10s %10s %8s %8s   %s\n' "page (req/s)" pypi-guard nginx nginx-pc "/nginx" "/pc" \
  "CPU us/request: pypi-guard nginx nginx-pc"
for n in $SIZES; do
  for fmt in json html; do
    for enc in identity gzip; do
      mapfile -d '' h < <(hdrs $fmt $enc)
      ext=$fmt; bytes=$(wc -c <"$work/nginx/root/p/$n.$fmt$([ $enc = gzip ] && echo .gz)")
      { read -r a _ ca _; read -r b _ cb _; read -r c _ cc _; } < <(measure "$CONNS" 3 "$pg/simple/benchpkg$n/" \
        "http://127.0.0.1:$ng_port/p/$n.$ext" "http://127.0.0.1:$nc_port/simple/benchpkg$n/" "${h[@]}")
      printf '%-28s %10.0f %10.0f %10.0f %8s %8s   %6s %6s %6s\n' "$n files $fmt $enc ${bytes}B" "$a" "$b" "$c" \
        "$(ratio "$a" "$b")" "$(ratio "$a" "$c")" "$ca" "$cb" "$cc"
    done
  done
done
cpu_pids=()
# What pypi-guard allocates per page hit: young-generation bytes (jstat) over one wrk run of the
# first size's JSON gzip page, divided by its requests (promotions and survivors not counted).
if command -v jstat >/dev/null; then
  mapfile -d '' h < <(hdrs json gzip)
  gc() { jstat -gc "$pg_pid" | awk 'NR == 2 {print $5, $6, $13}'; }  # EC EU YGC, KB
  g0=$(gc); out=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" "${h[@]}" "$pg/simple/benchpkg$first/"); g1=$(gc)
  echo "pypi-guard allocates $(awk -v a="$g0" -v b="$g1" -v n="$(awk '/ requests in / {print $1}' <<<"$out")" \
    'BEGIN {split(a, x, " "); split(b, y, " "); printf "%.0f", ((y[2] - x[2]) + (y[3] - x[3]) * y[1]) * 1024 / n}') bytes a hit ($first files json gzip)"
fi
# How nginx's workers shared the connections of rounds (SERVER_THREADS above): halfway through each
# of RUNS rounds of the first page, its established connections counted per worker (ss).
if [ "$SERVER_THREADS" -gt 1 ] && command -v ss >/dev/null; then
  split=()
  for _ in $(seq "$RUNS"); do
    wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$ng_port/p/$first.json" >/dev/null &
    round=$!
    sleep "$(awk -v d="$DURATION" 'BEGIN {print d / 2}')"
    conns=$(ss -tnpH state established "( sport = :$ng_port )" | grep -o 'pid=[0-9]*' | sort | uniq -c | awk '{print $1}' | sort -rn | tr '\n' '/')
    wait "$round"
    split+=("${conns%/}")
  done
  echo "nginx workers' connections in $RUNS rounds of $CONNS (per worker, most first; a worker with none not shown): ${split[*]}"
fi

fi
if want file; then
echo
printf '%-28s %10s %10s %8s   %s\n' "cached ${FILE_MB} MiB file (MB/s)" pypi-guard nginx ratio "CPU ms/GiB: pypi-guard nginx"
cpu_pids=("$pg_pid" "$ng_workers")
{ read -r _ a _ ga; read -r _ b _ gb; } < <(measure "$FILE_CONNS" 2 "$pg$file_path" "http://127.0.0.1:$ng_port/files/bench.whl")
printf '%-28s %10.0f %10.0f %8s   %6s %6s\n' "$FILE_CONNS clients" "$(ratio "$a" 1048576)" "$(ratio "$b" 1048576)" "$(ratio "$a" "$b")" "$ga" "$gb"
# pypi-guard's RSS while the 50 clients pull: sampled every 0.2 s into a file (bounded by a little
# more than the rounds' length) until the rounds end; the highest sample is taken, so the turns in
# which nginx serves do not lower it.
( for _ in $(seq $((DURATION * RUNS * 10 + 50))); do awk '/VmRSS/ {print $2}' "/proc/$pg_pid/status"; sleep 0.2; done \
  >"$work/rss50.samples" ) &
sampler=$!
{ read -r _ a _ ga; read -r _ b _ gb; } < <(measure 50 2 "$pg$file_path" "http://127.0.0.1:$ng_port/files/bench.whl")
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
cpu_pids=()
printf '%-28s %10.0f %10.0f %8s   %6s %6s\n' "50 clients" "$(ratio "$a" 1048576)" "$(ratio "$b" 1048576)" "$(ratio "$a" "$b")" "$ga" "$gb"
rss50=$(sort -n "$work/rss50.samples" | tail -1)
echo "pypi-guard RSS while 50 clients pull the file: $(( ${rss50:-0} / 1024 )) MB"
# A cached wheel of FILE_SMALL_KB KiB, the size of most of what pip installs, by CONNS clients: what
# a hit costs beside its bytes (the page's judgement of the file, the file opened, its head).
printf '%-28s %10s %10s %8s   %s\n' "cached ${FILE_SMALL_KB} KiB file (req/s)" pypi-guard nginx ratio "CPU us/request: pypi-guard nginx"
cpu_pids=("$pg_pid" "$ng_workers")
{ read -r a _ ca _; read -r b _ cb _; } < <(measure "$CONNS" 2 "$pg$small_path" "http://127.0.0.1:$ng_port/files/small.whl")
cpu_pids=()
printf '%-28s %10.0f %10.0f %8s   %6s %6s\n' "$CONNS clients" "$a" "$b" "$(ratio "$a" "$b")" "$ca" "$cb"
fi
if want judged; then
echo
printf '%-28s %10s %10s %8s   %s\n' "judged page (req/s)" judged unjudged ratio "CPU us/request: judged unjudged"
cpu_pids=("$judged_pid" "$pg_pid")
for n in $SIZES; do
  for enc in identity gzip; do
    mapfile -d '' h < <(hdrs json $enc)
    warm "http://127.0.0.1:$judged_port/simple/benchpkg$n/" "${h[@]}"
    { read -r a _ ca _; read -r b _ cb _; } < <(measure "$CONNS" 2 "http://127.0.0.1:$judged_port/simple/benchpkg$n/" \
      "$pg/simple/benchpkg$n/" "${h[@]}")
    kept=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['files']))" "$work/judged-$n.json")
    printf '%-28s %10.0f %10.0f %8s   %6s %6s\n' "$n files json $enc ($kept kept)" "$a" "$b" "$(ratio "$a" "$b")" "$ca" "$cb"
  done
done
cpu_pids=()

fi
# A local nginx as the upstream of its own pypi-guard: the upstream tree ($work/upstream) for cold
# files, and PIP_INDEX for pip. Started here, after the rest, so it never competes with them.
if want cold || want pip; then
  mkdir -p "$work/up-nginx"
  cu_port=$(free_port); pi_port=$(free_port); cn_port=$(free_port); ct_port=$(free_port); ctn_port=$(free_port)
  cat >"$work/up-nginx/nginx.conf" <<NGX
worker_processes 2;
pid $work/up-nginx/nginx.pid;
error_log $work/up-nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000000;
  client_body_temp_path $work/up-nginx; proxy_temp_path $work/up-nginx; fastcgi_temp_path $work/up-nginx;
  uwsgi_temp_path $work/up-nginx; scgi_temp_path $work/up-nginx;
  types { text/html html; application/zip whl; }
  server {
    listen 127.0.0.1:$cu_port; root $work/upstream;
    location /simple/ { types { } default_type application/vnd.pypi.simple.v1+json; try_files \${uri}index.json =404; }
  }
  server { listen 127.0.0.1:$pi_port; root $PIP_INDEX; }
  # nginx as a caching proxy of the same upstream, for the cold misses: what a cache that neither
  # hashes nor forces its files pays for a miss on this machine, beside pypi-guard's.
  proxy_cache_path $work/up-nginx/cold-cache keys_zone=cold:10m use_temp_path=off inactive=1d;
  # tcp_nopush off: with it, a cached answer on a kept-alive connection waited for the client's
  # delayed ACK before its last segment, which made nginx look slow on small files.
  server {
    listen 127.0.0.1:$cn_port; tcp_nopush off;
    location /files/ { proxy_pass http://127.0.0.1:$cu_port; proxy_cache cold; proxy_cache_valid 200 1d; }
  }
  # The same upstream behind a link of COLD_RATE bytes a second (nginx limit_rate, per download):
  # an upstream as far as a real one, where a miss waits for the network rather than the cores.
  server {
    listen 127.0.0.1:$ct_port; root $work/upstream; limit_rate ${COLD_RATE:-0};
    location /simple/ { types { } default_type application/vnd.pypi.simple.v1+json; try_files \${uri}index.json =404; }
  }
  proxy_cache_path $work/up-nginx/cold-cache-far keys_zone=coldfar:10m use_temp_path=off inactive=1d;
  server {
    listen 127.0.0.1:$ctn_port; tcp_nopush off;
    location /files/ { proxy_pass http://127.0.0.1:$ct_port; proxy_cache coldfar; proxy_cache_valid 200 1d; }
  }
}
NGX
  nginx -c "$work/up-nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  wait_http "http://127.0.0.1:$cu_port/simple/"
fi

if want cold; then
  # COLD_FILES files of COLD_MB MiB, each downloaded once straight from the upstream and once
  # through a pypi-guard that has never seen it (a cold miss: fetched, hashed, stored, sent).
  # Before them, COLD_SMALL wheels of COLD_SMALL_KB KiB of one project, the size of most of what
  # pip installs, each with its core metadata, as pip asks for them (metadata, then wheel), after
  # COLD_SMALL_WARMUP others through pypi-guard alone that warm its JVM for them (and an empty C2
  # queue: with 1,000 its compiler still took half of pypi-guard's CPU in the timed answers).
  python3 - "$work" "$COLD_MB" "$((COLD_WARMUP + COLD_FILES))" "$((COLD_SMALL_WARMUP + COLD_SMALL))" "$COLD_SMALL_KB" <<'PY'
import json, os, sys
sys.path.insert(0, sys.argv[1])
from benchwheel import wheel
root, mb, n, small, kb = sys.argv[1] + "/upstream", *map(int, sys.argv[2:])
for project, count, size in (("benchcold", n, mb << 20), ("benchsmall", small, kb << 10)):
    files = [dict(wheel(f"{root}/files", project, f"1.{i}", size), **{"upload-time": "2020-01-01T00:00:00Z"})
             for i in range(count)]
    os.makedirs(f"{root}/simple/{project}", exist_ok=True)
    with open(f"{root}/simple/{project}/index.json", "w") as f:
        json.dump({"meta": {"api-version": "1.1"}, "name": project, "files": files}, f)
PY
  # Their sizes in order, metadata then wheel (one stat for many: a process per file took half a
  # minute for the warm-up's).
  for i in $(seq 0 $((COLD_SMALL_WARMUP + COLD_SMALL - 1))); do
    printf '%s\n' "$work/upstream/files/benchsmall-1.$i-py3-none-any.whl.metadata" "$work/upstream/files/benchsmall-1.$i-py3-none-any.whl"
  done | xargs -d '\n' stat -c %s >"$work/small.sizes"
  add() { awk -v a="$1" -v b="$2" 'BEGIN {print a + b}'; }
  cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in clock ticks
  # Seconds the JVM PID has spent compiling (jstat -compiler's Time), 0 without jstat.
  jit_seconds() { { jstat -compiler "$1" 2>/dev/null || true; } | awk 'NR == 2 {t = $4} END {print t + 0}'; }
  printf '\n%-30s %10s %10s %11s %8s %8s %8s\n' "cold miss (s, $COLD_FILES x ${COLD_MB} MiB)" \
    pypi-guard direct proxy_cache ratio "vs pc" "pc ratio"
  # cold_link LABEL UPSTREAM_PORT PROXY_CACHE_PORT: one pypi-guard of its own (a fresh JVM and
  # cache) in front of the upstream at UPSTREAM_PORT, and nginx proxy_cache in front of the same.
  # Every file is downloaded three times, each into a file of the same disk (curl -o), so that all
  # pay for writing it: straight from the upstream, through pypi-guard (a miss: fetched, hashed,
  # stored, sent) and through nginx proxy_cache (a miss: fetched, stored, sent; neither hashed nor
  # forced to disk). The first COLD_WARMUP files only warm the JVM; they are printed apart.
  cold_link() {
    local label=$1 up=$2 pc=$3 port pid
    port=$(free_port)
    "$launcher" serve --listen "127.0.0.1:$port" --upstream "http://127.0.0.1:$up/simple/" \
      --cache-dir "$work/cold-$up" --policy "$work/permissive.yaml" --advisories "$work/osv-none" \
      >"$work/cold-$up.log" 2>&1 &
    pids+=($!); pid=$!
    wait_http "http://127.0.0.1:$port/healthz" "$work/cold-$up.log"
    curl -fs -H "Accept: $JSON_ACCEPT" "http://127.0.0.1:$port/simple/benchcold/" -o /dev/null
    curl -fs -H "Accept: $JSON_ACCEPT" "http://127.0.0.1:$port/simple/benchsmall/" -o /dev/null
    # small_files BASE_URL FIRST [COUNT]: COUNT (COLD_SMALL) wheels from number FIRST on and their metadata through
    # one kept-alive connection, in pip's order; the seconds of all transfers, summed (curl's own
    # start is not in it). Every answer must be a 200 of the file's size (bytes are compared for
    # the large files).
    small_files() {
      local i args=() n=${3:-$COLD_SMALL}
      for i in $(seq "$2" $(($2 + n - 1))); do
        args+=(-o /dev/null "$1/benchsmall-1.$i-py3-none-any.whl.metadata"
               -o /dev/null "$1/benchsmall-1.$i-py3-none-any.whl")
      done
      curl -fs -w '%{http_code} %{size_download} %{time_total}\n' "${args[@]}" \
        | paste -d' ' - <(sed -n "$((2 * $2 + 1)),$((2 * ($2 + n)))p" "$work/small.sizes") \
        | awk -v n=$((2 * n)) '$1 == 200 && $2 == $4 {t += $3; c++} END {if (c != n) exit 1; print t}' \
        || { echo "cold small wheels: a wrong answer from $1" >&2; exit 1; }
    }
    cold_files() { # first last -> "pypi-guard direct proxy_cache" seconds, summed
      local i name d p n sp=0 sd=0 sn=0
      for i in $(seq "$1" "$2"); do
        name="benchcold-1.$i-py3-none-any.whl"
        rm -f "$work/cold-direct" "$work/cold-got" "$work/cold-nginx"
        # Each download starts with nothing of the one before still being written back: without
        # this, a download paid for the disk writes of the miss before it (pypi-guard forces each
        # file it keeps), and the ratio moved with the disk rather than with the proxy.
        # As pip does, each side is first asked for the wheel's core metadata (resolving), then
        # for the wheel (installing); only the wheel is timed.
        curl -fs -o /dev/null "http://127.0.0.1:$up/files/$name.metadata"
        sync
        d=$(curl -fs -o "$work/cold-direct" -w '%{time_total}' "http://127.0.0.1:$up/files/$name")
        curl -fs -o /dev/null "http://127.0.0.1:$port/files/benchcold/$name.metadata"
        sync
        p=$(curl -fs -o "$work/cold-got" -w '%{time_total}' "http://127.0.0.1:$port/files/benchcold/$name")
        curl -fs -o /dev/null "http://127.0.0.1:$pc/files/$name.metadata"
        sync
        n=$(curl -fs -o "$work/cold-nginx" -w '%{time_total}' "http://127.0.0.1:$pc/files/$name")
        for got in cold-direct cold-got cold-nginx; do
          cmp -s "$work/$got" "$work/upstream/files/$name" || { echo "cold miss: $name ($got) differs from the upstream's" >&2; exit 1; }
        done
        sp=$(add "$sp" "$p"); sd=$(add "$sd" "$d"); sn=$(add "$sn" "$n")
      done
      echo "$sp $sd $sn"
    }
    cold_row() { # label pypi-guard direct proxy_cache
      printf '%-30s %10.3f %10.3f %11.3f %8s %8s %8s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$3")" \
        "$(ratio "$2" "$4")" "$(ratio "$4" "$3")"
    }
    local r wp wd wn cp cd cn cpu0 cpu sp sd sn st0 st sj0 sj fp fd fn i
    if [ "$COLD_SMALL" -gt 0 ]; then
      if [ "$COLD_SMALL_WARMUP" -gt 0 ]; then
        # The first COLD_SMALL of the warm-up are timed, beside the same straight from the upstream
        # and through proxy_cache (whose cache never holds a timed one), as a fresh JVM's; the rest
        # go in runs of 2,000, each one curl (the command line of a longer one is too long).
        fd=$(small_files "http://127.0.0.1:$up/files" 0)
        fp=$(small_files "http://127.0.0.1:$port/files/benchsmall" 0)
        fn=$(small_files "http://127.0.0.1:$pc/files" 0)
        for ((i = COLD_SMALL; i < COLD_SMALL_WARMUP; i += 2000)); do
          small_files "http://127.0.0.1:$port/files/benchsmall" "$i" \
            $((COLD_SMALL_WARMUP - i < 2000 ? COLD_SMALL_WARMUP - i : 2000)) >/dev/null
        done
      fi
      c2_idle "$pid"
      sync
      sd=$(small_files "http://127.0.0.1:$up/files" "$COLD_SMALL_WARMUP")
      st0=$(cpu_ticks "$pid"); sj0=$(jit_seconds "$pid")
      sp=$(small_files "http://127.0.0.1:$port/files/benchsmall" "$COLD_SMALL_WARMUP")
      st=$(( $(cpu_ticks "$pid") - st0 )); sj=$(awk -v a="$sj0" -v b="$(jit_seconds "$pid")" 'BEGIN {print b - a}')
      sn=$(small_files "http://127.0.0.1:$pc/files" "$COLD_SMALL_WARMUP")
    fi
    # $(...) and not <(...): a download that fails or differs ends the run (set -e).
    if [ "$COLD_WARMUP" -gt 0 ]; then
      r=$(cold_files 0 $((COLD_WARMUP - 1))); read -r wp wd wn <<<"$r"
    fi
    cpu0=$(cpu_ticks "$pid")
    r=$(cold_files "$COLD_WARMUP" $((COLD_WARMUP + COLD_FILES - 1))); read -r cp cd cn <<<"$r"
    cpu=$(( $(cpu_ticks "$pid") - cpu0 ))
    cold_row "$label" "$cp" "$cd" "$cn"
    [ "$COLD_WARMUP" -eq 0 ] || cold_row "  first $COLD_WARMUP, fresh JVM" "$wp" "$wd" "$wn"
    if [ "$COLD_SMALL" -gt 0 ]; then
      cold_row "  $COLD_SMALL x ${COLD_SMALL_KB} KiB + metadata" "$sp" "$sd" "$sn"
      [ "$COLD_SMALL_WARMUP" -eq 0 ] \
        || cold_row "  first $COLD_SMALL, fresh JVM" "$fp" "$fd" "$fn"
      # Of that CPU time, what the JIT spent compiling during those very answers (jstat): it
      # should be next to nothing; a warm-up too short shows here.
      awk -v t="$st" -v hz="$(getconf CLK_TCK)" -v n="$((2 * COLD_SMALL))" -v j="$sj" \
        'BEGIN {printf "  pypi-guard CPU per small answer: %.2f ms, of which JIT compiling %.2f ms\n", t * 1000 / hz / n, j * 1000 / n}'
    fi
    # What a miss costs pypi-guard in CPU (receive, write, sha256, send), beside its wall time: on
    # a machine of few cores, that CPU competes with the client's and the upstream's.
    awk -v t="$cpu" -v hz="$(getconf CLK_TCK)" -v n="$COLD_FILES" -v w="$cp" -v c="$(nproc)" \
      'BEGIN {printf "  pypi-guard CPU per miss: %.0f ms (wall %.0f ms per miss; %d cores)\n", t * 1000 / hz / n, w * 1000 / n, c}'
    kill "$pid" 2>/dev/null || true
  }
  cold_link "upstream: local nginx" "$cu_port" "$cn_port"
  if [ -n "$COLD_RATE" ]; then
    cold_link "upstream at $COLD_RATE B/s" "$ct_port" "$ctn_port"
  fi
fi

if want pip; then
  if [ ! -d "$PIP_INDEX/simple" ]; then
    echo "pip: no static index at PIP_INDEX=$PIP_INDEX (simple/ and files/): skipped" >&2
  else
    # One install through pypi-guard in front of nginx serving PIP_INDEX warms it (every page and
    # file cached). Then every answer that install got (pages, PEP 658 metadata files, wheels) is
    # saved, identity and gzip, as pypi-guard answers a client that names the mirror's host, and
    # a third nginx serves that mirror: pip makes the very same requests to it as to pypi-guard,
    # so the ratio is what pypi-guard adds per request. PIP_INDEX itself has no metadata files, so
    # pip downloads fewer (whole wheels instead); that ratio is printed too. pip's own cache off.
    pip_port=$(free_port); mi_port=$(free_port)
    "$launcher" serve --listen "127.0.0.1:$pip_port" --upstream "http://127.0.0.1:$pi_port/simple/" \
      --cache-dir "$work/pip" --policy "$work/permissive.yaml" --advisories "$work/osv-none" >"$work/pip.log" 2>&1 &
    pids+=($!); pip_pid=$!
    wait_http "http://127.0.0.1:$pip_port/healthz" "$work/pip.log"
    pip_install() { # index-url -> seconds
      rm -rf "$work/pip-target"
      local t0 t1; t0=$(date +%s.%N)
      env -u PIP_FIND_LINKS -u PIP_CERT -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
        python3 -m pip --isolated install -q --no-cache-dir --disable-pip-version-check --target "$work/pip-target" \
        --index-url "$1" $PIP_REQS >"$work/pip-out" 2>&1 || { echo "pip install from $1 failed:" >&2; tail -5 "$work/pip-out" >&2; exit 1; }
      t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
    }
    pip_install "http://127.0.0.1:$pip_port/simple/" >/dev/null
    sleep 0.2  # the access log is written every 50 ms
    python3 - "$work/pip.log" "$pip_port" "$mi_port" "$work/mirror" "$JSON_ACCEPT" <<'PY'
import gzip, http.client, os, re, sys, urllib.parse
log, port, mirror_port, root, accept = sys.argv[1:]
paths = []
for line in open(log, errors="replace"):
    m = re.search(r'access - .*"GET (/(?:simple|files)/\S*) HTTP/1\.1" 200 ', line)
    if m and m.group(1) not in paths:
        paths.append(m.group(1))
if not paths:
    sys.exit("pip mirror: no requests in the access log")
conn = http.client.HTTPConnection("127.0.0.1", int(port))
for path in paths:
    local = root + urllib.parse.unquote(path) + ("index.json" if path.endswith("/") else "")
    os.makedirs(os.path.dirname(local), exist_ok=True)
    for coding in ("identity", "gzip"):
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{mirror_port}", "Accept": accept, "Accept-Encoding": coding})
        r = conn.getresponse(); body = r.read()
        if r.status != 200:
            sys.exit(f"pip mirror: {path} answered {r.status}")
        if coding == "identity":
            open(local, "wb").write(body)
        elif r.getheader("Content-Encoding") == "gzip":
            if gzip.decompress(body) != open(local, "rb").read():
                sys.exit(f"pip mirror: {path} in gzip is not its identity bytes")
            open(local + ".gz", "wb").write(body)
open(root + "/.count", "w").write(str(len(paths)))
open(root + "/.paths", "w").write("".join(p + "\n" for p in paths))
PY
    cat >"$work/up-nginx/mirror.conf" <<NGX
worker_processes 2;
pid $work/up-nginx/mirror.pid;
error_log $work/up-nginx/mirror-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on; keepalive_requests 100000000; gzip_static on;
  client_body_temp_path $work/up-nginx; proxy_temp_path $work/up-nginx; fastcgi_temp_path $work/up-nginx;
  uwsgi_temp_path $work/up-nginx; scgi_temp_path $work/up-nginx;
  types { application/zip whl; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$mi_port; root $work/mirror;
    location /simple/ { types { } default_type application/vnd.pypi.simple.v1+json; try_files \${uri}index.json =404; }
  }
}
NGX
    nginx -c "$work/up-nginx/mirror.conf" -g 'daemon off;' &
    pids+=($!)
    wait_http "http://127.0.0.1:$mi_port/.count"
    pip_install "http://127.0.0.1:$mi_port/simple/" >/dev/null  # proves the mirror installs
    # A proxy in service has answered such requests many times: its JVM is warmed as the page
    # part's is, by PIP_WARMUP replays of the install's requests (pip's headers, one kept-alive
    # connection, every answer checked), then an empty C2 queue. Without it, the timed installs
    # met a JVM that had answered some 500 such requests: 1.12 against the mirror on c255dee (best
    # of 8), while the access log summed 63 ms of pypi-guard time for an install.
    python3 - "$work/mirror" "$pip_port" "$PIP_WARMUP" "$JSON_ACCEPT" <<'PY'
import http.client, os, sys
root, port, rounds, accept = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
paths = [l.rstrip("\n") for l in open(root + "/.paths")]
conn = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(rounds):
    for path in paths:
        page = path.startswith("/simple/")
        conn.request("GET", path, headers={"Accept": accept if page else "*/*", "Accept-Encoding": "gzip, deflate", "User-Agent": "bench-warmup"})
        r = conn.getresponse(); r.read()
        if r.status != 200:
            sys.exit(f"pip warm-up: {path} answered {r.status}")
PY
    c2_idle "$pip_pid"
    # The three take turns, in an order that rotates each round, so that none always runs
    # right after another; a ratio is the median of the rounds' own ratios (each pairs installs
    # made moments apart), the seconds are the best of the rounds.
    best_g=999; best_m=999; best_s=999; rm_=(); rs_=()
    for r in $(seq "$PIP_RUNS"); do
      for side in $(case $((r % 3)) in 0) echo g m s ;; 1) echo m s g ;; *) echo s g m ;; esac); do
        case $side in
          s) s=$(pip_install "http://127.0.0.1:$pi_port/simple/") ;;
          m) m=$(pip_install "http://127.0.0.1:$mi_port/simple/") ;;
          g) g=$(pip_install "http://127.0.0.1:$pip_port/simple/") ;;
        esac
      done
      best_s=$(awk -v a="$best_s" -v b="$s" 'BEGIN {print (b < a) ? b : a}')
      best_m=$(awk -v a="$best_m" -v b="$m" 'BEGIN {print (b < a) ? b : a}')
      best_g=$(awk -v a="$best_g" -v b="$g" 'BEGIN {print (b < a) ? b : a}')
      rm_+=("$(ratio "$g" "$m")"); rs_+=("$(ratio "$g" "$s")")
    done
    median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
    echo
    printf '%-28s %10s %10s %8s\n' "warm pip install (s)" pypi-guard nginx ratio
    printf '%-28s %10.2f %10.2f %8s\n' "vs its answers, static" "$best_g" "$best_m" "$(median "${rm_[@]}")"
    printf '%-28s %10.2f %10.2f %8s\n' "vs PIP_INDEX (no metadata)" "$best_g" "$best_s" "$(median "${rs_[@]}")"
    echo "(rounds' ratios against the mirror: ${rm_[*]})"
    echo "($PIP_REQS, best of $PIP_RUNS, ratio the median of the rounds'; one install asks for $(cat "$work/mirror/.count") pages and files)"
    # pypi-guard's own time for the last install's answers, from its access log (pip's requests
    # only): what the proxy adds, apart from pip's own run-to-run spread.
    sleep 0.2
    grep 'access - .*"pip/' "$work/pip.log" | tail -n "$(cat "$work/mirror/.count")" \
      | sed -E 's/.* ([0-9]+)ms( incomplete)?$/\1/' \
      | awk '{s += $1} END {printf "pypi-guard time answering the last install: %d ms in all (access log)\n", s}'
  fi
fi

rss=$(awk '/VmHWM/ {print $2}' "/proc/$pg_pid/status")
echo "pypi-guard peak RSS over the run (pages, then 8 and 50 clients pulling the file): $((rss / 1024)) MB"
