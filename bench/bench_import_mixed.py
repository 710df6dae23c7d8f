"""Import benchmark over a mixed corpus: Claude Code, Codex, Gemini CLI (both formats),
Copilot CLI (events.jsonl and legacy), OpenCode (SQLite and the older JSON storage)
and Cline / Roo Code tasks, each replicated from tests/fixtures with new ids per copy
(every copy a distinct session), laid out in each agent's own folders.

Times, median of --runs, in fresh processes:
  import     `sessionprof --store NEW import --json <every agent folder>`: parse, store and
             summarise every session, cold (a new store each run)
  rerun      the same import again: nothing new (cursors, signatures and marks say so)
  per agent  in one process, import_file over that agent's files: MB/s and events/s
  ccusage    (with --ccusage) `npx ccusage@20.0.24 <agent> session --json --offline` for the
             agents it reads, with its environment variables pointed at the corpus

Usage: .venv/bin/python bench/bench_import_mixed.py [--copies 40] [--runs 3] [--ccusage]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PY = sys.executable
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ID_RE = re.compile(rb'"(msg_|req_|toolu_|call_|ses_|prt_)([A-Za-z0-9]+)')


def _fresh_ids(data: bytes, tag: bytes) -> bytes:
    mapping: dict[bytes, bytes] = {}
    data = UUID_RE.sub(lambda m: mapping.setdefault(m.group(0), str(uuid.uuid4()).encode()), data)
    return ID_RE.sub(lambda m: b'"' + m.group(1) + m.group(2) + tag, data)


def _copy_text(src: Path, dest: Path, tag: bytes) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(_fresh_ids(src.read_bytes(), tag))
    return dest.stat().st_size


def _copy_db(src: Path, dest: Path, tag: str) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest)
    con = sqlite3.connect(dest)
    with con:
        for table, cols in (
            ("session", ("id", "parent_id")),
            ("message", ("id", "session_id")),
            ("part", ("id", "message_id", "session_id")),
        ):
            con.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = {c} || ?" for c in cols), (tag,) * len(cols))
        con.execute(
            "UPDATE message SET data = json_set(data, '$.parentID', json_extract(data, '$.parentID') || ?)"
            " WHERE json_extract(data, '$.role') = 'assistant'",
            (tag,),
        )
    con.close()
    return dest.stat().st_size


def build_corpus(root: Path, copies: int) -> dict[str, dict]:
    """Returns per agent: its folders (for import and for ccusage) and bytes written."""
    agents: dict[str, dict] = {
        k: {"bytes": 0, "files": 0} for k in ("claude-code", "codex", "gemini-cli", "copilot-cli", "opencode", "cline")
    }
    gem = sorted((FIXTURES / "gemini-cli" / "tmp").glob("*/chats/*"))
    cop = sorted((FIXTURES / "copilot-cli").rglob("*.json*"))
    storage = FIXTURES / "opencode" / "storage"
    for i in range(copies):
        tag = f"k{i}".encode()
        for src in sorted((FIXTURES / "claude-code").glob("*.jsonl")):
            agents["claude-code"]["bytes"] += _copy_text(
                src, root / "claude" / "projects" / f"-p{i}" / f"{uuid.uuid4()}.jsonl", tag
            )
        for src in sorted((FIXTURES / "codex").glob("*.jsonl")):
            agents["codex"]["bytes"] += _copy_text(
                src, root / "codex" / "sessions" / "2026" / "01" / f"{i:02d}" / f"rollout-{uuid.uuid4()}.jsonl", tag
            )
        for src in gem:
            agents["gemini-cli"]["bytes"] += _copy_text(
                src, root / "gemini" / "tmp" / f"p{i}-{src.parent.parent.name}" / "chats" / src.name, tag
            )
        for src in cop:
            dest = (
                root / "copilot" / "session-state" / str(uuid.uuid4()) / "events.jsonl"
                if src.name == "events.jsonl"
                else root / "copilot" / "history-session-state" / f"session_{uuid.uuid4()}.json"
            )
            agents["copilot-cli"]["bytes"] += _copy_text(src, dest, tag)
        agents["opencode"]["bytes"] += _copy_db(
            FIXTURES / "opencode" / "opencode.db", root / "opencode" / f"o{i}" / "opencode.db", f"k{i}"
        )
        for f in storage.rglob("*.json"):
            rel = f.relative_to(storage)
            parts = [p.replace(".json", "") for p in rel.parts]
            new = [(p + f"k{i}") if p.startswith(("ses_", "msg_", "prt_")) else p for p in parts]
            agents["opencode"]["bytes"] += _copy_text(
                f, root / "opencode" / f"o{i}" / "storage" / Path(*new[:-1]) / (new[-1] + ".json"), tag
            )
        for ext in ("saoudrizwan.claude-dev", "rooveterinaryinc.roo-cline"):
            for task in (FIXTURES / "cline" / ext / "tasks").iterdir():
                for f in task.iterdir():
                    agents["cline"]["bytes"] += _copy_text(
                        f, root / "cline" / ext / "tasks" / f"{task.name}-{i}" / f.name, tag
                    )
    folders = {
        "claude-code": [root / "claude" / "projects"],
        "codex": [root / "codex" / "sessions"],
        "gemini-cli": [root / "gemini" / "tmp"],
        "copilot-cli": [root / "copilot"],
        "opencode": sorted((root / "opencode").glob("o*/opencode.db"))
        + sorted((root / "opencode").glob("o*/storage/session")),
        "cline": [root / "cline"],
    }
    for k, v in agents.items():
        v["paths"] = folders[k]
    return agents


def time_cli(store: Path, paths: list[Path]) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    run = subprocess.run(
        [PY, "-m", "sessionprof_ls.cli", "--store", str(store), "import", "--json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, json.loads(run.stdout or "[]")


def per_agent(agents: dict[str, dict]) -> dict[str, dict]:
    from sessionprof_ls.importers import find_transcripts, import_file

    out = {}
    for name, a in agents.items():
        files = find_transcripts(a["paths"])
        t0 = time.perf_counter()
        events = sum(len(import_file(f).events) for f in files)
        dt = time.perf_counter() - t0
        out[name] = {
            "files": len(files),
            "mb": a["bytes"] / 1e6,
            "events": events,
            "s": dt,
            "mb_s": a["bytes"] / 1e6 / dt,
            "ev_s": events / dt,
        }
    return out


def ccusage(root: Path) -> dict[str, float]:
    env = dict(
        os.environ,
        CLAUDE_CONFIG_DIR=str(root / "claude"),
        CODEX_HOME=str(root / "codex"),
        GEMINI_DATA_DIR=str(root / "gemini" / "tmp"),
        COPILOT_HOME=str(root / "copilot"),
        OPENCODE_DATA_DIR=str(root / "opencode" / "o0"),
    )
    times = {}
    for cmd in ([], ["codex"], ["gemini"], ["copilot"], ["opencode"]):
        t0 = time.perf_counter()
        subprocess.run(
            ["npx", "-y", "ccusage@20.0.24", *cmd, "session", "--json", "--offline"],
            env=env,
            capture_output=True,
            check=False,
        )
        times[cmd[0] if cmd else "claude"] = time.perf_counter() - t0
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ccusage", action="store_true")
    args = ap.parse_args()
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "sessionprof_ls")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        agents = build_corpus(root / "corpus", args.copies)
        paths = [p for a in agents.values() for p in a["paths"]]
        total_mb = sum(a["bytes"] for a in agents.values()) / 1e6
        print(
            f"corpus: {args.copies} copies of every fixture, {total_mb:.1f} MB "
            + ", ".join(f"{k} {v['bytes'] / 1e6:.1f} MB" for k, v in agents.items())
        )
        cold, rerun = [], []
        sessions = 0
        for r in range(args.runs):
            store = root / f"store{r}.db"
            dt, summaries = time_cli(store, paths)
            cold.append(dt)
            sessions = len(summaries)
            by_source: dict[str, int] = {}
            for s in summaries:
                by_source[s["source"]] = by_source.get(s["source"], 0) + 1
            dt2, again = time_cli(store, paths)
            rerun.append(dt2)
            assert again == [], "a rerun imported something again"
        print(
            f"import (CLI, cold, {sessions} sessions: {by_source}): median {statistics.median(cold):.2f} s "
            f"(runs {', '.join(f'{x:.2f}' for x in cold)}), {total_mb / statistics.median(cold):.1f} MB/s"
        )
        print(f"rerun, nothing new: median {statistics.median(rerun):.2f} s")
        for name, v in per_agent(agents).items():
            print(
                f"  {name:12s} {v['files']:5d} files {v['mb']:7.2f} MB {v['events']:8d} events "
                f"{v['s']:6.2f} s  {v['mb_s']:6.1f} MB/s  {v['ev_s']:9.0f} events/s"
            )
        if args.ccusage:
            for name, t in ccusage(root / "corpus").items():
                print(f"  ccusage {name:10s} {t:6.2f} s")


if __name__ == "__main__":
    main()
