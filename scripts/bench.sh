#!/usr/bin/env bash
# The benchmark of the whole order flow (docs/performance.md):
#   scripts/bench.sh [--quick] [--users=N] [--orders=N] [--connections=C]
#                    [--seconds=S] [--out=FILE] [--password-hash-cost=LEVEL]
#                    [--login-costs] [--instructions]
# Installs what is missing, builds in Release, starts a fresh private
# PostgreSQL with durable commits, measures the baselines (pgbench with a
# single-row INSERT at 8 clients, its rate and its CPU per transaction; a
# RESTinio hello-world with one I/O thread), then starts actorshop on an
# empty database and runs the load (bench/bench.cpp): users, deposits,
# orders at the highest sustained rate and at half of it, balance reads,
# GET /health, the overload phase (orders open loop at 2x and 3x that rate,
# then the front alone at the 3x rate: requests it answers 400 by itself);
# then restarts actorshop and times it until ready, and
# measures the baselines again (A-B-A: the ratios use the mean of before
# and after; "noisy": true in the JSON when they differ by more than 25%).
# Prints a table, writes bench/results/<date>.json, the per-second series
# (.series) and its picture (.svg, gnuplot), and fails when an invariant
# does not hold.
# ACTORSHOP_BENCH_BINARY=PATH measures another actorshop build (an older
# commit's, for a before/after figure) with this checkout's load;
# ACTORSHOP_BENCH_CALLGRIND_DIR=DIR keeps --instructions' callgrind dumps.
# --instructions: instead, a figure noise cannot move: actorshop under
# valgrind's callgrind at a low fixed rate, a fixed number of orders and of
# balance reads; prints (and writes to bench/results/<date>-instructions.json)
# actorshop's instructions per order and per read.
# --quick: 200 users, 3 s per phase (well under a minute once built).
# --orders=N: the phase at the highest rate places N orders instead of
# running S seconds (the scale run: --users=100000 --orders=1000000).
# The clients log in as real ones do (register with a password, POST /login,
# their own token on every request); balance reads run with user tokens and,
# back to back, with the operator secret (no token to verify).
# --password-hash-cost: the argon2id cost of the run (default minimum, the
# level for benchmarks; registration and login then cost nothing).
# --login-costs: afterwards, the login throughput at each production cost
# (interactive, moderate, sensitive): S seconds of logins each.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

users=1000
orders=0
connections=64
seconds=10
out="bench/results/$(date +%F).json"
hash_cost=minimum
login_costs=0
instructions=0
for arg in "$@"; do
  case "$arg" in
    --password-hash-cost=*) hash_cost="${arg#--password-hash-cost=}" ;;
    --login-costs) login_costs=1 ;;
    --instructions) instructions=1 ;;
    --quick) users=200; seconds=3 ;;
    --users=*) users="${arg#--users=}" ;;
    --orders=*) orders="${arg#--orders=}" ;;
    --connections=*) connections="${arg#--connections=}" ;;
    --seconds=*) seconds="${arg#--seconds=}" ;;
    --out=*) out="${arg#--out=}" ;;
    *) echo "usage: scripts/bench.sh [--quick] [--users=N] [--orders=N] [--connections=C] [--seconds=S] [--out=FILE] [--password-hash-cost=LEVEL] [--login-costs] [--instructions]" >&2
       exit 2 ;;
  esac
done

say() {
  echo "bench: $*" >&2
}

# gnuplot draws the picture; valgrind counts --instructions.
scripts/install-deps.sh gnuplot-nox valgrind
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

# Stops the process started last and forgets it.
stop_last() {
  kill -TERM "${pids[-1]}" 2>/dev/null || true
  wait "${pids[-1]}" 2>/dev/null || true
  unset 'pids[-1]'
}

# Waits until LOG (a process' output) contains TEXT, or fails.
wait_for_line() {
  local log=$1 text=$2 pid=$3 tries=${4:-600}
  for _ in $(seq 1 "$tries"); do
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
  printf 'GET %s HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n' "$1" "$(cat "$work/operator-token")" >&3
  status=$(head -c 12 <&3 2>/dev/null || true)
  exec 3<&-
  [[ "$status" == *" 200"* ]]
}

actorshop_bin=${ACTORSHOP_BENCH_BINARY:-build/actorshop}

say "fresh PostgreSQL with durable commits..."
ACTORSHOP_PG_DURABLE=1 scripts/pg-cluster.sh start-temp "$work/pg" 2>/dev/null
url=$(cat "$work/pg/url")
pg_host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$url")
pg_port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$url")
psql -q "$url" -c "CREATE DATABASE actorshop_bench" -c "CREATE DATABASE pgbench_baseline"
psql -q "${url/dbname=postgres/dbname=pgbench_baseline}" \
  -c "CREATE TABLE inserts (id bigserial PRIMARY KEY, v integer NOT NULL)"

