#!/usr/bin/env bash
# Re-makes vendor/prism-node_modules.tar.gz, the OpenAPI validating proxy
# (@stoplight/prism-cli) the http_prism test runs, with every dependency:
# needs the npm registry, which the fresh-machine root cannot reach (its
# TLS is not trusted there), hence the vendored copy. package.json and
# package-lock.json here pin what it holds.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$work/"
[[ -f "$here/package-lock.json" ]] && cp "$here/package-lock.json" "$work/"
(cd "$work" && npm install --no-audit --no-fund --loglevel=error)
cp "$work/package-lock.json" "$here/"
mkdir -p "$here/vendor"
tar -C "$work" -czf "$here/vendor/prism-node_modules.tar.gz" node_modules
echo "vendor/prism-node_modules.tar.gz: $(du -h "$here/vendor/prism-node_modules.tar.gz" | cut -f1)"
