#!/usr/bin/env bash
# Private PostgreSQL clusters for actorshop, listening only on a Unix socket.
#
#   pg-cluster.sh start-temp STATE_DIR  throwaway cluster for the test suites:
#                                       writes STATE_DIR/url (a libpq conninfo)
#                                       and STATE_DIR/dir (its temp directory)
#   pg-cluster.sh stop-temp STATE_DIR   stops it and removes its directory
#   pg-cluster.sh pause-temp STATE_DIR  stops its server (pg_ctl stop -m fast:
#                                       sessions are cut), keeping the data:
#                                       the fault tests' database outage
#   pg-cluster.sh resume-temp STATE_DIR starts it again, same socket and port
#   pg-cluster.sh start DATA_DIR        persistent cluster for scripts/run.sh:
#                                       initialises DATA_DIR/data once, creates
#                                       database "actorshop" and prints the
#                                       conninfo on stdout
#   pg-cluster.sh stop DATA_DIR         stops it, keeping the data
#
# Runs as root (initdb refuses root, so the server runs as the postgres user)
# or as an ordinary user (the server then runs as that user). Progress and
# errors go to stderr; stdout carries only what callers parse.
#
# Environment: ACTORSHOP_PG_BIN (directory of initdb/pg_ctl),
# ACTORSHOP_PG_PORT (port of the persistent cluster's socket, default 54329),
# ACTORSHOP_PG_DURABLE=1 (a temp cluster with durable commits).

set -euo pipefail

die() {
  echo "pg-cluster: $*" >&2
  exit 1
}

say() {
  echo "pg-cluster: $*" >&2
}

# -- helpers --------------------------------------------------------------------

find_bin() {
  if [[ -n "${ACTORSHOP_PG_BIN:-}" ]]; then
    echo "$ACTORSHOP_PG_BIN"
  elif [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    echo /usr/lib/postgresql/15/bin
  else
    local newest
    newest=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    [[ -n "$newest" && -x "$newest/pg_ctl" ]] ||
      die "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
    echo "$newest"
  fi
}

PG_BIN=$(find_bin)

# As root the server runs as postgres (initdb refuses root).
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "user 'postgres' missing (apt-get install postgresql)"
fi

# Runs a command as the server's account.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# initdb DIR/data, logging to DIR/initdb.log.
init_cluster() {
  local dir=$1
  if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi
}

# Whether a server runs on the data directory DATA.
is_running() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# start_server DATA SOCKET_DIR PORT LOG [extra postgres options]
start_server() {
  local data=$1 socket=$2 port=$3 log=$4
  shift 4
  # TCP is off: the only way in is the socket in a directory of our own.
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-k $socket -p $port -c listen_addresses='' $*" start >/dev/null; then
    tail -n 20 "$log" >&2 || true
    die "could not start PostgreSQL on $data (log: $log)"
  fi
}

stop_server() {
  local data=$1
  if [[ -f "$data/postmaster.pid" ]] && is_running "$data"; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
      die "could not stop PostgreSQL on $data"
  fi
}

# A port number whose socket file is free in /tmp and whose TCP port is free
# on loopback; the socket lives in a private directory anyway, the number only
# keeps clusters apart in logs and shared memory keys.
pick_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port found"
}

