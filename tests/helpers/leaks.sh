#!/usr/bin/env bash
# Lists what a daemon left behind, one line each (nothing = no leaks):
#   leaks.sh ROOT RUN_ROOT CGROUP_PARENT [MAX_STANDBY] [BRIDGE]
# mounts under ROOT, shim processes and state dirs under RUN_ROOT, container
# cgroups under CGROUP_PARENT, container dirs and runtime state, and on the
# daemon's BRIDGE: veths, published ports' DNAT rules and the network
# namespaces of removed containers (named in the daemon's log); user-defined
# networks not removed. The daemon's
# pool of standby shim state dirs is its own, not a leak: a pool dir has no
# shim.json, since no container was ever given to it, and no container
# record has its id. A shim serves a group of state dirs; it is a leak when
# none of them is a pool dir. At most MAX_STANDBY pool dirs (default 3: a
# pool of 2 and one more booting while the one it replaces shuts down) may
# wait. The pool refills while this runs, so a dir is judged when it is
# looked at.
set -u
root="$1" run="$2" cgroup="${3#/}" max_standby="${4:-3}" bridge="${5:-}"
is_pool() {
  [ -d "$run/c/$1" ] && [ ! -e "$run/c/$1/shim.json" ] && [ ! -e "$root/containers/$1" ]
}
pool_dirs=0
for dir in "$run"/c/*; do
  [ -e "$dir" ] || continue
  id=$(basename "$dir")
  if is_pool "$id"; then
    pool_dirs=$((pool_dirs + 1))
  else
    echo "shim state: $dir ($(ls "$dir" | tr '\n' ' '))"
  fi
done
[ "$pool_dirs" -gt "$max_standby" ] && echo "standby shims beyond the pool: $pool_dirs"
awk -v prefix="$root/" 'index($2, prefix) == 1 { print "mount: " $2 }' /proc/mounts
pgrep -af -- "$run/c/" | grep -v -e leaks.sh -e pgrep | while read -r pid command; do
  serves_pool=false
  for id in $(grep -oE "$run/c/[a-f0-9]{64}" <<<"$command" | sed "s|.*/||" | sort -u); do
    is_pool "$id" && serves_pool=true
  done
  $serves_pool || echo "process: $pid $command"
done
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$hierarchy$cgroup" ] || continue
  find "$hierarchy$cgroup" -mindepth 1 -type d 2>/dev/null | sed 's/^/cgroup: /'
done
find "$root/containers" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/container dir: /'
for runtime in runc crun; do
  "$runtime" --root "$run/runtime-$runtime" list -q 2>/dev/null | sed "s/^/$runtime state: /"
done
for network in "$root"/networks/*.json; do
  [ -e "$network" ] && echo "network: $(basename "$network" .json)"
done
if [ -n "$bridge" ]; then
  ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ print "veth: " $2 }'
  iptables -t nat -S "BERTH-$bridge" 2>/dev/null | grep '^-A' | sed 's/^/dnat rule: /'
  # The network namespace of every container the daemon started and removed.
  grep -oE '/containers/[0-9a-f]{64}/start' "$root/../daemon.log" 2>/dev/null |
    cut -d/ -f3 | sort -u | while read -r id; do
      [ -e "/run/netns/berth-${id:0:12}" ] && [ ! -e "$root/containers/$id" ] &&
        echo "network namespace: berth-${id:0:12}"
    done
fi
exit 0
