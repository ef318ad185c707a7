#!/usr/bin/env bash
# Runs the QUIC Interop Runner's server cases with gtlsclient against the demo and a Jetty 12.1.5 distribution with the
# h3connector module (each on Java 17 and 25) and Caddy, and rewrites docs/INTEROP.md. See docs/INTEROP.md. The same
# cases (InteropRunner) run in mvn verify as InteropIT, without Caddy and with the same 64 MiB large transfer.
#   benchmarks/interop.sh                 build (connector, demo, benchmarks; jetty-home from Maven), then run (~5-10 min)
#   SKIP_BUILD=1 benchmarks/interop.sh    run only
#   benchmarks/interop.sh --only demo     only some servers (ids demo-java17, demo-java25, jetty-java17, jetty-java25,
#                                         caddy, or fragments of them such as demo, jetty, java25); writes
#                                         benchmarks/target/interop/INTEROP-partial.md, never docs/INTEROP.md
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
command -v gtlsclient >/dev/null || { echo "interop.sh: gtlsclient is not on the PATH: apt-get install -y ngtcp2-client" >&2; exit 2; }
command -v caddy >/dev/null || { echo "interop.sh: caddy is not on the PATH: apt-get install -y caddy" >&2; exit 2; }
[ -x "$JAVA25_HOME/bin/java" ] || { echo "interop.sh: no Java 25 at $JAVA25_HOME: set JAVA25_HOME" >&2; exit 2; }
VERSION=$(sed -n 's:.*<version>\(.*-SNAPSHOT\)</version>.*:\1:p' pom.xml | head -1)
if [ -z "${SKIP_BUILD:-}" ]; then
  JAVA_HOME=$JAVA17_HOME mvn -q -pl connector,examples/embedded-demo,benchmarks -am package -DskipTests
  mvn -q dependency:copy -Dartifact=org.eclipse.jetty:jetty-home:12.1.5:tar.gz -DoutputDirectory=benchmarks/target/interop-dist
fi
CP="$PWD/benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
GTLS_VERSION="gtlsclient $(dpkg-query -W -f '${Version}' ngtcp2-client 2>/dev/null || echo '?') (ngtcp2)"
OUT=docs/INTEROP.md
for arg in "$@"; do [ "$arg" = --only ] && OUT=benchmarks/target/interop/INTEROP-partial.md; done
mkdir -p benchmarks/target/interop docs
exec "$JAVA17_HOME/bin/java" -Xmx1g -cp "$CP" io.github.h3connector.bench.InteropRunner \
  --java17 "$JAVA17_HOME" --java25 "$JAVA25_HOME" --gtls-version "$GTLS_VERSION" \
  --demo-jar examples/embedded-demo/target/embedded-demo.jar \
  --jetty-home benchmarks/target/interop-dist/jetty-home-12.1.5.tar.gz \
  --module-zip "connector/target/h3connector-$VERSION-jetty-module.zip" \
  --logs benchmarks/target/interop --out "$OUT" "$@"
