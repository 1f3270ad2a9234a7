#!/usr/bin/env bash
# The contract run (ctest http_prism, label http): the HTTP suites' flows and
# error cases go through Stoplight Prism, an OpenAPI validating proxy, in
# front of the real server, and fail on every violation of docs/openapi.yaml
# it reports (server_fixture.hpp, check_contract). Prism comes from the
# vendored tarball (make-vendor.sh), unpacked once per build tree.
# Usage (from ctest): run.sh HTTP_TESTS_BINARY
# Environment from ctest: ACTORSHOP_BINARY, ACTORSHOP_SOURCE_DIR,
# ACTORSHOP_TEST_PG_STATE.
set -euo pipefail

tests="${1:?usage: run.sh HTTP_TESTS_BINARY}"
src="${ACTORSHOP_SOURCE_DIR:?run via ctest}"
here="$src/tests/http/prism"
work="$(dirname "$tests")/prism-run"
mkdir -p "$work"

command -v node >/dev/null || { echo "http_prism: node missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
tarball="$here/vendor/prism-node_modules.tar.gz"
if [[ ! -f "$work/node_modules/.vendored" ]] || ! cmp -s "$tarball" "$work/node_modules/.vendored"; then
  rm -rf "$work/node_modules"
  tar -C "$work" -xzf "$tarball"
  cp "$tarball" "$work/node_modules/.vendored"
fi
prism="$work/node_modules/@stoplight/prism-cli/dist/index.js"

# Two ports the kernel just handed out: the server's and the proxy's.
free_port() {
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
upstream=$(free_port)
proxy=$(free_port)
while [[ "$proxy" == "$upstream" ]]; do proxy=$(free_port); done

pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
node "$prism" proxy "$src/docs/openapi.yaml" "http://127.0.0.1:$upstream" \
  --host 127.0.0.1 --port "$proxy" --errors=false >"$work/prism.log" 2>&1 &
pid=$!
# Up once it listens (it answers 502 while no server is behind it).
up=0
for _ in $(seq 1 300); do
  if node -e "require('net').connect($proxy, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"; then
    up=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [[ $up -ne 1 ]]; then
  echo "http_prism: prism did not start; its log:" >&2
  cat "$work/prism.log" >&2
  exit 1
fi
echo "http_prism: prism $(node "$prism" --version) validating on port $proxy, server on $upstream"

rc=0
ACTORSHOP_TEST_UPSTREAM_PORT=$upstream ACTORSHOP_TEST_PROXY_PORT=$proxy \
  "$tests" --run_test=http_flow,http_errors,http_idempotency,http_contract,http_contract_auth,login,authorization \
  `# Left out, each for a reason of the proxy, not of the server:` \
  `# a proxy may join a repeated header into one (RFC 9110 5.3);` \
  --run_test='!http_idempotency/malformed_keys_are_400_and_change_nothing' \
  --log_level=test_suite --report_level=short || rc=$?
violations=$(grep -c "Violation:" "$work/prism.log" || true)
echo "http_prism: prism logged $violations violations (request-side ones of refused requests are expected); log: $work/prism.log"
exit "$rc"
