"""Test-wide set-up: fixtures found in the repository, and no test touches the
user's own store or transcripts. Helpers live in sp_fixtures.py and lsp_harness.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SESSIONPROF_FIXTURES", str(ROOT / "tests" / "fixtures"))
# genai-prices' rates cache: one per test run, never the user's
os.environ.setdefault("SESSIONPROF_CACHE_DIR", tempfile.mkdtemp(prefix="sessionprof-tests-cache-"))
os.environ.setdefault("SESSIONPROF_STORE", str(Path(os.environ.get("TMPDIR", "/tmp")) / "sessionprof-tests-default.db"))
