#!/usr/bin/env bash
# berth's benchmarks (deno task bench [--runs N]): start-up and memory, then
# I/O; scoped permissions; results printed and written to bench/results/.
set -euo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
permissions=(
  --allow-run="bash,$repo/bin/berth,runc,crun,cat,pgrep,tar,kill"
  --allow-read --allow-write="/tmp,$repo/bench/results" --allow-net --allow-env
  --allow-sys=hostname
)
deno run --no-prompt "${permissions[@]}" bench/bench.ts "$@"
deno run --no-prompt "${permissions[@]}" bench/io_bench.ts "$@"
