#!/usr/bin/env bash
# Lists what a daemon left behind, one line each (nothing = no leaks):
#   leaks.sh ROOT RUN_ROOT CGROUP_PARENT
# mounts under ROOT, shim processes under RUN_ROOT, container cgroups under
# CGROUP_PARENT, shim state dirs, container dirs and runtime state.
set -u
root="$1" run="$2" cgroup="${3#/}"
awk -v prefix="$root/" 'index($2, prefix) == 1 { print "mount: " $2 }' /proc/mounts
pgrep -af -- "$run/c/" | grep -v -e leaks.sh -e pgrep | sed 's/^/process: /'
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$hierarchy$cgroup" ] || continue
  find "$hierarchy$cgroup" -mindepth 1 -type d 2>/dev/null | sed 's/^/cgroup: /'
done
find "$run/c" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/shim state: /'
find "$root/containers" -mindepth 1 -maxdepth 1 2>/dev/null | sed 's/^/container dir: /'
for runtime in runc crun; do
  "$runtime" --root "$run/runtime-$runtime" list -q 2>/dev/null | sed "s/^/$runtime state: /"
done
exit 0
