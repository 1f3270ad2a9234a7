#!/usr/bin/env bash
# The actorshop executable runs on jemalloc (CMakeLists.txt,
# ACTORSHOP_ALLOCATOR): asked to, jemalloc prints its statistics when the
# process exits, which only the allocator the process really calls does.
# ctest runs it on the actorshop binary, and (expected to fail) on a binary
# that uses the C library's malloc, so the check is known to tell them apart.
#
#   tests/structure/allocator.sh BINARY
set -euo pipefail

binary="${1:?usage: allocator.sh BINARY}"
stats="$(MALLOC_CONF=stats_print:true "$binary" --help 2>&1 >/dev/null || true)"
if ! grep -q "^___ Begin jemalloc statistics ___" <<<"$stats"; then
  echo "allocator: $binary does not allocate with jemalloc"
  exit 1
fi
echo "allocator: $binary allocates with jemalloc $(sed -n 's/^Version: "\([0-9.]*\).*/\1/p' <<<"$stats")"
