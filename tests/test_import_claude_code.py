"""Claude Code importer pitfalls, each with a small transcript shaped like real ones."""

from __future__ import annotations

import json
from pathlib import Path

from sessionprof_ls.importers import find_transcripts, import_file

SID = "11111111-2222-3333-4444-555555555555"
CWD = "/home/u/proj"


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


def prompt(uuid, ts, text):
    return _base(uuid, ts, type="user", message={"role": "user", "content": text})


def assistant(uuid, ts, mid, req, blocks, usage=None, model="claude-sonnet-4-5-20250929", **kw):
    usage = usage or {
        "input_tokens": 3,
        "output_tokens": 5,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 1000,
    }
    msg = {"model": model, "id": mid, "type": "message", "role": "assistant", "content": blocks, "usage": usage}
    return _base(uuid, ts, type="assistant", message=msg, requestId=req, **kw)


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
    u1 = {"input_tokens": 3, "output_tokens": 1, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 9000}
    u2 = {"input_tokens": 3, "output_tokens": 7, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 9000}
    u3 = {"input_tokens": 3, "output_tokens": 42, "cache_creation_input_tokens": 500, "cache_read_input_tokens": 9000}
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "fix the login bug"),
        assistant("a1", "2025-10-10T10:00:02.000Z", "msg_A", "req_A", [{"type": "thinking", "thinking": "hm"}], u1),
        assistant("a2", "2025-10-10T10:00:03.000Z", "msg_A", "req_A", [{"type": "text", "text": "Looking."}], u2),
        assistant("a3", "2025-10-10T10:00:04.500Z", "msg_A", "req_A", [tool_use("t1", "Bash", command="ls")], u3),
        assistant("a4", "2025-10-10T10:00:06.000Z", "msg_A", "req_B", [{"type": "text", "text": "again"}], u1),
        assistant(
            "a5",
            "2025-10-10T10:00:07.000Z",
            "msg_S",
            "req_S",
            [{"type": "text", "text": "No response requested."}],
            {"input_tokens": 0, "output_tokens": 0},
            model="<synthetic>",
        ),
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
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "search"),
        assistant("a1", "2025-10-10T10:00:01.000Z", "m1", "r1", [tool_use("t1", "WebSearch", query="otel genai")]),
        tool_result(
            "u1",
            "2025-10-10T10:00:21.000Z",
            "t1",
            "results",
            {"query": "otel genai", "results": [], "durationSeconds": 2.5},
        ),
        assistant("a2", "2025-10-10T10:00:22.000Z", "m2", "r2", [tool_use("t2", "Glob", pattern="*.py")]),
        tool_result(
            "u2",
            "2025-10-10T10:00:22.400Z",
            "t2",
            "a.py",
            {"filenames": ["a.py"], "durationMs": 175, "numFiles": 1},
        ),
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
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "plan it"),
        assistant(
            "a1",
            "2025-10-10T10:00:01.000Z",
            "m1",
            "r1",
            [tool_use("t1", "AskUserQuestion", questions=[{"question": "Which?"}])],
        ),
        tool_result(
            "u1",
            "2025-10-10T10:02:01.000Z",
            "t1",
            "User has answered",
            {"questions": [], "answers": {"Which?": "A"}},
        ),
        assistant(
            "a2",
            "2025-10-10T10:02:02.000Z",
            "m2",
            "r2",
            [tool_use("t2", "Edit", file_path="/x.py", old_string="a", new_string="b")],
        ),
        tool_result(
            "u2",
            "2025-10-10T10:02:30.000Z",
            "t2",
            "The user doesn't want to proceed with this tool use. The tool use was rejected",
            "User rejected tool use",
            is_error=True,
        ),
    )
    ev = by_id(import_file(f).events)
    assert ev["tool:t1"]["type"] == "user_input"
    assert ev["tool:t1"]["endTime"] - ev["tool:t1"]["startTime"] == 120_000
    assert ev["tool:t2"]["type"] == "user_input" and ev["tool:t2"]["name"] == "Permission denied: Edit"
    assert not [e for e in ev.values() if e["type"] == "tool_execution"]


