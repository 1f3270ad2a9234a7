#!/usr/bin/env bash
# The mutation check: do the fast suites catch real bugs on their own?
#
# Applies each mutation of tests/mutation/*.mutation (one deliberate bug in
# the decision logic, the outbox/inbox, the unit of work, the idempotency
# store or a PostgreSQL statement) to a scratch copy of the working tree,
# rebuilds it incrementally, runs the fast suites (unit, actor, simulation,
# pg) and prints which suite caught it. Every mutation must be caught; the
# exit status is non-zero when one survived or no longer applies.
#
# Usage: scripts/mutation.sh [--suites unit,actor,simulation,pg]
#                            [--seeds N] [NAME-SUBSTRING...]
#   --suites  the suites to run (default: all four)
#   --seeds   simulation scenarios per mutation (default 1000, as test.sh)
#   NAME...   only the mutations whose file name contains one of these
#
# The scratch tree and its build live in build-mutation/ (override with
# ACTORSHOP_MUTATION_DIR); the checkout itself is never modified. The first
# run builds everything (minutes); later ones rebuild what changed. The
# simulation runs every seed (ACTORSHOP_SIM_KEEP_GOING) and the table gives
# the share of seeds that caught the bug. docs/reliability.md explains the
# mutation file format and records the last run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${ACTORSHOP_MUTATION_DIR:-$root/build-mutation}"
src="$work/src"
build="$work/build"
logs="$work/logs"
pg_state="$work/pg"

suites="unit,actor,simulation,pg"
seeds=1000
filters=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --suites) suites="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) filters+=("$1"); shift ;;
  esac
done
IFS=, read -r -a suite_list <<<"$suites"
for s in "${suite_list[@]}"; do
  case "$s" in
    unit|actor|simulation|pg) ;;
    *) echo "mutation: unknown suite '$s'" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh"

# -- the scratch tree: the working tree's files (tracked and new, not ignored),
# copied only when their content differs, so the build stays incremental and
# a file restored after a mutation is always rebuilt.
sync_tree() {
  mkdir -p "$src"
  local listed="$work/files.txt"
  (cd "$root" && git ls-files -co --exclude-standard) | sort >"$listed"
  while IFS= read -r f; do
    [[ -f "$root/$f" ]] || continue
    if ! cmp -s "$root/$f" "$src/$f"; then
      mkdir -p "$(dirname "$src/$f")"
      cp "$root/$f" "$src/$f"
    fi
  done <"$listed"
  # Files deleted from the working tree leave the copy too.
  (cd "$src" && find . -type f | sed 's|^\./||' | sort) \
    | comm -23 - "$listed" | while IFS= read -r f; do rm -f "$src/$f"; done
}

build_targets() {
  cmake --build "$build" -j "$(nproc)" --target unit_tests actor_tests \
    simulation_tests pg_tests >"$1" 2>&1
}

# Runs one suite; prints "pass", "caught", "caught k/N" (simulation) or
# "timeout". Its output goes to $2.
run_suite() {
  local suite=$1 log=$2 rc=0
  case "$suite" in
    simulation)
      ACTORSHOP_SIM_KEEP_GOING=1 ACTORSHOP_SIM_SCENARIOS="$seeds" \
        timeout 900 "$build/tests/simulation_tests" --report_level=short \
        >"$log" 2>&1 || rc=$?
      ;;
    pg)
      ACTORSHOP_TEST_PG_STATE="$pg_state" timeout 600 \
        "$build/tests/pg_tests" --report_level=short >"$log" 2>&1 || rc=$?
      ;;
    *)
      timeout 600 "$build/tests/${suite}_tests" --report_level=short \
        >"$log" 2>&1 || rc=$?
      ;;
  esac
  if [[ $rc -eq 124 ]]; then
    echo timeout
  elif [[ $rc -eq 0 ]]; then
    echo pass
  elif [[ "$suite" == simulation ]]; then
    local line
    line=$(grep -o 'caught in [0-9]* of [0-9]* seeds' "$log" | tail -1 || true)
    if [[ -n "$line" ]]; then
      awk '{print "caught " $3 "/" $5}' <<<"$line"
    else
      echo caught
    fi
  else
    echo caught
  fi
}

