#!/usr/bin/env bash
# Removes everything a test daemon made, even after a failure:
#   cleanup.sh DIR ROOT RUN_ROOT CGROUP_PARENT [BRIDGE]
# (BRIDGE: the daemon's default bridge; its user-defined networks' bridges
# are found in ROOT.)
set -u
dir="$1" root="$2" run="$3" cgroup="${4#/}" bridge="${5:-}"
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
# A bridge of the daemon's: its containers' namespaces (vbID12 is the host
# end of berth-ID12's eth0, vxN... of its ethN), the bridge, its rules (its chain and what jumps
# to it, its masquerades, forwards and isolation rules).
remove_bridge() {
  local name="$1" veth table rules
  for veth in $(ip -o link show master "$name" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "$veth" 2>/dev/null
    ip netns del "berth-${veth#vb}" 2>/dev/null
  done
  ip link del "$name" 2>/dev/null
  for tool in iptables ip6tables; do
    for table in nat filter; do
      rules=$("$tool" -t "$table" -S 2>/dev/null | grep '^-A' |
        grep -E -- "(BERTH-$name|-o $name|-i $name)( |\$)" | sed 's/^-A /-D /')
      [ -n "$rules" ] && printf '*%s\n%s\nCOMMIT\n' "$table" "$rules" | "$tool-restore" --noflush
    done
  done
  iptables -t nat -X "BERTH-$name" 2>/dev/null
}
for container in "$root"/containers/*; do
  [ -e "$container" ] && ip netns del "berth-$(basename "$container" | cut -c1-12)" 2>/dev/null
done
[ -n "$bridge" ] && remove_bridge "$bridge"
# User-defined networks: br-ID12, or the name their options give.
for network in "$root"/networks/*.json; do
  [ -e "$network" ] || continue
  named=$(grep -oE '"com\.docker\.network\.bridge\.name": *"[^"]+"' "$network" | cut -d'"' -f4)
  remove_bridge "${named:-br-$(basename "$network" | cut -c1-12)}"
done
[ -n "$dir" ] && rm -rf "$dir"
exit 0
