"""Costs, token tables and suggestions: numbers computed from the session's own data."""

from __future__ import annotations

import pytest

from sessionprof_ls import pricing
from sessionprof_ls.analysis import file_hint
from sessionprof_ls.engine import Engine

T0 = 1_700_000_000_000.0
SONNET = "claude-sonnet-4-5-20250929"


def ev(id, type, name, start, end, metadata=None, parent=None):
    """An event of session "s", `start`/`end` ms after T0."""
    e = {"sessionId": "s", "id": id, "type": type, "name": name, "startTime": T0 + start, "endTime": T0 + end}
    if metadata is not None:
        e["metadata"] = metadata
    if parent:
        e["parentId"] = parent
    return e


def ai(id, start, end, model=SONNET, tin=0, out=0, cr=0, cw=0, parent=None, **meta):
    md = {"model": model, "tokens": {"input": tin, "output": out, "cacheRead": cr, "cacheWrite": cw}, **meta}
    return ev(id, "ai_response", id, start, end, md, parent)


def read(id, start, end, path, tokens, parent=None):
    return ev(id, "file_read", path, start, end, {"filePath": path, "fileTokens": tokens}, parent)


@pytest.fixture
def engine(tmp_path):
    return Engine(tmp_path / "s.db")


def test_costs_per_request_agent_cost_wins_unknown_model_has_no_price(engine):
    engine.ingest(
        [
            ai("a", 0, 10, tin=1000, out=100, cr=5000, cw=200),
            ai("b", 10, 20, tin=10, out=10, costUsd=1.25),
            ai("c", 20, 30, model="my-private-model", tin=10, out=10),
        ]
    )
    d = engine.performance("s", include_events=False)
    expected_a = pricing.price(SONNET, None, 1000, 100, 5000, 200)
    # genai-prices directly: its input_tokens include cache reads and writes
    from genai_prices import Usage, calc_price

    direct = float(
        calc_price(
            Usage(input_tokens=6200, output_tokens=100, cache_read_tokens=5000, cache_write_tokens=200),
            model_ref=SONNET,
        ).total_price
    )
    assert expected_a == pytest.approx(direct)
    rows = {r["eventId"]: r for r in d["tokensByMessage"]}
    assert rows["a"]["cost"] == pytest.approx(expected_a)
    assert rows["b"]["cost"] == 1.25
    assert rows["c"]["cost"] is None
    assert d["totalCost"] == pytest.approx(expected_a + 1.25)
    assert d["costComplete"] is False and d["unpricedModels"] == ["my-private-model"]
    models = {r["model"]: r for r in d["tokensByModel"]}
    assert models["my-private-model"]["cost"] is None and models["my-private-model"]["priced"] is False
    assert models[SONNET]["requests"] == 2


def test_only_unknown_models_cost_is_unknown_not_zero(engine):
    engine.ingest([ai("a", 0, 10, model="mystery-1", tin=10, out=10)])
    assert engine.summary("s")["totalCost"] is None


def test_one_hour_cache_writes_priced_higher():
    five = pricing.price("claude-opus-4-6", None, 0, 0, 0, 1_000_000)
    hour = pricing.price("claude-opus-4-6", None, 0, 0, 0, 1_000_000, 1_000_000)
    assert hour > five > 0


def test_file_resent_as_history_until_compaction(engine):
    engine.ingest(
        [
            ai("r1", 0, 10, tin=100, cr=0),
            read("f", 10, 20, "src/big.py", 1000),
            ai("r2", 20, 30, cw=1100, cr=100),  # carries the file as new input
            ai("r3", 30, 40, cr=1200),  # re-sends it
            ai("r4", 40, 50, cr=1300),  # re-sends it
            ev("compact", "agent", "compaction", 55, 55, {"compaction": True}),
            ai("r5", 60, 70, cr=300),  # after compaction: gone
        ]
    )
    d = engine.performance("s", include_events=False)
    (row,) = d["tokensByFile"]
    assert row["timesRead"] == 1 and row["tokens"] == 1000
    assert row["resentCount"] == 2 and row["resentTokens"] == 2000
    rates = pricing.rates_for(SONNET)
    assert row["resentCost"] == pytest.approx(2000 * rates.cache_read)
    total_input = d["inputTokens"] + d["cacheReadTokens"] + d["cacheWriteTokens"]
    # in context: the first read plus the two re-sends; its share and cost are of exactly those tokens
    assert row["contextTokens"] == 3000
    assert row["shareOfInput"] == row["contextShare"] == round(100 * 3000 / total_input, 1)
    assert row["firstReadCost"] == pytest.approx(1000 * rates.cache_write)  # r2 wrote it to the cache
    assert row["contextCost"] == pytest.approx(1000 * rates.cache_write + 2000 * rates.cache_read)
    assert d["historyTokens"] == total_input - 3000
    label, tooltip = file_hint(row, total_input)
    assert label == f"3,000 tk · {row['contextShare']:.1f}% of input · ${row['contextCost']:.3f}"
    assert "first read: 1,000 tokens in 1 read(s)" in tooltip and "2 later request(s): 2,000 tokens" in tooltip


