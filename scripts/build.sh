#!/usr/bin/env bash
# Bundles the CLI, the daemon and the shim into dist/ (deno task build):
# one file each starts faster than a graph of modules. bin/berth runs them
# when they are there; after changing the sources, build again (the test
# suite does it itself when dist/ is older than the sources).
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
mkdir -p dist
build() { # ENTRY NAME
  deno bundle --quiet --no-config --platform deno -o "dist/.new-$2" "$1"
  mv -f "dist/.new-$2" "dist/$2"
}
build cli/entry.ts cli.js
build runtime/daemon_entry.ts daemon.js
build shim/main.ts shim.js
# The process that holds a pod's namespaces (CRI sandboxes): static, as the
# sandbox's root filesystem is empty.
cc -static -Os -s -o dist/.berth-pause.tmp runtime/cri/pause.c
mv -f dist/.berth-pause.tmp dist/berth-pause
# The source directories, for bin/berth to tell a stale dist/ by (see there).
find cli runtime shim protocol lib -type d >dist/.source-dirs
