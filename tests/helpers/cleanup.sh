#!/usr/bin/env bash
# Removes everything a test daemon made, even after a failure:
#   cleanup.sh DIR ROOT RUN_ROOT CGROUP_PARENT
set -u
dir="$1" root="$2" run="$3" cgroup="${4#/}"
pkill -9 -f -- "$run/c/" 2>/dev/null
for runtime in runc crun; do
  for id in $("$runtime" --root "$run/runtime-$runtime" list -q 2>/dev/null); do
    "$runtime" --root "$run/runtime-$runtime" delete --force "$id" >/dev/null 2>&1
  done
done
awk -v prefix="$root/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r |
  while read -r mount; do umount -l "$mount" 2>/dev/null; done
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$hierarchy$cgroup" ] || continue
  # Deepest first: a cgroup can only go once its children have.
  find "$hierarchy$cgroup" -depth -type d -exec rmdir {} \; 2>/dev/null
done
[ -n "$dir" ] && rm -rf "$dir"
exit 0
