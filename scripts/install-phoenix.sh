#!/usr/bin/env bash
# Install Arize Phoenix (a real OTLP backend) into its own venv, for tests/otlp only:
# its many dependencies stay out of ours. Idempotent; prints the `phoenix` executable.
# Override the folder with PHOENIX_VENV, the version with PHOENIX_VERSION.
set -euo pipefail
VENV="${PHOENIX_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/sessionprof-phoenix}"
VERSION="${PHOENIX_VERSION:-}"
PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/phoenix" ] || [ ! -f "$VENV/.installed${VERSION:+-$VERSION}" ]; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "arize-phoenix${VERSION:+==$VERSION}" >&2
  touch "$VENV/.installed${VERSION:+-$VERSION}"
fi
echo "$VENV/bin/phoenix"
