#!/usr/bin/env bash
# Build and package the VS Code extension: npm ci (when needed), esbuild (production,
# with the web UI bundle copied into dist/web), the unit tests, then `vsce package`.
# Prints the .vsix path and size. Idempotent; downloads only from the npm registry.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../editor-clients/vscode" && pwd)
cd "$HERE"

# Reinstall only when the lockfile changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

npx tsc --noEmit -p .
npm test --silent > /dev/null || { npm test; exit 1; }
VERSION=$(node -p "require('./package.json').version")
NAME=$(node -p "require('./package.json').name")
VSIX="$HERE/$NAME-$VERSION.vsix"
rm -f "$VSIX"
node esbuild.mjs --production
npx vsce package --no-dependencies --allow-missing-repository --out "$VSIX" > /dev/null

SIZE=$(stat -c %s "$VSIX")
echo "vsix: $VSIX"
echo "size: $SIZE bytes ($(( (SIZE + 1023) / 1024 )) KiB)"
