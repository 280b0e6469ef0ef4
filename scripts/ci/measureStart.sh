#!/usr/bin/env bash
# Measures a role's start-up time (process start -> GET /readyz answers 200) and its idle memory.
#
#   scripts/ci/measureStart.sh [idle-seconds] -- <command> [args...]
#
# The command runs in its own process group with the environment of `npm run services -- env`
# and PORT set to a free loopback port; after /readyz answers 200 it idles, then the script
# prints the resident memory of the whole group (npm, shell, node) and of its largest process
# (the role itself), and stops the group.
set -euo pipefail
cd "$(dirname "$0")/../.."
idle=10
if [ "${1:-}" != "--" ]; then idle=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [idle-seconds] -- <command> [args...]" >&2; exit 2; }

set -a
# shellcheck disable=SC1090
source <(npm run -s services -- env)
set +a
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export PORT HOST=127.0.0.1

log=$(mktemp)
started=$(date +%s%N)
setsid "$@" >"${log}" 2>&1 &
pgid=$!
trap 'kill -TERM -- -"${pgid}" 2>/dev/null || true' EXIT
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORT}/readyz")" = 200 ]; do
  if ! kill -0 "${pgid}" 2>/dev/null; then
    echo "command exited before /readyz answered 200:" >&2; cat "${log}" >&2; exit 1
  fi
  if [ $(( ($(date +%s%N) - started) / 1000000000 )) -ge 120 ]; then
    echo "/readyz did not answer 200 within 120 s:" >&2; cat "${log}" >&2; exit 1
  fi
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
sleep "${idle}"
group_kb=$(ps -o rss= -g "${pgid}" | awk '{s+=$1} END {print s}')
largest_kb=$(ps -o rss= -g "${pgid}" | sort -n | tail -1 | tr -d ' ')
echo "ready_ms=${ready_ms} idle_rss_group_mib=$(( group_kb / 1024 )) idle_rss_role_mib=$(( largest_kb / 1024 )) processes=$(ps -o pid= -g "${pgid}" | wc -l)"
ps -o pid=,rss=,args= -g "${pgid}" | cut -c1-120 >&2
