"""Measured afterwards: a real fixture session, its suggestions applied, a later session
of the same workspace built from another real fixture, and the effect each suggestion's
metric shows before vs after (sessions counted on each side, "did not help" said)."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls import apply as apply_mod
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.suggestions import RULES, Context, applied, effects

BEFORE = "claude-code/spotter-subagent.jsonl"  # 4 min waiting on the user; short opus responses
AFTER = "claude-code/spotter-tool_heavy.jsonl"  # same workspace, no waiting on the user; opus again
# each pair: a session, a later one of its workspace, and a suggestion whose metric the later
# one brings to 0, with the field of the suggestion's own saving that is that metric
PAIRS = [
    (BEFORE, AFTER, "user_wait", "savingMs"),
    # re-reads a .tsx file in one conversation; the later session (run in the fixtures/ subfolder) does not
    ("codex/agentlogs-images.jsonl", "codex/agentlogs-crud.jsonl", "reread_file", "savingTokens"),
]


def later_session(name: str, after_ms: float, session_id: str) -> list[dict]:
    """The fixture's events moved to start just after `after_ms`, as a new session."""
    events = copy.deepcopy(import_file(FIXTURES / name).events)
    shift = after_ms + 60_000 - min(e["startTime"] for e in events)
    for e in events:
        e["sessionId"] = session_id
        e["startTime"] += shift
        if e.get("endTime") is not None:
            e["endTime"] += shift
    return events


@pytest.mark.parametrize("before_name, after_name, kind, saving", PAIRS, ids=[p[2] for p in PAIRS])
def test_before_after_on_real_fixtures(tmp_path: Path, before_name: str, after_name: str, kind: str, saving: str):
    engine = Engine(tmp_path / "s.db")
    sid = engine.ingest(import_file(FIXTURES / before_name).events)["sessions"][0]
    tree = engine.tree(sid)
    workspace = tree.workspace
    suggestions = {s["kind"]: s for s in engine.performance(sid, include_events=False)["suggestions"]}
    ws = tmp_path / "ws"
    ws.mkdir()
    read = lambda p: p.read_text() if p.is_file() else None  # noqa: E731
    now = time.time() * 1000.0
    assert now > engine.store.sessions()[0]["startTime"]
    for k in (kind, "smaller_model"):
        edits, _ = apply_mod.plan(suggestions[k], ws, tree.source, workspace, read)
        for e in edits:
            e.path.parent.mkdir(parents=True, exist_ok=True)
            e.path.write_text(e.new_text)
        applied.record(
            engine.store, workspace, sid, suggestions[k], [e.rel(ws.resolve()) for e in edits], "test", now_ms=now
        )
    # nothing after yet: the view says it is waiting
    rows = {r["kind"]: r for r in effects.effects(engine, workspace)}
    assert rows[kind]["verdict"] == "waiting" and rows[kind]["after"]["sessions"] == 0
    assert rows[kind]["before"]["sessions"] == 1

    later = engine.ingest(later_session(after_name, now, "later-1"))["sessions"][0]
    rows = {r["kind"]: r for r in effects.effects(engine, workspace)}
    # the metric of each side is the rule's own metric on that session
    before_ctx, after_ctx = Context(engine.analysis(sid)), Context(engine.analysis(later))
    assert set(rows) == {kind, "smaller_model"}
    for k, row in rows.items():
        rule = RULES[k]
        assert row["before"]["sessions"] == 1 and row["after"]["sessions"] == 1
        assert row["before"]["value"] == rule.metric(before_ctx)
        assert row["after"]["value"] == rule.metric(after_ctx)
    rr = rows[kind]
    assert rr["before"]["value"] == suggestions[kind][saving] > 0
    assert rr["after"]["value"] == 0 and rr["verdict"] == "helped" and "It helped" in rr["message"]
    sm = rows["smaller_model"]
    # the later session still ran short responses on the same model: measured, and said so
    helped = sm["after"]["value"] <= sm["before"]["value"] * effects.HELPED_RATIO
    assert sm["verdict"] == ("helped" if helped else "no_effect")
    if not helped:
        assert sm["message"].startswith("It did not help")
    # undone suggestions are no longer measured
    assert applied.undone(engine.store, rr["id"])
    assert {r["kind"] for r in effects.effects(engine, workspace)} == {"smaller_model"}


def test_a_later_session_in_a_subfolder_counts(tmp_path: Path):
    """The agent run from a subfolder of the workspace still reads the root's guidance file,
    so its session is an "after" session, by the editor's own workspace rule."""
    engine = Engine(tmp_path / "s.db")
    sid = engine.ingest(import_file(FIXTURES / BEFORE).events)["sessions"][0]
    workspace = engine.tree(sid).workspace
    wait = next(s for s in engine.performance(sid, include_events=False)["suggestions"] if s["kind"] == "user_wait")
    now = time.time() * 1000.0
    applied.record(engine.store, workspace, sid, wait, ["CLAUDE.md"], "test", now_ms=now)
    events = later_session(AFTER, now, "later-sub")
    for e in events:
        if (e.get("metadata") or {}).get("workspace"):
            e["metadata"]["workspace"] = workspace + "/apps/web"
    engine.ingest(events)
    assert engine.tree("later-sub").workspace == workspace + "/apps/web"
    (row,) = effects.effects(engine, workspace)
    assert row["after"]["sessions"] == 1 and row["verdict"] == "helped"
    # a sibling folder whose name starts the same is another workspace
    events = later_session(AFTER, now + 120_000, "later-sibling")
    for e in events:
        if (e.get("metadata") or {}).get("workspace"):
            e["metadata"]["workspace"] = workspace + "-old"
    engine.ingest(events)
    (row,) = effects.effects(engine, workspace)
    assert row["after"]["sessions"] == 1
