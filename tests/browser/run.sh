#!/usr/bin/env bash
# The browser test (ctest label browser): starts actorshop on a fresh
# database of the test PostgreSQL, installs playwright-core (npm ci from the
# vendored tarball, once, into the build tree) and drives the console in
# Debian's Chromium
# (console.test.js). actorshop gets a throwaway token key and operator token
# (mode 0600, in a private temp dir) and the cheapest password hash; the
# operator token goes to the test in CONSOLE_TEST_OPERATOR_TOKEN (only
# node's environment, never actorshop's: it reads ACTORSHOP_*).
# Environment from ctest: ACTORSHOP_BINARY,
# ACTORSHOP_SOURCE_DIR, ACTORSHOP_TEST_PG_STATE; ACTORSHOP_BROWSER_DIR is
# where node_modules, the log and the screenshot go.
set -euo pipefail

src="${ACTORSHOP_SOURCE_DIR:?run via ctest}"
bin="${ACTORSHOP_BINARY:?run via ctest}"
state="${ACTORSHOP_TEST_PG_STATE:?run via ctest}"
work="${ACTORSHOP_BROWSER_DIR:-$(dirname "$bin")/browser-test}"
mkdir -p "$work"

chromium=/usr/bin/chromium
[[ -x "$chromium" ]] || { echo "browser test: $chromium missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

# playwright-core from its vendored npm tarball (pinned by package-lock.json;
# no registry needed), installed once per build tree.
cp "$src/tests/browser/package.json" "$src/tests/browser/package-lock.json" "$work/"
mkdir -p "$work/vendor"
cp "$src"/tests/browser/vendor/*.tgz "$work/vendor/"
if [[ ! -d "$work/node_modules/playwright-core" ]] ||
   ! cmp -s "$src/tests/browser/package-lock.json" "$work/node_modules/.package-lock.json.copy"; then
  (cd "$work" && npm ci --offline --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$src/tests/browser/package-lock.json" "$work/node_modules/.package-lock.json.copy"
fi

# A fresh database on the suite's PostgreSQL.
url=$(cat "$state/url")
db="browser_$$_$RANDOM"
psql -q "$url" -c "CREATE DATABASE $db" >/dev/null
db_url="${url/dbname=postgres/dbname=$db}"

pid=""
secrets=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  psql -q "$url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if [[ -n "$secrets" ]]; then rm -rf "$secrets"; fi
}
trap cleanup EXIT

# The identities' secrets: 32 random bytes of token key, 64 hex digits of
# operator token, both files mode 0600 (actorshop refuses any other).
secrets=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/actorshop-browser-secrets.XXXXXX")
(
  umask 077
  head -c 32 /dev/urandom >"$secrets/token.key"
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secrets/operator-token"
)
operator_token=$(cat "$secrets/operator-token")
[[ ${#operator_token} -eq 64 ]] || { echo "browser test: no operator token" >&2; exit 1; }

# A port the kernel just handed out (so no connection holds it), and another
# one if actorshop still finds it taken (something grabbed it meanwhile).
free_port() {
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}
started=0
for _ in 1 2 3 4 5; do
  port=$(free_port)
  "$bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
    --catalog="$src/config/catalog.csv" \
    --token-key-file="$secrets/token.key" \
    --operator-token-file="$secrets/operator-token" \
    --password-hash-cost=minimum >"$work/actorshop.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    grep -q "actorshop listening" "$work/actorshop.log" && { started=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ $started -eq 1 ]] && break
  wait "$pid" 2>/dev/null || true
  pid=""
  grep -q "Address already in use" "$work/actorshop.log" || break
done
if [[ $started -ne 1 ]]; then
  cat "$work/actorshop.log" >&2
  echo "browser test: actorshop did not start" >&2
  exit 1
fi

CONSOLE_TEST_OPERATOR_TOKEN="$operator_token" NODE_PATH="$work/node_modules" \
  node "$src/tests/browser/console.test.js" \
  "http://127.0.0.1:$port/" "$chromium" "$work/console.png"
