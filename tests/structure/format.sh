#!/usr/bin/env bash
# The C++ sources as clang-format (.clang-format at the top) writes them: a
# file it would change fails the check, with the first lines of the diff.
# ctest runs it (label unit) over the repository, and with --self-test over a
# badly formatted copy of a file, so the check itself is known to fail.
#
#   tests/structure/format.sh [ROOT]     check ROOT (default: the repository)
#   tests/structure/format.sh --self-test
#   tests/structure/format.sh --fix      format the repository in place
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if ! command -v clang-format >/dev/null 2>&1; then
  echo "format: clang-format is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

# The sources: every .cpp and .hpp of the repository but build trees and the
# fuzz corpora (data, not code).
sources() {
  local root="$1"
  (cd "$root" && find . \( -path './build*' -o -path './.git' \
      -o -name node_modules -o -path './tests/fuzz/corpus' \
      -o -path './tests/fuzz/regressions' \) \
      -prune -o \( -name '*.cpp' -o -name '*.hpp' \) -type f -print | sort)
}

# Prints the files under $1 that clang-format would change; returns 1 if any.
check_tree() {
  local root="$1" failed=0 file
  while IFS= read -r file; do
    if ! diff -q <(clang-format --style=file:"$repo/.clang-format" \
                     "$root/$file") "$root/$file" >/dev/null; then
      echo "format: $file differs from clang-format's output:"
      diff -u "$root/$file" <(clang-format --style=file:"$repo/.clang-format" \
                                "$root/$file") | sed -n '3,12p' || true
      failed=1
    fi
  done < <(sources "$root")
  return "$failed"
}

case "${1:-}" in
  --self-test)
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/domain"
    printf 'namespace shop {\nint  f( int x ){return x;}\n}\n' \
      > "$scratch/domain/bad.cpp"
    if check_tree "$scratch" >/dev/null; then
      echo "format self-test: a badly formatted file passed" >&2
      exit 1
    fi
    clang-format --style=file:"$repo/.clang-format" -i "$scratch/domain/bad.cpp"
    if ! check_tree "$scratch" >/dev/null; then
      echo "format self-test: a formatted file failed" >&2
      exit 1
    fi
    echo "format self-test: ok"
    ;;
  --fix)
    sources "$repo" | (cd "$repo" && xargs clang-format -i)
    ;;
  *)
    root="${1:-$repo}"
    if check_tree "$root"; then
      echo "format: $(sources "$root" | wc -l) files as clang-format writes them"
    else
      echo "format: run tests/structure/format.sh --fix" >&2
      exit 1
    fi
    ;;
esac
