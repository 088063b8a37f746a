#!/usr/bin/env bash
# Builds a busybox rootfs tar from Debian's busybox-static package:
#   scripts/build_busybox_image.sh OUT.tar
# The tar holds /bin/busybox with a link per applet, /etc/passwd and
# /etc/group with root and nobody, and the usual empty directories.
set -euo pipefail
out="${1:?usage: build_busybox_image.sh OUT.tar}"
# Debian's busybox-static installs a static /bin/busybox.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root,home,var/log,usr/bin,usr/sbin,sbin}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
www-data:x:33:
staff:x:50:www-data
nogroup:x:65534:
GROUP
# A fixed mtime keeps the tar (and so the layer's diff ID) reproducible.
tar --sort=name --mtime='2024-01-01 00:00:00' --owner=0 --group=0 --numeric-owner \
  -C "$root" -cf "$out" .