echo "INSERT INTO inserts (v) VALUES (1);" >"$work/insert.sql"
pgbench_bin=/usr/lib/postgresql/15/bin/pgbench
[[ -x "$pgbench_bin" ]] || pgbench_bin=pgbench

# Sets pgbench_per_s and pgbench_cpu_us (pgbench's and PostgreSQL's CPU per
# transaction) and hello_per_s: the baselines, measured before and after.
measure_baselines() {
  local when=$1 measured hello_port
  say "baseline ($when): pgbench, single-row INSERT transactions, 8 clients, ${seconds} s..."
  measured=$(build/bench/actorshop-bench pgbench --command="$pgbench_bin -n -c 8 -j 2 -T $seconds \
    -f $work/insert.sql -h $pg_host -p $pg_port -U postgres pgbench_baseline" \
    --pg-skip=actorshop_bench 2>"$work/pgbench.txt") ||
    { cat "$work/pgbench.txt" >&2; exit 1; }
  pgbench_per_s=$(sed -n 's/^per_s //p' <<<"$measured")
  pgbench_cpu_us=$(sed -n 's/^cpu_us_per_txn //p' <<<"$measured")
  say "  pgbench: $pgbench_per_s transactions/s, $pgbench_cpu_us us CPU each"
  say "baseline ($when): RESTinio hello-world, one I/O thread, ${connections} connections, ${seconds} s..."
  hello_port=$(free_port)
  build/bench/actorshop-hello "$hello_port" >"$work/hello.log" 2>&1 &
  pids+=($!)
  wait_for_line "$work/hello.log" "listening" "${pids[-1]}"
  hello_per_s=$(build/bench/actorshop-bench get --port="$hello_port" \
    --connections="$connections" --seconds="$seconds" | sed -n 's/^per_s //p')
  stop_last
  say "  hello-world: $hello_per_s requests/s"
}

# The identities' secrets (docs/security.md), throwaway, mode 0600.
(
  umask 077
  head -c 32 /dev/urandom >"$work/token.key"
  od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$work/operator-token"
)
secrets=(--token-key-file="$work/token.key" --operator-token-file="$work/operator-token")

port=$(free_port)
db_url="${url/dbname=postgres/dbname=actorshop_bench}"
mkdir -p "$(dirname "$out")"

# --instructions: actorshop under callgrind, instrumented only while the
# fixed load runs (the bench switches it on and dumps each phase).
if [[ $instructions -eq 1 ]]; then
  cg_orders=500 cg_reads=500 cg_rate=20 cg_users=50
  say "instructions: actorshop under callgrind, $cg_orders orders and $cg_reads reads at $cg_rate/s..."
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/callgrind.out" \
    "$actorshop_bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
    --catalog=config/catalog.csv "${secrets[@]}" --password-hash-cost="$hash_cost" \
    --request-timeout-ms=60000 --work-stealing.aggressive-poll-attempts=0 \
    --work-stealing.moderate-poll-attempts=0 >"$work/actorshop.log" 2>&1 &
  pids+=($!)
  wait_for_line "$work/actorshop.log" "actorshop listening" "${pids[-1]}" 6000
  counted=$(build/bench/actorshop-bench instructions --port="$port" --db-url="$db_url" \
    --pid="${pids[-1]}" --users="$cg_users" --orders="$cg_orders" --reads="$cg_reads" \
    --rate="$cg_rate" --connections=4 --operator-token-file="$work/operator-token" \
    --hash-cost="$hash_cost")
  # Slow under callgrind (50x), slower on a busy machine: no request may
  # time out (--request-timeout-ms above), or the counts divide wrongly.
  # CAF's idle scheduler threads poll before they sleep; how often depends
  # on the machine's load, so they sleep at once here (work-stealing
  # options above: actorshop's default since 2026-12-03, passed anyway so
  # an older ACTORSHOP_BENCH_BINARY is counted the same way) and the count
  # stays the program's own.
  # Each dump's header names its trigger ("desc: Trigger: dump <phase>")
  # and carries its total ("summary: <instructions>").
  total_of() {
    local f
    f=$(grep -l "^desc: Trigger: dump $1\$" "$work"/callgrind.out.* | head -n 1)
    [[ -n "$f" ]] || { say "no callgrind dump for $1"; exit 1; }
    sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f"
  }
  orders_done=$(sed -n 's/^orders //p' <<<"$counted")
  reads_done=$(sed -n 's/^reads //p' <<<"$counted")
  orders_total=$(total_of orders)
  reads_total=$(total_of reads)
  per_order=$((orders_total / orders_done))
  per_read=$((reads_total / reads_done))
  printf '  %-44s %12s\n' "actorshop instructions per order" "$per_order" \
    "actorshop instructions per balance read" "$per_read"
  out="${out%.json}-instructions.json"
  measured=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z "${ACTORSHOP_BENCH_BINARY:-}" ]] || measured=$ACTORSHOP_BENCH_BINARY
  printf '{\n  "instructions_per_order": %s,\n  "instructions_per_read": %s,\n  "orders": %s,\n  "reads": %s,\n  "rate_per_s": %s,\n  "users": %s,\n  "measured": "%s"\n}\n' \
    "$per_order" "$per_read" "$orders_done" "$reads_done" "$cg_rate" "$cg_users" \
    "$measured" >"$out"
  say "figures written to $out"
  if [[ -n "${ACTORSHOP_BENCH_CALLGRIND_DIR:-}" ]]; then
    mkdir -p "$ACTORSHOP_BENCH_CALLGRIND_DIR"
    cp "$work"/callgrind.out.* "$ACTORSHOP_BENCH_CALLGRIND_DIR"/
    say "callgrind dumps (callgrind_annotate) copied to $ACTORSHOP_BENCH_CALLGRIND_DIR"
  fi
  exit 0
