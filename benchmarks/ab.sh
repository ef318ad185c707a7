#!/usr/bin/env bash
# A/B of connector builds on the 1 KiB request rows (and optionally gtlsclient downloads): see SmallBench's javadoc.
#   benchmarks/ab.sh "base=/tmp/base.jar;new=connector/target/h3connector-0.1.0-SNAPSHOT.jar" --repeat 2 --gtls 5
# Build first (mvn -pl benchmarks -am package -DskipTests) and copy each connector jar aside.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA17_HOME=${JAVA17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
# Server class path: no Jetty quiche binding, and the connector jar of each variant instead of the built one.
CPS="$PWD/benchmarks/target/classes:$(tr ':' '\n' <benchmarks/target/classpath.txt | grep -v -e jetty-quic-quiche -e jetty-quiche-native -e /jna- -e 'connector/target/h3connector' | paste -sd:)"
CPC="$PWD/benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
V=""
IFS=';' read -ra PAIRS <<< "$1"; shift
for p in "${PAIRS[@]}"; do V="$V${V:+;}${p%=*}=$(readlink -f "${p##*=}"):$CPS"; done
mkdir -p benchmarks/target/smallbench
exec "$JAVA25_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$CPC" io.github.h3connector.bench.SmallBench \
  --java "$JAVA17_HOME" --keystore benchmarks/target/smallbench/bench.p12 --variants "$V" "$@"
