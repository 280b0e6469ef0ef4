#!/usr/bin/env bash
# Measures a role's start-up time (process start -> GET /readyz answers 200) and its idle memory.
#
#   scripts/ci/measureStart.sh [IDLE_SECONDS] -- <command> [args...]
#   e.g. scripts/ci/measureStart.sh 10 -- npm run api
#
# The command runs in its own process group with the environment of `npm run services -- env`
# (the services must be up) and PORT set to a free loopback port. After /readyz answers 200 it
# idles IDLE_SECONDS (default 10), then the script prints the resident memory of the whole group
# (npm, shell, node) and of its largest process (the role itself), and stops the group.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/lib.sh
source scripts/ci/lib.sh
idle=10
if [ "${1:-}" != "--" ]; then idle=$1; shift; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [IDLE_SECONDS] -- <command> [args...]" >&2; exit 2; }

set -a
# shellcheck disable=SC1090
source <(npm run -s services -- env)
set +a
PORT=$(free_port)
# The API role's /metrics listener must not collide with anything on the default port either.
OPS_PORT=$(free_port)
export PORT OPS_PORT HOST=127.0.0.1

log=$(mktemp)
started=$(now_ms)
setsid "$@" >"${log}" 2>&1 &
pgid=$!
trap 'stop_group "${pgid}" >/dev/null 2>&1 || true; rm -f "${log}"' EXIT
wait_ready "http://127.0.0.1:${PORT}/readyz" "${pgid}" "${log}"
ready_ms=$(( $(now_ms) - started ))
sleep "${idle}"
group_kb=$(ps -o rss= -g "${pgid}" | awk '{ s += $1 } END { print s }')
largest_kb=$(ps -o rss= -g "${pgid}" | sort -n | tail -1 | tr -d ' ')
echo "ready_ms=${ready_ms} idle_rss_role_mib=$(( largest_kb / 1024 )) idle_rss_group_mib=$(( group_kb / 1024 )) processes=$(ps -o pid= -g "${pgid}" | wc -l)"
