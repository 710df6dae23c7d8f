#!/usr/bin/env bash
# The main job: install sessionprof, import what is new in the agents' transcript folders
# (Claude Code, Codex, ...; incremental) and print the performance overview of your latest
# session. With no session anywhere it shows the bundled real sample, labelled as such and
# never stored. `bash scripts/demo.sh FILE|SESSION` shows that one instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/sessionprof report "$@"
