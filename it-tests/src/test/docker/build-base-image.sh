#!/bin/sh
# Builds the local base image for the it-tests WITHOUT any container registry: the host's Debian
# openjdk-17-jre-headless, its shared-library closure, the glibc libraries that the QUIC engine's natives link
# (Netty's libnetty_quiche42 and libnetty_transport_native_epoll: libc, librt, libdl, libpthread, libm),
# /bin/sh (dash), /tmp (world-writable: Netty extracts its natives to java.io.tmpdir) and a minimal /etc,
# imported FROM scratch as $IMAGE (default local/jre17:latest).
# Idempotent: exits at once when the image exists and has those libraries and a writable /tmp (an image built
# by an older version of this script, without them, is rebuilt). Adapted from
# shared/reference/containers/mk-hostjre-rootfs.sh.
#   usage: build-base-image.sh [image]
set -eu
IMAGE=${1:-${IMAGE:-local/jre17:latest}}
ARCH_LIB=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
# glibc >= 2.34 keeps librt, libdl and libpthread as (nearly empty) stubs, but the Netty natives still name them
# (DT_NEEDED): without the files, loading fails with "librt.so.1: cannot open shared object file".
NATIVE_LIBS="libc.so.6 librt.so.1 libdl.so.2 libpthread.so.0 libm.so.6"
CHECK="test -d /tmp && test -w /tmp"
for l in $NATIVE_LIBS; do CHECK="$CHECK && test -e $ARCH_LIB/$l"; done
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  if docker run --rm "$IMAGE" sh -c "$CHECK" >/dev/null 2>&1; then
    echo "base image $IMAGE exists"
    exit 0
  fi
  echo "base image $IMAGE lacks what the Netty natives need (glibc libraries, writable /tmp): rebuilding it"
fi
dpkg -s openjdk-17-jre-headless >/dev/null 2>&1 || {
  echo "openjdk-17-jre-headless is not installed on this host: apt-get install openjdk-17-jre-headless" >&2; exit 1; }
JAVA_HOME_DIR=$(dirname "$(dirname "$(readlink -f "$(dpkg -L openjdk-17-jre-headless | grep '/bin/java$' | head -n 1)")")")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h3c-base-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/rootfs
LIST=$WORK/files
mkdir -p "$R"
# 1. the JRE package's files and symlinks, the JDK trust store, the shell
dpkg -L openjdk-17-jre-headless | while read -r f; do
  if [ -f "$f" ] || [ -L "$f" ]; then echo "$f"; fi
done > "$LIST"
echo /etc/ssl/certs/java/cacerts >> "$LIST"
echo /bin/dash >> "$LIST"
# 2. shared-library closure of every ELF in the list, plus what the Netty natives (extracted from the jars at run
#    time, so not in the list) need
grep -E '(\.so$|/bin/)' "$LIST" | while read -r f; do [ -f "$f" ] && echo "$f"; done > "$WORK/elfs"
for l in $NATIVE_LIBS; do echo "$ARCH_LIB/$l"; done >> "$WORK/elfs"
{ while read -r f; do ldd "$f" 2>/dev/null || true; done < "$WORK/elfs"; } \
  | awk '$2=="=>" && $3 ~ /^\// && $3 !~ /\/jvm\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u > "$WORK/libs"
for l in $NATIVE_LIBS; do echo "$ARCH_LIB/$l"; done >> "$WORK/libs"
while read -r l; do echo "$l"; readlink -f "$l"; done < "$WORK/libs" | sort -u >> "$LIST"
# 3. copy with symlinks preserved; Debian 12 is usr-merged, ldd reports /lib/...
mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/usr/lib64" "$R/usr/sbin"
ln -s usr/bin "$R/bin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
sed -e 's#^/lib/#/usr/lib/#' -e 's#^/lib64/#/usr/lib64/#' -e 's#^/bin/#/usr/bin/#' "$LIST" | sort -u \
  | tar -C / --no-recursion -cf - -T - 2>/dev/null | tar -C "$R" -xf -
# 4. minimal system files
ln -s dash "$R/usr/bin/sh"
ln -s "$JAVA_HOME_DIR/bin/java" "$R/usr/bin/java"
ln -s "$JAVA_HOME_DIR/bin/keytool" "$R/usr/bin/keytool"
mkdir -p -m 1777 "$R/tmp" "$R/var/tmp"
mkdir -p "$R/root" "$R/etc" "$R/proc" "$R/sys" "$R/dev"
chmod 1777 "$R/tmp" "$R/var/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
# 5. import; the image has no registry origin, so it is never pulled
tar -C "$R" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV JAVA_HOME=$JAVA_HOME_DIR" - "$IMAGE"
docker run --rm "$IMAGE" java -version
docker run --rm "$IMAGE" sh -c "$CHECK" || { echo "base image $IMAGE: $CHECK failed" >&2; exit 1; }
echo "built base image $IMAGE"