def test_file_hint_label_formats():
    row = {
        "filePath": "a.py",
        "tokens": 40_000,
        "timesRead": 2,
        "resentCount": 25,
        "resentTokens": 1_000_000,
        "resentCost": 0.5,
        "contextTokens": 1_040_000,
        "contextShare": 8.4,
        "firstReadCost": 0.07,
        "contextCost": 0.57,
    }
    assert file_hint(row, 12_380_952)[0] == "1.04M tk · 8.4% of input · $0.57"
    row.update(contextCost=None, firstReadCost=None)
    assert file_hint(row, 12_380_952)[0] == "1.04M tk · 8.4% of input · cost not recorded"


def test_a_file_read_but_never_sent_says_so(engine):
    """The last read of a session that ended before another request: 0 in context is true,
    but a hint of "0 tk" beside a 746-token read reads as a bug; it says what happened."""
    engine.ingest([ai("a1", 0, 1000, tin=10, out=5, cr=100), read("last", 1000, 1100, "src/app.js", 746)])
    d = engine.performance("s", include_events=False)
    row = next(r for r in d["tokensByFile"] if r["filePath"].endswith("app.js"))
    assert row["tokens"] == 746 and row["contextTokens"] == 0
    label, tooltip = file_hint(row, d["totalInputContext"])
    assert label == "746 tk read · not sent to the model"
    assert "never received" in tooltip and "0 tk" not in label


def test_suggestions_from_the_session_numbers(engine):
    events = [ai("plan", 0, 60_000, tin=2000, out=4500, cr=10_000)]
    # three sequential reads with a short AI round trip between each
    t = 60_000
    for k in range(3):
        events.append(read(f"r{k}", t, t + 1000, f"src/m{k}.py", 300))
        events.append(ai(f"step{k}", t + 1000, t + 3000, out=50, cr=12_000 + k))
        t += 3000
    events.append(read("again", t, t + 500, "src/m0.py", 300))  # unchanged re-read
    events.append(read("huge", t + 500, t + 1500, "data/dump.json", 20_000))
    events.append(ev("ask", "user_input", "AskUserQuestion", t + 1500, t + 61_500))
    engine.ingest(events)
    d = engine.performance("s", include_events=False)
    by_kind = {s["kind"]: s for s in d["suggestions"]}
    assert set(by_kind) >= {
        "batch_reads",
        "incremental_output",
        "reread_file",
        "large_tool_output",
        "user_wait",
        "smaller_model",
    }
    batch = by_kind["batch_reads"]
    # five reads in a row (1 s, 1 s, 1 s, 0.5 s, 1 s): batched they take the longest one,
    # and the three 2 s AI round trips between them disappear
    assert batch["savingMs"] == pytest.approx((1000 + 1000 + 1000 + 500 + 1000) - 1000 + 3 * 2000)
    assert batch["affectedEvents"] == ["r0", "r1", "r2", "again", "huge"]
    inc = by_kind["incremental_output"]
    assert inc["affectedEvents"] == ["plan"] and inc["savingMs"] == pytest.approx(60_000 * (1 - 1500 / 4500))
    rr = by_kind["reread_file"]
    assert rr["affectedEvents"] == ["again"] and rr["savingTokens"] == 300
    assert by_kind["large_tool_output"]["filePaths"] == ["data/dump.json"]
    assert by_kind["user_wait"]["savingMs"] == 60_000
    sm = by_kind["smaller_model"]
    assert sm["suggestedModel"] == "claude-haiku-4-5" and sm["savingUsd"] > 0
    for s in d["suggestions"]:
        assert s["estimatedSaving"] and s["guidance"] and s["id"] == s["kind"]
        assert "-" in s["estimatedSaving"]
    # the session's numbers drive the saving: a longer wait gives a bigger one
    engine.ingest([ev("ask", "user_input", "AskUserQuestion", t + 1500, t + 121_500)])
    d2 = engine.performance("s", include_events=False)
    assert {s["kind"]: s for s in d2["suggestions"]}["user_wait"]["savingMs"] == 120_000


def test_reread_after_write_is_not_wasted(engine):
    engine.ingest(
        [
            read("a", 0, 10, "x.py", 100),
            ev("w", "file_write", "x.py", 20, 30, {"filePath": "x.py"}),
            read("b", 40, 50, "x.py", 100),
        ]
    )
    kinds = {s["kind"] for s in engine.performance("s", include_events=False)["suggestions"]}
    assert "reread_file" not in kinds


def test_a_failed_read_is_neither_a_read_nor_a_re_read(engine):
    """A Read that failed (Claude Code cancels a parallel Read with "Sibling tool call
    errored") put nothing in context: the file table does not count it and a later read of
    the same file is the first real one, not a wasted re-read."""
    failed = {
        "filePath": "x.py",
        "status": "error",
        "error": "<tool_use_error>Sibling tool call errored</tool_use_error>",
    }
    engine.ingest([ev("cancelled", "file_read", "x.py", 0, 1, failed), read("real", 10, 20, "x.py", 100)])
    d = engine.performance("s", include_events=False)
    row = next(r for r in d["tokensByFile"] if r["filePath"] == "x.py")
    assert row["timesRead"] == 1 and row["eventIds"] == ["real"] and row["tokens"] == 100
    assert "reread_file" not in {s["kind"] for s in d["suggestions"]}
    # the same two reads, both ok: the second one is the wasted re-read
    engine.ingest([ev("cancelled", "file_read", "x.py", 0, 1, {"filePath": "x.py", "status": "ok", "fileTokens": 100})])
    rr = {s["kind"]: s for s in engine.performance("s", include_events=False)["suggestions"]}["reread_file"]
    assert rr["affectedEvents"] == ["real"]