fi

measure_baselines before
hello_before=$hello_per_s pgbench_before=$pgbench_per_s pgbench_cpu_before=$pgbench_cpu_us

say "starting actorshop on an empty database..."
"$actorshop_bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
  --catalog=config/catalog.csv "${secrets[@]}" --password-hash-cost="$hash_cost" \
  >"$work/actorshop.log" 2>&1 &
pids+=($!)
actorshop_pid=${pids[-1]}
wait_for_line "$work/actorshop.log" "actorshop listening" "$actorshop_pid"

status=0
build/bench/actorshop-bench run --port="$port" --db-url="$db_url" \
  --pid="$actorshop_pid" --users="$users" --orders="$orders" \
  --connections="$connections" \
  --seconds="$seconds" --hello-per-s="$hello_before" \
  --pgbench-per-s="$pgbench_before" --pgbench-cpu-us="$pgbench_cpu_before" \
  --out="$out" --series="${out%.json}.series" \
  --operator-token-file="$work/operator-token" --hash-cost="$hash_cost" || status=$?
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
"$actorshop_bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
  --catalog=config/catalog.csv "${secrets[@]}" --password-hash-cost="$hash_cost" \
  >"$work/actorshop2.log" 2>&1 &
pids+=($!)
wait_for_line "$work/actorshop2.log" "actorshop listening" "${pids[-1]}"
# Ready: every service answers a read (each has loaded its state first).
until http_ok "/getUserInfo?userId=1" && http_ok "/myBalance?userId=1" &&
      http_ok "/getOrder?orderId=1" && http_ok "/getAllSentMessages?userId=1"; do
  sleep 0.01
done
t1=$(date +%s%N)
restart_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
stop_last

# The login throughput at each production cost: one user registered at that
# cost (the cost of a login is the cost its hash was made with), then S
# seconds of logins on 2 connections (one hashing thread, one request
# waiting), with a request timeout a sensitive hash fits in.
if [[ $login_costs -eq 1 ]]; then
  for cost in interactive moderate sensitive; do
    "$actorshop_bin" --db-url="$db_url" --http-host=127.0.0.1 --http-port="$port" \
      --catalog=config/catalog.csv "${secrets[@]}" --password-hash-cost="$cost" \
      --request-timeout-ms=60000 >"$work/actorshop-$cost.log" 2>&1 &
    pids+=($!)
    wait_for_line "$work/actorshop-$cost.log" "actorshop listening" "${pids[-1]}"
    body='{"email":"cost-'"$cost"'@bench.example","name":"Cost","password":"bench password"}'
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'POST /register HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
      "${#body}" "$body" >&3
    head -c 12 <&3 | grep -q " 201" || { say "registering at cost $cost failed"; exit 1; }
    exec 3<&-
    per_s=$(build/bench/actorshop-bench login --port="$port" --connections=2 \
      --seconds="$seconds" --email="cost-$cost@bench.example" | sed -n 's/^per_s //p')
    printf '  %-44s %12s\n' "POST /login /s at cost $cost" "$per_s"
    sed -i '$ s/^}$/  ,"login_per_s_'"$cost"'": '"$per_s"'\n}/' "$out"
    stop_last
  done
fi

# A-B-A: the baselines again, with actorshop stopped, as before it started.
measure_baselines after
build/bench/actorshop-bench report --out="$out" --hello-per-s="$hello_per_s" \
  --pgbench-per-s="$pgbench_per_s" --pgbench-cpu-us="$pgbench_cpu_us" \
  --restart-s="$restart_s" || status=$?

# The picture: every phase second by second, the baselines' means marked.
svg="${out%.json}.svg"
gnuplot -e "data='${out%.json}.series'; out='$svg'; \
  phases='$(sed -n '1s/^# phases: //p' "${out%.json}.series")'; \
  hello=$(awk -v a="$hello_before" -v b="$hello_per_s" 'BEGIN { print (a + b) / 2 }'); \
  pgbench=$(awk -v a="$pgbench_before" -v b="$pgbench_per_s" 'BEGIN { print (a + b) / 2 }')" \
  bench/plot.gp
say "picture written to $svg"
exit $status
