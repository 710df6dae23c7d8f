"""Tool spans whose start (or end) the agent did not record: inferred from the record before,
never across a gap longer than builder.MAX_INFERRED_MS (the user away, a prompt the file
did not keep). On the real Copilot CLI legacy file the 12:15 exchange's `view` was shown as
a 25-minute tool call and the session as 75% tool time; it is an exchange whose prompt was
not recorded, after 24 minutes idle."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES

from sessionprof_ls.analysis import fmt_ms
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.importers.builder import MAX_INFERRED_MS, BuilderState, Outcome, SessionBuilder
from sessionprof_ls.importers.copilot import UNRECORDED_PROMPT

LEGACY = FIXTURES / "copilot-cli" / "history-session-state" / "session_06141331-92e8-4e9e-8bbb-9b7a729eb01a.json"
VIEW_1215 = "tool:toolu_01NMu8tBkt5fbemeUybfSJwy"  # `view` of the repo folder, completed 12:15:45.082
SUMMARY = "resp:8cb31f12-510e-4944-a867-d08085832a40"  # the 11:51:25 answer, written last in the file
T0 = 1_760_000_000_000.0


def _ingest(events: list[dict], tmp_path: Path) -> tuple[Engine, str]:
    engine = Engine(str(tmp_path / "s.db"))
    out = engine.ingest(events)
    assert out["rejected"] == []
    (sid,) = out["sessions"]
    return engine, sid


def _by_id(events: list[dict]) -> dict[str, dict]:
    return {e["id"]: e for e in events}


def _span(e: dict) -> float:
    return e["endTime"] - e["startTime"]


# ---------------------------------------------------------------- the real Copilot legacy file


@pytest.fixture(scope="module")
def legacy() -> list[dict]:
    res = import_file(LEGACY)
    assert res.errors == []
    return res.events


def test_view_after_the_gap_is_not_25_minutes(legacy):
    view = _by_id(legacy)[VIEW_1215]
    assert view["name"] == "str_replace_editor"
    assert view["metadata"]["timing"] == "inferred"
    assert _span(view) < 1000  # was 25m 03s: from 11:50:42 to 12:15:45


def test_the_1215_exchange_is_a_turn_whose_prompt_was_not_recorded(legacy):
    ev = _by_id(legacy)
    view = ev[VIEW_1215]
    turn = ev[view["parentId"]]
    assert turn["type"] == "agent" and turn["parentId"] is None
    assert turn["name"] == f"Turn 2: {UNRECORDED_PROMPT}"
    prompt = next(e for e in legacy if e["type"] == "user_input" and e["parentId"] == turn["id"])
    assert prompt["metadata"]["promptRecorded"] is False
    assert prompt["startTime"] == view["endTime"]  # it opens at its first record: 12:15:45.082
    # the file's own conversation (chatMessages) does not hold that exchange's tool calls
    doc = json.loads(LEGACY.read_text())
    recorded = {c["id"] for m in doc["chatMessages"] for c in m.get("tool_calls") or ()}
    assert VIEW_1215.removeprefix("tool:") not in recorded
    first_turn = ev[ev[SUMMARY]["parentId"]]
    assert first_turn["endTime"] < view["startTime"] - 20 * 60_000


def test_records_are_read_in_time_order(legacy):
    """The 11:51:25 answer comes last in the file (after 12:16:24): it still took its 43 s
    after the 11:50:42 record, and belongs to the first turn."""
    summary = _by_id(legacy)[SUMMARY]
    assert summary["startTime"] == pytest.approx(1760183442534.0)
    assert _span(summary) == pytest.approx(43014.0)


def test_session_split_on_the_real_file(legacy, tmp_path):
    engine, sid = _ingest(legacy, tmp_path)
    s = engine.performance(sid, include_events=False)
    total = s["totalDuration"]
    assert total == pytest.approx(2159_900, abs=100)  # the wall time does not change: 36m 00s
    assert s["toolExecutionTime"] < 0.1 * total  # was 75%
    assert s["idleTime"] > 24 * 60_000  # the user away between the answer and the unrecorded prompt
    assert s["otherTime"] == pytest.approx(0.0, abs=1)
    slow = engine.performance(sid)["slowestOperations"]
    assert all(_span(op["event"]) < MAX_INFERRED_MS for op in slow)
    assert "str_replace_editor" not in [op["event"]["name"] for op in slow[:1]]


# ---------------------------------------------------------------- the builder, synthetic


def _builder() -> SessionBuilder[BuilderState]:
    b = SessionBuilder(None, "test-agent", "s1", BuilderState)
    b.prompt("p1", "do it", T0)
    return b


def test_builder_infers_a_short_gap_and_cuts_a_long_one():
    b = _builder()
    b.tool("short", "bash", {"command": "ls"}, None, T0 + 20_000, Outcome())
    b.tool("long", "view", {"path": "/x"}, None, T0 + 20_000 + 3_600_000, Outcome())
    ev = _by_id(b.finish())
    short, long = ev["tool:short"], ev["tool:long"]
    assert (short["startTime"], short["endTime"]) == (T0, T0 + 20_000)
    assert short["metadata"]["timing"] == "inferred" and "unrecordedMs" not in short["metadata"]
    # the recorded end stays; the start is not guessed an hour back
    assert long["startTime"] == long["endTime"] == T0 + 3_620_000
    assert long["metadata"]["timing"] == "inferred"
    assert long["metadata"]["unrecordedMs"] == 3_600_000


def test_builder_cut_at_the_limit_and_for_an_inferred_end():
    b = _builder()
    b.tool("edge", "bash", None, None, T0 + MAX_INFERRED_MS, Outcome())  # exactly the limit: kept
    # Cline: the start is recorded, the end is the next record, an hour later
    b.tool(
        "open",
        "execute_command",
        None,
        T0 + MAX_INFERRED_MS,
        T0 + MAX_INFERRED_MS + 3_600_000,
        Outcome(),
        inferred=True,
    )
    # a recorded start and end are never cut, however long
    b.tool("real", "bash", None, T0, T0 + 3_600_000, Outcome())
    ev = _by_id(b.finish())
    assert _span(ev["tool:edge"]) == MAX_INFERRED_MS and "unrecordedMs" not in ev["tool:edge"]["metadata"]
    assert ev["tool:open"]["startTime"] == ev["tool:open"]["endTime"] == T0 + MAX_INFERRED_MS
    assert ev["tool:open"]["metadata"]["unrecordedMs"] == 3_600_000
    assert _span(ev["tool:real"]) == 3_600_000 and "timing" not in ev["tool:real"]["metadata"]


# ---------------------------------------------------------------- a Copilot legacy file, synthetic


def _iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


HOUR = 3_600_000
# a prompt, the agent's text and the call it asked for (the same millisecond, as Copilot writes them)
OPENING = [("user", T0, "u1"), ("copilot", T0 + 5_000, "c1"), ("tool_call_completed", T0 + 5_000, "t1")]


def _legacy_file(tmp_path: Path, records: list[tuple[str, float, str]]) -> Path:
    """records: (type, ms, id); tools are `bash` calls."""
    timeline = []
    for t, ms, rid in records:
        r: dict = {"type": t, "id": rid, "timestamp": _iso(ms)}
        if t == "tool_call_completed":
            r.update(callId=rid, name="bash", arguments={"command": "make"}, result={"type": "success", "log": "ok"})
        else:
            r["text"] = f"text of {rid}"
        timeline.append(r)
    path = tmp_path / "session_11111111-2222-3333-4444-555555555555.json"
    path.write_text(
        json.dumps({"sessionId": "legacy-synth", "startTime": _iso(T0), "chatMessages": [], "timeline": timeline})
    )
    return path


def test_long_gap_mid_loop_is_cut_and_left_unexplained(tmp_path):
    """The agent had not answered (a tool was its last record): no prompt is invented; the
    next call is zero-length and the hour is no tool's. It stays inside the turn, so the time
    model counts it as the turn's own time (`agent`), as it does any gap inside a turn."""
    path = _legacy_file(
        tmp_path,
        [
            *OPENING,
            ("tool_call_completed", T0 + 5_000 + HOUR, "t2"),
            ("copilot", T0 + 10_000 + HOUR, "c2"),
        ],
    )
    res = import_file(path)
    assert res.errors == []
    ev = _by_id(res.events)
    assert not any(e["metadata"].get("promptRecorded") is False for e in res.events)
    assert _span(ev["tool:t2"]) == 0 and ev["tool:t2"]["metadata"]["unrecordedMs"] == HOUR
    engine, sid = _ingest(res.events, tmp_path)
    s = engine.performance(sid, include_events=False)
    assert s["toolExecutionTime"] < 1000
    assert s["agentOverheadTime"] == pytest.approx(HOUR, abs=1)
    assert s["idleTime"] == 0


