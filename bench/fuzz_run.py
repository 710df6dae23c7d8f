"""A longer fuzzing run: the reliability suite's property-based tests (event schema,
HTTP endpoint, OTLP bodies, transcript lines) under the "long" hypothesis profile,
then a table of how many hostile inputs were tried.

    .venv/bin/python bench/fuzz_run.py [--examples 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ["test_fuzz_events.py", "test_fuzz_http.py", "test_fuzz_otlp_transcripts.py"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=3000, help="hypothesis examples per property")
    args = ap.parse_args()
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = dict(
        os.environ,
        SESSIONPROF_HYPOTHESIS_PROFILE="long",
        SESSIONPROF_FUZZ_EXAMPLES=str(args.examples),
        SESSIONPROF_FUZZ_COUNTS=str(out),
    )
    t0 = time.perf_counter()
    rc = subprocess.call(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *[str(ROOT / "tests" / "reliability" / f) for f in FILES],
        ],
        cwd=ROOT,
        env=env,
    )
    wall = time.perf_counter() - t0
    counts = json.loads(out.read_text() or "{}") if out.stat().st_size else {}
    w = max((len(k) for k in counts), default=10)
    print(f"\nfuzz_run: {args.examples} examples per property, {wall:.0f} s, pytest exit {rc}")
    for k, v in sorted(counts.items()):
        print(f"  {k:<{w}}  {v:>10,}")
    print(f"  {'total':<{w}}  {sum(counts.values()):>10,}")
    sys.exit(rc)


if __name__ == "__main__":
    main()
