"""Issue 12, the time model, on the real fixtures (tests/fixtures, real Claude Code and
Codex transcripts): every bucket adds up, idle is not work, not recorded is not zero,
interrupted spans end at the session's last timestamp, and the summary, the three
flame views, the CLI report, the exports and the editor index agree on one number.

Two transcripts are real ones cut or extended on purpose: one cut in the middle of a
tool call (its tool_use written, its result never), one with a second prompt three
hours after the first turn ended (a long idle gap)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sessionprof_ls.analysis import Analysis, file_hint, time_parts
from sessionprof_ls.analysis.timeline import TIME_FIELDS  # the summary fields that make up totalDuration
from sessionprof_ls.editor import EditorIndex
from sessionprof_ls.engine import Engine
from sessionprof_ls.exports import export
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import PerformanceData

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL = sorted(FIXTURES.glob("*/*.jsonl"))
IDS = [f"{p.parent.name}/{p.stem}" for p in REAL]


def _load(path: Path, tmp_path: Path) -> tuple[Engine, str]:
    engine = Engine(str(tmp_path / "s.db"))
    res = import_file(path)
    assert res.errors == []
    out = engine.ingest(res.events)
    assert out["rejected"] == []
    (sid,) = out["sessions"]
    return engine, sid


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in lines))
    return path


# ---------------------------------------------------------------- every real fixture, every rule


@pytest.mark.parametrize("path", REAL, ids=IDS)
def test_time_split_rules_on_real_fixture(path, tmp_path):
    engine, sid = _load(path, tmp_path)
    s = engine.performance(sid, include_events=False)
    PerformanceData.model_validate(s)
    wall, active, idle = s["totalDuration"], s["activeTime"], s["idleTime"]
    assert wall > 0 and active > 0
    assert active + idle == pytest.approx(wall, abs=1e-6)
    assert time_parts(s) == pytest.approx(wall, abs=1e-6)
    # unexplained time is at most 5% of active time
    assert s["otherTime"] <= 0.05 * active, s
    # every percentage is of the active time
    assert s["aiThinkingPercent"] == round(100 * s["aiThinkingTime"] / active, 1)
    assert s["toolExecutionPercent"] == round(100 * s["toolExecutionTime"] / active, 1)
    assert s["idlePercent"] == round(100 * idle / wall, 1)
    # transcripts do not time network requests unless a tool was a network call: null + why, never 0
    has_net = any(r["type"] == "network_request" for r in _flat(engine.performance(sid)["events"]))
    if has_net:
        assert s["networkTime"] > 0 and "networkTime" not in s["notRecorded"]
    else:
        assert s["networkTime"] is None and s["networkPercent"] is None
        assert "does not time network requests" in s["notRecorded"]["networkTime"]
    assert s["hookTime"] is None and "hookTime" in s["notRecorded"]
    # finished long ago: nothing running, and no number measured against today's clock
    assert s["running"] is False
    assert s["endTime"] - s["startTime"] == pytest.approx(wall)
    # counts that line up
    assert s["messageCount"] == len(s["tokensByMessage"])
    assert s["avgResponseTokens"] == round(s["outputTokens"] / s["responseCount"], 1)
    assert s["avgContextTokens"] == round(
        (s["inputTokens"] + s["cacheReadTokens"] + s["cacheWriteTokens"]) / s["responseCount"], 1
    )
    assert all(r["label"] for r in s["tokensByMessage"])
    # a response with no recorded usage says so instead of passing for zero tokens
    assert sum(r["role"] == "assistant" and r["usageRecorded"] for r in s["tokensByMessage"]) == s["responseCount"]
    # compaction is never a subagent
    events = _flat(engine.performance(sid)["events"])
    assert not any(e["name"].startswith("Subagent: <system-reminder>") for e in events)


def _flat(events: list[dict]) -> list[dict]:
    out, stack = [], list(events)
    while stack:
        e = stack.pop()
        out.append(e)
        stack.extend(e["children"])
    return out


@pytest.mark.parametrize("path", REAL, ids=IDS)
def test_idle_is_the_gap_before_a_prompt(path, tmp_path):
    """Idle = the gaps between top-level spans that end at a prompt (recomputed here from the events)."""
    engine, sid = _load(path, tmp_path)
    perf = engine.performance(sid)
    tops = sorted(perf["events"], key=lambda e: (e["startTime"], not _is_prompt(e)))
    idle, reach = 0.0, None
    for e in tops:
        if reach is not None and e["startTime"] > reach and _is_prompt(e):
            idle += e["startTime"] - reach
        reach = e["endTime"] if reach is None else max(reach, e["endTime"])
    assert perf["idleTime"] == pytest.approx(idle, abs=1e-6)


def _is_prompt(e: dict) -> bool:
    return (e["type"] == "agent" and not e["metadata"].get("compaction")) or e["type"] == "user_input"


# ---------------------------------------------------------------- one number everywhere


@pytest.mark.parametrize("path", REAL, ids=IDS)
def test_every_view_agrees(path, tmp_path):
    engine, sid = _load(path, tmp_path)
    s = engine.performance(sid, include_events=False)
    # flame graphs: time view root = wall; aggregate root = active, each bucket = the summary's
    tg = engine.flame_graph(sid, "time", "time")
    assert tg["total"] == pytest.approx(s["totalDuration"], abs=0.01)
    ag = engine.flame_graph(sid, "aggregate", "time")
    assert ag["total"] == pytest.approx(s["activeTime"], abs=1e-6)
    own = _self_by_type(ag)
    assert own.get("ai_response", 0) == pytest.approx(s["aiThinkingTime"], abs=1e-3)
    tools = own.get("tool_execution", 0) + own.get("file_read", 0) + own.get("file_write", 0)
    assert tools == pytest.approx(s["toolExecutionTime"] + (s["hookTime"] or 0), abs=1e-3)
    assert own.get("network_request", 0) == pytest.approx(s["networkTime"] or 0, abs=1e-3)
    assert own.get("user_input", 0) == pytest.approx(s["userWaitTime"], abs=1e-3)
    assert own.get("agent", 0) == pytest.approx(s["agentOverheadTime"] + s["compactionTime"], abs=1e-3)
    assert own.get("session", 0) == pytest.approx(s["otherTime"], abs=1e-3)
    # no frame is wider than its parent, so "% of session" never passes 100
    _check_nesting(ag)
    # token views: root = totalTokens
    for view in ("time", "aggregate"):
        assert engine.flame_graph(sid, view, "tokens")["total"] == s["totalTokens"]
    # exports: the same wall time, and no span past the session's end
    sp = json.loads(export(engine.analysis(sid), "speedscope"))
    assert sp["profiles"][0]["endValue"] == pytest.approx(s["totalDuration"])
    js = json.loads(export(engine.analysis(sid), "json"))
    for key in ("totalDuration", "activeTime", "idleTime", "totalTokens", "totalCost", *TIME_FIELDS):
        assert js[key] == s[key], key
    assert all(e["endTime"] <= s["totalDuration"] + 1e-6 for e in _flat(js["events"]))
    trace = json.loads(export(engine.analysis(sid), "chrome-trace"))["traceEvents"]
    spans = [e for e in trace if "ts" in e]
    end = max(e["ts"] + e.get("dur", 0) for e in spans) - min(e["ts"] for e in spans)
    assert end / 1000 == pytest.approx(s["totalDuration"])
    # editor index: each file's hint is the analysis's label for that file
    index = EditorIndex.build(engine.analysis(sid), ["/nonexistent-workspace"])
    total_input = s["inputTokens"] + s["cacheReadTokens"] + s["cacheWriteTokens"]
    labels = {info.path: info.label for info in index.files.values() if info.label}
    for row in s["tokensByFile"]:
        assert labels[row["filePath"]] == file_hint(row, total_input)[0]
        assert row["contextTokens"] == row["tokens"] + row["resentTokens"] or row["firstReadCost"] is not None


def _self_by_type(graph: dict) -> dict[str, float]:
    f = graph["frames"]
    value = list(f["value"])
    own = list(value)
    for k, p in enumerate(f["parent"]):
        if p >= 0:
            own[p] -= value[k]
    out: dict[str, float] = {}
    for k in range(1, len(value)):
        typ = graph["types"][f["type"][k]]
        out[typ] = out.get(typ, 0.0) + own[k]
    out["session"] = out.get("session", 0.0) + own[0]
    return out


def _check_nesting(graph: dict) -> None:
    f = graph["frames"]
    kids: dict[int, float] = {}
    for k, p in enumerate(f["parent"]):
        if p >= 0:
            kids[p] = kids.get(p, 0.0) + f["value"][k]
    for p, total in kids.items():
        assert total <= f["value"][p] + 1e-6


def test_cli_report_json_agrees_with_the_engine(tmp_path):
    """`sessionprof report --json FILE` on every real fixture, in a real process."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(SESSIONPROF_STORE=str(tmp_path / "cli.db"), HOME=str(tmp_path / "home"))
    for path in REAL:
        out = subprocess.run(
            [sys.executable, "-m", "sessionprof_ls.cli", "report", "--json", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        cli = json.loads(out.stdout)
        own = tmp_path / f"{path.parent.name}-{path.stem}"
        own.mkdir()
        engine, sid = _load(path, own)
        s = engine.performance(sid, include_events=False)
        for key in ("totalDuration", "activeTime", "idleTime", "totalTokens", "networkTime", *TIME_FIELDS):
            assert cli[key] == pytest.approx(s[key]) if s[key] is not None else cli[key] is None, (path, key)


# ---------------------------------------------------------------- a transcript cut mid tool call


def _cut_in_tool_call(src: Path, dst: Path, tools: tuple = ()) -> tuple[Path, str, float]:
    """The transcript up to (and with) the last tool_use (of `tools`, if given) whose result comes
    later, without the rest."""
    lines = _lines(src)
    results = {}
    for k, d in enumerate(lines):
        for b in (d.get("message") or {}).get("content") or []:
            if isinstance(b, dict) and b.get("type") == "tool_result":
                results[b["tool_use_id"]] = k
    cut = None
    for k, d in enumerate(lines):
        for b in (d.get("message") or {}).get("content") or []:
            if (
                isinstance(b, dict)
                and b.get("type") == "tool_use"
                and results.get(b["id"], -1) > k
                and (not tools or b.get("name") in tools)
            ):
                cut = (k, b["id"])
    assert cut is not None
    k, tool_id = cut
    kept = lines[: k + 1]
    last = max(d["timestamp"] for d in kept if d.get("timestamp"))
    from sessionprof_ls.importers.common import parse_ts

    return _write(dst, kept), tool_id, parse_ts(last)


def test_cut_in_a_tool_call_is_interrupted_not_running(tmp_path):
    path, tool_id, last_ts = _cut_in_tool_call(
        FIXTURES / "claude-code" / "spotter-tool_heavy.jsonl", tmp_path / "cut.jsonl"
    )
    engine, sid = _load(path, tmp_path)
    a = engine.analysis(sid)  # analysed now, months after the transcript was written
    assert a.now - last_ts > 24 * 3600_000
    s = a.summary()
    assert s["running"] is False and s["interrupted"] is True and s["interruptedCount"] >= 1
    assert s["startTime"] + s["totalDuration"] == pytest.approx(last_ts)  # not today's clock
    ev = a.event(a.t.index["tool:" + tool_id])
    assert ev["interrupted"] is True and ev["running"] is False
    assert ev["startTime"] + a.t0 <= last_ts and ev["endTime"] + a.t0 == pytest.approx(last_ts)
    perf = engine.performance(sid, include_events=False)
    slow = {op["event"]["id"]: op for op in perf["slowestOperations"]}
    if "tool:" + tool_id in slow:
        assert slow["tool:" + tool_id]["interrupted"] and "Interrupted" in slow["tool:" + tool_id]["suggestion"]
    assert time_parts(s) == pytest.approx(s["totalDuration"])
    # the same data while it is still being written: running, measured to now
    live = Analysis(engine.trees[sid], now_ms=last_ts + 30_000)
    assert live.summary()["running"] is True and live.summary()["interrupted"] is False
    assert live.event(live.t.index["tool:" + tool_id])["endTime"] + live.t0 == pytest.approx(last_ts + 30_000)


# ---------------------------------------------------------------- a long idle gap


def test_long_idle_gap_is_idle_not_work(tmp_path):
    """agentlogs-todos, then the user back three hours later with one more prompt and answer."""
    src = FIXTURES / "claude-code" / "agentlogs-todos.jsonl"
    lines = _lines(src)
    (tmp_path / "a").mkdir()
    engine0, sid0 = _load(src, tmp_path / "a")
    before = engine0.summary(sid0)
    from sessionprof_ls.importers.common import parse_ts

    last = max(parse_ts(d["timestamp"]) for d in lines if d.get("timestamp"))
    iso = lambda ms: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}Z"  # noqa: E731
    proto = next(d for d in lines if d.get("type") == "assistant" and (d["message"].get("usage") or {}))
    back = last + 3 * 3600_000
    extra = [
        {
            **{k: proto[k] for k in ("sessionId", "cwd", "version") if k in proto},
            "type": "user",
            "uuid": "late-prompt",
            "parentUuid": None,
            "isSidechain": False,
            "timestamp": iso(back),
            "message": {"role": "user", "content": "one more thing"},
        },
        {
            **proto,
            "uuid": "late-answer",
            "parentUuid": "late-prompt",
            "timestamp": iso(back + 4000),
            "requestId": "req_late",
            "message": {**proto["message"], "id": "msg_late", "content": [{"type": "text", "text": "Done."}]},
        },
    ]
    path = _write(tmp_path / "late.jsonl", lines + extra)
    engine, sid = _load(path, tmp_path)
    s = engine.summary(sid)
    gap = back - last
    assert s["idleTime"] == pytest.approx(before["idleTime"] + gap, abs=1)
    assert s["activeTime"] == pytest.approx(before["activeTime"] + 4000, abs=1)
    assert s["otherTime"] <= 0.05 * s["activeTime"]
    # percentages are of active time: the three hours away do not dilute them
    assert s["aiThinkingPercent"] == round(100 * s["aiThinkingTime"] / s["activeTime"], 1) > 50
    assert engine.flame_graph(sid, "aggregate", "time")["total"] == pytest.approx(s["activeTime"])


# ---------------------------------------------------------------- costs


def test_codex_rollout_without_token_events_costs_zero(tmp_path):
    src = FIXTURES / "codex" / "agentlogs-crud.jsonl"
    kept = [d for d in _lines(src) if (d.get("payload") or {}).get("type") != "token_count"]
    engine, sid = _load(_write(tmp_path / "rollout.jsonl", kept), tmp_path)
    s = engine.summary(sid)
    assert s["totalTokens"] == 0 and s["totalCost"] == 0.0 and s["costComplete"] is True


def test_warmup_agent_file_at_project_root_counts_into_its_session(tmp_path):
    """Claude Code 2.0.x wrote Warmup subagents as <project>/agent-<id>.jsonl, unlinked from the
    main file, with the parent's sessionId, isSidechain and billed usage (shape as described in
    issue 12; the lines are the real agentlogs-todos main file's, re-labelled as that sidechain)."""
    project = tmp_path / "project"
    project.mkdir()
    src = FIXTURES / "claude-code" / "agentlogs-todos.jsonl"
    main = project / src.name
    main.write_bytes(src.read_bytes())
    lines = _lines(src)
    sid = next(d["sessionId"] for d in lines if d.get("sessionId"))
    proto = next(d for d in lines if d.get("type") == "assistant" and (d["message"].get("usage") or {}))
    usage = {"input_tokens": 3, "output_tokens": 7, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 11_000}
    warm = [
        {
            "type": "user",
            "isSidechain": True,
            "agentId": "w1",
            "sessionId": sid,
            "uuid": "w-u",
            "timestamp": proto["timestamp"],
            "message": {"role": "user", "content": "Warmup"},
        },
        {
            "type": "assistant",
            "isSidechain": True,
            "agentId": "w1",
            "sessionId": sid,
            "uuid": "w-a",
            "timestamp": proto["timestamp"],
            "requestId": "req_w",
            "message": {**proto["message"], "id": "msg_w", "usage": usage, "content": [{"type": "text", "text": "ok"}]},
        },
    ]
    _write(project / "agent-w1.jsonl", warm)
    _write(project / "agent-other.jsonl", [{**warm[0], "sessionId": "someone-else"}])
    engine0, sid0 = _load(src, tmp_path)
    base = engine0.summary(sid0)
    engine, sid1 = _load(main, project)
    s = engine.summary(sid1)
    assert s["totalTokens"] == base["totalTokens"] + sum(usage.values())
    assert s["totalCost"] > base["totalCost"]


def test_cut_transcript_lens_says_interrupted(tmp_path):
    """A slow call that never ended gets a lens that says so (the editor index's lens title)."""
    path, tool_id, last_ts = _cut_in_tool_call(
        FIXTURES / "claude-code" / "spotter-subagent.jsonl", tmp_path / "cut.jsonl", tools=("Read", "Edit", "Write")
    )
    engine, sid = _load(path, tmp_path)
    a = Analysis(engine.trees[sid], slowest_count=1000)  # every call gets a lens, however short
    index = EditorIndex.build(a, [a.t.workspace])
    titles = [lens.title for info in index.files.values() for lens in info.lenses if lens.event_id == "tool:" + tool_id]
    assert titles and all(" interrupted · slowest #" in t for t in titles), titles
    ops = {op["event"]["id"]: op for op in a.slowest()}
    assert all(op["interrupted"] == (op["event"]["id"] == "tool:" + tool_id) for op in ops.values())
