#!/usr/bin/env bash
# berth's benchmark (deno task bench [--runs N] [--with-peers]) with scoped
# permissions; results printed and written to bench/results/.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
# The image case needs a registry and skopeo (the baseline for pull and
# load); the networks case Debian's docker-compose; the cri case containerd
# (its CRI plugin is the peer) and the CNI plugins.
tools=(skopeo docker-registry docker-compose containerd containernetworking-plugins)
if ! command -v skopeo >/dev/null || ! command -v docker-registry >/dev/null ||
  ! command -v docker-compose >/dev/null || ! command -v containerd >/dev/null ||
  [ ! -x /usr/lib/cni/bridge ]; then
  apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null; }
fi
# --with-peers: Debian's docker.io and podman, installed before Deno starts
# (Deno resolves --allow-run names to paths at start, so a peer installed
# later could not be run).
peers=(docker.io containerd podman conmon containernetworking-plugins)
if [[ " $* " == *" --with-peers "* ]] && ! { command -v dockerd && command -v podman; } >/dev/null; then
  echo "installing ${peers[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${peers[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${peers[@]}" >/dev/null; }
fi
# berth as it ships: from its bundles.
"$repo/scripts/build.sh"
# resvg (the chart's PNG) is a Node-API addon in Deno's npm cache.
deno cache --quiet bench/main.ts
npm_cache="$(deno info --json | sed -n 's/.*"npmCache": "\(.*\)".*/\1/p')"
permissions=(
  --allow-run="bash,$repo/bin/berth,runc,crun,cat,pgrep,tar,kill,umount,setsid,docker,docker-compose,podman,skopeo,docker-registry,du,ip,iptables,containerd,$(readlink -f "$repo/../shared/bin")/crictl"
  --allow-read --allow-write="/tmp,$repo/bench/results" --allow-net --allow-env
  --allow-sys=hostname,cpus,networkInterfaces,osRelease,uid,gid --allow-ffi="$npm_cache"
)
exec deno run --no-prompt "${permissions[@]}" bench/main.ts "$@"
