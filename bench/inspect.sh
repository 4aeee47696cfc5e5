#!/bin/sh
# Inspection cost per MB (README "Artifact inspection"): runs the Inspector over every wheel and
# sdist under the given directories (default: this machine's local indexes) in one JVM, once to
# warm up, then measured.
#   mvn -B -q -DskipTests package && bench/inspect.sh [DIR...]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
lib="$here/distribution/target/pypi-guard/lib"
[ -d "$lib" ] || { echo "build first: mvn -B -q -DskipTests package" >&2; exit 2; }
[ $# -gt 0 ] || set -- /opt/wheels /opt/pypi /opt/pypi-more
for d in "$@"; do [ -d "$d" ] || { echo "no such directory: $d" >&2; exit 2; }; done
exec java ${JAVA_OPTS:-} -cp "$lib/*" "$here/bench/InspectBench.java" "$@"
