#!/usr/bin/env bash
# Where the server's CPU goes during HTTP/3 downloads: runs one BenchServer (h3connector, Netty's QUIC engine), makes
# 8 warm-up and N measured 64 MiB gtlsclient downloads under `perf record`, and prints the server's CPU split by
# shared object (Netty's quiche + BoringSSL library, Netty's epoll library, kernel, JIT-compiled Java, JVM, libc) and
# CPU seconds per GiB. See benchmarks/ANALYSIS.md.
#   benchmarks/profile.sh [17|25] [rounds] [BenchServer options...]   (needs perf: apt-get install linux-perf; and gtlsclient)
#   e.g. benchmarks/profile.sh 17 3 --event-loops 1 --congestion-control CUBIC
#   SKIP_BUILD=1 benchmarks/profile.sh ...                            reuse benchmarks/target
#   WARMUPS=N benchmarks/profile.sh ...                               warm-up downloads before perf starts (default 8, as run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA=${1:-17}
ROUNDS=${2:-3}
shift $(( $# > 2 ? 2 : $# ))
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA_HOME_FOR_SERVER=$([ "$JAVA" = 25 ] && echo "$JAVA25_HOME" || echo "$JAVA17_HOME")
for tool in perf gtlsclient; do
  command -v $tool >/dev/null || { echo "profile.sh: $tool is not on the PATH" >&2; exit 2; }
done
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME=$JAVA17_HOME mvn -q -pl benchmarks -am package -DskipTests
fi
# No Jetty quiche binding on the server's class path: the engine is Netty's.
CP="$PWD/benchmarks/target/classes:$(tr ':' '\n' <benchmarks/target/classpath.txt | grep -v -e jetty-quic-quiche -e jetty-quiche-native -e /jna- | paste -sd:)"
OUT=benchmarks/target/profile-java$JAVA
rm -rf "$OUT" && mkdir -p "$OUT"
BYTES=67108864

coproc SERVER { exec "$JAVA_HOME_FOR_SERVER/bin/java" -Xms512m -Xmx1g \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$CP" io.github.h3connector.bench.BenchServer \
  --mode h3connector --keystore "$OUT/bench.p12" "$@" 2>"$OUT/server.log"; }
PID=$SERVER_PID
PORT=
SETTINGS=
while read -r line <&"${SERVER[0]}"; do case "$line" in READY*) SETTINGS=${line#READY * * }; set -- $line; PORT=$3; break;; esac; done
[ -n "$PORT" ] || { echo "profile.sh: server did not start, see $OUT/server.log" >&2; exit 1; }

download() {
  local dir; dir=$(mktemp -d -p "$OUT")
  gtlsclient --quiet --exit-on-all-streams-close --download="$dir" 127.0.0.1 "$PORT" "https://127.0.0.1:$PORT/bytes?n=$BYTES" >/dev/null 2>>"$OUT/gtlsclient.log"
  [ "$(stat -c %s "$dir"/* 2>/dev/null)" = $BYTES ] || { echo "profile.sh: incomplete download, see $OUT/gtlsclient.log" >&2; kill $PID; exit 1; }
  rm -rf "$dir"
}
for _ in $(seq "${WARMUPS:-8}"); do download; done # the JIT needs them
perf record -F 999 -g -p "$PID" -o "$OUT/perf.data" 2>/dev/null &
PERF=$!
sleep 0.5
START=$(date +%s.%N)
for _ in $(seq "$ROUNDS"); do download; done
END=$(date +%s.%N)
kill -INT $PERF; wait $PERF || true
kill $PID; wait $PID 2>/dev/null || true

SECONDS_WALL=$(echo "$END - $START" | bc -l)
perf report -i "$OUT/perf.data" --no-children -g none --sort dso -F sample,dso 2>/dev/null | grep -E '^ *[0-9]+ ' >"$OUT/by-dso.txt"
TOTAL=$(awk '{s+=$1} END {print s}' "$OUT/by-dso.txt")
GIB=$(echo "$ROUNDS * $BYTES / 1073741824" | bc -l)
printf 'Java %s, %s\n%d x 64 MiB, %.1f MB/s (gtlsclient), server CPU %.1f s/GiB\n' "$JAVA" "$SETTINGS" "$ROUNDS" \
  "$(echo "$ROUNDS * $BYTES / 1000000 / $SECONDS_WALL" | bc -l)" "$(echo "$TOTAL / 999 / $GIB" | bc -l)"
printf '%-40s %8s %10s\n' "shared object" "share" "CPU s/GiB"
sort -rn "$OUT/by-dso.txt" | head -8 | while read -r samples dso rest; do
  printf '%-40s %7.1f%% %10.1f\n' "$dso $rest" "$(echo "100 * $samples / $TOTAL" | bc -l)" "$(echo "$samples / 999 / $GIB" | bc -l)"
done
echo "(Netty extracts its native libraries to temporary files: libnetty_quiche* is quiche + BoringSSL, libnetty_transport_native_epoll* the epoll transport)"
