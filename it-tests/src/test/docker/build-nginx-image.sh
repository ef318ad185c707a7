#!/bin/sh
# Builds the load-balancer image of the it-tests WITHOUT any container registry: the host's Debian nginx with its
# stream module (packages nginx and libnginx-mod-stream), their shared-library closure, /bin/sh and a minimal /etc,
# imported FROM scratch as $IMAGE (default local/h3connector-it-nginx:latest). The configuration is not in the image:
# the test copies nginx/nginx.conf (the one docs/DEPLOYMENT.md shows) into the container.
# Idempotent: exits at once when the image exists.
#   usage: build-nginx-image.sh [image]
set -eu
IMAGE=${1:-${IMAGE:-local/h3connector-it-nginx:latest}}
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "nginx image $IMAGE exists"
  exit 0
fi
for p in nginx libnginx-mod-stream; do
  dpkg -s "$p" >/dev/null 2>&1 || { echo "$p is not installed on this host: apt-get install nginx libnginx-mod-stream" >&2; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h3c-nginx-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/rootfs
LIST=$WORK/files
mkdir -p "$R"
echo /usr/sbin/nginx > "$LIST"
ls /usr/lib/nginx/modules/ngx_stream_module.so >> "$LIST"
echo /bin/dash >> "$LIST"
{ while read -r f; do ldd "$f" 2>/dev/null || true; done < "$LIST"; } \
  | awk '$2=="=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u > "$WORK/libs"
while read -r l; do echo "$l"; readlink -f "$l"; done < "$WORK/libs" | sort -u >> "$LIST"
mkdir -p "$R/usr/bin" "$R/usr/lib" "$R/usr/lib64" "$R/usr/sbin"
ln -s usr/bin "$R/bin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
sed -e 's#^/lib/#/usr/lib/#' -e 's#^/lib64/#/usr/lib64/#' -e 's#^/bin/#/usr/bin/#' "$LIST" | sort -u \
  | tar -C / --no-recursion -cf - -T - 2>/dev/null | tar -C "$R" -xf -
ln -s dash "$R/usr/bin/sh"
# nginx opens its compiled-in error log and prefix paths before it reads the configuration
mkdir -p "$R/var/log/nginx" "$R/var/lib/nginx" "$R/etc/nginx" "$R/run" "$R/tmp" "$R/proc" "$R/sys" "$R/dev"
chmod 1777 "$R/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$R/etc/nsswitch.conf"
tar -C "$R" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["nginx", "-c", "/etc/nginx/nginx.conf", "-g", "daemon off;"]' - "$IMAGE"
docker run --rm "$IMAGE" nginx -V 2>&1 | head -n 1
echo "built nginx image $IMAGE"