def test_file_read_write_and_fetch_children(tmp_path):
    content = "line\n" * 30
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "edit"),
        assistant(
            "a1",
            "2025-10-10T10:00:01.000Z",
            "m1",
            "r1",
            [tool_use("t1", "Read", file_path="/p/app.py", offset=11, limit=30)],
        ),
        tool_result(
            "u1",
            "2025-10-10T10:00:01.050Z",
            "t1",
            "    11→line\n" * 30,
            {
                "type": "text",
                "file": {
                    "filePath": "/p/app.py",
                    "content": content,
                    "numLines": 30,
                    "startLine": 11,
                    "totalLines": 90,
                },
            },
        ),
        assistant(
            "a2",
            "2025-10-10T10:00:02.000Z",
            "m2",
            "r2",
            [tool_use("t2", "Edit", file_path="/p/app.py", old_string="a", new_string="b")],
        ),
        tool_result(
            "u2",
            "2025-10-10T10:00:02.100Z",
            "t2",
            "updated",
            {
                "filePath": "/p/app.py",
                "oldString": "a",
                "newString": "b",
                "structuredPatch": [{"oldStart": 40, "oldLines": 3, "newStart": 40, "newLines": 4, "lines": []}],
            },
        ),
        assistant(
            "a3",
            "2025-10-10T10:00:03.000Z",
            "m3",
            "r3",
            [tool_use("t3", "Write", file_path="/p/new.md", content="# hi\n")],
        ),
        tool_result(
            "u3",
            "2025-10-10T10:00:03.100Z",
            "t3",
            "created",
            {"type": "create", "filePath": "/p/new.md", "content": "# hi\n", "structuredPatch": []},
        ),
        assistant(
            "a4",
            "2025-10-10T10:00:04.000Z",
            "m4",
            "r4",
            [tool_use("t4", "WebFetch", url="https://example.com/x", prompt="?")],
        ),
        tool_result(
            "u4",
            "2025-10-10T10:00:09.000Z",
            "t4",
            "page",
            {
                "bytes": 100,
                "code": 200,
                "codeText": "OK",
                "result": "x",
                "durationMs": 4990,
                "url": "https://example.com/x",
            },
        ),
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
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "hello"),
        _base(
            "c1",
            "2025-10-10T10:01:00.000Z",
            type="system",
            subtype="compact_boundary",
            content="Conversation compacted",
            compactMetadata={"trigger": "auto", "preTokens": 155000},
        ),
        _base(
            "s1",
            "2025-10-10T10:01:00.000Z",
            type="user",
            isCompactSummary=True,
            message={"role": "user", "content": "This session is being continued from a previous conversation"},
        ),
        prompt("p2", "2025-10-10T10:02:00.000Z", "go on"),
    )
    events = import_file(f).events
    marks = [e for e in events if e.get("metadata", {}).get("compaction")]
    assert len(marks) == 1 and marks[0]["metadata"]["preTokens"] == 155000
    turns = [e for e in events if e["id"].startswith("turn:")]
    assert [t["name"] for t in turns] == ["Turn 1: hello", "Turn 2: go on"]


def _task_session(tmp_path, with_progress=True):
    lines = [
        prompt("p1", "2025-10-10T10:00:00.000Z", "ask a helper"),
        assistant(
            "a1",
            "2025-10-10T10:00:01.000Z",
            "m1",
            "r1",
            [tool_use("task1", "Task", description="d", prompt="count files")],
        ),
    ]
    if with_progress:
        inner = {
            "type": "assistant",
            "timestamp": "2025-10-10T10:00:03.000Z",
            "requestId": "rs1",
            "uuid": "x1",
            "message": {
                "model": "claude-haiku-4-5-20251001",
                "id": "ms1",
                "type": "message",
                "role": "assistant",
                "content": [tool_use("st1", "Bash", command="ls | wc -l")],
                "usage": {
                    "input_tokens": 2,
                    "output_tokens": 3,
                    "cache_creation_input_tokens": 10,
                    "cache_read_input_tokens": 20,
                },
            },
        }
        lines.append(
            _base(
                "g1",
                "2025-10-10T10:00:03.001Z",
                type="progress",
                parentToolUseID="task1",
                toolUseID="agent_msg_1",
                data={
                    "message": inner,
                    "normalizedMessages": [],
                    "type": "agent_progress",
                    "prompt": "count files",
                    "agentId": "ab12",
                },
            )
        )
    lines += [
        tool_result(
            "u1",
            "2025-10-10T10:00:09.000Z",
            "task1",
            [{"type": "text", "text": "42"}],
            {
                "status": "completed",
                "prompt": "count files",
                "agentId": "ab12",
                "content": [],
                "totalDurationMs": 7900,
                "totalTokens": 100,
                "totalToolUseCount": 1,
                "usage": {},
            },
        ),
        assistant("a2", "2025-10-10T10:00:10.000Z", "m2", "r2", [{"type": "text", "text": "42 files"}]),
    ]
    return write(tmp_path / "proj" / f"{SID}.jsonl", lines)


