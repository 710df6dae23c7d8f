#!/usr/bin/env bash
# The main job: install sessionprof and print the performance overview of the latest
# session in the default store (a fresh store shows the bundled real Claude Code session).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/sessionprof report "$@"
