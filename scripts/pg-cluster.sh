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
#                                       initialises DATA_DIR/data once, locks
#                                       it (below), creates role and database
#                                       "actorshop" and prints the conninfo
#                                       (user=actorshop) on stdout; migrates a
#                                       cluster made before the lock
#   pg-cluster.sh stop DATA_DIR         stops it, keeping the data
#
# Runs as root (initdb refuses root, so the server runs as the postgres user)
# or as an ordinary user (the server then runs as that user). Progress and
# errors go to stderr; stdout carries only what callers parse.
#
# Locked (docs/security.md, "The private database"): DATA_DIR, its data and
# socket directories are 0700 and owned by the server's account, the socket
# is 0700 too (unix_socket_permissions), and pg_hba.conf has no trust: peer
# authentication only, through the map "actorshop" of pg_ident.conf, which
# lets the account that runs this script (the one actorshop then runs as) be
# the role actorshop (LOGIN, not a superuser, no CREATEDB/CREATEROLE; it owns
# the database actorshop and its schemas) and, like the server's account,
# the superuser postgres for administration. No password exists anywhere.
# Every start rewrites these files and ownerships when they differ, and says
# so on stderr with "changed:"; a start on a locked cluster changes nothing.
# The temp clusters get the same directory and socket modes and peer
# authentication, but keep the superuser postgres in their conninfo (the
# suites create a database per fixture).
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

# initdb DIR/data, logging to DIR/initdb.log. Peer authentication from the
# start; write_auth replaces initdb's pg_hba.conf before the first start.
init_cluster() {
  local dir=$1
  if ! as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A peer -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed in $dir/data"
  fi
  chmod 600 "$dir/initdb.log"
}

# The account the server runs as, and the one running this script (which
# connects to it, and as which run.sh then runs actorshop).
server_account() {
  if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi
}
client_account() {
  id -un
}

# Counts what a start changed (the migration of an unlocked cluster).
CHANGES=0
changed() {
  say "changed: $*"
  CHANGES=$((CHANGES + 1))
}

# lock_dir DIR: owned by the server's account, mode 0700.
lock_dir() {
  local dir=$1 account before
  account=$(server_account)
  before=$(stat -c '%U %a' "$dir")
  if [[ "$before" != "$account 700" ]]; then
    if [[ $(id -u) -eq 0 ]]; then
      chown "$account:$(id -gn "$account")" "$dir"
    fi
    chmod 700 "$dir"
    changed "$dir: owner and mode '$before' -> '$(stat -c '%U %a' "$dir")'"
  fi
}

