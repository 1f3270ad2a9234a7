#!/usr/bin/env bash
# Installs what is missing, builds (Release) and runs actorshop from the
# repository root, passing this script's arguments on:
#   scripts/run.sh --http-port=9090
# With no database configured (no ACTORSHOP_DB_URL, no --db-url=, no db-url in
# the config file) it starts a private PostgreSQL cluster under var/pg (Unix
# socket only, data kept between runs) and stops it again on exit. That
# cluster is locked (scripts/pg-cluster.sh, docs/security.md "The private
# database"): 0700 directories and socket, peer authentication only, and
# actorshop connects as the role actorshop, which owns its database and is no
# superuser; a var/pg from before the lock is migrated on the next start.
# Ctrl-C or SIGTERM stops actorshop cleanly, then the private database.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/install-deps.sh
scripts/build.sh Release

# Is OPTION (db-url, token-key-file, ...) configured by any source actorshop
# reads: its ACTORSHOP_* variable, the command line or the config file?
configured() {
  local option="$1" arg
  shift
  local env="ACTORSHOP_$(printf '%s' "$option" | tr 'a-z-' 'A-Z_')"
  [[ -n "${!env:-}" ]] && return 0
  local config_file="${ACTORSHOP_CONFIG_FILE:-actorshop.ini}"
  for arg in "$@"; do
    case "$arg" in
      "--$option="*) return 0 ;;
      --config-file=*) config_file="${arg#--config-file=}" ;;
    esac
  done
  [[ -f "$config_file" ]] && grep -Eq "^[[:space:]]*$option[[:space:]]*=" "$config_file"
}

# Where the private cluster lives: var/pg, unless the postgres account cannot
# reach the clone (as root, a clone under /root, mode 700, is typical). Then
# the data goes to /var/lib/actorshop/ and var/pg links to it.
private_pg_dir() {
  local dir="$root/var/pg"
  if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$root"; then
    local alt
    alt="/var/lib/actorshop/$(printf '%s' "$root" | md5sum | cut -c1-12)"
    mkdir -p "$alt"
    [[ -e "$dir" || -L "$dir" ]] || ln -s "$alt" "$dir"
    dir="$alt"
  fi
  echo "$dir"
}

pg_dir=""
private_pg=0
actorshop_pid=""

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  if [[ -n "$actorshop_pid" ]] && kill -0 "$actorshop_pid" 2>/dev/null; then
    kill -TERM "$actorshop_pid" 2>/dev/null || true
    wait "$actorshop_pid" 2>/dev/null || true
  fi
  if [[ $private_pg -eq 1 ]]; then
    scripts/pg-cluster.sh stop "$pg_dir" >/dev/null || true
    private_pg=0
  fi
}
trap cleanup EXIT

args=("$@")

# The secrets of the identities (docs/security.md): made once, mode 0600,
# kept between runs. The operator token's path is printed, never the token.
# var/ itself keeps the usual mode: the private PostgreSQL lives in it too
# (the server's account, postgres when run as root, must traverse it; var/pg
# itself is 0700 and the server's).
mkdir -p "$root/var"
# noclobber: a file (or a symlink planted there) is never written through.
(
  umask 077
  set -o noclobber
  if ! configured token-key-file "$@" && [[ ! -s "$root/var/token.key" ]]; then
    rm -f "$root/var/token.key"
    head -c 32 /dev/urandom >"$root/var/token.key"
  fi
  if ! configured operator-token-file "$@" && [[ ! -s "$root/var/operator-token" ]]; then
    rm -f "$root/var/operator-token"
    od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$root/var/operator-token"
  fi
)
if ! configured token-key-file "$@"; then
  args=("--token-key-file=$root/var/token.key" "${args[@]}")
fi
if ! configured operator-token-file "$@"; then
  args=("--operator-token-file=$root/var/operator-token" "${args[@]}")
  echo "run.sh: operator token in $root/var/operator-token" >&2
fi

if ! configured db-url "$@"; then
  mkdir -p "$root/var"
  pg_dir="$(private_pg_dir)"
  private_pg=1
  db_url="$(scripts/pg-cluster.sh start "$pg_dir")"
  echo "run.sh: private PostgreSQL in $pg_dir: $db_url" >&2
  args=("--db-url=$db_url" "${args[@]}")
fi

# actorshop runs in the background so that this shell can forward signals
# to it and still stop the database afterwards. A background job of a
# non-interactive shell ignores SIGINT, so both signals are forwarded as
# SIGTERM, actorshop's clean stop.
build/actorshop "${args[@]}" &
actorshop_pid=$!
# shellcheck disable=SC2317  # invoked by the INT/TERM trap
forward() {
  kill -TERM "$actorshop_pid" 2>/dev/null || true
}
trap forward INT TERM

# `wait` returns early when a trapped signal arrives; keep waiting until
# actorshop itself has exited, then report its exit status.
rc=0
while :; do
  rc=0
  wait "$actorshop_pid" || rc=$?
  kill -0 "$actorshop_pid" 2>/dev/null || break
done
actorshop_pid=""
exit "$rc"
