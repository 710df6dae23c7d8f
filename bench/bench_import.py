"""Import benchmark: sessionprof vs ccusage on the same >= 15 MB corpus of real transcripts.

Builds the corpus by replicating shared/fixtures (each copy with new session,
message and request ids, so every copy is a distinct session) into a temporary
CLAUDE_CONFIG_DIR/projects/... and CODEX_HOME/sessions/... layout, then times,
in the same run (median of --runs):

  ours cold     `sessionprof --store NEW import DIR`, then Engine.performance() of
                every session (the full timing analysis), in one fresh process;
                with genai-prices' rates already in the rates cache (any earlier
                command made it), and "first ever" with an empty rates cache
  ours rerun    the same import again with nothing new (cursors say so)
  the CLI       `sessionprof import --json`, cold: a summary (time split, tokens, cost)
                of every session, as a user runs it

Our package is byte-compiled first (`compileall`), as a wheel install is: this
environment sets PYTHONDONTWRITEBYTECODE, so an editable install would otherwise
compile its modules again in every process.
  ccusage 20    its native binary (node_modules/@ccusage/ccusage-linux-x64/bin/ccusage,
                not npx: npx resolves the package on every run), `session --json --offline`;
                installed with npm into bench/.ccusage on first use
  --profile     where the time of a rerun goes: `python -X importtime` (modules over
                5 ms) and cProfile's top functions

Targets (issue 15): cold import with the full analysis <= 2.0x ccusage 20's time,
a rerun with nothing new <= 0.5x.

Usage: .venv/bin/python bench/bench_import.py [--mb 15] [--runs 5] [--no-ccusage] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("SESSIONPROF_FIXTURES", Path(__file__).resolve().parents[1] / "tests" / "fixtures"))
PY = sys.executable
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def build_corpus(dest: Path, target_mb: float) -> tuple[Path, Path, int, int]:
    claude = dest / "claude"
    codex = dest / "codex"
    claude_src = sorted((FIXTURES / "claude-code").glob("*.jsonl"))
    codex_src = sorted((FIXTURES / "codex").glob("*.jsonl"))
    total = files = 0
    i = 0
    while total < target_mb * 1024 * 1024:
        i += 1
        for src in claude_src + codex_src:
            data = src.read_bytes()
            # every UUID (session id, line uuids) and every message/request/call id made unique per copy
            mapping: dict[bytes, bytes] = {}
            data = UUID_RE.sub(
                lambda m, mapping=mapping: mapping.setdefault(m.group(0), str(uuid.uuid4()).encode()), data
            )
            tag = f"c{i}x".encode()
            for prefix in (b'"msg_', b'"req_', b'"toolu_', b'"call_'):
                data = data.replace(prefix, prefix + tag)
            if src.parent.name == "claude-code":
                sid = UUID_RE.search(data[data.find(b'"sessionId"') :]).group(0).decode()
                proj = claude / "projects" / f"-home-user-project-{i % 7}"
                proj.mkdir(parents=True, exist_ok=True)
                out = proj / f"{sid}.jsonl"
            else:
                sid = UUID_RE.search(data).group(0).decode()
                day = codex / "sessions" / "2026" / "01" / f"{1 + i % 28:02d}"
                day.mkdir(parents=True, exist_ok=True)
                out = day / f"rollout-2026-01-{1 + i % 28:02d}T10-00-00-{sid}.jsonl"
            out.write_bytes(data)
            total += len(data)
            files += 1
    return claude, codex, total, files


OURS_COLD = r"""
import sys
from sessionprof_ls.cli_store import import_paths
from sessionprof_ls.engine import Engine
eng = Engine(sys.argv[1])
sessions, errors = import_paths(eng, sys.argv[2:])  # what `sessionprof import` runs
for sid in sessions:
    eng.performance(sid, include_events=False)  # the full analysis of every session
print(len(sessions), file=sys.stderr)
"""


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, cwd=ROOT)
    return time.perf_counter() - t, proc


CCUSAGE = "ccusage@20.0.24"
CCUSAGE_DIR = ROOT / "bench" / ".ccusage"


def ccusage_binary() -> str | None:
    """ccusage 20's native linux-x64 binary, installed with npm on first use."""
    exe = CCUSAGE_DIR / "node_modules" / "@ccusage" / "ccusage-linux-x64" / "bin" / "ccusage"
    if not exe.exists():
        CCUSAGE_DIR.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CCUSAGE_DIR),
                CCUSAGE,
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            print(f"npm install {CCUSAGE} failed: {proc.stderr[-500:]}")
            return None
    if not exe.exists():
        return None
    exe.chmod(exe.stat().st_mode | 0o111)  # npm leaves an optional dependency's binary without +x
    return str(exe)


IMPORT_ONLY = r"""
import sys, time
from sessionprof_ls.importers import find_transcripts, import_file
t = time.perf_counter()
n = sum(len(import_file(f).events) for f in find_transcripts(sys.argv[1:]))
print(f"{time.perf_counter() - t:.4f} {n}")
"""


FLOOR = (
    "import sessionprof_ls.cli, sessionprof_ls.engine, sessionprof_ls.importers.claude_code, "
    "sessionprof_ls.importers.codex, sessionprof_ls.analysis, sessionprof_ls.pricing"
)


