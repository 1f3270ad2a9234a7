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

port=$(( 20000 + RANDOM % 20000 ))
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$(( 20000 + RANDOM % 20000 )); done
"$bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
  --catalog="$src/config/catalog.csv" >"$work/actorshop.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  psql -q "$url" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 200); do
  grep -q "actorshop listening" "$work/actorshop.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/actorshop.log" >&2; exit 1; }
  sleep 0.05
done

NODE_PATH="$work/node_modules" node "$src/tests/browser/console.test.js" \
  "http://127.0.0.1:$port/" "$chromium" "$work/console.png"
