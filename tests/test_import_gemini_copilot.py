"""Gemini CLI and GitHub Copilot CLI: tokens equal ccusage's reference totals
(shared/fixtures/README.md) exactly, cost within 2%, the same event tree as Claude
Code's, bad rows reported by line with the rest imported, appends read incrementally."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES, check_tree, genai_cost, token_sums

from sessionprof_ls.importers import detect_format, find_transcripts, import_file

GEMINI = FIXTURES / "gemini-cli" / "tmp"
COPILOT = FIXTURES / "copilot-cli"
COPILOT_EVENTS = COPILOT / "session-state" / "96ef38f0-9d09-45c3-8124-6448c36090ed" / "events.jsonl"

# shared/fixtures/README.md, ccusage 20.0.24: input, output, cache read, cache write, cost USD
REFERENCE = {
    "0ab84937": (153_635, 2_152, 48_951, 0, 0.158963),
    "2d9ea14f": (54_874, 851, 121_305, 0, 0.107726),
    "8a20078e": (36_522, 9_325, 39_826, 0, 0.332301),
    "d6f69999": (110_455, 4_422, 278_423, 0, 0.263522),
    "eefc44a3": (140_022, 3_302, 326_620, 0, 0.285295),
    "96ef38f0": (35_071, 2_848, 151_738, 0, 0.193454),
}


def _gemini_file(short: str) -> Path:
    (path,) = [p for p in GEMINI.glob("*/chats/session-*") if short in p.name]
    return path


def _sum(events):
    return token_sums(events)


def _thoughts(events) -> int:
    return sum(
        (e.get("metadata") or {}).get("reasoningTokens") or 0
        for e in events
        if e["type"] == "ai_response" and (e.get("metadata") or {}).get("tokens")
    )


def _check_tree(events, source):
    tops = check_tree(events, source)
    assert any(t["metadata"].get("sessionTitle") for t in tops)
    # every response, tool and prompt sits inside a turn
    assert all(e.get("parentId") for e in events if e["type"] in ("tool_execution", "user_input"))


@pytest.mark.parametrize("short", [k for k in REFERENCE if k != "96ef38f0"])
def test_gemini_tokens_equal_ccusage(short):
    path = _gemini_file(short)
    assert detect_format(path) == "gemini-cli"
    res = import_file(path)
    assert res.errors == []
    tot, _ = _sum(res.events)
    thoughts = _thoughts(res.events)
    inp, out, cr, cw, cost = REFERENCE[short]
    # ccusage's output column leaves the thoughts out; the contract's output holds them
    assert (tot["input"], tot["output"] - thoughts, tot["cacheRead"], tot["cacheWrite"]) == (inp, out, cr, cw)
    raw = _raw_gemini_thoughts(path)
    assert thoughts == raw > 0
    assert genai_cost(res.events) == pytest.approx(cost, rel=0.02)
    _check_tree(res.events, "gemini-cli")
    assert {e["sessionId"] for e in res.events} == {_raw_session_id(path)}


def _raw_session_id(path: Path) -> str:
    if path.suffix == ".json":
        return json.loads(path.read_text())["sessionId"]
    return json.loads(path.read_text().splitlines()[0])["sessionId"]


def _raw_gemini_thoughts(path: Path) -> int:
    """Thoughts summed from the raw file, each message id once (the last line wins)."""
    if path.suffix == ".json":
        msgs = json.loads(path.read_text())["messages"]
    else:
        msgs = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    last = {m["id"]: m for m in msgs if m.get("type") == "gemini"}
    return sum(m["tokens"]["thoughts"] for m in last.values())


def test_copilot_tokens_equal_ccusage():
    assert detect_format(COPILOT_EVENTS) == "copilot-cli"
    res = import_file(COPILOT_EVENTS)
    assert res.errors == []
    tot, _ = _sum(res.events)
    inp, out, cr, cw, cost = REFERENCE["96ef38f0"]
    assert tot == {"input": inp, "output": out, "cacheRead": cr, "cacheWrite": cw}
    assert genai_cost(res.events) == pytest.approx(cost, rel=0.02)
    _check_tree(res.events, "copilot-cli")
    responses = [e for e in res.events if e["type"] == "ai_response" and "tokens" not in e["metadata"]]
    # each request keeps the output tokens Copilot recorded for it; they add up to the shutdown's
    assert len(responses) == 6 and sum(r["metadata"]["reportedOutputTokens"] for r in responses) == out
    tools = {e["id"]: e for e in res.events if e["type"] == "tool_execution"}
    assert len(tools) == 11 and all("timing" not in t["metadata"] for t in tools.values())  # start/complete pairs
    search = next(t for t in tools.values() if t["name"] == "web_search")
    assert search["endTime"] - search["startTime"] > 5000
    reads = [e for e in res.events if e["type"] == "file_read"]
    assert any(r["metadata"]["filePath"].endswith("Cargo.toml") for r in reads)


def test_copilot_resumed_session_counts_each_shutdown_once(tmp_path):
    """A resumed session writes a second cumulative shutdown: only its difference counts;
    a total that went down (a new process) counts whole."""
    lines = COPILOT_EVENTS.read_text().splitlines()
    shutdown = json.loads(lines[-1])
    usage = shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["usage"]
    later = json.loads(json.dumps(shutdown))
    later["id"] = "second-shutdown"
    u2 = later["data"]["modelMetrics"]["claude-sonnet-4.6"]["usage"]
    u2.update(
        inputTokens=usage["inputTokens"] + 1000,
        cacheReadTokens=usage["cacheReadTokens"] + 600,
        outputTokens=usage["outputTokens"] + 50,
    )
    restart = json.loads(json.dumps(shutdown))
    restart["id"] = "third-shutdown"
    restart["data"]["modelMetrics"] = {
        "gpt-5.1": {
            "requests": {"count": 1, "cost": 1},
            "usage": {
                "inputTokens": 300,
                "outputTokens": 7,
                "cacheReadTokens": 0,
                "cacheWriteTokens": 0,
                "reasoningTokens": 0,
            },
        }
    }
    f = tmp_path / "events.jsonl"
    f.write_text("\n".join(lines + [json.dumps(later), json.dumps(restart)]) + "\n")
    tot, _ = _sum(import_file(f).events)
    inp, out, cr, _, _ = REFERENCE["96ef38f0"]
    assert tot == {"input": inp + 400 + 300, "output": out + 50 + 7, "cacheRead": cr + 600, "cacheWrite": 0}


@pytest.mark.parametrize("name", sorted(p.name for p in (COPILOT / "history-session-state").glob("*.json")))
def test_copilot_legacy_files_give_timing_without_tokens(name):
    path = COPILOT / "history-session-state" / name
    assert detect_format(path) == "copilot-cli-legacy"
    res = import_file(path)
    assert res.errors == []
    _check_tree(res.events, "copilot-cli")
    raw = json.loads(path.read_text())
    completed = [t for t in raw["timeline"] if t["type"] == "tool_call_completed"]
    tools = [e for e in res.events if e["type"] == "tool_execution"]
    assert len(tools) == len(completed)
    assert all(t["metadata"]["timing"] == "inferred" for t in tools)  # only completions are recorded
    assert _sum(res.events)[0] == {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}  # not recorded
    assert not any("tokens" in (e.get("metadata") or {}) for e in res.events)
    writes = [e for e in res.events if e["type"] == "file_write"]
    edits = [t for t in completed if t["arguments"].get("command") in ("create", "str_replace", "insert")]
    assert len(writes) == len(edits)


def test_gemini_tools_have_spans_and_file_hints():
    res = import_file(_gemini_file("8a20078e"))
    tools = [e for e in res.events if e["type"] == "tool_execution"]
    assert [t["name"] for t in tools].count("read_file") == 3 and [t["name"] for t in tools].count("write_file") >= 3
    reads = [e for e in res.events if e["type"] == "file_read"]
    assert {r["metadata"]["filePath"] for r in reads} == {"README.md", "README.zh-CN.md", "README.zh-TW.md"}
    assert all(r["metadata"]["fileTokens"] > 0 for r in reads)
    writes = [e for e in res.events if e["type"] == "file_write"]
    assert all(w["metadata"]["filePath"].startswith("/home/wei/repo/VibeCodingTracker/") for w in writes)
    # the folder, not recorded by this format, from a relative path reported absolute
    assert {e["metadata"]["workspace"] for e in res.events if e["type"] == "agent"} == {
        "/home/wei/repo/VibeCodingTracker"
    }
    resp = [e for e in res.events if e["type"] == "ai_response"]
    # a response runs from the last tool's completion to its own message
    assert resp[1]["startTime"] == max(t["endTime"] for t in tools if t["endTime"] <= resp[1]["endTime"])


def _totals_of(got: dict) -> dict:
    return _sum(got.values())[0]


@pytest.mark.parametrize("src", [COPILOT_EVENTS, "0ab84937"], ids=["copilot", "gemini-jsonl"])
def test_bad_lines_reported_by_line_and_appends_read_incrementally(tmp_path, src):
    path = src if isinstance(src, Path) else _gemini_file(src)
    whole = import_file(path)
    lines = path.read_bytes().splitlines(keepends=True)
    f = tmp_path / path.name
    bad_at = 5
    f.write_bytes(b"".join(lines[: bad_at - 1]) + b'{"type": "broken\n' + b"[1, 2]\n" + b"".join(lines[bad_at - 1 :]))
    res = import_file(f)
    assert len(res.errors) == 2
    assert res.errors[0].startswith(f"{f}:{bad_at}: invalid JSON") and res.errors[1].startswith(
        f"{f}:{bad_at + 1}: expected"
    )
    assert _sum(res.events)[0] == _sum(whole.events)[0]  # the rest is all there
    # appended in uneven pieces, halves of lines included: the same events as one read
    g = tmp_path / ("live-" + path.name)
    g.write_bytes(b"")
    data = path.read_bytes()
    cursor, got = None, {}
    for i in range(0, len(data), 1777):
        with open(g, "ab") as fh:
            fh.write(data[i : i + 1777])
        r = import_file(g, json.loads(json.dumps(cursor)) if cursor else None)
        assert r.errors == []
        got.update({e["id"]: e for e in r.events})
        cursor = r.cursor
    expect = {e["id"]: e for e in whole.events}
    assert set(got) == set(expect) and _totals_of(got) == _totals_of(expect)
    for eid, e in expect.items():
        assert (got[eid]["startTime"], got[eid].get("endTime"), got[eid]["parentId"]) == (
            e["startTime"],
            e.get("endTime"),
            e["parentId"],
        ), eid


def test_gemini_json_document_rewritten_sends_only_what_changed(tmp_path):
    path = _gemini_file("d6f69999")
    doc = json.loads(path.read_text())
    f = tmp_path / path.name
    part = dict(doc, messages=doc["messages"][:5])
    f.write_text(json.dumps(part, indent=2))
    first = import_file(f)
    assert import_file(f, first.cursor).events == []  # unchanged file: nothing
    bad = dict(doc, messages=doc["messages"][:5] + ["oops"] + doc["messages"][5:])
    f.write_text(json.dumps(bad, indent=2))
    second = import_file(f, json.loads(json.dumps(first.cursor)))
    assert second.errors == [f"{f}: messages[5]: expected an object, got str"]
    assert len(second.events) < len(import_file(path).events)
    got = {e["id"]: e for e in first.events}
    got.update({e["id"]: e for e in second.events})
    # ids are by message id, so the bad entry shifts nothing: the union is the whole session
    assert _totals_of(got) == _sum(import_file(path).events)[0]
    f.write_text('{"sessionId": "x", "messages": [')  # caught mid-rewrite: one clear line, cursor kept
    third = import_file(f, second.cursor)
    assert third.events == [] and third.errors[0].startswith(f"{f}: invalid JSON")


def test_engine_summaries_agree_and_find_transcripts(tmp_path):
    from sessionprof_ls.engine import Engine

    files = find_transcripts([GEMINI, COPILOT])
    assert len(files) == 8
    engine = Engine(tmp_path / "s.db")
    for f in files:
        res = import_file(f)
        ingest = engine.ingest(res.events)
        assert ingest["rejected"] == []
        (sid,) = ingest["sessions"]
        s = engine.summary(sid)
        tot, _ = _sum(res.events)
        assert (s["inputTokens"], s["outputTokens"], s["cacheReadTokens"]) == (
            tot["input"],
            tot["output"],
            tot["cacheRead"],
        )
        assert s["source"] in ("gemini-cli", "copilot-cli") and s["totalDuration"] > 0
        short = sid[:8]
        if short in REFERENCE:
            assert s["totalCost"] == pytest.approx(REFERENCE[short][4], rel=0.02)
            assert s["costComplete"]


def test_copilot_legacy_bad_entry_reported_by_index(tmp_path):
    path = COPILOT / "history-session-state" / "session_0b2a81da-02cf-4cbb-ae14-07c597b84f4e.json"
    doc = json.loads(path.read_text())
    whole = import_file(path)
    doc["timeline"].insert(3, "junk")
    f = tmp_path / path.name
    f.write_text(json.dumps(doc))
    res = import_file(f)
    assert res.errors == [f"{f}: timeline[3]: expected an object, got str"]
    assert {e["id"] for e in res.events} == {e["id"] for e in whole.events}  # the rest all there


def test_copilot_ai_credits_are_the_agents_cost_beside_ours(tmp_path):
    """Newer Copilot versions report GitHub AI credits per model (nano-AIU, $0.01 per AIU):
    kept as the agent's own cost; genai-prices' price of the same tokens stays beside it."""
    from sessionprof_ls.engine import Engine

    lines = COPILOT_EVENTS.read_text().splitlines()
    shutdown = json.loads(lines[-1])
    shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 2_500_000_000  # 2.5 AIU
    resumed = json.loads(json.dumps(shutdown))
    resumed["id"] = "later"
    resumed["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 4_000_000_000  # +1.5 AIU
    f = tmp_path / "events.jsonl"
    f.write_text("\n".join(lines[:-1] + [json.dumps(shutdown), json.dumps(resumed)]) + "\n")
    res = import_file(f)
    usage = [e for e in res.events if e["id"].startswith("usage:")]
    # the resumed session's shutdown added credits and no tokens: its difference is the cost alone
    assert [round(e["metadata"]["costUsd"], 6) for e in usage] == [0.025, 0.015]
    assert usage[1]["metadata"]["tokens"] == {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}
    engine = Engine(tmp_path / "s.db")
    (sid,) = engine.ingest(res.events)["sessions"]
    s = engine.summary(sid)
    assert s["agentCost"] == pytest.approx(0.04) and s["pricedCost"] == pytest.approx(
        REFERENCE["96ef38f0"][4], rel=0.02
    )
    assert s["costDiffers"] is True


def test_copilot_legacy_tokens_and_cost_not_recorded_never_zero(tmp_path):
    from sessionprof_ls.engine import Engine

    engine = Engine(tmp_path / "s.db")
    path = COPILOT / "history-session-state" / "session_0b2a81da-02cf-4cbb-ae14-07c597b84f4e.json"
    (sid,) = engine.ingest(import_file(path).events)["sessions"]
    s = engine.summary(sid)
    assert s["totalCost"] is None and "totalTokens" in s["notRecorded"] and "totalCost" in s["notRecorded"]
