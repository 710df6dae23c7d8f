"""Test-wide set-up: fixtures found in the repository, and no test touches the
user's own store or transcripts. Helpers live in sp_fixtures.py and lsp_harness.py."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SESSIONPROF_FIXTURES", str(ROOT / "tests" / "fixtures"))
os.environ.setdefault("SESSIONPROF_STORE", str(Path(os.environ.get("TMPDIR", "/tmp")) / "sessionprof-tests-default.db"))
