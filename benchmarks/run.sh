#!/usr/bin/env bash
# Runs every benchmark of h3connector once and rewrites docs/PERFORMANCE.md. See docs/PERFORMANCE.md, "How to reproduce".
#   benchmarks/run.sh                 build (mvn -pl benchmarks -am package -DskipTests), then run (~15 min on 2 cores)
#   SKIP_BUILD=1 benchmarks/run.sh    run only
#   benchmarks/run.sh --warmups N     warm-up transfers before every measured row, the same for every server (default 8)
#   benchmarks/run.sh --only G1,G2    only some groups of rows (java17, java25, stock, variants, anchors); writes
#                                     benchmarks/target/bench/PERFORMANCE-G1-G2.md, never docs/PERFORMANCE.md
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
command -v gtlsclient >/dev/null || { echo "run.sh: gtlsclient (ngtcp2) is not on the PATH" >&2; exit 2; }
command -v h2load >/dev/null || { echo "run.sh: h2load is not on the PATH: apt-get install -y nghttp2-client" >&2; exit 2; }
[ "$(getconf CLK_TCK)" = 100 ] || { echo "run.sh: CLK_TCK is $(getconf CLK_TCK), the runner assumes 100" >&2; exit 2; }
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME=$JAVA17_HOME mvn -q -pl benchmarks -am package -DskipTests
fi
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
GTLS_VERSION="gtlsclient $(dpkg-query -W -f '${Version}' "$(dpkg -S "$(readlink -f "$(command -v gtlsclient)")" 2>/dev/null | cut -d: -f1)" 2>/dev/null || echo '?')"
mkdir -p benchmarks/target/bench docs
exec "$JAVA25_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$CP" io.github.h3connector.bench.BenchRunner \
  --classpath "$CP" --java17 "$JAVA17_HOME" --java25 "$JAVA25_HOME" --gtls-version "$GTLS_VERSION" \
  --logs benchmarks/target/bench --out docs/PERFORMANCE.md --analysis benchmarks/ANALYSIS.md "$@"
