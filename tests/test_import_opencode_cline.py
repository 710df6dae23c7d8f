"""OpenCode (SQLite and the older JSON storage) and Cline / Roo Code tasks: totals equal
sums computed here from the raw rows, the agent's own cost kept, the event tree of
Claude Code's importer, bad rows by table:rowid or [index], the database read while
another process writes to it, and rewritten task files read incrementally."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sp_fixtures import FIXTURES, check_tree, token_sums

from sessionprof_ls.importers import detect_format, find_transcripts, import_file

OPENCODE = FIXTURES / "opencode"
CLINE = FIXTURES / "cline"
CLINE_TASK = CLINE / "saoudrizwan.claude-dev" / "tasks" / "1775100000000" / "ui_messages.json"
ROO_TASK = next((CLINE / "rooveterinaryinc.roo-cline" / "tasks").glob("*/ui_messages.json"))


def _sum(events):
    events = list(events)
    return token_sums(events)[0], sum(((e.get("metadata") or {}).get("costUsd") or 0.0 for e in events), 0.0)


def _raw_db_sums(db: Path):
    """Straight from the rows, with SQLite's own JSON functions."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    row = con.execute(
        "SELECT sum(json_extract(data, '$.tokens.input')), sum(json_extract(data, '$.tokens.output')"
        " + json_extract(data, '$.tokens.reasoning')), sum(json_extract(data, '$.tokens.cache.read')),"
        " sum(json_extract(data, '$.tokens.cache.write')), sum(json_extract(data, '$.cost')) FROM message"
        " WHERE json_extract(data, '$.role') = 'assistant'"
    ).fetchone()
    con.close()
    return {"input": row[0], "output": row[1], "cacheRead": row[2], "cacheWrite": row[3]}, row[4]


def _imported_as_raw(path: Path, fmt: str, source: str, raw_sums) -> list[dict]:
    """`path` detected as `fmt` and imported without an error: its totals and the agent's cost
    equal `raw_sums(path)`, one tree of `source`; returns the events."""
    assert detect_format(path) == fmt
    res = import_file(path)
    assert res.errors == []
    tot, cost = _sum(res.events)
    raw, raw_cost = raw_sums(path)
    assert tot == raw and cost == pytest.approx(raw_cost)
    check_tree(res.events, source)
    return res.events


def test_opencode_database_totals_equal_the_raw_rows():
    events = _imported_as_raw(OPENCODE / "opencode.db", "opencode", "opencode", _raw_db_sums)
    sessions = {e["sessionId"] for e in events}
    assert sessions == {"ses_3f1a9c2e7ffeM0dQm1a2b3c4d5", "ses_3f1a9c2e7ffeM0dQm1a2b3c4d7"}  # the subagent's folded in
    sub = next(e for e in events if e["name"].startswith("Subagent:"))
    task = next(e for e in events if e["id"] == sub["parentId"])
    assert task["name"] == "task" and task["startTime"] <= sub["startTime"] and sub["endTime"] <= task["endTime"]
    tools = [e for e in events if e["type"] == "tool_execution"]
    assert all("timing" not in t["metadata"] for t in tools)  # OpenCode records each tool's start and end
    bash = next(t for t in tools if t["name"] == "bash")
    assert bash["metadata"]["status"] == "error" and bash["endTime"] - bash["startTime"] == 6500
    assert {e["metadata"]["filePath"] for e in events if e["type"] == "file_read"} == {"/home/dev/shop/src/cart.py"}
    assert len([e for e in events if e["type"] == "file_write"]) == 2


