#!/usr/bin/env bash
# The include graph between the top-level folders of the production code
# (docs/architecture.md, "Layers"). Each folder may include only itself and
# the folders its rule lists; a folder with sources but no rule, an include of
# a folder the rule does not allow, or rules that form a cycle fail the check.
# ctest runs it (label unit) over the repository, and with --self-test over
# small trees that break each rule, so the check itself is known to fail.
#
#   tests/structure/layers.sh [ROOT]     check ROOT (default: the repository)
#   tests/structure/layers.sh --self-test
set -euo pipefail

# -- the rules: folder -> the other folders it may include ---------------------
# Deny unless listed. main.cpp (the composition root), tests/ and bench/ may
# include anything and are not checked; nothing here may include them.
declare -A allowed=(
  [common]=""
  [domain]="common"
  [storage]="domain common"
  [actors]="storage domain common"
  [config]="actors domain common"
  [http]="actors domain common"
)
# Folders no production folder may include.
outside=(tests bench)

# Prints the problems of the tree at $1, one per line; returns 1 if any.
check_tree() {
  local root="$1" failed=0 folder dir other line file target
  local -A known=()
  for folder in "${!allowed[@]}" "${outside[@]}"; do
    known[$folder]=1
  done

  # Every top-level folder with C++ sources has a rule.
  for dir in "$root"/*/; do
    folder="$(basename "$dir")"
    [[ -n "${known[$folder]:-}" || "$folder" == build* ]] && continue
    if find "$dir" -name '*.[ch]pp' -print -quit | grep -q .; then
      echo "layers: $folder/ has C++ sources but no rule in tests/structure/layers.sh"
      failed=1
    fi
  done

  # Every include of a project folder is allowed by the including folder's rule.
  for folder in "${!allowed[@]}"; do
    [[ -d "$root/$folder" ]] || continue
    while IFS= read -r line; do
      file="${line%%:*}"
      target="$(sed -E 's/^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([A-Za-z0-9_]+)\/.*/\1/' <<<"$line")"
      [[ "$target" == "$folder" || -z "${known[$target]:-}" ]] && continue
      if [[ " ${allowed[$folder]} " != *" $target "* ]]; then
        echo "layers: ${line#"$root"/}"
        echo "        $folder/ may include only: ${allowed[$folder]:-(no other folder)}"
        failed=1
      fi
    done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<][A-Za-z0-9_]+/' \
               --include='*.hpp' --include='*.cpp' "$root/$folder" || true)
  done

  # The rules themselves form no cycle (depth-first search, three colours).
  local -A colour=()
  visit() {
    local node="$1" next
    colour[$node]=grey
    for next in ${allowed[$node]}; do
      if [[ "${colour[$next]:-white}" == grey ]]; then
        echo "layers: the rules form a cycle through $node/ and $next/"
        return 1
      fi
      if [[ "${colour[$next]:-white}" == white ]]; then
        visit "$next" || return 1
      fi
    done
    colour[$node]=black
  }
  for folder in "${!allowed[@]}"; do
    if [[ "${colour[$folder]:-white}" == white ]]; then
      visit "$folder" || failed=1
    fi
  done
  return "$failed"
}

# Each broken tree must fail with the given message, the clean one pass.
self_test() {
  local scratch
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' RETURN
  local ok=1
  expect() { # name, expected: pass or a message fragment
    local name="$1" want="$2" out rc=0
    out="$(check_tree "$scratch/$name")" || rc=$?
    if [[ "$want" == pass && $rc -ne 0 ]]; then
      echo "self-test $name: expected to pass, got: $out"; ok=0
    elif [[ "$want" != pass && ( $rc -eq 0 || "$out" != *"$want"* ) ]]; then
      echo "self-test $name: expected a failure naming '$want', got rc=$rc: $out"; ok=0
    fi
  }
  make_file() { mkdir -p "$(dirname "$1")"; printf '%s\n' "${@:2}" >"$1"; }

  make_file "$scratch/clean/domain/a.hpp" '#include "common/log.hpp"' '#include <caf/all.hpp>'
  make_file "$scratch/clean/actors/b.cpp" '#include "storage/r.hpp"' '#include "actors/c.hpp"'
  expect clean pass

  make_file "$scratch/upward/storage/r.hpp" '#include "domain/types.hpp"'
  make_file "$scratch/upward/storage/pg/x.cpp" '  #  include "actors/types.hpp"'
  expect upward 'storage/pg/x.cpp:1'

  make_file "$scratch/tests_from_prod/http/s.cpp" '#include <tests/support/print.hpp>'
  expect tests_from_prod 'http/ may include only'

  make_file "$scratch/no_rule/shipping/ship.cpp" '#include "domain/types.hpp"'
  expect no_rule 'shipping/ has C++ sources but no rule'

  allowed[common]="http"
  make_file "$scratch/cycle/common/l.hpp" ''
  expect cycle 'the rules form a cycle'
  allowed[common]=""

  [[ $ok -eq 1 ]] && echo "layers: self-test passed (5 trees)"
  [[ $ok -eq 1 ]]
}

if [[ "${1:-}" == --self-test ]]; then
  self_test
  exit
fi
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
if check_tree "$root"; then
  echo "layers: the include graph follows the rules (${#allowed[@]} folders, no cycle)"
else
  exit 1
fi
