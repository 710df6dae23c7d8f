#!/usr/bin/env bash
# Install speedscope (npm) into a cache folder, for bench/bench_flame_ui.py and
# tests/test_exports_speedscope.py.
# Idempotent; prints the package folder. Override the folder with SPEEDSCOPE_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${SPEEDSCOPE_DIR:-$ROOT/.cache/speedscope}"
VERSION="${SPEEDSCOPE_VERSION:-1.25.0}"
PKG="$DIR/node_modules/speedscope"
if [ ! -f "$PKG/package.json" ] || ! grep -q "\"version\": \"$VERSION\"" "$PKG/package.json"; then
  mkdir -p "$DIR"
  (cd "$DIR" && npm install --no-save --no-audit --no-fund --prefix "$DIR" "speedscope@$VERSION" >&2)
fi
echo "$PKG"
