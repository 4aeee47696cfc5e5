#!/usr/bin/env bash
# JMH benchmarks of the cached-page path (README "Speed"). Builds the bench profile with the
# reactor (never mvn install) and runs JMH; arguments go to JMH, e.g. bench/jmh/run.sh -p files=100
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
mvn -B -q -Pbench -pl bench/jmh -am package -DskipTests
exec java -cp "bench/jmh/target/classes:$(cat bench/jmh/target/classpath.txt)" org.openjdk.jmh.Main "$@"