def _subagent_lines():
    def sub(d):
        d["isSidechain"] = True
        d["agentId"] = "ab12"
        return d

    return [
        sub(prompt("s0", "2025-10-10T10:00:01.100Z", "count files")),
        sub(
            assistant(
                "s1",
                "2025-10-10T10:00:03.000Z",
                "ms1",
                "rs1",
                [tool_use("st1", "Bash", command="ls | wc -l")],
                {
                    "input_tokens": 2,
                    "output_tokens": 30,
                    "cache_creation_input_tokens": 10,
                    "cache_read_input_tokens": 20,
                },
                model="claude-haiku-4-5-20251001",
            )
        ),
        sub(
            tool_result(
                "s2", "2025-10-10T10:00:04.000Z", "st1", "42", {"stdout": "42", "stderr": "", "interrupted": False}
            )
        ),
        sub(
            assistant(
                "s3",
                "2025-10-10T10:00:08.000Z",
                "ms2",
                "rs2",
                [{"type": "text", "text": "42"}],
                model="claude-haiku-4-5-20251001",
            )
        ),
    ]


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
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "ask a subagent"),
        assistant(
            "a1",
            "2025-10-10T10:00:01.000Z",
            "m1",
            "r1",
            [tool_use("task1", "Task", description="d", prompt="How are you?")],
        ),
        dict(prompt("sc1", "2025-10-10T10:00:01.200Z", "How are you?"), isSidechain=True),
        dict(
            assistant("sc2", "2025-10-10T10:00:04.000Z", "ms", "rs", [{"type": "text", "text": "fine"}], parent="sc1"),
            isSidechain=True,
            parentUuid="sc1",
        ),
        tool_result(
            "u1",
            "2025-10-10T10:00:04.200Z",
            "task1",
            [{"type": "text", "text": "fine"}],
            {"status": "completed", "prompt": "How are you?", "content": [], "totalDurationMs": 3100},
        ),
    )
    ev = by_id(import_file(f).events)
    agent = ev["agent:sc-sc1"]
    assert agent["parentId"] == "tool:task1"
    assert ev["resp:ms:rs"]["parentId"] == "agent:sc-sc1"
    assert ev["resp:ms:rs"]["startTime"] == agent["startTime"]


def test_malformed_lines_reported_with_file_and_line_and_skipped(tmp_path):
    f = session_file(
        tmp_path,
        prompt("p1", "2025-10-10T10:00:00.000Z", "hi"),
        '{"type": "assistant", "message": {"id": ',
        "[1, 2]",
        json.dumps(
            {"type": "assistant", "sessionId": SID, "message": "not an object", "timestamp": "2025-10-10T10:00:01Z"}
        ),
        assistant("a1", "2025-10-10T10:00:02.000Z", "m1", "r1", [{"type": "text", "text": "hello"}]),
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
        prompt("p1", "2025-10-10T10:00:00.000Z", "fix the login bug please"),
    )
    ev = by_id(import_file(f).events)
    assert ev["turn:p1"]["metadata"]["sessionTitle"] == "Login bug fix"
    assert ev["prompt:p1"]["type"] == "user_input" and ev["prompt:p1"]["metadata"]["text"] == "fix the login bug please"
