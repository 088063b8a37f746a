#!/usr/bin/env bash
# Prepares the host for berth, idempotently (as root):
# - overlayfs available;
# - on a hybrid cgroup v1 host, hugetlb mounted as its own v1 hierarchy:
#   crun refuses to run ("cgroups in hybrid mode not supported") while the
#   cgroup2 mount still holds a controller, and mounting that controller as
#   v1 frees it;
# - /run/berth and /var/lib/berth exist.
set -euo pipefail

if ! grep -qw overlay /proc/filesystems; then
  modprobe overlay 2>/dev/null || { echo "overlayfs is not available on this kernel" >&2; exit 1; }
fi

if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] &&
  [ -d /sys/fs/cgroup/unified ] && [ "$(stat -fc %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
  if ! mountpoint -q /sys/fs/cgroup/hugetlb && grep -qw hugetlb /proc/cgroups; then
    mkdir -p /sys/fs/cgroup/hugetlb
    mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
  fi
fi

mkdir -p /run/berth /var/lib/berth
chmod 711 /run/berth /var/lib/berth
