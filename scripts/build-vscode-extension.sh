#!/usr/bin/env bash
# Build and package the VS Code extension: npm ci (when needed), esbuild (production,
# with the web UI bundle copied into dist/web), the unit tests, then `vsce package`.
# Prints the .vsix path and size. Idempotent; downloads only from the npm registry.
#
# --bundle (issue 15): the .vsix brings its server, as microsoft/vscode-python-tools-extension-template
# does: the server's wheel and its dependencies' (binary wheels for linux-x64) unpacked into
# bundled/libs/cpXY for each Python in SESSIONPROF_BUNDLE_PYTHONS (default 3.11 3.12 3.13),
# packaged with `vsce package --target linux-x64` as NAME-VERSION-linux-x64.vsix. Downloads
# from PyPI; the extension runs it with a python3 >= 3.11 it finds (src/common/server.ts).
set -euo pipefail
BUNDLE=0
if [[ "${1:-}" == "--bundle" ]]; then
  BUNDLE=1
fi

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
if (( BUNDLE )); then
  VSIX="$HERE/$NAME-$VERSION-linux-x64.vsix"
fi
rm -f "$VSIX"
node esbuild.mjs --production
if (( BUNDLE )); then
  # staged in a private copy: the shared folder never holds bundled/ (a plain build ships none)
  ROOT=$(cd "$HERE/../.." && pwd)
  PY=${SESSIONPROF_BUILD_PYTHON:-$([[ -x "$ROOT/.venv/bin/python" ]] && echo "$ROOT/.venv/bin/python" || echo python3)}
  STAGE=$(mktemp -d)
  trap 'rm -rf "$STAGE"' EXIT
  cp -r package.json README.md LICENSE .vscodeignore dist "$STAGE/"
  [[ -d images ]] && cp -r images "$STAGE/"
  "$PY" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$STAGE/wheels" "$ROOT" 2>/dev/null
  for V in ${SESSIONPROF_BUNDLE_PYTHONS:-3.11 3.12 3.13}; do
    LIBS="$STAGE/bundled/libs/cp${V/./}"
    "$PY" -m pip install --quiet --disable-pip-version-check --no-compile --target "$LIBS" \
      --implementation cp --python-version "$V" --only-binary=:all: \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      "$STAGE/wheels"/*.whl 2> >(grep -v "^WARNING: Location" >&2)
    rm -rf "$LIBS/bin"
    # what the server never loads: test suites, type stubs, C headers (vsce zips file by file)
    find "$LIBS" \( -name tests -o -name __pycache__ -o -name include \) -type d -prune \
      -path "*/numpy/*" -exec rm -rf {} + 2>/dev/null || true
    find "$LIBS" \( -name "*.pyi" -o -name "*.pxd" -o -name "*.h" \) -delete
  done
  rm -rf "$STAGE/wheels"
  # vsce's secret scan reads every one of the ~20k third-party files (about 25 minutes on 2 cores);
  # our own sources were scanned just now by the plain build's `vsce package` above.
  npx vsce package --no-dependencies --allow-missing-repository --out "$HERE/.scan-only.vsix" > /dev/null
  rm -f "$HERE/.scan-only.vsix"
  (cd "$STAGE" && "$HERE/node_modules/.bin/vsce" package --no-dependencies --allow-missing-repository \
    --allow-package-all-secrets --allow-package-env-file --target linux-x64 --out "$VSIX" > /dev/null)
else
  npx vsce package --no-dependencies --allow-missing-repository --out "$VSIX" > /dev/null
fi

SIZE=$(stat -c %s "$VSIX")
echo "vsix: $VSIX"
echo "size: $SIZE bytes ($(( (SIZE + 1023) / 1024 )) KiB)"
