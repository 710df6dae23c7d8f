"""Which conversation (context) each event belongs to: the analysis finds it by pointer
doubling over the parent column (analysis/tokens.py `_context_of`). Checked here against a
plain walk up the parents, on the real fixtures, on random forests ingested out of order
(parents after their children) and on a 32k-deep chain, which must stay fast (it was
quadratic: about 12 s on a loaded 2-core machine)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from sessionprof_ls.analysis import Analysis
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.protocol import EVENT_TYPES
from sessionprof_ls.tree import AGENT, TOOL

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL = sorted(FIXTURES.glob("*/*.jsonl"))
T0 = 1_760_000_000_000


def _walk(a: Analysis) -> list[int]:
    """The definition: an agent span started by a tool opens a context; every other event
    is in the nearest such span above it, else in the main one (-1)."""
    parent = a.a_parent.tolist()
    typ = a.a_type.tolist()

    def opens(i: int) -> bool:
        return typ[i] == AGENT and parent[i] >= 0 and typ[parent[i]] == TOOL

    out = []
    for i in range(a.n):
        node, seen = i, set()
        while node >= 0 and not opens(node) and node not in seen:
            seen.add(node)
            node = parent[node]
        out.append(node if node >= 0 and opens(node) else -1)
    return out


def _engine(tmp_path: Path, events: list[dict]) -> Engine:
    engine = Engine(str(tmp_path / "s.db"))
    assert engine.ingest(events)["accepted"] == len(events)
    return engine


@pytest.mark.parametrize("path", REAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_fixtures(path: Path, tmp_path: Path) -> None:
    engine = _engine(tmp_path, import_file(path).events)
    for sid in [r["sessionId"] for r in engine.sessions()]:
        a = Analysis(engine.tree(sid))
        assert a._context_of().tolist() == _walk(a)


@pytest.mark.parametrize("seed", range(6))
def test_random_forests_out_of_order(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    n = 400
    events = []
    for i in range(n):
        kind = rng.choice(["agent", "tool_execution", "tool_execution", "ai_response", "file_read"])
        ev = {"sessionId": "f", "id": f"e{i}", "type": kind, "name": kind, "startTime": T0 + i, "endTime": T0 + i + 1}
        if i and rng.random() < 0.9:
            # deep chains as well as bushy trees
            ev["parentId"] = f"e{i - 1 if rng.random() < 0.5 else rng.randrange(i)}"
        events.append(ev)
    rng.shuffle(events)  # a child may be stored before its parent
    a = Analysis(_engine(tmp_path, events).tree("f"))
    got = a._context_of().tolist()
    assert got == _walk(a)
    assert len({c for c in got if c >= 0}) > 1  # subagent contexts were really there


def test_deep_chain_is_linear(tmp_path: Path) -> None:
    n = 32_000
    events = [
        {"sessionId": "c", "id": "c0", "type": "tool_execution", "name": "Task", "startTime": T0, "endTime": T0 + 2 * n}
    ]
    events += [
        {
            "sessionId": "c",
            "id": f"c{i}",
            "parentId": f"c{i - 1}",
            "type": EVENT_TYPES[AGENT] if i == 1 else "tool_execution",
            "name": "step",
            "startTime": T0 + i,
            "endTime": T0 + 2 * n - i,
        }
        for i in range(1, n)
    ]
    a = Analysis(_engine(tmp_path, events).tree("c"))
    t = time.perf_counter()
    ctx = a._context_of()
    took = time.perf_counter() - t
    assert ctx[0] == -1 and (ctx[1:] == 1).all()  # everything under the subagent at c1
    assert took < 1.0, f"32k-deep chain: {took:.2f} s"
