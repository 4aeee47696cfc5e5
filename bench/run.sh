#!/usr/bin/env bash
# Benchmark: cached /simple/<project>/ requests per second and cached file throughput of
# pypi-guard, each beside nginx serving the same bytes from disk, in the same run.
#
#   mvn -B -q -DskipTests package && bench/run.sh
#
# Needs nginx, wrk and python3 (Debian: apt-get install nginx wrk). Everything runs on
# loopback; each load runs for DURATION seconds (default 10) after a warm-up of the same length.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
launcher="$here/distribution/target/pypi-guard/bin/pypi-guard"
[ -x "$launcher" ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
for tool in nginx wrk python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (apt-get install nginx wrk)" >&2; exit 2; }
done
DURATION=${DURATION:-10}
FILES=${FILES:-500}
FILE_MB=${FILE_MB:-64}
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as an unprivileged user
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 100); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }

# 1. A static HTML-only upstream: one real file of FILE_MB MiB and a page of FILES files.
python3 - "$work/upstream" "$FILES" "$FILE_MB" <<'PY'
import hashlib, os, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(f"{root}/simple/benchpkg", exist_ok=True)
os.makedirs(f"{root}/files", exist_ok=True)
data = os.urandom(mb * 1024 * 1024)
real = "benchpkg-1.0-py3-none-any.whl"
with open(f"{root}/files/{real}", "wb") as f:
    f.write(data)
links = [f'<a href="../../files/{real}#sha256={hashlib.sha256(data).hexdigest()}" data-requires-python="&gt;=3.8">{real}</a><br>']
for i in range(1, n):
    name = f"benchpkg-1.{i}-py3-none-any.whl"
    links.append(f'<a href="../../files/{name}#sha256={hashlib.sha256(name.encode()).hexdigest()}" data-requires-python="&gt;=3.8">{name}</a><br>')
with open(f"{root}/simple/benchpkg/index.html", "w") as f:
    f.write("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n")
PY
up_port=$(free_port)
(cd "$work/upstream" && exec python3 -m http.server "$up_port" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$up_port/simple/benchpkg/"

# 2. pypi-guard in front of it, warmed so that the page and the file are cached.
pg_port=$(free_port)
"$launcher" serve --listen "127.0.0.1:$pg_port" --upstream "http://127.0.0.1:$up_port/simple/" \
  --cache-dir "$work/cache" >"$work/pypi-guard.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pg_port/healthz"
page_url="http://127.0.0.1:$pg_port/simple/benchpkg/"
file_url="http://127.0.0.1:$pg_port/files/benchpkg/benchpkg-1.0-py3-none-any.whl"
curl -fs "$page_url" -o "$work/page.html"
curl -fs "$file_url" -o /dev/null

# 3. nginx serving the same bytes from disk.
mkdir -p "$work/nginx/root/simple/benchpkg" "$work/nginx/root/files"
cp "$work/page.html" "$work/nginx/root/simple/benchpkg/index.html"
ln "$work/upstream/files/benchpkg-1.0-py3-none-any.whl" "$work/nginx/root/files/" 2>/dev/null \
  || cp "$work/upstream/files/benchpkg-1.0-py3-none-any.whl" "$work/nginx/root/files/"
ng_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<NGX
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  types { text/html html; application/zip whl; }
  server { listen 127.0.0.1:$ng_port; root $work/nginx/root; }
}
NGX
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_http "http://127.0.0.1:$ng_port/simple/benchpkg/"

# 4. A second pypi-guard with a policy, on the same upstream: a judged page served from the
#    rendered-page cache should cost what an unjudged one does; /-/explain judges on every request.
cat >"$work/policy.yaml" <<POL
versions:
  deny:
    benchpkg: "<1.10"
release-age:
  minimum: 7d
  unknown: allow
files:
  sdists: block
POL
pp_port=$(free_port)
"$launcher" serve --listen "127.0.0.1:$pp_port" --upstream "http://127.0.0.1:$up_port/simple/" \
  --cache-dir "$work/cache2" --policy "$work/policy.yaml" >"$work/pypi-guard2.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pp_port/healthz"
curl -fs "http://127.0.0.1:$pp_port/simple/benchpkg/" -o /dev/null

run() { # label url connections
  wrk -t2 -c"$3" -d"${DURATION}s" "$2" >/dev/null
  wrk -t2 -c"$3" -d"${DURATION}s" "$2" | awk -v l="$1" '/Requests\/sec/ {r=$2} /Transfer\/sec/ {t=$2} END {printf "%-34s %12s req/s %12s/s\n", l, r, t}'
}
echo "page: $FILES files, $(wc -c <"$work/page.html") bytes; file: $FILE_MB MiB; ${DURATION}s per run on $(nproc) cores"
run "pypi-guard  /simple/benchpkg/" "$page_url" 50
run "nginx       /simple/benchpkg/" "http://127.0.0.1:$ng_port/simple/benchpkg/" 50
run "pypi-guard+policy /simple/benchpkg/" "http://127.0.0.1:$pp_port/simple/benchpkg/" 50
run "pypi-guard+policy /-/explain/ (judged)" "http://127.0.0.1:$pp_port/-/explain/benchpkg" 8
run "pypi-guard  file (cached)" "$file_url" 8
run "nginx       file" "http://127.0.0.1:$ng_port/files/benchpkg-1.0-py3-none-any.whl" 8
