"""Claude Code importer pitfalls, each with a small transcript shaped like real ones."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sessionprof_ls.importers import find_transcripts, import_file

SID = "11111111-2222-3333-4444-555555555555"
CWD = "/home/u/proj"
START = datetime(2025, 10, 10, 10, 0, 0)
HAIKU = "claude-haiku-4-5-20251001"


def at(seconds: float) -> str:
    """The timestamp `seconds` after START as Claude Code writes it (`...T10:00:01.050Z`)."""
    return (START + timedelta(seconds=seconds)).isoformat(timespec="milliseconds") + "Z"


def _base(uuid, ts, parent=None, **kw):
    d = {
        "parentUuid": parent,
        "isSidechain": False,
        "userType": "external",
        "cwd": CWD,
        "sessionId": SID,
        "version": "2.1.38",
        "uuid": uuid,
        "timestamp": ts,
    }
    d.update(kw)
    return d


def usage(inp, out, cache_write, cache_read):
    """An Anthropic `usage` object."""
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
    }


def message(mid, blocks, tokens=None, model="claude-sonnet-4-5-20250929"):
    """An assistant API message (the `message` of an assistant line or of an agent_progress)."""
    tokens = tokens or usage(3, 5, 100, 1000)
    return {"model": model, "id": mid, "type": "message", "role": "assistant", "content": blocks, "usage": tokens}


def prompt(uuid, ts, text):
    return _base(uuid, ts, type="user", message={"role": "user", "content": text})


def assistant(uuid, ts, mid, req, blocks, tokens=None, model="claude-sonnet-4-5-20250929", **kw):
    return _base(uuid, ts, type="assistant", message=message(mid, blocks, tokens, model), requestId=req, **kw)


def text(t):
    return [{"type": "text", "text": t}]


def tool_use(tid, name, **inp):
    return {"type": "tool_use", "id": tid, "name": name, "input": inp}


def tool_result(uuid, ts, tid, content="ok", tur=None, is_error=False, **kw):
    block = {"tool_use_id": tid, "type": "tool_result", "content": content}
    if is_error:
        block["is_error"] = True
    d = _base(uuid, ts, type="user", message={"role": "user", "content": [block]}, **kw)
    if tur is not None:
        d["toolUseResult"] = tur
    return d


def call(n, ts, done, use, content="ok", tur=None, **kw):
    """One tool call (`use`, a tool_use block) as its two lines: the assistant's (line a{n},
    message m{n}, request r{n}) and, at `done`, the user line with its result (u{n})."""
    return [
        assistant(f"a{n}", ts, f"m{n}", f"r{n}", [use]),
        tool_result(f"u{n}", done, use["id"], content, tur, **kw),
    ]


def write(path: Path, lines) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def session_file(tmp_path: Path, *records) -> Path:
    """The main transcript `SID.jsonl` in tmp_path holding `records`."""
    return write(tmp_path / f"{SID}.jsonl", records)


def by_id(events):
    return {e["id"]: e for e in events}


def test_split_response_is_deduplicated_keeping_largest_usage(tmp_path):
    u1, u2, u3 = usage(3, 1, 500, 9000), usage(3, 7, 500, 9000), usage(3, 42, 500, 9000)
    synthetic = {"input_tokens": 0, "output_tokens": 0}
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "fix the login bug"),
        assistant("a1", at(2), "msg_A", "req_A", [{"type": "thinking", "thinking": "hm"}], u1),
        assistant("a2", at(3), "msg_A", "req_A", text("Looking."), u2),
        assistant("a3", at(4.5), "msg_A", "req_A", [tool_use("t1", "Bash", command="ls")], u3),
        assistant("a4", at(6), "msg_A", "req_B", text("again"), u1),
        assistant("a5", at(7), "msg_S", "req_S", text("No response requested."), synthetic, model="<synthetic>"),
    )
    res = import_file(f)
    resp = [e for e in res.events if e["type"] == "ai_response"]
    assert len(resp) == 2
    a = by_id(res.events)["resp:msg_A:req_A"]
    assert a["metadata"]["tokens"] == {"input": 3, "output": 42, "cacheRead": 9000, "cacheWrite": 500}
    # starts at the line that triggered the request (the prompt), ends at its last line
    assert a["startTime"] == by_id(res.events)["prompt:p1"]["startTime"]
    assert a["endTime"] - a["startTime"] == 4500
    assert a["metadata"]["text"] == "Looking."
    assert a["name"] == "Response #1" and a["parentId"] == "turn:p1"
    turn = by_id(res.events)["turn:p1"]
    assert turn["type"] == "agent" and turn["name"] == "Turn 1: fix the login bug"
    assert turn["metadata"]["sessionTitle"] == "fix the login bug"
    assert turn["metadata"]["source"] == "claude-code" and turn["metadata"]["workspace"] == CWD
    assert not any(e["metadata"].get("model") == "<synthetic>" for e in res.events if "metadata" in e)


def test_tool_duration_prefers_measured_and_splits_permission_wait(tmp_path):
    searched = {"query": "otel genai", "results": [], "durationSeconds": 2.5}
    globbed = {"filenames": ["a.py"], "durationMs": 175, "numFiles": 1}
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "search"),
        *call(1, at(1), at(21), tool_use("t1", "WebSearch", query="otel genai"), "results", searched),
        *call(2, at(22), at(22.4), tool_use("t2", "Glob", pattern="*.py"), "a.py", globbed),
    )
    ev = by_id(import_file(f).events)
    t1 = ev["tool:t1"]
    assert t1["type"] == "tool_execution" and t1["endTime"] - t1["startTime"] == 2500
    wait = ev["wait:t1"]
    assert wait["type"] == "user_input" and wait["endTime"] - wait["startTime"] == 17500
    net = ev["tool:t1:io"]
    assert net["type"] == "network_request" and net["parentId"] == "tool:t1"
    # small gap: no wait span, the wall time is kept
    assert "wait:t2" not in ev
    assert ev["tool:t2"]["endTime"] - ev["tool:t2"]["startTime"] == 400


def test_waiting_on_the_user_is_user_input_not_tool_time(tmp_path):
    ask = tool_use("t1", "AskUserQuestion", questions=[{"question": "Which?"}])
    edit = tool_use("t2", "Edit", file_path="/x.py", old_string="a", new_string="b")
    rejected = "The user doesn't want to proceed with this tool use. The tool use was rejected"
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "plan it"),
        *call(1, at(1), at(121), ask, "User has answered", {"questions": [], "answers": {"Which?": "A"}}),
        *call(2, at(122), at(150), edit, rejected, "User rejected tool use", is_error=True),
    )
    ev = by_id(import_file(f).events)
    assert ev["tool:t1"]["type"] == "user_input"
    assert ev["tool:t1"]["endTime"] - ev["tool:t1"]["startTime"] == 120_000
    assert ev["tool:t2"]["type"] == "user_input" and ev["tool:t2"]["name"] == "Permission denied: Edit"
    assert not [e for e in ev.values() if e["type"] == "tool_execution"]


def test_file_read_write_and_fetch_children(tmp_path):
    content = "line\n" * 30
    read = {"filePath": "/p/app.py", "content": content, "numLines": 30, "startLine": 11, "totalLines": 90}
    patch = [{"oldStart": 40, "oldLines": 3, "newStart": 40, "newLines": 4, "lines": []}]
    edited = {"filePath": "/p/app.py", "oldString": "a", "newString": "b", "structuredPatch": patch}
    created = {"type": "create", "filePath": "/p/new.md", "content": "# hi\n", "structuredPatch": []}
    reading = tool_use("t1", "Read", file_path="/p/app.py", offset=11, limit=30)
    editing = tool_use("t2", "Edit", file_path="/p/app.py", old_string="a", new_string="b")
    url = "https://example.com/x"
    fetched = {"bytes": 100, "code": 200, "codeText": "OK", "result": "x", "durationMs": 4990, "url": url}
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "edit"),
        *call(1, at(1), at(1.05), reading, "    11→line\n" * 30, {"type": "text", "file": read}),
        *call(2, at(2), at(2.1), editing, "updated", edited),
        *call(3, at(3), at(3.1), tool_use("t3", "Write", file_path="/p/new.md", content="# hi\n"), "created", created),
        *call(4, at(4), at(9), tool_use("t4", "WebFetch", url=url, prompt="?"), "page", fetched),
    )
    ev = by_id(import_file(f).events)
    r = ev["tool:t1:io"]
    assert r["type"] == "file_read" and r["parentId"] == "tool:t1"
    m = r["metadata"]
    assert (m["filePath"], m["startLine"], m["endLine"], m["fileSize"]) == ("/p/app.py", 11, 40, len(content))
    assert m["fileTokens"] > 0
    w = ev["tool:t2:io"]
    assert w["type"] == "file_write" and w["metadata"]["startLine"] == 40 and w["metadata"]["endLine"] == 43
    assert ev["tool:t2"]["metadata"]["filePath"] == "/p/app.py" and ev["tool:t2"]["metadata"]["startLine"] == 40
    assert ev["tool:t3:io"]["type"] == "file_write" and ev["tool:t3:io"]["metadata"]["fileSize"] == 5
    n = ev["tool:t4:io"]
    assert n["type"] == "network_request" and n["metadata"]["url"] == "https://example.com/x"


def test_compaction_boundary_is_kept(tmp_path):
    continued = {"role": "user", "content": "This session is being continued from a previous conversation"}
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "hello"),
        _base(
            "c1",
            at(60),
            type="system",
            subtype="compact_boundary",
            content="Conversation compacted",
            compactMetadata={"trigger": "auto", "preTokens": 155000},
        ),
        _base("s1", at(60), type="user", isCompactSummary=True, message=continued),
        prompt("p2", at(120), "go on"),
    )
    events = import_file(f).events
    marks = [e for e in events if e.get("metadata", {}).get("compaction")]
    assert len(marks) == 1 and marks[0]["metadata"]["preTokens"] == 155000
    turns = [e for e in events if e["id"].startswith("turn:")]
    assert [t["name"] for t in turns] == ["Turn 1: hello", "Turn 2: go on"]


def _task_session(tmp_path, with_progress=True):
    task = tool_use("task1", "Task", description="d", prompt="count files")
    finished = {
        "status": "completed",
        "prompt": "count files",
        "agentId": "ab12",
        "content": [],
        "totalDurationMs": 7900,
        "totalTokens": 100,
        "totalToolUseCount": 1,
        "usage": {},
    }
    asked, answered = call(1, at(1), at(9), task, text("42"), finished)
    lines = [prompt("p1", at(0), "ask a helper"), asked]
    if with_progress:
        streamed = message("ms1", [tool_use("st1", "Bash", command="ls | wc -l")], usage(2, 3, 10, 20), HAIKU)
        inner = {"type": "assistant", "timestamp": at(3), "requestId": "rs1", "uuid": "x1", "message": streamed}
        progress = {
            "message": inner,
            "normalizedMessages": [],
            "type": "agent_progress",
            "prompt": "count files",
            "agentId": "ab12",
        }
        lines.append(
            _base("g1", at(3.001), type="progress", parentToolUseID="task1", toolUseID="agent_msg_1", data=progress)
        )
    lines += [answered, assistant("a2", at(10), "m2", "r2", text("42 files"))]
    return write(tmp_path / "proj" / f"{SID}.jsonl", lines)


def _subagent_lines():
    lines = [
        prompt("s0", at(1.1), "count files"),
        assistant(
            "s1", at(3), "ms1", "rs1", [tool_use("st1", "Bash", command="ls | wc -l")], usage(2, 30, 10, 20), HAIKU
        ),
        tool_result("s2", at(4), "st1", "42", {"stdout": "42", "stderr": "", "interrupted": False}),
        assistant("s3", at(8), "ms2", "rs2", text("42"), model=HAIKU),
    ]
    return [dict(d, isSidechain=True, agentId="ab12") for d in lines]


def test_subagent_file_nested_under_its_task_call(tmp_path):
    main = _task_session(tmp_path)
    write(tmp_path / "proj" / SID / "subagents" / "agent-ab12.jsonl", _subagent_lines())
    assert find_transcripts([tmp_path]) == [main]  # the subagent file is read through its main file
    res = import_file(main)
    ev = by_id(res.events)
    agent = ev["agent:ab12"]
    assert agent["type"] == "agent" and agent["parentId"] == "tool:task1"
    assert ev["resp:ms1:rs1"]["parentId"] == "agent:ab12"
    # complete usage from the subagent file, not the streamed agent_progress copy
    assert ev["resp:ms1:rs1"]["metadata"]["tokens"]["output"] == 30
    assert ev["tool:st1"]["parentId"] == "agent:ab12"
    # measured 7.9 s vs 8 s on the wall: too close to be a wait, the wall time stays
    assert ev["tool:task1"]["endTime"] - ev["tool:task1"]["startTime"] == 8000
    assert "wait:task1" not in ev
    total_out = sum(
        e["metadata"]["tokens"]["output"]
        for e in res.events
        if e["type"] == "ai_response" and e["metadata"].get("tokens")
    )
    assert total_out == 5 + 30 + 5 + 5


def test_agent_progress_without_subagent_file_gives_structure_without_tokens(tmp_path):
    main = _task_session(tmp_path)
    ev = by_id(import_file(main).events)
    assert ev["agent:ab12"]["parentId"] == "tool:task1"
    assert ev["resp:ms1:rs1"]["parentId"] == "agent:ab12"
    assert "tokens" not in ev["resp:ms1:rs1"]["metadata"]
    assert ev["tool:st1"]["parentId"] == "agent:ab12"


def test_inline_sidechain_nested_under_task(tmp_path):
    finished = {"status": "completed", "prompt": "How are you?", "content": [], "totalDurationMs": 3100}
    asked, answered = call(
        1, at(1), at(4.2), tool_use("task1", "Task", description="d", prompt="How are you?"), text("fine"), finished
    )
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "ask a subagent"),
        asked,
        dict(prompt("sc1", at(1.2), "How are you?"), isSidechain=True),
        dict(assistant("sc2", at(4), "ms", "rs", text("fine"), parent="sc1"), isSidechain=True, parentUuid="sc1"),
        answered,
    )
    ev = by_id(import_file(f).events)
    agent = ev["agent:sc-sc1"]
    assert agent["parentId"] == "tool:task1"
    assert ev["resp:ms:rs"]["parentId"] == "agent:sc-sc1"
    assert ev["resp:ms:rs"]["startTime"] == agent["startTime"]


def test_malformed_lines_reported_with_file_and_line_and_skipped(tmp_path):
    f = session_file(
        tmp_path,
        prompt("p1", at(0), "hi"),
        '{"type": "assistant", "message": {"id": ',
        "[1, 2]",
        json.dumps(
            {"type": "assistant", "sessionId": SID, "message": "not an object", "timestamp": "2025-10-10T10:00:01Z"}
        ),
        assistant("a1", at(2), "m1", "r1", text("hello")),
    )
    res = import_file(f)
    assert len(res.errors) == 3
    assert res.errors[0].startswith(f"{f}:2: invalid JSON")
    assert res.errors[1].startswith(f"{f}:3: expected a JSON object")
    assert res.errors[2].startswith(f"{f}:4: ")
    assert "resp:m1:r1" in by_id(res.events)


def test_summary_line_titles_the_session(tmp_path):
    f = session_file(
        tmp_path,
        {"type": "summary", "summary": "Login bug fix", "leafUuid": "zz"},
        prompt("p1", at(0), "fix the login bug please"),
    )
    ev = by_id(import_file(f).events)
    assert ev["turn:p1"]["metadata"]["sessionTitle"] == "Login bug fix"
    assert ev["prompt:p1"]["type"] == "user_input" and ev["prompt:p1"]["metadata"]["text"] == "fix the login bug please"
