#!/usr/bin/env bash
# Hostile campaign: pypi-guard in front of a lying upstream, under load with faults and hostile
# clients, killed with SIGKILL mid-download and restarted, on a small disk. Prints requests,
# errors, bad bytes served (must be 0: any complete 200 whose bytes miss the page's sha256),
# RSS and open files before and after. Exit 1 when a bad byte was served.
#
#   mvn -B -q -DskipTests package && bench/hostile.sh
#
# Needs python3 only. DURATION (default 20) seconds of load. As root, the cache is a 40 MiB
# tmpfs with a larger cache.max-size, so the disk really fills; otherwise cache.max-size (48MB)
# bounds it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
launcher="$here/distribution/target/pypi-guard/bin/pypi-guard"
[ -x "$launcher" ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
command -v python3 >/dev/null || { echo "bench/hostile.sh needs python3" >&2; exit 2; }
work=$(mktemp -d)
mounted=
cleanup() { [ -n "$mounted" ] && umount "$work/cache" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/cache"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=40m tmpfs "$work/cache" 2>/dev/null; then
  mounted=1
  echo "small disk: a 40 MiB tmpfs under the cache (cache.max-size 1GB: the disk fills first)"
  export MAX_SIZE=1GB
fi
python3 "$here/bench/hostile.py" "$work" "$launcher" "${DURATION:-20}"
status=$?
grep -E "audit log|writable again|refusing connections|cannot accept" "$work/proxy.log" | sort | uniq -c | head -5 || true
exit $status