def test_re_reads_are_counted_within_one_conversation(engine):
    """A subagent (an agent span a Task call started) begins with an empty conversation: its
    read of a file its caller read before is its first there, so it is no wasted re-read;
    the same file read twice by the main agent, or twice by one subagent, is."""

    def subagent(name, start, end, *reads):
        task = ev(f"task-{name}", "tool_execution", "Task", start, end, {"toolName": "Task"})
        span = ev(f"agent-{name}", "agent", name, start + 1, end - 1, parent=f"task-{name}")
        return [task, span, *(read(r, s, s + 5, "x.py", 100, parent=f"agent-{name}") for r, s in reads)]

    def rereads():
        d = engine.performance("s", include_events=False)
        return {s["kind"]: s for s in d["suggestions"]}.get("reread_file"), d

    # main reads x.py, then its subagent reads x.py: one read in each conversation
    engine.ingest([read("main-1", 0, 10, "x.py", 100), *subagent("helper", 20, 100, ("sub-1", 30))])
    rr, d = rereads()
    row = next(r for r in d["tokensByFile"] if r["filePath"] == "x.py")
    assert row["timesRead"] == 2 and rr is None  # the table counts both; neither is a re-read
    # two subagents each read x.py once: still one read per conversation
    engine.ingest(subagent("other", 110, 200, ("sub2-1", 120)))
    rr, d = rereads()
    assert next(r for r in d["tokensByFile"] if r["filePath"] == "x.py")["timesRead"] == 3 and rr is None
    # the main agent reads x.py again (its subagents' reads in between do not count): a re-read
    engine.ingest([read("main-2", 210, 220, "x.py", 100)])
    rr, _ = rereads()
    assert rr is not None and rr["affectedEvents"] == ["main-2"] and rr["savingTokens"] == 100
    # and a subagent that reads x.py twice re-reads it in its own conversation
    engine.ingest(subagent("third", 230, 300, ("sub3-1", 240), ("sub3-2", 250)))
    rr, _ = rereads()
    assert rr is not None and rr["affectedEvents"] == ["main-2", "sub3-2"] and rr["savingTokens"] == 200


def test_a_read_after_compaction_is_not_wasted(engine):
    """A compaction replaced the history with a summary: the file's content is gone from the
    conversation, so reading it again afterwards is needed, not a re-read to cut."""
    engine.ingest(
        [
            read("a", 0, 10, "x.py", 100),
            ev("compact", "agent", "compaction", 20, 20, {"compaction": True}),
            read("b", 40, 50, "x.py", 100),
        ]
    )
    kinds = {s["kind"] for s in engine.performance("s", include_events=False)["suggestions"]}
    assert "reread_file" not in kinds
    engine.ingest([read("c", 60, 70, "x.py", 100)])  # read again with no compaction since: wasted
    rr = {s["kind"]: s for s in engine.performance("s", include_events=False)["suggestions"]}["reread_file"]
    assert rr["affectedEvents"] == ["c"]


def test_slowest_operations_ranked_with_hints(engine):
    engine.ingest(
        [
            ai("big", 0, 50_000, out=5000),
            ev("sh", "tool_execution", "Bash", 50_000, 80_000, {"toolName": "Bash"}),
            read("r", 80_000, 80_100, "a.py", 10),
        ]
    )
    ops = engine.performance("s", include_events=False)["slowestOperations"]
    assert [(o["rank"], o["event"]["id"]) for o in ops] == [(1, "big"), (2, "sh"), (3, "r")]
    assert "Large output: 5,000 tokens" in ops[0]["suggestion"]
    assert "command" in ops[1]["suggestion"]


def test_code_lenses_slowest_first_and_capped_per_file(engine):
    from sessionprof_ls.editor import LENSES_PER_FILE, EditorIndex

    calls = []
    for k in range(LENSES_PER_FILE + 10):
        start = k * 100_000
        md = {"toolName": "Bash", "filePath": "/ws/build.sh", "startLine": 3}
        calls.append(ev(f"b{k}", "tool_execution", "Bash", start, start + 6000 + k * 10, md))
    engine.ingest(calls)
    index = EditorIndex.build(engine.analysis("s"), ["/ws"])
    lenses = index.lookup("/ws/build.sh").lenses
    assert len(lenses) == LENSES_PER_FILE
    # the slowest ones are kept: the last calls are the longest
    assert {lz.event_id for lz in lenses} == {f"b{k}" for k in range(10, LENSES_PER_FILE + 10)}
    assert all(lz.line == 2 for lz in lenses)
