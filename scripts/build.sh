#!/usr/bin/env bash
# Configures and builds actorshop and its tests into build/.
# Usage: scripts/build.sh [Release|Debug|RelWithDebInfo]   (default: Release)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_type="${1:-Release}"
case "$build_type" in
  Release|Debug|RelWithDebInfo|MinSizeRel) ;;
  *)
    echo "usage: scripts/build.sh [Release|Debug|RelWithDebInfo]" >&2
    exit 2
    ;;
esac

cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$root/build" -j "$(nproc)"
