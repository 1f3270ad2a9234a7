#!/usr/bin/env bash
# Runs the libFuzzer targets (tests/fuzz/, docs/reliability.md "Fuzzing"),
# one after the other, one process each, and prints a table: executions,
# coverage (cov, ft and corpus size from libFuzzer's final DONE line) and the
# result per target. Exits non-zero if any target found a crash or a violated
# property; the reproducer stays in build-fuzz/runs/<target>/.
#
#   scripts/fuzz.sh                      every target, 60 s each
#   scripts/fuzz.sh 600 money config     the given targets, 600 s each
#   scripts/fuzz.sh --runs=1000000 query a fixed number of inputs instead
#   scripts/fuzz.sh --merge 300 catalog  also merge new inputs into the seed
#                                        corpus (tests/fuzz/corpus/<target>/)
#
# Each target fuzzes a scratch copy of its seed corpus with its dictionary
# (tests/fuzz/dict/); the committed corpus changes only with --merge, which
# adds just the inputs that reach new coverage. The build is its own
# configuration in build-fuzz/ (clang++, -fsanitize=fuzzer,address,undefined),
# apart from build/. Installs clang and libFuzzer's runtime when missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

all_targets=(money register create_account deposit payment create_order query
             headers wire_guard catalog config token)

seconds=60
runs=""
merge=0
targets=()
for arg in "$@"; do
  case "$arg" in
    --merge) merge=1 ;;
    --runs=*) runs="${arg#--runs=}" ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    *[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=("${all_targets[@]}")
fi
for t in "${targets[@]}"; do
  if [[ ! -f "tests/fuzz/${t}_fuzz.cpp" ]]; then
    echo "fuzz.sh: no target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
done

# -- what the fuzz build needs beyond the project's own packages -------------
scripts/install-deps.sh clang libclang-rt-14-dev

# -- build ---------------------------------------------------------------------
build="$root/build-fuzz"
# Debug: assertions stay on; the targets' own -O1 wins over Debug's -O0.
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DACTORSHOP_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
fi
cmake --build "$build" -j "${ACTORSHOP_JOBS:-2}" \
  --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null

dict_of() {
  case "$1" in
    register|create_account|deposit|payment|create_order) echo json ;;
    *) echo "$1" ;;
  esac
}

# -- run -------------------------------------------------------------------------
rows=()
failed=0
for t in "${targets[@]}"; do
  run="$build/runs/$t"
  rm -rf "$run/corpus" "$run/tmp"
  mkdir -p "$run/corpus" "$run/artifacts" "$run/tmp"
  cp -r "tests/fuzz/corpus/$t/." "$run/corpus/"
  limit=(-max_total_time="$seconds")
  if [[ -n "$runs" ]]; then
    limit=(-runs="$runs")
  fi
  dict="tests/fuzz/dict/$(dict_of "$t").dict"
  amount="$seconds s"
  if [[ -n "$runs" ]]; then
    amount="$runs runs"
  fi
  echo "fuzz.sh: $t ($amount), log in $run/log.txt" >&2
  start=$SECONDS
  rc=0
  # -close_fd_mask=1: the config target's --help inputs print to stdout.
  # TMPDIR: the config target's temporary INI file stays in the run.
  TMPDIR="$run/tmp" "$build/tests/fuzz/fuzz_$t" "${limit[@]}" \
    -dict="$dict" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=1 -artifact_prefix="$run/artifacts/" "$run/corpus" \
    >"$run/log.txt" 2>&1 || rc=$?
  elapsed=$((SECONDS - start))
  done_line="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$run/log.txt" | tail -1 || true)"
  last_line="$(grep -E '^#[0-9]+' "$run/log.txt" | tail -1 || true)"
  execs="$(grep -E '^stat::number_of_executed_units' "$run/log.txt" \
           | awk '{print $2}' | tail -1)"
  if [[ -z "$execs" ]]; then
    execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last_line")"
  fi
  field() { sed -nE "s/.* $1: ([0-9]+).*/\1/p" <<<"${done_line:-$last_line}"; }
  cov="$(field cov)"
  ft="$(field ft)"
  corp="$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"${done_line:-$last_line}")"
  if [[ $rc -eq 0 && -n "$done_line" ]]; then
    result="ok"
  else
    failed=1
    artifact="$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$run/log.txt" | tail -1)"
    what="$(grep -m1 -E 'fuzz property violated|ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error' \
            "$run/log.txt" || true)"
    result="FAILED (exit $rc): ${what:-see the log}; reproducer: ${artifact:-none}"
    echo "fuzz.sh: $t: $result" >&2
    echo "fuzz.sh: replay it with: $build/tests/fuzz/fuzz_$t ${artifact:-<file>}" >&2
  fi
  if [[ $merge -eq 1 && "$result" == ok ]]; then
    "$build/tests/fuzz/fuzz_$t" -merge=1 -close_fd_mask=1 \
      "tests/fuzz/corpus/$t" "$run/corpus" >>"$run/log.txt" 2>&1
  fi
  rows+=("$(printf '%-15s %12s %7s %8s %7s %6s  %s' "$t" "${execs:-?}" \
            "${cov:-?}" "${ft:-?}" "${corp:-?}" "$elapsed" "$result")")
done

printf '\n%-15s %12s %7s %8s %7s %6s  %s\n' target executions cov ft corpus \
  seconds result
for row in "${rows[@]}"; do
  echo "$row"
done
if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: FAILED: see the results above" >&2
fi
exit "$failed"