def test_answer_written_out_of_order_then_an_unrecorded_prompt(tmp_path):
    path = _legacy_file(
        tmp_path,
        [
            *OPENING,
            ("tool_call_completed", T0 + HOUR, "t2"),
            ("copilot", T0 + HOUR + 9_000, "c3"),
            ("copilot", T0 + 12_000, "c2"),
        ],  # the first exchange's answer, written last
    )
    res = import_file(path)
    assert res.errors == []
    ev = _by_id(res.events)
    assert (ev["resp:c2"]["startTime"], ev["resp:c2"]["endTime"]) == (T0 + 5_000, T0 + 12_000)
    turn2 = ev[ev["tool:t2"]["parentId"]]
    assert turn2["name"] == f"Turn 2: {UNRECORDED_PROMPT}" and turn2["startTime"] == T0 + HOUR
    assert _span(ev["tool:t2"]) == 0
    engine, sid = _ingest(res.events, tmp_path)
    s = engine.performance(sid, include_events=False)
    assert s["idleTime"] == pytest.approx(HOUR - 12_000, abs=1)
    assert s["toolExecutionTime"] < 1000


# ---------------------------------------------------------------- how an inferred duration is shown


def test_slowest_hint_says_the_duration_was_not_measured(legacy, tmp_path):
    engine, sid = _ingest(legacy, tmp_path)
    slow = engine.performance(sid)["slowestOperations"]
    assert slow, "the session has operations"
    for op in slow:
        assert op["event"]["metadata"]["timing"] == "inferred"
        assert op["suggestion"].startswith("Not measured: only one end was recorded; it took at most ")
        assert "Slow tool call" not in op["suggestion"]
    bash = next(op for op in slow if op["event"]["name"] == "bash")
    assert "it took at most 35.3s, the gap between the records around it." in bash["suggestion"]