# put_file PATH CONTENT: PATH holds CONTENT, owned by the server's account,
# mode 0600; rewritten (atomically) only when it differs. Returns 0 when it
# wrote, 1 when the file was already so.
put_file() {
  local path=$1 content=$2 account tmp
  account=$(server_account)
  if [[ -f "$path" && ! -L "$path" ]] && [[ "$(cat "$path")" == "$content" ]] &&
    [[ "$(stat -c '%U %a' "$path")" == "$account 600" ]]; then
    return 1
  fi
  tmp=$(mktemp "$path.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod 600 "$tmp"
  if [[ $(id -u) -eq 0 ]]; then
    chown "$account:$(id -gn "$account")" "$tmp"
  fi
  mv -f "$tmp" "$path"
  return 0
}

# write_auth DATA ROLE...: pg_hba.conf with peer authentication only (no
# trust, no TCP lines: the server listens on no address) through the map
# "actorshop", which lets the server's account be postgres and the client
# account be postgres and each ROLE; ROLE may connect to the database of the
# same name only. Settings of our own in DATA/actorshop.conf, included from
# postgresql.conf, so that a server started by hand is locked as well.
# Returns 0 when a file changed.
write_auth() {
  local data=$1 server client role wrote=1
  shift
  server=$(server_account)
  client=$(client_account)
  local hba="# Written by scripts/pg-cluster.sh at every start: edits are lost.
# Unix socket only, peer authentication through the map of pg_ident.conf.
# TYPE  DATABASE   USER       METHOD"
  local ident="# Written by scripts/pg-cluster.sh at every start: edits are lost.
# MAPNAME   SYSTEM-USERNAME  PG-USERNAME
actorshop   $server  postgres"
  [[ "$client" == "$server" ]] || ident+="
actorshop   $client  postgres"
  for role in "$@"; do
    hba+="
local   $role  $role  peer map=actorshop"
    ident+="
actorshop   $client  $role"
  done
  hba+="
local   all        postgres   peer map=actorshop"
  local conf="# Written by scripts/pg-cluster.sh at every start: edits are lost.
listen_addresses = ''
unix_socket_permissions = 0700
password_encryption = scram-sha-256"
  put_file "$data/pg_hba.conf" "$hba" && wrote=0
  put_file "$data/pg_ident.conf" "$ident" && wrote=0
  put_file "$data/actorshop.conf" "$conf" && wrote=0
  if ! grep -qx "include = 'actorshop.conf'" "$data/postgresql.conf"; then
    echo "include = 'actorshop.conf'" >>"$data/postgresql.conf"
    wrote=0
  fi
  return $wrote
}

# Whether a server runs on the data directory DATA.
is_running() {
  as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# start_server DATA SOCKET_DIR PORT LOG [extra postgres options]
start_server() {
  local data=$1 socket=$2 port=$3 log=$4
  shift 4
  # TCP is off: the only way in is the socket (mode 0700) in a directory of
  # our own (mode 0700).
  if ! as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-k $socket -p $port -c listen_addresses='' -c unix_socket_permissions=0700 $*" \
      start >/dev/null; then
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
# Either way new WAL segments are not zero-filled (wal_init_zero: PostgreSQL
# writes a segment's last byte and the file system allocates the rest as WAL
# is written). A fresh cluster has no old segments to recycle until its
# checkpoints, so it makes a new 16 MB one every 2.5 s at 6,000 orders/s,
# and the zero-fill of each stalled the commits behind it: createOrder p99 at
# half the highest rate alternated between 7 and 13-27 ms second by second
# (docs/performance.md). A commit still waits for its WAL's fsync. The
# lasting private cluster keeps PostgreSQL's default: it recycles segments
# once it has run a while, and a zero-filled segment finds a full disk
# before a commit does.
TEMP_OPTIONS="-c wal_init_zero=off"
if [[ "${ACTORSHOP_PG_DURABLE:-0}" != 1 ]]; then
  TEMP_OPTIONS+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
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
  write_auth "$dir/data" || true
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

# The role actorshop connects as (it owns the database of the same name).
APP_ROLE=actorshop

# psql as the server's account, as postgres on DB: psql_admin DB [psql args].
psql_admin() {
  local db=$1
  shift
  as_pg "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT" \
    -U postgres -d "$db" "$@"
}

# Runs SQL on DB as postgres; its NOTICEs "changed: ..." are what it changed.
run_migration() {
  local db=$1 sql=$2 out line
  if ! out=$(psql_admin "$db" -c "$sql" 2>&1); then
    die "could not lock database $db: $out"
  fi
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    if [[ "$line" == *"NOTICE:  changed: "* ]]; then
      changed "${line#*NOTICE:  changed: }"
    else
      say "$line"
    fi
  done <<<"$out"
}

# The role: created once, its attributes put back if someone changed them.
ROLE_SQL="DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE') THEN
    CREATE ROLE $APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    RAISE NOTICE 'changed: created role $APP_ROLE';
  ELSIF EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_ROLE'
                AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication
                     OR rolbypassrls OR NOT rolcanlogin)) THEN
    ALTER ROLE $APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    RAISE NOTICE 'changed: attributes of role $APP_ROLE reset';
  END IF;
END
\$\$;"

# In the database: every schema but the system's, and what is in them
# (tables, views, sequences, types, routines; not what belongs to an
# extension), owned by the role. Per object: REASSIGN OWNED BY postgres
# refuses, postgres owns the system's objects too. public is owned by
# pg_database_owner (the database's owner) and stays so.
OWNERSHIP_SQL="DO \$\$
DECLARE
  r record;
  app oid := '$APP_ROLE'::regrole;
BEGIN
  FOR r IN
    SELECT n.nspname FROM pg_namespace n
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
       AND n.nspowner NOT IN (app, 'pg_database_owner'::regrole)
     ORDER BY 1
  LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO $APP_ROLE', r.nspname);
    RAISE NOTICE 'changed: schema % owned by $APP_ROLE', r.nspname;
  END LOOP;
  FOR r IN
    SELECT n.nspname, c.relname, c.relkind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
       AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S', 'c')
       AND c.relowner <> app
       -- a sequence of a serial or identity column follows its table
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
     ORDER BY 1, 2
  LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO $APP_ROLE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE'
                                  WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
                   r.nspname, r.relname);
    RAISE NOTICE 'changed: %.% owned by $APP_ROLE', r.nspname, r.relname;
  END LOOP;
  FOR r IN
    SELECT t.oid::regtype::text AS name, t.typtype FROM pg_type t
      JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
       AND t.typtype IN ('d', 'e', 'r') AND t.typowner <> app
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
     ORDER BY 1
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO $APP_ROLE',
                   CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.name);
    RAISE NOTICE 'changed: type % owned by $APP_ROLE', r.name;
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure::text AS name, p.prokind FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
       AND p.proowner <> app
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
     ORDER BY 1
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO $APP_ROLE',
                   CASE r.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE'
                                  ELSE 'FUNCTION' END, r.name);
    RAISE NOTICE 'changed: routine % owned by $APP_ROLE', r.name;
  END LOOP;
