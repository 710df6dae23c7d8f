#!/usr/bin/env bash
# Everything the tests need, then the whole suite: the server over stdio (pytest-lsp),
# real Neovim 0.11, the web UI in headless Chromium, the VS Code extension in code-server.
# Idempotent; downloads only from PyPI, the npm registry and Debian's packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh test
bash scripts/install-chromium.sh
bash scripts/install-code-server.sh
bash scripts/build-vscode-extension.sh
bash scripts/test-vscode-node-versions.sh  # the extension under Node 20, 22 and 24
bash scripts/install-speedscope.sh >/dev/null  # exports opened in the real speedscope
bash scripts/install-phoenix.sh >/dev/null     # a real OTLP backend (own venv)
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
