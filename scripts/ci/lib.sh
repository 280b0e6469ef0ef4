# Shell helpers shared by the scripts under scripts/ci (sourced, not run).

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

# Milliseconds since the epoch.
now_ms() {
  echo $(( $(date +%s%N) / 1000000 ))
}

# wait_ready URL PGID LOG [TIMEOUT_S]: polls URL until it answers 200; fails (printing LOG) if the
# process group PGID exits first or TIMEOUT_S (default 120) passes.
wait_ready() {
  local url=$1 pgid=$2 log=$3 timeout_s=${4:-120} deadline
  deadline=$(( $(now_ms) + timeout_s * 1000 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "${url}")" = 200 ]; do
    if ! kill -0 "${pgid}" 2>/dev/null; then
      echo "exited before ${url} answered 200:" >&2
      cat "${log}" >&2
      return 1
    fi
    if [ "$(now_ms)" -ge "${deadline}" ]; then
      echo "${url} did not answer 200 within ${timeout_s} s:" >&2
      cat "${log}" >&2
      return 1
    fi
    sleep 0.05
  done
}

# stop_group PGID [TIMEOUT_S]: SIGTERM to the whole group (graceful shutdown), SIGKILL if it is
# still there after TIMEOUT_S (default 40, above the roles' 30 s grace delay).
stop_group() {
  local pgid=$1 timeout_s=${2:-40} i
  kill -TERM -- "-${pgid}" 2>/dev/null || return 0
  for (( i = 0; i < timeout_s * 10; i++ )); do
    kill -0 -- "-${pgid}" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "process group ${pgid} ignored SIGTERM for ${timeout_s} s; killing it" >&2
  kill -KILL -- "-${pgid}" 2>/dev/null || true
  return 1
}
