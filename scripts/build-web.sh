#!/usr/bin/env bash
# The web UI's bundle: editor-clients/web/app.js and every module it imports (the ones loaded
# after the first paint too), one minified file app.bundle.js with a linked source map naming
# the modules beside it. index.html loads it instead of 17 module requests (issue 13: they
# queued over 6 connections and held the first paint back ~40 ms). columns.js stays its own
# module: the boot script in index.html imports it to read the graph while the bundle loads.
#
# The bundle is committed, so `pip install` and the VS Code extension ship it without Node;
# tests/webui/test_bundle.py fails when it is not what this script makes of the sources.
#   scripts/build-web.sh          rebuild editor-clients/web/app.bundle.js (+ .map)
#   scripts/build-web.sh DIR      build DIR/app.bundle.js from DIR/app.js (the test's copy)
# esbuild is the VS Code extension's pinned one (editor-clients/vscode/package-lock.json).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WEB=${1:-$ROOT/editor-clients/web}
VSC="$ROOT/editor-clients/vscode"
if [[ ! -x "$VSC/node_modules/.bin/esbuild" ]]; then
  (cd "$VSC" && npm ci --no-audit --no-fund >&2)
fi
cd "$WEB"
"$VSC/node_modules/.bin/esbuild" app.js --bundle --format=esm --target=es2022 --minify \
  --external:./columns.js --charset=utf8 --legal-comments=none \
  --sourcemap=linked --sources-content=false --outfile=app.bundle.js --log-level=warning