# Unix socket paths are limited to 107 bytes.
check_socket_path() {
  local socket=$1 port=$2
  local path="$socket/.s.PGSQL.$port"
  ((${#path} <= 107)) ||
    die "socket path too long for Unix sockets (${#path} > 107 bytes): $path; use a shorter data directory"
}

# -- throwaway test cluster ----------------------------------------------------

# Throwaway data: durability off for speed, unless ACTORSHOP_PG_DURABLE=1
# (the benchmark measures with durable commits, PostgreSQL's defaults).
if [[ "${ACTORSHOP_PG_DURABLE:-0}" == 1 ]]; then
  TEMP_OPTIONS=""
else
  TEMP_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

# The directory of the temp cluster recorded in STATE, or die.
temp_dir() {
  local state=$1
  [[ -f "$state/dir" ]] || die "no temp cluster recorded in $state"
  cat "$state/dir"
}

stop_temp() {
  local state=$1
  [[ -f "$state/dir" ]] || return 0
  local dir
  dir=$(cat "$state/dir")
  # Only ever remove what start-temp made.
  if [[ "$dir" == /tmp/actorshop-pg.* && -d "$dir" ]]; then
    stop_server "$dir/data"
    rm -rf "$dir"
  fi
  rm -f "$state/dir" "$state/url"
}

start_temp() {
  local state=$1
  mkdir -p "$state"
  state=$(cd "$state" && pwd)
  stop_temp "$state" # a stale cluster of an earlier, interrupted run
  local dir port
  # Under /tmp: the postgres account may not reach the build tree (/root).
  dir=$(mktemp -d /tmp/actorshop-pg.XXXXXX)
  chmod 700 "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir"
  fi
  echo "$dir" >"$state/dir"
  port=$(pick_port)
  check_socket_path "$dir" "$port"
  init_cluster "$dir"
  start_server "$dir/data" "$dir" "$port" "$dir/log" $TEMP_OPTIONS
  echo "host=$dir port=$port user=postgres dbname=postgres" >"$state/url"
  say "test cluster up: $(cat "$state/url")"
}

pause_temp() {
  local dir
  dir=$(temp_dir "$1")
  stop_server "$dir/data"
  say "test cluster in $dir stopped (data kept)"
}

resume_temp() {
  local state=$1 dir port
  dir=$(temp_dir "$state")
  port=$(sed -n 's/.*port=\([0-9][0-9]*\).*/\1/p' "$state/url")
  [[ -n "$port" ]] || die "no port in $state/url"
  if is_running "$dir/data"; then
    say "test cluster in $dir already running"
    return 0
  fi
  start_server "$dir/data" "$dir" "$port" "$dir/log" $TEMP_OPTIONS
  say "test cluster in $dir running again"
}

# -- persistent cluster ----------------------------------------------------------

persistent_port() {
  echo "${ACTORSHOP_PG_PORT:-54329}"
}

start_persistent() {
  local base=$1
  mkdir -p "$base"
  base=$(cd "$base" && pwd)
  local data="$base/data" socket="$base/socket" port
  port=$(persistent_port)
  check_socket_path "$socket" "$port"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$base"
    chmod 700 "$base"
    if ! runuser -u postgres -- test -r "$base" -a -w "$base" -a -x "$base"; then
      die "the postgres user cannot reach $base (a parent directory such as /root is probably mode 700). Either point actorshop at an existing database with ACTORSHOP_DB_URL=postgresql://..., or keep the data under a path the postgres user can traverse (e.g. /var/lib/actorshop)."
    fi
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    say "initialising a new cluster in $data"
    init_cluster "$base"
  fi
  mkdir -p "$socket"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$socket"
  fi
  if is_running "$data"; then
    say "cluster in $data already running"
  else
    start_server "$data" "$socket" "$port" "$base/postgres.log"
  fi
  local err
  if err=$(as_pg "$PG_BIN/createdb" -h "$socket" -p "$port" -U postgres \
      actorshop 2>&1); then
    say "created database actorshop"
  elif [[ "$err" != *"already exists"* ]]; then
    die "could not create database actorshop: $err"
  fi
  echo "host=$socket port=$port user=postgres dbname=actorshop"
}

stop_persistent() {
  local base=$1
  [[ -d "$base/data" ]] || return 0
  stop_server "$base/data"
}

# -- main --------------------------------------------------------------------------

usage() {
  echo "usage: $0 start-temp|stop-temp|pause-temp|resume-temp STATE_DIR | start|stop DATA_DIR" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start-temp) start_temp "$2" ;;
  stop-temp) stop_temp "$2" ;;
  pause-temp) pause_temp "$2" ;;
  resume-temp) resume_temp "$2" ;;
  start) start_persistent "$2" ;;
  stop) stop_persistent "$2" ;;
  *) usage ;;
esac