def test_opencode_costs_beside_ours_and_unknown_model_unpriced(tmp_path):
    from sessionprof_ls.engine import Engine

    engine = Engine(tmp_path / "s.db")
    res = import_file(OPENCODE / "opencode.db")
    ingest = engine.ingest(res.events)
    assert ingest["rejected"] == []
    main = engine.summary("ses_3f1a9c2e7ffeM0dQm1a2b3c4d5")
    raw, _ = _raw_db_sums(OPENCODE / "opencode.db")
    assert main["source"] == "opencode" and main["totalCost"] == pytest.approx(
        0.059_91 + 0.022_5 + 0.008_9 * 2 + 0.009_1 + 0.012_77 + 0.001_8
    )
    free = engine.summary("ses_3f1a9c2e7ffeM0dQm1a2b3c4d7")  # opencode/big-pickle: no price anywhere, cost 0 reported
    assert free["totalCost"] is None and free["unpricedModels"] == ["big-pickle"]
    assert main["inputTokens"] + free["inputTokens"] == raw["input"]


def test_opencode_older_json_storage():
    (session_file,) = (OPENCODE / "storage" / "session").glob("*/*.json")
    assert detect_format(session_file) == "opencode"
    res = import_file(session_file)
    assert res.errors == []
    tot, cost = _sum(res.events)
    raw = {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}
    raw_cost = 0.0
    for f in (OPENCODE / "storage" / "message").rglob("*.json"):
        m = json.loads(f.read_text())
        if m["role"] == "assistant":
            t = m["tokens"]
            raw["input"] += t["input"]
            raw["output"] += t["output"] + t["reasoning"]
            raw["cacheRead"] += t["cache"]["read"]
            raw["cacheWrite"] += t["cache"]["write"]
            raw_cost += m["cost"]
    assert tot == raw and cost == pytest.approx(raw_cost)
    check_tree(res.events, "opencode")
    assert import_file(session_file, res.cursor).events == []  # nothing changed


def test_opencode_bad_row_reported_by_table_and_rowid(tmp_path):
    db = tmp_path / "opencode.db"
    shutil.copy(OPENCODE / "opencode.db", db)
    con = sqlite3.connect(db)
    (rowid,) = con.execute("SELECT rowid FROM message WHERE id = 'msg_c0e6d51f1004'").fetchone()
    con.execute("UPDATE message SET data = '{not json' WHERE rowid = ?", (rowid,))
    con.commit()
    con.close()
    res = import_file(db)
    assert any(e.startswith(f"{db}: message:{rowid}: invalid JSON") for e in res.errors)
    tot, _ = _sum(res.events)
    raw, _ = _raw_db_sums(OPENCODE / "opencode.db")
    assert tot["input"] == raw["input"] - 6 and tot["output"] == raw["output"] - 120  # the rest is all there


WRITER = r"""
import json, sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db, timeout=0)  # no waiting: a reader holding a lock would fail a write here
con.execute("PRAGMA journal_mode = WAL")
fails = 0
for i in range(n):
    now = 1_776_000_000_000 + i * 1000
    uid, aid = f"msg_live{i:05d}u", f"msg_live{i:05d}a"
    model = {"providerID": "anthropic", "modelID": "claude-sonnet-4-5"}
    user = {"role": "user", "time": {"created": now}, "agent": "build", "model": model}
    asst = {"role": "assistant", "time": {"created": now + 1, "completed": now + 900}, "parentID": uid,
            "modelID": "claude-sonnet-4-5", "providerID": "anthropic", "mode": "build", "agent": "build",
            "path": {"cwd": "/w", "root": "/w"}, "cost": 0.001,
            "tokens": {"input": 10 + i, "output": 20, "reasoning": 1, "cache": {"read": 100, "write": 5}}}
    try:
        with con:
            con.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", (uid, "ses_live", now, now, json.dumps(user)))
            text = json.dumps({"type": "text", "text": f"prompt {i}"})
            con.execute("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)", (uid + "p", uid, "ses_live", now, now, text))
            asst_row = (aid, "ses_live", now + 1, now + 900, json.dumps(asst))
            con.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", asst_row)
    except sqlite3.OperationalError:
        fails += 1
    time.sleep(0.004)
print(fails)
"""


