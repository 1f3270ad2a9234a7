#!/usr/bin/env bash
# The production binary holds no test-only code: no symbol of the in-memory
# repositories (storage/memory/), the audit (storage/pg/audit.*) or the
# database admin (storage/pg/admin.*), which live in actorshop_testing.
# ctest runs it on the actorshop binary, and with --present on a test binary
# that links them, so the check is known to see them when they are there.
#
#   tests/structure/production_symbols.sh BINARY            none may be defined
#   tests/structure/production_symbols.sh --present BINARY  each must be
set -euo pipefail

present=0
if [[ "${1:-}" == --present ]]; then
  present=1
  shift
fi
binary="${1:?usage: production_symbols.sh [--present] BINARY}"

# One pattern per test-only part, matched against defined, demangled symbols.
declare -A parts=(
  [in-memory repositories]='shop::memory_store|shop::memory::'
  [audit]='shop::pg::audit'
  [database admin]='shop::pg::(create_database|drop_database|terminate_connections|with_database|create_users_before_passwords)\('
)

defined="$(nm -C --defined-only "$binary")"
failed=0
for part in "${!parts[@]}"; do
  hits="$(grep -cE "${parts[$part]}" <<<"$defined" || true)"
  if [[ $present -eq 0 && $hits -ne 0 ]]; then
    echo "production_symbols: $binary defines $hits symbols of the $part, e.g.:"
    grep -E "${parts[$part]}" <<<"$defined" | head -3
    failed=1
  elif [[ $present -eq 1 && $hits -eq 0 ]]; then
    echo "production_symbols: $binary defines no symbol of the $part (pattern ${parts[$part]})"
    failed=1
  fi
done
if [[ $failed -eq 0 ]]; then
  echo "production_symbols: $binary: ${#parts[@]} test-only parts $([[ $present -eq 1 ]] && echo present || echo absent)"
fi
exit "$failed"
