#!/usr/bin/env bash
# The test command: sets up what the tests need on Debian or Ubuntu, then runs `mvn -B verify` with any arguments
# given here (e.g. ./test.sh -pl connector -Dtest=GtlsClientInteropTest).
#
# As root it installs the missing packages with apt-get, starts dockerd when Docker is not reachable, and raises
# the two kernel settings the tests need. Not as root it prints the one command that would do each missing step and
# runs the tests anyway: a test whose tool is missing is skipped with a one-line message naming the package, or fails
# when CI=true (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")"

root=false
[ "$(id -u)" = 0 ] && root=true
todo=()

# What each package is for:
#   ngtcp2-client              gtlsclient, an independent QUIC/HTTP/3 client (interop tests)
#   nghttp2-client, curl       nghttp -v decodes ALTSVC frames, h2load load, curl HTTP/2 and TLS versions
#   chromium, chromium-driver  headless Chromium through Selenium (browser tests)
#   docker.io                  the it-tests run a real Jetty distribution in containers
#   openjdk-17-jre-headless    the it-tests' base image is made from the host's JRE package
#   maven, openjdk-17-jdk-headless  the build itself
need=()
command -v gtlsclient >/dev/null 2>&1 || need+=(ngtcp2-client)
command -v curl >/dev/null 2>&1 || need+=(curl)
{ command -v nghttp >/dev/null 2>&1 && command -v h2load >/dev/null 2>&1; } || need+=(nghttp2-client)
[ -x /usr/lib/chromium/chromium ] || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
dpkg -s openjdk-17-jre-headless >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v keytool >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  if $root; then
    echo "test.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    todo+=("sudo apt-get install -y ${need[*]}")
  fi
fi

# Docker: use a reachable daemon (a running service, or a socket mounted into a container); start one only as root.
if ! docker info >/dev/null 2>&1; then
  if $root && command -v dockerd >/dev/null 2>&1; then
    echo "test.sh: starting dockerd (log: /var/log/dockerd.log)"
    (dockerd >/var/log/dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "test.sh: dockerd did not start:" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
  elif [ -S /var/run/docker.sock ]; then
    todo+=("sudo usermod -aG docker $(id -un)   (Docker runs, but not for you; log in again afterwards)")
  else
    todo+=("sudo systemctl start docker   (or: sudo dockerd &)")
  fi
fi

# The IPv6 trusted-proxy tests need ::1; QUIC sockets ask for 4 MiB receive buffers, capped by rmem_max
# (208 KiB stock), and Jetty's HTTP/3 client stalls on large downloads when datagrams overflow a smaller buffer.
if [ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null || echo 0)" != 0 ]; then
  if $root; then sysctl -qw net.ipv6.conf.lo.disable_ipv6=0 || echo "test.sh: could not enable IPv6 on lo" >&2
  else todo+=("sudo sysctl -w net.ipv6.conf.lo.disable_ipv6=0"); fi
fi
if [ "$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)" -lt 4194304 ]; then
  if $root; then sysctl -qw net.core.rmem_max=4194304 || echo "test.sh: could not raise net.core.rmem_max" >&2
  else todo+=("sudo sysctl -w net.core.rmem_max=4194304"); fi
fi

if [ ${#todo[@]} -gt 0 ]; then
  echo "test.sh: not root, so these steps are left to you (or run: sudo ./test.sh):"
  printf '  %s\n' "${todo[@]}"
  echo "test.sh: running the tests anyway; those needing a missing tool are skipped${CI:+, or fail because CI=$CI}"
fi
command -v mvn >/dev/null 2>&1 || { echo "test.sh: mvn is not installed: sudo apt-get install -y maven" >&2; exit 1; }
exec mvn -B verify "$@"
