#!/usr/bin/env bash
# Sets berth up on a fresh Debian 12 machine (as root):
#   scripts/setup.sh          install everything, prepare the host, put `berth` on PATH
#   scripts/setup.sh --demo   the same, then start a daemon and run busybox containers
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DENO_VERSION=2.9.6

packages=()
# gcc and libc6-dev build the pod sandboxes' holder (runtime/cri/pause.c); the CNI plugins
# are the pods' default network (CRI).
for package in runc crun busybox-static tini tar iproute2 procps iptables gcc libc6-dev \
  containernetworking-plugins; do
  dpkg -s "$package" >/dev/null 2>&1 || packages+=("$package")
done
if ((${#packages[@]})); then
  echo "setup: installing ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if ! deno --version 2>/dev/null | grep -q "^deno $DENO_VERSION "; then
  echo "setup: installing deno $DENO_VERSION from npm"
  npm install -g "deno@$DENO_VERSION" >/dev/null
fi

"$repo/scripts/prepare_host.sh"
ln -sf "$repo/bin/berth" /usr/local/bin/berth
# The CLI, the daemon and the shim each start from one bundled file; the
# daemon's permission helper is transpiled once.
"$repo/scripts/build.sh"
(cd "$repo" && deno cache --quiet --no-config runtime/daemon_permissions.ts)
echo "setup: berth is installed ($(command -v berth))"

[ "${1:-}" = --demo ] || exit 0

# A daemon on the default root and socket, unless one already answers.
if ! berth version >/dev/null 2>&1; then
  setsid berth daemon >>/var/log/berth.log 2>&1 </dev/null &
  for _ in $(seq 100); do berth version >/dev/null 2>&1 && break; sleep 0.1; done
fi
if ! berth image inspect busybox >/dev/null 2>&1; then
  tar="$(mktemp --suffix=.tar)"
  "$repo/scripts/build_busybox_image.sh" "$tar"
  berth import --change 'CMD ["sh"]' "$tar" busybox
  rm -f "$tar"
fi
berth run --rm busybox echo "hello from a busybox container (runc)"
berth run --rm --runtime crun busybox sh -c 'echo "hello from a busybox container (crun), pid $$"'
# One on the bridge network, serving its /etc on a port the daemon picks.
web="$(berth run -d -p 80 busybox httpd -f -p 80 -h /etc)"
address="$(berth port "$web" 80)"
address="127.0.0.1:${address##*:}"
for _ in $(seq 50); do busybox wget -q -O /dev/null "http://$address/hostname" && break; sleep 0.1; done
echo "a busybox httpd on the bridge, published at $address, says its hostname is" \
  "$(busybox wget -q -O - "http://$address/hostname")"
berth rm -f "$web" >/dev/null
berth ps -a
echo "setup: the daemon logs to /var/log/berth.log; try: berth run -it busybox"
