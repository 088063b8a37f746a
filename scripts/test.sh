#!/usr/bin/env bash
# Runs berth's whole test suite (unit and integration, runc and crun) after
# installing what it needs. Ends with one line: "N passed, N failed".
set -uo pipefail
repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$repo"
if ! "$repo/scripts/setup.sh" >/tmp/berth-test-setup.log 2>&1; then
  cat /tmp/berth-test-setup.log
  echo "0 passed, 1 failed"
  exit 1
fi
# Test-only tools: tmux is the real terminal of the tty tests; skopeo, an
# independent image tool, writes the archives and registry images the image
# tests read; docker-registry is the real registry they pull from (htpasswd
# and openssl give it basic auth and TLS); gcc builds the breakout
# battery's static probe (tests/helpers/syscall_probe.c); Debian's
# docker-compose 1.29 is the compose tests' client (it pulls in docker.io,
# whose daemon the tests never start).
test_tools=(tmux skopeo docker-registry apache2-utils openssl gcc libc6-dev docker-compose)
have_test_tools() {
  command -v tmux && command -v skopeo && command -v docker-registry && command -v htpasswd &&
    command -v cc && command -v docker-compose && ls /usr/lib/*-linux-gnu/libc.a
}
if ! have_test_tools >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends "${test_tools[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${test_tools[@]}" >/dev/null; }
fi
libc=""
for candidate in /lib/x86_64-linux-gnu/libc.so.6 /lib/aarch64-linux-gnu/libc.so.6 /lib64/libc.so.6; do
  if [ -e "$candidate" ]; then libc="$candidate" && break; fi
done
# cri-tools (crictl, critest) and the stand-ins of critest's images live
# beside the repository (../shared), as on the project's machines.
cri_tools="$(readlink -f "$repo/../shared/bin" 2>/dev/null || echo "$repo/../shared/bin")"
output="$(mktemp)"
# Tests whose output matters beyond pass or fail (critest's counts) note it here.
BERTH_TEST_NOTES="$(mktemp)"
export BERTH_TEST_NOTES
# Scoped permissions: the tests run the launcher, the runtimes and a few
# tools, read the repo and temp dirs, write under /tmp, talk to the
# daemons' sockets (named at run time) and call libc (the layer extractor's
# unit tests).
deno test --no-prompt --quiet \
  --allow-run="bash,$repo/bin/berth,docker,docker-compose,tar,kill,find,ls,ln,pgrep,cat,runc,crun,python3,tmux,md5sum,skopeo,openssl,htpasswd,docker-registry,ip,iptables,ipcs,ipcrm,$cri_tools/crictl,$cri_tools/critest" \
  --allow-read --allow-write=/tmp --allow-net --allow-env --allow-ffi="$libc" \
  "$@" tests/ 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$output" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1)"
rm -f "$output"
cat "$BERTH_TEST_NOTES"
rm -f "$BERTH_TEST_NOTES"
passed="$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")"
failed="$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")"
if [ -z "$summary" ]; then passed=0; failed=1; fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
