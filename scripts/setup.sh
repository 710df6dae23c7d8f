#!/usr/bin/env bash
# The Python side: a virtual environment in .venv with sessionprof and its test tools.
# Idempotent; downloads only from PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=${1:-}
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
# An editable install is not byte-compiled, and PYTHONDONTWRITEBYTECODE (set on some
# machines) stops Python doing it later: without this every command compiles our modules.
.venv/bin/python -m compileall -q sessionprof_ls >/dev/null
