#!/usr/bin/env bash
# The benchmark of the whole order flow (docs/performance.md):
#   scripts/bench.sh [--quick] [--users=N] [--orders=N] [--connections=C]
#                    [--seconds=S] [--out=FILE]
# Installs what is missing, builds in Release, starts a fresh private
# PostgreSQL with durable commits, measures the baselines (pgbench with a
# single-row INSERT at 8 clients; a RESTinio hello-world with one I/O
# thread), then starts actorshop on an empty database and runs the load
# (bench/bench.cpp): users, deposits, orders at the highest sustained rate
# and at half of it, balance reads; then restarts actorshop and times it
# until ready. Prints a table, writes bench/results/<date>.json and fails
# when an invariant does not hold.
# --quick: 200 users, 3 s per phase (well under a minute once built).
# --orders=N: the phase at the highest rate places N orders instead of
# running S seconds (the scale run: --users=100000 --orders=1000000).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

users=1000
orders=0
connections=64
seconds=10
out="bench/results/$(date +%F).json"
for arg in "$@"; do
  case "$arg" in
    --quick) users=200; seconds=3 ;;
    --users=*) users="${arg#--users=}" ;;
    --orders=*) orders="${arg#--orders=}" ;;
    --connections=*) connections="${arg#--connections=}" ;;
    --seconds=*) seconds="${arg#--seconds=}" ;;
    --out=*) out="${arg#--out=}" ;;
    *) echo "usage: scripts/bench.sh [--quick] [--users=N] [--orders=N] [--connections=C] [--seconds=S] [--out=FILE]" >&2
       exit 2 ;;
  esac
done

say() {
  echo "bench: $*" >&2
}

scripts/install-deps.sh
scripts/build.sh Release

work=$(mktemp -d /tmp/actorshop-bench.XXXXXX)
pids=()
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  scripts/pg-cluster.sh stop-temp "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1, below the kernel's ephemeral range (32768
# and up), where outgoing connections hold ports nobody listens on.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Waits until LOG (a process' output) contains TEXT, or fails.
wait_for_line() {
  local log=$1 text=$2 pid=$3
  for _ in $(seq 1 600); do
    grep -q "$text" "$log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; say "process exited"; exit 1; }
    sleep 0.05
  done
  cat "$log" >&2
  say "timed out waiting for '$text'"
  exit 1
}

# Whether GET TARGET on actorshop answers 200 (bash's /dev/tcp: no curl).
http_ok() {
  local status
  exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\n\r\n' "$1" >&3
  status=$(head -c 12 <&3 2>/dev/null || true)
  exec 3<&-
  [[ "$status" == *" 200"* ]]
}

say "fresh PostgreSQL with durable commits..."
ACTORSHOP_PG_DURABLE=1 scripts/pg-cluster.sh start-temp "$work/pg" 2>/dev/null
url=$(cat "$work/pg/url")
pg_host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$url")
pg_port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$url")
psql -q "$url" -c "CREATE DATABASE actorshop_bench" -c "CREATE DATABASE pgbench_baseline"
psql -q "${url/dbname=postgres/dbname=pgbench_baseline}" \
  -c "CREATE TABLE inserts (id bigserial PRIMARY KEY, v integer NOT NULL)"

say "baseline: pgbench, single-row INSERT transactions, 8 clients, ${seconds} s..."
echo "INSERT INTO inserts (v) VALUES (1);" >"$work/insert.sql"
pgbench_bin=/usr/lib/postgresql/15/bin/pgbench
[[ -x "$pgbench_bin" ]] || pgbench_bin=pgbench
"$pgbench_bin" -n -c 8 -j 2 -T "$seconds" -f "$work/insert.sql" \
  -h "$pg_host" -p "$pg_port" -U postgres pgbench_baseline >"$work/pgbench.txt" 2>&1 ||
  { cat "$work/pgbench.txt" >&2; exit 1; }
pgbench_per_s=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -n 1)
say "  pgbench: $pgbench_per_s transactions/s"

say "baseline: RESTinio hello-world, one I/O thread, ${connections} connections, ${seconds} s..."
hello_port=$(free_port)
build/bench/actorshop-hello "$hello_port" >"$work/hello.log" 2>&1 &
pids+=($!)
wait_for_line "$work/hello.log" "listening" "${pids[-1]}"
hello_per_s=$(build/bench/actorshop-bench get --port="$hello_port" \
  --connections="$connections" --seconds="$seconds" | sed -n 's/^per_s //p')
kill -TERM "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
unset 'pids[-1]'
say "  hello-world: $hello_per_s requests/s"

say "starting actorshop on an empty database..."
port=$(free_port)
db_url="${url/dbname=postgres/dbname=actorshop_bench}"
build/actorshop --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
  --catalog=config/catalog.csv >"$work/actorshop.log" 2>&1 &
pids+=($!)
actorshop_pid=${pids[-1]}
wait_for_line "$work/actorshop.log" "actorshop listening" "$actorshop_pid"

mkdir -p "$(dirname "$out")"
status=0
build/bench/actorshop-bench run --port="$port" --db-url="$db_url" \
  --pid="$actorshop_pid" --users="$users" --orders="$orders" \
  --connections="$connections" \
  --seconds="$seconds" --hello-per-s="$hello_per_s" \
  --pgbench-per-s="$pgbench_per_s" --out="$out" || status=$?
if [[ $status -ne 0 ]]; then
  say "FAILED (exit $status); actorshop's log:"
  tail -n 50 "$work/actorshop.log" >&2
  exit $status
fi

say "restart: SIGTERM, then start again on the same data until ready..."
kill -TERM "$actorshop_pid"
wait "$actorshop_pid" 2>/dev/null || true
unset 'pids[-1]'
t0=$(date +%s%N)
build/actorshop --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
  --catalog=config/catalog.csv >"$work/actorshop2.log" 2>&1 &
pids+=($!)
wait_for_line "$work/actorshop2.log" "actorshop listening" "${pids[-1]}"
# Ready: every service answers a read (each has loaded its state first).
until http_ok "/getUserInfo?userId=1" && http_ok "/myBalance?userId=1" &&
      http_ok "/getOrder?orderId=1" && http_ok "/getAllSentMessages?userId=1"; do
  sleep 0.01
done
t1=$(date +%s%N)
restart_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
printf '  %-44s %12s\n' "restart to ready" "$restart_s s"
# One more key in the JSON: before its closing brace.
sed -i '$ s/^}$/  ,"restart_to_ready_s": '"$restart_s"'\n}/' "$out"
