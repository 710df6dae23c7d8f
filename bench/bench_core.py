"""Core benchmark: ingest rate into tree + store, analysis time, memory per event.

    .venv/bin/python bench/bench_core.py [--sizes 10000,100000,1000000]

Each size runs in a fresh process so resident memory is measured cleanly.
Synthetic sessions look like real ones: turns of one AI response followed by
tool calls (some parallel) with file reads on ~500 files and 3 models.
Targets (issue 2): full analysis of 100k events <= 0.3 s; <= 400 B resident
memory per stored event at 1M; ingest into tree and store >= 100k events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5", "gpt-5"]
TOOLS = ["Read", "Bash", "Grep", "Edit", "Glob", "WebFetch"]


def synthetic(n: int, session: str = "bench", seed: int = 1) -> list[bytes]:
    """n events as the JSON an agent would send (~300 bytes each)."""
    import orjson

    rnd = random.Random(seed)
    files = [f"src/pkg{i // 50}/module_{i}.py" for i in range(500)]
    out: list[bytes] = []
    t = 1_700_000_000_000.0
    turn = 0
    while len(out) < n:
        turn += 1
        dur = rnd.uniform(800, 20_000)
        rid = f"r{turn}"
        out.append(
            orjson.dumps(
                {
                    "sessionId": session,
                    "id": rid,
                    "type": "ai_response",
                    "name": f"Response #{turn}",
                    "startTime": t,
                    "endTime": t + dur,
                    "metadata": {
                        "model": rnd.choice(MODELS),
                        "tokens": {
                            "input": rnd.randint(1, 3000),
                            "output": rnd.randint(5, 4000),
                            "cacheRead": rnd.randint(0, 90_000),
                            "cacheWrite": rnd.randint(0, 4000),
                        },
                        "text": "I'll look at the failing test and the module it imports.",
                    },
                }
            )
        )
        t += dur
        for k in range(rnd.randint(1, 3)):
            if len(out) >= n:
                break
            tool = rnd.choice(TOOLS)
            tid = f"t{turn}.{k}"
            tdur = rnd.uniform(20, 8000)
            start = t + rnd.uniform(0, 50)  # tools of a turn overlap a little (parallel calls)
            path = rnd.choice(files)
            out.append(
                orjson.dumps(
                    {
                        "sessionId": session,
                        "id": tid,
                        "type": "tool_execution",
                        "name": tool,
                        "startTime": start,
                        "endTime": start + tdur,
                        "metadata": {
                            "toolName": tool,
                            "args": {"file_path": path},
                            "filePath": path,
                            "startLine": rnd.randint(1, 400),
                        },
                    }
                )
            )
            if tool == "Read" and len(out) < n:
                out.append(
                    orjson.dumps(
                        {
                            "sessionId": session,
                            "id": tid + ".f",
                            "parentId": tid,
                            "type": "file_read",
                            "name": path.rsplit("/", 1)[-1],
                            "startTime": start,
                            "endTime": start + tdur,
                            "metadata": {
                                "filePath": path,
                                "fileTokens": rnd.randint(50, 9000),
                                "fileSize": rnd.randint(200, 40_000),
                            },
                        }
                    )
                )
        t += 8000
    return out[:n]


def _proc_status_bytes(key: str) -> int:
    """A `VmXXX:` line of /proc/self/status (kB) in bytes; 0 where it is missing."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss_bytes() -> int:
    return _proc_status_bytes("VmRSS")


def peak_bytes() -> int:
    return _proc_status_bytes("VmHWM")