# Field `name` of a mutation file ("find: ..." -> "...").
field() {
  sed -n "s/^$2: //p" "$1" | head -1
}

# Replaces occurrence number $4 of the literal text $2 by $3 in file $1.
# Fails when the file has fewer occurrences (the mutation went stale).
replace_literal() {
  local file=$1 find=$2 repl=$3 nth=$4 content before rest i
  content="$(cat "$file"; printf x)"
  content="${content%x}"
  before=""
  rest="$content"
  for ((i = 1; i < nth; i++)); do
    [[ "$rest" == *"$find"* ]] || return 1
    before+="${rest%%"$find"*}$find"
    rest="${rest#*"$find"}"
  done
  [[ "$rest" == *"$find"* ]] || return 1
  before+="${rest%%"$find"*}$repl"
  rest="${rest#*"$find"}"
  printf '%s' "$before$rest" >"$file"
}

sync_tree
mkdir -p "$logs"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DACTORSHOP_BUILD_BENCH=OFF >"$logs/configure.log"
echo "mutation: building the scratch tree in $build"
build_targets "$logs/build-baseline.log" || {
  echo "mutation: the unmutated tree does not build, see $logs/build-baseline.log" >&2
  exit 1
}

if [[ " ${suite_list[*]} " == *" pg "* ]]; then
  "$src/scripts/pg-cluster.sh" start-temp "$pg_state" >/dev/null
  trap '"$src/scripts/pg-cluster.sh" stop-temp "$pg_state" >/dev/null 2>&1 || true' EXIT
fi

echo "mutation: baseline (no mutation)"
for s in "${suite_list[@]}"; do
  r=$(run_suite "$s" "$logs/baseline-$s.log")
  if [[ "$r" != pass ]]; then
    echo "mutation: the $s suite fails without a mutation ($r), see $logs/baseline-$s.log" >&2
    exit 1
  fi
done

report="$work/report.md"
{
  printf '| mutation |'
  for s in "${suite_list[@]}"; do printf ' %s |' "$s"; done
  printf ' verdict |\n|---|'
  for s in "${suite_list[@]}"; do printf -- '---|'; done
  printf -- '---|\n'
} >"$report"
cat "$report"

survived=0
invalid=0
total=0
for m in "$root"/tests/mutation/*.mutation; do
  name=$(basename "$m" .mutation)
  if [[ ${#filters[@]} -gt 0 ]]; then
    keep=0
    for f in "${filters[@]}"; do [[ "$name" == *"$f"* ]] && keep=1; done
    [[ $keep -eq 1 ]] || continue
  fi
  total=$((total + 1))
  file=$(field "$m" file)
  find=$(field "$m" find)
  repl=$(field "$m" replace)
  nth=$(field "$m" occurrence)
  nth=${nth:-1}
  target="$src/$file"
  original="$work/original"
  cp "$target" "$original"
  row="| $name |"
  if ! replace_literal "$target" "$find" "$repl" "$nth"; then
    row+=" does not apply: '$find' is not in $file |"
    invalid=$((invalid + 1))
  elif ! build_targets "$logs/build-$name.log"; then
    row+=" does not compile, see $logs/build-$name.log |"
    invalid=$((invalid + 1))
  else
    caught_by=()
    for s in "${suite_list[@]}"; do
      r=$(run_suite "$s" "$logs/$name-$s.log")
      row+=" $r |"
      [[ "$r" != pass ]] && caught_by+=("$s")
    done
    if [[ ${#caught_by[@]} -eq 0 ]]; then
      row+=" **survived** |"
      survived=$((survived + 1))
    else
      row+=" caught |"
    fi
  fi
  # Restore by copy: the new mtime makes the next build recompile it.
  cp "$original" "$target"
  echo "$row" | tee -a "$report"
done

echo
echo "mutation: $total mutations, $survived survived, $invalid invalid (report: $report)"
[[ $survived -eq 0 && $invalid -eq 0 ]]
