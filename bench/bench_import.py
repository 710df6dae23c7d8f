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
  ccusage 20    `npx -y ccusage@20.0.24 session --json --offline`
  ccusage 18    `npx -y ccusage@18.0.11 session --json --offline`

Usage: .venv/bin/python bench/bench_import.py [--mb 15] [--runs 5] [--no-ccusage]
"""

from __future__ import annotations

import argparse
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
            data = UUID_RE.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4()).encode()), data)
            tag = f"c{i}x".encode()
            for prefix in (b'"msg_', b'"req_', b'"toolu_', b'"call_'):
                data = data.replace(prefix, prefix + tag)
            if src.parent.name == "claude-code":
                sid = UUID_RE.search(data[data.find(b'"sessionId"'):]).group(0).decode()
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
from sessionprof_ls.cli import import_paths
from sessionprof_ls.engine import Engine
eng = Engine(sys.argv[1])
sessions, errors = import_paths(eng, sys.argv[2:])  # what `sessionprof import` runs
for sid in sessions:
    eng.performance(sid, include_events=False)  # the full analysis of every session
print(len(sessions), file=sys.stderr)
"""


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    return time.perf_counter() - t, proc


def _npx_binary(pkg: str) -> str | None:
    for pj in Path.home().glob(".npm/_npx/*/package.json"):
        if f'"{pkg}"' in pj.read_text():
            exe = pj.parent / "node_modules" / ".bin" / "ccusage"
            if exe.exists():
                return str(exe)
    return None


IMPORT_ONLY = r"""
import sys, time
from sessionprof_ls.importers import find_transcripts, import_file
t = time.perf_counter()
n = sum(len(import_file(f).events) for f in find_transcripts(sys.argv[1:]))
print(f"{time.perf_counter() - t:.4f} {n}")
"""


FLOOR = "import sessionprof_ls.cli, sessionprof_ls.engine, sessionprof_ls.importers.claude_code, " \
        "sessionprof_ls.importers.codex, sessionprof_ls.analysis, sessionprof_ls.pricing"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-ccusage", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sessionprof-bench-"))
    try:
        claude, codex, size, files = build_corpus(work / "corpus", args.mb)
        print(f"corpus: {size / 1e6:.1f} MB in {files} files ({work})")
        subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "sessionprof_ls")], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, CLAUDE_CONFIG_DIR=str(claude), CODEX_HOME=str(codex), NO_COLOR="1",
                   SESSIONPROF_CACHE_DIR=str(work / "cache"))
        cold_args = [str(claude / "projects"), str(codex / "sessions")]
        timed([PY, "-c", OURS_COLD, str(work / "warm-up.db"), *cold_args], env)  # fills the rates cache
        results: dict[str, list[float]] = {"ours cold (import + analysis)": [], "ours rerun (nothing new)": [],
                                           "ours cold, first ever (no rates cache)": [],
                                           "ours cold, the CLI: import --json": []}
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
            dt, _ = timed([PY, "-m", "sessionprof_ls.cli", "--store", str(work / f"cli-{r}.db"), "import", "--json",
                           *cold_args], env)
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
        print(f"importers alone, in-process (no store, no analysis): median {statistics.median(inner):.3f}s, {events} events")
        # the floor under any cold run: the interpreter and the modules it needs, doing nothing
        for label, code in (("python start-up alone", "pass"), ("numpy import alone", "import numpy"),
                            ("start-up + our modules (no work)", FLOOR)):
            floor = statistics.median(timed([PY, "-c", code], env)[0] for _ in range(args.runs))
            print(f"{label:34s} median {floor:.3f}s")
        if not args.no_ccusage:
            for label, pkg in (("ccusage 20.0.24", "ccusage@20.0.24"), ("ccusage 18.0.11", "ccusage@18.0.11")):
                cmd = ["npx", "-y", pkg, "session", "--json", "--offline"]
                _, warm = timed(cmd, env)  # first run may download the package
                if warm.returncode != 0:
                    print(f"{label} failed: {warm.stderr.decode()[-500:]}")
                    continue
                results[label] = [timed(cmd, env)[0] for _ in range(args.runs)]
                binary = _npx_binary(pkg)
                if binary:  # the same tool without npx's own package resolution
                    results[label + " (bin)"] = [timed([binary, "session", "--json", "--offline"], env)[0] for _ in range(args.runs)]
        med = {k: statistics.median(v) for k, v in results.items() if v}
        print(f"\nmedian of {args.runs} runs (wall seconds, whole commands incl. start-up):")
        for k, v in med.items():
            print(f"  {k:40s} {v:7.3f}s   (runs: {' '.join(f'{x:.3f}' for x in results[k])})")
        c20, c18 = med.get("ccusage 20.0.24"), med.get("ccusage 18.0.11")
        cold, rerun = med["ours cold (import + analysis)"], med["ours rerun (nothing new)"]
        if c20:
            print(f"\ncold / ccusage20 = {cold / c20:.2f}x  (target <= 2.0x)")
            print(f"rerun / ccusage20 = {rerun / c20:.2f}x  (target <= 0.5x)")
        if c18:
            print(f"ccusage18 / cold = {c18 / cold:.2f}x faster  (target >= 5x); "
                  f"first ever: {c18 / med['ours cold, first ever (no rates cache)']:.2f}x")
        b20, b18 = med.get("ccusage 20.0.24 (bin)"), med.get("ccusage 18.0.11 (bin)")
        if b20:
            print(f"without npx: cold / ccusage20 = {cold / b20:.2f}x, rerun / ccusage20 = {rerun / b20:.2f}x")
        if b18:
            print(f"without npx: ccusage18 / cold = {b18 / cold:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