def run_one(n: int) -> dict:
    """One size, in this process: ingest in batches of 1,000, then analyse."""
    import gc

    from sessionprof_ls.engine import Engine
    from sessionprof_ls.events import split_body

    raw = synthetic(n)
    bodies = [b"[" + b",".join(raw[i : i + 1000]) + b"]" for i in range(0, n, 1000)]
    del raw
    gc.collect()
    tmp = tempfile.mkdtemp()
    engine = Engine(Path(tmp) / "store.db")
    engine.analysis  # noqa: B018 - imports done before measuring
    base = rss_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    for body in bodies:
        engine.ingest(split_body(body))  # the HTTP path: split, validate, tree, commit
    ingest_s, ingest_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    del bodies
    gc.collect()
    tree_rss = rss_bytes() - base
    engine._analyses.clear()
    t0 = time.perf_counter()
    data = engine.performance("bench", include_events=False)
    cold_s = time.perf_counter() - t0  # includes loading genai-prices' data, once per process
    engine._analyses.clear()
    t0 = time.perf_counter()
    data = engine.performance("bench", include_events=False)
    analysis_s = time.perf_counter() - t0
    engine._analyses.clear()
    t0 = time.perf_counter()
    summary = engine.summary("bench")
    summary_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.flame_graph("bench")
    flame_s = time.perf_counter() - t0
    # a cold load from the store (a restart): by replaying every stored batch (small batches
    # save no snapshot), which saves the session's snapshot (snapshot.py), then from that
    engine.store.close()
    loads = {}
    for how in ("replay", "snapshot"):
        engine2 = Engine(Path(tmp) / "store.db")
        t0, c0 = time.perf_counter(), time.process_time()
        assert len(engine2.tree("bench")) == n
        loads[how] = (time.perf_counter() - t0, time.process_time() - c0)
        engine2.store.close()
    load_s, load_cpu_s = loads["snapshot"]
    replay_s, replay_cpu_s = loads["replay"]
    assert summary["eventCount"] == n and data["eventCount"] == n
    return {
        "events": n,
        "ingest_s": ingest_s,
        "ingest_eps": n / ingest_s,
        "analysis_s": analysis_s,
        "cold_s": cold_s,
        "summary_s": summary_s,
        "flame_s": flame_s,
        "load_s": load_s,
        "load_cpu_s": load_cpu_s,
        "replay_s": replay_s,
        "replay_cpu_s": replay_cpu_s,
        "ingest_cpu_eps": n / ingest_cpu_s,
        "bytes_per_event": tree_rss / n,
        "peak_rss_mb": peak_bytes() / 2**20,
        "store_mb": os.path.getsize(Path(tmp) / "store.db") / 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{'events':>9} {'ingest ev/s':>12} {'(CPU) ev/s':>11} {'ingest s':>9} {'analysis s':>11} {'(cold) s':>9} "
        f"{'summary s':>10} {'flame s':>8} {'reload s':>9} {'(CPU) s':>8} {'replay s':>9} {'(CPU) s':>8} "
        f"{'B/event':>8} {'peak RSS MB':>12} {'store MB':>9}"
    )
    for r in rows:
        print(
            f"{r['events']:>9,} {r['ingest_eps']:>12,.0f} {r['ingest_cpu_eps']:>11,.0f} {r['ingest_s']:>9.2f} "
            f"{r['analysis_s']:>11.3f} {r['cold_s']:>9.3f} {r['summary_s']:>10.3f} {r['flame_s']:>8.2f} "
            f"{r['load_s']:>9.3f} {r['load_cpu_s']:>8.3f} {r['replay_s']:>9.3f} {r['replay_cpu_s']:>8.3f} "
            f"{r['bytes_per_event']:>8.0f} {r['peak_rss_mb']:>12.0f} {r['store_mb']:>9.1f}"
        )
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores; wall times include waiting for a core, CPU ones do not)")
    print("targets: analysis of 100k <= 0.3 s; <= 400 B/event at 1M; ingest >= 100,000 ev/s")
    print(
        "replay = cold load of the session from its stored batches (it saves a snapshot); reload = from that. "
        "analysis = full PerformanceData without the nested events tree, warm; (cold) = the first one in a "
        "process (numpy's first calls; genai-prices' data too when its rates are not in the rates cache)"
    )


if __name__ == "__main__":
    main()
