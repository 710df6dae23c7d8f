"""Reliability suite: prints how many hostile inputs the property-based and fuzz
tests tried (bench/fuzz_run.py runs the same properties much longer)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

from relutil import INPUTS_TRIED  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    if INPUTS_TRIED:
        total = sum(INPUTS_TRIED.values())
        parts = ", ".join(f"{k} {v:,}" for k, v in sorted(INPUTS_TRIED.items()))
        terminalreporter.write_line(f"reliability: {total:,} hostile inputs tried ({parts})")


import json  # noqa: E402
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

# "ci": bounded so the whole directory stays fast; "long": bench/fuzz_run.py
settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("SESSIONPROF_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("SESSIONPROF_FUZZ_EXAMPLES", "3000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("SESSIONPROF_HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("SESSIONPROF_FUZZ_COUNTS")
    if out:
        with open(out, "w") as f:
            json.dump(INPUTS_TRIED, f)
