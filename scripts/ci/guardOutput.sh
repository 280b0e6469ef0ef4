#!/usr/bin/env bash
# guardOutput.sh COMMAND…: runs COMMAND with its output shown as usual and kept, then fails the
# run if that output holds another test runner's closing line: CI reads those before the plain
# `tests: N passed, N failed` line, and a pytest-style footer once made two green runs read as
# "no test ran" (scripts/ci/foreignLines.ts says more). `.ci/run` runs itself through this.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp "${TMPDIR:-/tmp}/batchport-ci-output.XXXXXX")
trap 'rm -f "${out}"' EXIT
"$@" 2>&1 | tee "${out}"
rc=${PIPESTATUS[0]}
(cd "${root}" && npx --no-install tsx scripts/ci/foreignLines.ts check "${out}") || rc=1
exit "${rc}"
