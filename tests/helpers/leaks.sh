#!/usr/bin/env bash
# Lists what a daemon left behind, one line each (nothing = no leaks):
#   leaks.sh ROOT RUN_ROOT CGROUP_PARENT [POOL_SIZE]
# mounts under ROOT, shim processes and state dirs under RUN_ROOT, container
# cgroups under CGROUP_PARENT, container dirs and runtime state. The daemon's
# pool of standby shims (at most POOL_SIZE, default 2) is its own, not a
# leak: a pool shim's dir has no shim.json, since no container was ever
# given to it, and no container record has its id. The pool refills while
# this runs, so a dir is judged when it is looked at.
set -u
root="$1" run="$2" cgroup="${3#/}" pool="${4:-2}"
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
# One more may be booting while the one it replaces shuts down.
[ "$pool_dirs" -gt $((pool + 1)) ] && echo "standby shims beyond the pool: $pool_dirs"
awk -v prefix="$root/" 'index($2, prefix) == 1 { print "mount: " $2 }' /proc/mounts
pgrep -af -- "$run/c/" | grep -v -e leaks.sh -e pgrep | while read -r pid command; do
  id=$(sed -E "s|.*$run/c/([a-f0-9]{64}).*|\1|" <<<"$command")
  is_pool "$id" || echo "process: $pid $command"
done
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$hierarchy$cgroup" ] || continue
  find "$hierarchy$cgroup" -mindepth 1 -type d 2>/dev/null | sed 's/^/cgroup: /'
done
find "$root/containers" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/container dir: /'
for runtime in runc crun; do
  "$runtime" --root "$run/runtime-$runtime" list -q 2>/dev/null | sed "s/^/$runtime state: /"
done
exit 0