def profile(env: dict, store: Path, paths: list[str]) -> None:
    """The rerun's module imports over 5 ms (cumulative) and its top functions."""
    cmd = [PY, "-X", "importtime", "-m", "sessionprof_ls.cli", "--store", str(store), "import", *paths]
    _, proc = timed(cmd, env)
    rows = []
    for line in proc.stderr.decode().splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cum, name = (x.strip() for x in line[len("import time:") :].split("|"))
            if cum.isdigit() and int(cum) >= 5000:
                rows.append((int(cum), name))
    print("\nrerun: module imports over 5 ms (cumulative, us):")
    for cum, name in sorted(rows, reverse=True)[:25]:
        print(f"  {cum:8d}  {name}")
    prof = store.with_suffix(".prof")
    argv = ["--store", str(store), "import", *paths]
    timed(
        [
            PY,
            "-c",
            "import cProfile, json, sys\nfrom sessionprof_ls.cli import main\n"
            "cProfile.run('main(json.loads(sys.argv[1]))', sys.argv[2])",
            json.dumps(argv),
            str(prof),
        ],
        env,
    )
    import pstats

    print("rerun: top functions by cumulative time")
    pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(15)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-ccusage", action="store_true")
    ap.add_argument("--profile", action="store_true", help="where a rerun's time goes")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sessionprof-bench-"))
    try:
        claude, codex, size, files = build_corpus(work / "corpus", args.mb)
        print(f"corpus: {size / 1e6:.1f} MB in {files} files ({work})")
        subprocess.run(
            [PY, "-m", "compileall", "-q", str(ROOT / "sessionprof_ls")], check=True, stdout=subprocess.DEVNULL
        )
        env = dict(
            os.environ,
            CLAUDE_CONFIG_DIR=str(claude),
            CODEX_HOME=str(codex),
            NO_COLOR="1",
            SESSIONPROF_CACHE_DIR=str(work / "cache"),
        )
        cold_args = [str(claude / "projects"), str(codex / "sessions")]
        timed([PY, "-c", OURS_COLD, str(work / "warm-up.db"), *cold_args], env)  # fills the rates cache
        results: dict[str, list[float]] = {
            "ours cold (import + analysis)": [],
            "ours rerun (nothing new)": [],
            "ours cold, first ever (no rates cache)": [],
            "ours cold, the CLI: import --json": [],
        }
        sessions = None
        for r in range(args.runs):
            store = work / f"store-{r}.db"
            dt, proc = timed([PY, "-c", OURS_COLD, str(store), *cold_args], env)
            if proc.returncode not in (0, 1):
                print(proc.stderr.decode()[-2000:])
                return 1
            sessions = proc.stderr.decode().strip().splitlines()[-1]
            results["ours cold (import + analysis)"].append(dt)
            dt, proc = timed([PY, "-m", "sessionprof_ls.cli", "--store", str(store), "import", *cold_args], env)
            results["ours rerun (nothing new)"].append(dt)
            dt, _ = timed(
                [PY, "-m", "sessionprof_ls.cli", "--store", str(work / f"cli-{r}.db"), "import", "--json", *cold_args],
                env,
            )
            results["ours cold, the CLI: import --json"].append(dt)
            first = dict(env, SESSIONPROF_CACHE_DIR=str(work / f"cache-{r}"))
            dt, _ = timed([PY, "-c", OURS_COLD, str(work / f"first-{r}.db"), *cold_args], first)
            results["ours cold, first ever (no rates cache)"].append(dt)
        print(f"sessions analysed per cold run: {sessions}")
        inner = []
        for _ in range(args.runs):
            _, proc = timed([PY, "-c", IMPORT_ONLY, str(claude / "projects"), str(codex / "sessions")], env)
            inner.append(float(proc.stdout.split()[0]))
            events = proc.stdout.split()[1].decode()
        print(
            "importers alone, in-process (no store, no analysis): "
            f"median {statistics.median(inner):.3f}s, {events} events"
        )
        # the floor under any cold run: the interpreter and the modules it needs, doing nothing
        for label, code in (
            ("python start-up alone", "pass"),
            ("numpy import alone", "import numpy"),
            ("start-up + our modules (no work)", FLOOR),
        ):
            floor = statistics.median(timed([PY, "-c", code], env)[0] for _ in range(args.runs))
            print(f"{label:34s} median {floor:.3f}s")
        if not args.no_ccusage and (binary := ccusage_binary()):
            cmd = [binary, "session", "--json", "--offline"]
            warm = timed(cmd, env)[1]  # the page cache holds the corpus for both tools
            if warm.returncode != 0:
                print(f"ccusage failed: {warm.stderr.decode()[-500:]}")
            else:
                results["ccusage 20 (native binary)"] = [timed(cmd, env)[0] for _ in range(args.runs)]
        med = {k: statistics.median(v) for k, v in results.items() if v}
        print(f"\nmedian of {args.runs} runs (wall seconds, whole commands incl. start-up):")
        for k, v in med.items():
            print(f"  {k:40s} {v:7.3f}s   (runs: {' '.join(f'{x:.3f}' for x in results[k])})")
        c20 = med.get("ccusage 20 (native binary)")
        cold, rerun = med["ours cold, the CLI: import --json"], med["ours rerun (nothing new)"]
        if c20:
            print(f"\ncold CLI import (full analysis) / ccusage20 = {cold / c20:.2f}x  (target <= 2.0x)")
            print(f"rerun with nothing new / ccusage20 = {rerun / c20:.2f}x  (target <= 0.5x)")
        if args.profile:
            profile(env, work / "store-0.db", cold_args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
