#!/usr/bin/env bash
# The browser test (ctest label browser): starts actorshop on a fresh
# database of the test PostgreSQL, installs playwright-core (npm ci from the
# vendored tarball, once, into the build tree) and drives the console in
# Debian's Chromium
# (console.test.js). Environment from ctest: ACTORSHOP_BINARY,
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
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  psql -q "$url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT

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
    --catalog="$src/config/catalog.csv" >"$work/actorshop.log" 2>&1 &
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

NODE_PATH="$work/node_modules" node "$src/tests/browser/console.test.js" \
  "http://127.0.0.1:$port/" "$chromium" "$work/console.png"