END
\$\$;"

start_persistent() {
  local base=$1
  mkdir -p "$base"
  base=$(cd "$base" && pwd -P)
  local data="$base/data" socket="$base/socket" port
  port=$(persistent_port)
  PG_SOCKET=$socket
  PG_PORT=$port
  check_socket_path "$socket" "$port"
  lock_dir "$base"
  if [[ $(id -u) -eq 0 ]]; then
    if ! runuser -u postgres -- test -r "$base" -a -w "$base" -a -x "$base"; then
      die "the postgres user cannot reach $base (a parent directory such as /root is probably mode 700). Either point actorshop at an existing database with ACTORSHOP_DB_URL=postgresql://..., or keep the data under a path the postgres user can traverse (e.g. /var/lib/actorshop)."
    fi
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    say "initialising a new cluster in $data"
    init_cluster "$base"
  fi
  lock_dir "$data"
  [[ ! -f "$base/initdb.log" ]] || chmod 600 "$base/initdb.log"
  mkdir -p "$socket"
  lock_dir "$socket"
  local auth_changed=0
  if write_auth "$data" "$APP_ROLE"; then
    auth_changed=1
    changed "$data: pg_hba.conf (peer only), pg_ident.conf, actorshop.conf written"
  fi
  if is_running "$data"; then
    # A server started before the lock: restart it, so that the new
    # pg_hba.conf and socket mode surely apply (a reload is asynchronous).
    if [[ $auth_changed -eq 1 ]]; then
      say "restarting the running cluster in $data to apply the lock"
      stop_server "$data"
      start_server "$data" "$socket" "$port" "$base/postgres.log"
    else
      say "cluster in $data already running"
    fi
  else
    start_server "$data" "$socket" "$port" "$base/postgres.log"
  fi
  run_migration postgres "$ROLE_SQL"
  local owner
  owner=$(psql_admin postgres -c \
    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'actorshop'") ||
    die "could not read the databases of $data"
  if [[ -z "$owner" ]]; then
    psql_admin postgres -c "CREATE DATABASE actorshop OWNER $APP_ROLE" ||
      die "could not create database actorshop"
    say "created database actorshop"
  elif [[ "$owner" != "$APP_ROLE" ]]; then
    psql_admin postgres -c "ALTER DATABASE actorshop OWNER TO $APP_ROLE" ||
      die "could not hand database actorshop to $APP_ROLE"
    changed "database actorshop owned by $APP_ROLE (was $owner)"
  fi
  run_migration actorshop "$OWNERSHIP_SQL"
  if [[ $CHANGES -gt 0 ]]; then
    say "locked the cluster in $base ($CHANGES changes)"
  fi
  echo "host=$socket port=$port user=$APP_ROLE dbname=actorshop"
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
