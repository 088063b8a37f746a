#!/usr/bin/env bash
# berth's benchmark (deno task bench [--runs N]): scoped permissions, results
# printed and written to bench/results/.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
exec deno run --no-prompt \
  --allow-run="bash,$repo/bin/berth,runc,crun,cat,pgrep,tar,kill" \
  --allow-read --allow-write="/tmp,$repo/bench/results" --allow-net --allow-env \
  --allow-sys=hostname bench/bench.ts "$@"
