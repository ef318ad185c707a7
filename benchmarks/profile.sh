#!/usr/bin/env bash
# Where the server's CPU goes during HTTP/3 downloads: runs one BenchServer, makes one warm-up and N measured 64 MiB
# gtlsclient downloads under `perf record`, and prints the server's CPU split by shared object (libquiche.so, kernel,
# JIT-compiled Java, JVM, libc), CPU seconds per GiB, and the throughput that quiche's own CPU alone allows one
# connection (quiche serialises all calls for a connection). See benchmarks/ANALYSIS.md.
#   benchmarks/profile.sh [FOREIGN|JNA] [rounds]     (needs perf: apt-get install linux-perf; and gtlsclient)
#   SKIP_BUILD=1 benchmarks/profile.sh ...           reuse benchmarks/target
set -euo pipefail
cd "$(dirname "$0")/.."
BINDING=${1:-FOREIGN}
ROUNDS=${2:-3}
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA_HOME_FOR_SERVER=$([ "$BINDING" = JNA ] && echo "$JAVA17_HOME" || echo "$JAVA25_HOME")
for tool in perf gtlsclient; do
  command -v $tool >/dev/null || { echo "profile.sh: $tool is not on the PATH" >&2; exit 2; }
done
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME=$JAVA17_HOME mvn -q -pl benchmarks -am package -DskipTests
fi
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/target/profile-$BINDING
rm -rf "$OUT" && mkdir -p "$OUT"
BYTES=67108864

# Is the quiche library an optimised build? Debug builds keep Rust's UB checks as functions of their own.
NATIVE_JAR=$(tr ':' '\n' <<<"$CP" | grep -m1 'jetty-quiche-native')
unzip -q -o "$NATIVE_JAR" 'linux-x86-64/libquiche.so' -d "$OUT"
CHECKS=$(nm "$OUT/linux-x86-64/libquiche.so" 2>/dev/null | grep -c 'precondition_check' || true)
SIZE=$(stat -c %s "$OUT/linux-x86-64/libquiche.so")

coproc SERVER { exec "$JAVA_HOME_FOR_SERVER/bin/java" -Xms512m -Xmx1g --enable-native-access=ALL-UNNAMED \
  -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -cp "$CP" io.github.h3connector.bench.BenchServer \
  --mode h3connector --binding "$BINDING" --keystore "$OUT/bench.p12" 2>"$OUT/server.log"; }
PID=$SERVER_PID
PORT=
while read -r line <&"${SERVER[0]}"; do case "$line" in READY*) set -- $line; PORT=$3; break;; esac; done
[ -n "$PORT" ] || { echo "profile.sh: server did not start, see $OUT/server.log" >&2; exit 1; }

download() {
  local dir; dir=$(mktemp -d -p "$OUT")
  gtlsclient --quiet --exit-on-all-streams-close --download="$dir" 127.0.0.1 "$PORT" "https://127.0.0.1:$PORT/bytes?n=$BYTES" >/dev/null 2>>"$OUT/gtlsclient.log"
  [ "$(stat -c %s "$dir"/* 2>/dev/null)" = $BYTES ] || { echo "profile.sh: incomplete download, see $OUT/gtlsclient.log" >&2; kill $PID; exit 1; }
  rm -rf "$dir"
}
download # warm-up
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
printf 'binding %s, %d x 64 MiB, %.1f MB/s (gtlsclient), server CPU %.1f s/GiB\n' "$BINDING" "$ROUNDS" \
  "$(echo "$ROUNDS * $BYTES / 1000000 / $SECONDS_WALL" | bc -l)" "$(echo "$TOTAL / 999 / $GIB" | bc -l)"
printf '%-24s %8s %10s\n' "shared object" "share" "CPU s/GiB"
sort -rn "$OUT/by-dso.txt" | head -8 | while read -r samples dso rest; do
  printf '%-24s %7.1f%% %10.1f\n' "$dso $rest" "$(echo "100 * $samples / $TOTAL" | bc -l)" "$(echo "$samples / 999 / $GIB" | bc -l)"
done
QUICHE=$(awk '$2 == "libquiche.so" {print $1}' "$OUT/by-dso.txt")
if [ -n "$QUICHE" ]; then
  printf 'one connection cannot go faster than %.0f MB/s on quiche CPU alone\n' "$(echo "$GIB * 1073.741824 / ($QUICHE / 999)" | bc -l)"
else
  echo "(JNA loads libquiche.so from a temporary jna*.tmp file: it is the larger of the jna*.tmp rows)"
fi
printf 'libquiche.so: %d bytes, %d Rust precondition_check functions (0 in an optimised release build)\n' "$SIZE" "$CHECKS"
