#!/usr/bin/env bash
# The locked private database of scripts/run.sh (issue 14, docs/security.md
# "The private database"): scripts/pg-cluster.sh start on a fresh directory,
# and on a cluster made the old way (trust, everything owned by the superuser
# postgres, directories and socket open to every account). Checks the
# directory and socket modes, that pg_hba.conf has no trust, that the role in
# the printed conninfo is no superuser and owns the database, its schemas and
# their objects, that another local account cannot connect (as root: one made
# with useradd for the test, removed after; the same probe connects to the old
# cluster before its migration, so the probe itself is known to work), that
# the old data survives the migration and that a second start changes nothing.
# ctest runs it (label pg); it makes its own clusters under /tmp.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pgc="$src/scripts/pg-cluster.sh"
pg_bin=${ACTORSHOP_PG_BIN:-/usr/lib/postgresql/15/bin}
[[ -x "$pg_bin/pg_ctl" ]] || pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

failures=0
fail() {
  echo "private_db: FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() {
  echo "private_db: ok: $*" >&2
}

if [[ $(id -u) -eq 0 ]]; then server_account=postgres; else server_account=$(id -un); fi
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

work=$(mktemp -d /tmp/actorshop-private-db.XXXXXX)
chmod 755 "$work" # the server's account (postgres) must reach the clusters
port=$((40000 + RANDOM % 10000))
export ACTORSHOP_PG_PORT=$port
probe=""
cleanup() {
  "$pgc" stop "$work/new" >/dev/null 2>&1 || true
  "$pgc" stop "$work/old" >/dev/null 2>&1 || true
  [[ -z "$probe" ]] || userdel "$probe" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap "exit 143" TERM INT

if [[ $(id -u) -eq 0 ]]; then
  probe="asprobe$$"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$probe"
fi

# q CONNINFO SQL: one value per line, as the account running the test.
q() {
  psql -X -At -v ON_ERROR_STOP=1 "$1" -c "$2"
}

# Whether the probe account can run a query through CONNINFO.
probe_connects() {
  runuser -u "$probe" -- psql -X -At "$1" -c "SELECT 1" >/dev/null 2>&1
}

# check_locked BASE CONNINFO: the checks every locked cluster passes.
check_locked() {
  local base=$1 url=$2 dir mode socket_file before=$failures
  for dir in "$base" "$base/data" "$base/socket"; do
    mode=$(stat -c '%U %a' "$dir")
    [[ "$mode" == "$server_account 700" ]] ||
      fail "$dir is '$mode', not '$server_account 700'"
  done
  socket_file="$base/socket/.s.PGSQL.$port"
  mode=$(stat -c '%a' "$socket_file")
  [[ "$mode" == 700 ]] || fail "$socket_file has mode $mode"
  [[ "$url" == *"user=actorshop"* && "$url" != *"user=postgres"* ]] ||
    fail "conninfo '$url' does not name the role actorshop"
  [[ "$(q "$url" "SHOW unix_socket_permissions")" == 0700 ]] ||
    fail "unix_socket_permissions is not 0700"
  if grep -Ev '^[[:space:]]*(#|$)' "$base/data/pg_hba.conf" | grep -qiw trust; then
    fail "$base/data/pg_hba.conf has a trust line"
  fi
  grep -Ev '^[[:space:]]*(#|$)' "$base/data/pg_hba.conf" | grep -q . ||
    fail "$base/data/pg_hba.conf is empty"
  local role
  role=$(q "$url" "SELECT format('%s %s%s%s%s%s', current_user, rolsuper::int, rolcreatedb::int,
                            rolcreaterole::int, rolreplication::int, rolbypassrls::int)
                     FROM pg_roles WHERE rolname = current_user")
  [[ "$role" == "actorshop 00000" ]] ||
    fail "the conninfo's role is '$role', not 'actorshop 00000' (super, createdb, createrole, replication, bypassrls)"
  [[ "$(q "$url" "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")" == actorshop ]] ||
    fail "database actorshop not owned by actorshop"
  if q "$url" "COPY (SELECT 1) TO PROGRAM 'true'" >/dev/null 2>&1; then
    fail "the role actorshop may run COPY ... TO PROGRAM"
  fi
  if [[ -n "$probe" ]]; then
    probe_connects "$url" && fail "account $probe connects through $url"
    probe_connects "${url/user=actorshop/user=postgres}" &&
      fail "account $probe connects as postgres to $base"
  fi
  ((failures > before)) || ok "$base is locked"
}

# -- a fresh cluster ------------------------------------------------------------
url=$("$pgc" start "$work/new")
check_locked "$work/new" "$url"
# What actorshop does at every start works as its role.
q "$url" "CREATE SCHEMA IF NOT EXISTS users; CREATE TABLE IF NOT EXISTS users.t (id int)" >/dev/null ||
  fail "the role actorshop cannot create its schemas"
"$pgc" stop "$work/new"

# -- a cluster made the old way --------------------------------------------------
old="$work/old"
mkdir -p "$old/socket"
chmod 755 "$old" "$old/socket"
[[ $(id -u) -ne 0 ]] || chown postgres:postgres "$old" "$old/socket"
as_pg "$pg_bin/initdb" -D "$old/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 ||
  { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$pg_bin/pg_ctl" -D "$old/data" -l "$old/postgres.log" -w -t 60 \
  -o "-k $old/socket -p $port -c listen_addresses=''" start >/dev/null
admin="host=$old/socket port=$port user=postgres dbname=actorshop"
as_pg "$pg_bin/createdb" -h "$old/socket" -p "$port" -U postgres actorshop
as_pg psql -X -q -v ON_ERROR_STOP=1 "$admin" <<'SQL'
CREATE SCHEMA users;
CREATE TABLE users.users (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO users.users VALUES (1, 'old@example.com');
CREATE SCHEMA billing;
CREATE TABLE billing.ledger (id bigserial PRIMARY KEY, amount numeric NOT NULL);
INSERT INTO billing.ledger (amount) VALUES (500);
CREATE VIEW billing.total AS SELECT sum(amount) AS total FROM billing.ledger;
CREATE TYPE billing.kind AS ENUM ('deposit', 'charge');
CREATE FUNCTION billing.twice(numeric) RETURNS numeric LANGUAGE sql AS 'SELECT $1 * 2';
CREATE SCHEMA extra;
CREATE TABLE extra.notes (note text);
CREATE TABLE public.legacy (x int);
SQL
if [[ -n "$probe" ]]; then
  # The control: the probe reaches the old cluster, so its refusals below
  # come from the lock, not from a broken probe.
  if probe_connects "$admin"; then
    ok "control: $probe connects to the old cluster"
  else
    fail "control: $probe cannot connect to the old, open cluster (the probe is broken)"
  fi
fi
as_pg "$pg_bin/pg_ctl" -D "$old/data" -m fast -w -t 60 stop >/dev/null

url=$("$pgc" start "$old" 2>"$work/migrate.log") || { cat "$work/migrate.log" >&2; exit 1; }
cat "$work/migrate.log" >&2
check_locked "$old" "$url"
[[ "$(q "$url" "SELECT email FROM users.users WHERE id = 1")" == old@example.com ]] ||
  fail "the old row of users.users is gone"
[[ "$(q "$url" "SELECT total FROM billing.total")" == 500 ]] ||
  fail "the old ledger is gone"
not_ours=$(q "$url" "
  SELECT 'schema ' || nspname FROM pg_namespace
   WHERE nspname !~ '^pg_' AND nspname NOT IN ('information_schema', 'public')
     AND pg_get_userbyid(nspowner) <> 'actorshop'
  UNION ALL
  SELECT c.relkind::text || ' ' || n.nspname || '.' || c.relname FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
     AND pg_get_userbyid(c.relowner) <> 'actorshop'
  UNION ALL
  SELECT 'type ' || t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
     AND pg_get_userbyid(t.typowner) <> 'actorshop'
  UNION ALL
  SELECT 'routine ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
     AND pg_get_userbyid(p.proowner) <> 'actorshop'") || fail "could not list the owners"
[[ -z "$not_ours" ]] || fail "not owned by actorshop after the migration: $(tr '\n' ',' <<<"$not_ours")"
[[ "$(q "$url" "SELECT tableowner FROM pg_tables WHERE schemaname = 'users' AND tablename = 'users'")" == actorshop ]] ||
  fail "users.users not owned by actorshop"
# What actorshop does on an existing database: add columns, insert through a
# sequence, create tables in its schemas.
q "$url" "ALTER TABLE users.users ADD COLUMN IF NOT EXISTS password_hash text;
          INSERT INTO billing.ledger (amount) VALUES (1);
          CREATE TABLE IF NOT EXISTS users.more (id int)" >/dev/null ||
  fail "the role actorshop cannot change its migrated tables"
grep -q 'changed: ' "$work/migrate.log" || fail "the migration reported no change"

# -- a second start changes nothing ----------------------------------------------
"$pgc" stop "$old"
sums=$(cd "$old/data" && sha256sum pg_hba.conf pg_ident.conf actorshop.conf postgresql.conf)
url2=$("$pgc" start "$old" 2>"$work/second.log") || { cat "$work/second.log" >&2; exit 1; }
if grep -q 'changed: ' "$work/second.log"; then
  fail "a second start changed something: $(grep 'changed: ' "$work/second.log" | tr '\n' ' ')"
fi
[[ "$sums" == "$(cd "$old/data" && sha256sum pg_hba.conf pg_ident.conf actorshop.conf postgresql.conf)" ]] ||
  fail "a second start rewrote the configuration"
[[ "$url2" == "$url" ]] || fail "a second start printed another conninfo: $url2"
check_locked "$old" "$url2"
[[ "$(q "$url2" "SELECT count(*) FROM billing.ledger")" == 2 ]] || fail "data lost on the second start"
"$pgc" stop "$old"

if [[ -z "$probe" ]]; then
  echo "private_db: not root: the other-account checks were skipped" >&2
fi
if ((failures > 0)); then
  echo "private_db: $failures failures" >&2
  exit 1
fi
echo "private_db: all checks passed" >&2
