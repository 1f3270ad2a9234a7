#!/usr/bin/env bash
# Installs the Debian 12 packages actorshop needs to build, test and run, and
# nothing else. Idempotent: asks dpkg first, touches apt only when something
# is missing, and prints nothing when everything is present.
# Usage: scripts/install-deps.sh [EXTRA-PACKAGE...]   (scripts/fuzz.sh adds
# clang and its sanitizer runtimes)
set -euo pipefail

packages=(
  # toolchain (a minbase Debian has none of it)
  build-essential cmake
  # libraries
  libcaf-dev librestinio-dev libasio-dev libfmt-dev libpq-dev
  nlohmann-json3-dev libboost-test-dev
  # argon2id password hashes and the HMAC of the login tokens
  libsodium-dev
  # the allocator of the actorshop executable (CMakeLists.txt)
  libjemalloc-dev
  # TLS: the node port's mutual TLS (CAF's OpenSSL module), HTTPS on the
  # front, and the openssl command of scripts/cluster-certs.sh
  libssl-dev openssl
  # tests only: reading the YAML contracts (docs/openapi.yaml, asyncapi.yaml),
  # the tests' blocking HTTP client, the format check (ctest format)
  libyaml-cpp-dev libcpp-httplib-dev clang-format
  # curl: the HTTPS flow test runs the walkthrough with curl --cacert (and
  # the README's walkthrough uses it)
  curl
  # the database server: run.sh and the tests start private clusters
  postgresql
  # the browser test (ctest label browser) drives the console in Chromium
  chromium
  "$@"
)

# Node.js and npm for the browser test's playwright-core. Any installation
# will do (Debian's, or NodeSource's, which bundles npm): ask for the
# commands, not the packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for pkg in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: missing packages and not root (no sudo): ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