def test_inferred_flag_follows_updates(tmp_path):
    """The tree keeps `timing` as a flag: written back, and cleared when the span is re-sent
    with both ends recorded; a recorded tool keeps the usual hint."""
    b = _builder()
    b.tool("guess", "view", None, None, T0 + 60_000, Outcome())
    b.tool("real", "view", None, T0 + 60_000, T0 + 120_000, Outcome())
    events = b.finish()
    engine, sid = _ingest(events, tmp_path)
    hints = {op["event"]["id"]: op["suggestion"] for op in engine.performance(sid)["slowestOperations"]}
    assert hints["tool:guess"].startswith("Not measured")
    assert hints["tool:real"] == "Slow tool call."
    idx = engine.tree(sid).ids.index("tool:guess")
    assert engine.analysis(sid).metadata(idx)["timing"] == "inferred"
    guess = _by_id(events)["tool:guess"]
    engine.ingest([{**guess, "metadata": {**guess["metadata"], "timing": "recorded"}}])
    hints = {op["event"]["id"]: op["suggestion"] for op in engine.performance(sid)["slowestOperations"]}
    assert hints["tool:guess"] == "Slow tool call."
    assert "timing" not in engine.analysis(sid).metadata(idx)


def test_lens_and_its_hover_say_not_measured(legacy, tmp_path):
    from sessionprof_ls.editor import EditorIndex
    from sessionprof_ls.hover import lens_markdown

    engine, sid = _ingest(legacy, tmp_path)
    a = engine.analysis(sid)
    lenses = [lens for info in EditorIndex.build(a, [a.t.workspace]).files.values() for lens in info.lenses]
    assert lenses
    assert all(" not measured · slowest #" in lens.title for lens in lenses), [lens.title for lens in lenses]
    assert not any("25m" in lens.title for lens in lenses)
    md = lens_markdown(lenses[0], engine.event(sid, lenses[0].event_id), sid, neovim=False)
    # the same words as the slowest operations' (analysis/formatting.py inferred_hint)
    assert f"Not measured: only one end was recorded; it took at most {fmt_ms(lenses[0].duration)}," in md