def test_opencode_database_read_while_another_process_writes(tmp_path):
    db = tmp_path / "opencode.db"
    shutil.copy(OPENCODE / "opencode.db", db)
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated)"
        " VALUES ('ses_live', 'p', 'live', '/w', 'Live session', '1.2.21', 0, 0)"
    )
    con.commit()
    con.close()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "400"], stdout=subprocess.PIPE, text=True)
    cursor, got, reads = None, {}, 0
    try:
        while writer.poll() is None:
            res = import_file(db, json.loads(json.dumps(cursor)) if cursor else None)
            assert all("busy" in e for e in res.errors), res.errors
            got.update({e["id"]: e for e in res.events})
            cursor = res.cursor
            reads += 1
        out, _ = writer.communicate(timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert int(out.strip()) == 0  # the writer never waited on us: reads take no write lock
    res = import_file(db, cursor)
    got.update({e["id"]: e for e in res.events})
    assert reads > 3
    tot, cost = _sum(got.values())
    raw, raw_cost = _raw_db_sums(db)
    assert tot == raw and cost == pytest.approx(raw_cost)
    assert len([e for e in got.values() if e["sessionId"] == "ses_live" and e["type"] == "agent"]) == 400


def _raw_cline(path: Path):
    tot = {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}
    cost = 0.0
    for m in json.loads(path.read_text()):
        if m.get("say") in ("api_req_started", "deleted_api_reqs"):
            info = json.loads(m["text"])
            cr, cw = info.get("cacheReads", 0), info.get("cacheWrites", 0)
            tin = info.get("tokensIn", 0)
            tot["input"] += tin - cr - cw if info.get("apiProtocol") == "openai" else tin
            tot["output"] += info.get("tokensOut", 0)
            tot["cacheRead"] += cr
            tot["cacheWrite"] += cw
            cost += info.get("cost", 0)
    return tot, cost


@pytest.mark.parametrize("path, source", [(CLINE_TASK, "cline"), (ROO_TASK, "roo-code")], ids=["cline", "roo"])
def test_cline_and_roo_totals_equal_the_raw_messages(path, source):
    events = _imported_as_raw(path, "cline", source, _raw_cline)
    assert {e["sessionId"] for e in events} == {path.parent.name}


def test_cline_timing_waits_and_files():
    res = import_file(CLINE_TASK)
    ev = {e["id"]: e for e in res.events}
    approval = [e for e in res.events if e["name"] == "Approval: execute_command"]
    assert len(approval) == 1 and approval[0]["endTime"] - approval[0]["startTime"] == 7000  # ask → first output
    question = next(e for e in res.events if e["name"] == "Question to the user")
    assert question["type"] == "user_input" and question["endTime"] - question["startTime"] == 34_000
    turns = [e for e in res.events if e["type"] == "agent"]
    assert len(turns) == 2 and turns[0]["metadata"]["workspace"] == "/home/dev/shop"
    edit = next(e for e in res.events if e["type"] == "file_write")
    assert edit["metadata"]["filePath"] == "src/cart.py" and edit["metadata"]["startLine"] == 2
    assert ev[edit["parentId"]]["metadata"]["timing"] == "inferred"
    assert ev[edit["parentId"]]["metadata"]["includesApproval"] is True


def test_cline_bad_entry_and_rewrites_send_only_what_changed(tmp_path):
    msgs = json.loads(CLINE_TASK.read_text())
    d = tmp_path / "saoudrizwan.claude-dev" / "tasks" / "1775100000000"
    d.mkdir(parents=True)
    f = d / "ui_messages.json"
    f.write_text(json.dumps(msgs[:12]))
    first = import_file(f)
    f.write_text(json.dumps(msgs[:12] + [42] + msgs[12:]))
    second = import_file(f, json.loads(json.dumps(first.cursor)))
    assert second.errors == [f"{f}: [12]: expected a message object, got int"]
    assert 0 < len(second.events) < len(import_file(CLINE_TASK).events)
    got = {e["id"]: e for e in first.events}
    got.update({e["id"]: e for e in second.events})
    whole = {e["id"]: e for e in import_file(CLINE_TASK).events}
    assert set(got) == set(whole) and _sum(got.values()) == _sum(whole.values())
    for eid, e in whole.items():
        if e["type"] != "agent":  # the turn's workspace: this copy has no task history beside it
            assert (got[eid]["startTime"], got[eid].get("endTime")) == (e["startTime"], e.get("endTime")), eid


def test_find_transcripts_takes_only_the_task_and_session_files():
    found = find_transcripts([OPENCODE, CLINE])
    names = sorted(p.name for p in found)
    assert names == ["opencode.db", "ses_3f1a9c2e7ffeM0dQm1a2b3c4d5.json", "ui_messages.json", "ui_messages.json"]


def test_engine_accepts_every_event(tmp_path):
    from sessionprof_ls.engine import Engine

    engine = Engine(tmp_path / "s.db")
    for f in find_transcripts([OPENCODE, CLINE]):
        res = import_file(f)
        assert engine.ingest(res.events)["rejected"] == []
    rows = {s["sessionId"]: s for s in engine.sessions()}
    assert {r["source"] for r in rows.values()} == {"opencode", "cline", "roo-code"}


def test_fixtures_are_what_the_generators_write(tmp_path):
    """The committed fixtures are reproducible from their generators (the README's sources)."""
    for folder in (OPENCODE, CLINE):
        copy = tmp_path / folder.name
        shutil.copytree(folder, copy)
        subprocess.run([sys.executable, str(copy / "make_fixture.py")], check=True, cwd=copy)
        for f in folder.rglob("*"):
            if f.is_file() and f.suffix == ".json":
                assert json.loads(f.read_text()) == json.loads((copy / f.relative_to(folder)).read_text()), f
    a, b = _raw_db_sums(OPENCODE / "opencode.db"), _raw_db_sums(tmp_path / "opencode" / "opencode.db")
    assert a == b


def test_the_agents_cost_is_kept_beside_ours(tmp_path):
    """Cline reports a cost per request: the summary keeps it (agentCost, which totalCost
    uses) and genai-prices' price of the same requests (pricedCost); costDiffers says
    when a client must show both."""
    from genai_prices import Usage, calc_price

    from sessionprof_ls.engine import Engine

    engine = Engine(tmp_path / "s.db")
    res = import_file(CLINE_TASK)
    engine.ingest(res.events)
    s = engine.summary("1775100000000")
    raw_tokens, raw_cost = _raw_cline(CLINE_TASK)
    ours = 0.0
    for e in res.events:
        m = e.get("metadata") or {}
        t = m.get("tokens")
        if t:
            usage = Usage(
                input_tokens=t["input"] + t["cacheRead"] + t["cacheWrite"],
                output_tokens=t["output"],
                cache_read_tokens=t["cacheRead"],
                cache_write_tokens=t["cacheWrite"],
            )
            ours += float(calc_price(usage, model_ref=m["model"]).total_price)
    assert s["agentCost"] == pytest.approx(raw_cost) and s["totalCost"] == pytest.approx(raw_cost)
    assert s["pricedCost"] == pytest.approx(ours, rel=1e-6)
    assert s["costDiffers"] == (abs(raw_cost - ours) > max(0.01 * max(raw_cost, ours), 0.001))
    claude = Engine(tmp_path / "c.db")
    (sid,) = claude.ingest(import_file(FIXTURES / "claude-code" / "agentlogs-crud.jsonl").events)["sessions"]
    c = claude.summary(sid)
    assert (c["agentCost"], c["pricedCost"], c["costDiffers"]) == (None, None, False)  # no agent cost: ours alone


def test_opencode_storage_bad_file_reported_and_the_rest_imported(tmp_path):
    storage = tmp_path / "storage"
    shutil.copytree(OPENCODE / "storage", storage)
    bad = next((storage / "part" / "msg_c0e6d51f1003").glob("*.json"))
    bad.write_text("{truncated")
    (session_file,) = (storage / "session").glob("*/*.json")
    res = import_file(session_file)
    assert res.errors and res.errors[0].startswith(f"{bad}: invalid JSON")
    whole = import_file(next((OPENCODE / "storage" / "session").glob("*/*.json")))
    assert _sum(res.events) == _sum(whole.events)  # tokens live on the message: nothing lost
