#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite (unit, actor,
# simulation, pg, http, fault). ctest starts and stops the throwaway
# PostgreSQL the pg, http and fault suites need (fixtures in
# tests/CMakeLists.txt). Exits non-zero on any failure.
#
# The build is Release, the same as scripts/run.sh: both share build/, so
# switching between them never recompiles everything (a full build takes
# minutes on two cores), and the tests exercise the binary users run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/install-deps.sh
scripts/build.sh Release

start=$SECONDS
rc=0
ctest --test-dir build --output-on-failure --no-tests=error "$@" || rc=$?
elapsed=$((SECONDS - start))
if [[ $rc -eq 0 ]]; then
  echo "test.sh: all tests passed (${elapsed}s)"
else
  echo "test.sh: FAILED: ctest exited with $rc (${elapsed}s); see the output above" >&2
fi
exit "$rc"
