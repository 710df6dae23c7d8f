"""Codex rollout importer pitfalls with small rollouts shaped like Codex CLI 0.9x ones."""

from __future__ import annotations

import json
from pathlib import Path

from sessionprof_ls.importers import detect_format, import_file

SID = "019bf4b5-e7b0-75a0-8bf2-05fbf1b13c9b"


def line(ts, typ, payload):
    return {"timestamp": ts, "type": typ, "payload": payload}


def meta(ts="2026-01-25T10:32:00.700Z"):
    return line(
        ts,
        "session_meta",
        {
            "id": SID,
            "timestamp": ts,
            "cwd": "/w/proj",
            "originator": "codex_cli_rs",
            "cli_version": "0.93.0",
            "model_provider": "openai",
        },
    )


def ctx(ts, model="gpt-5.2-codex"):
    return line(ts, "turn_context", {"cwd": "/w/proj", "approval_policy": "on-request", "model": model})


def user(ts, text):
    return line(ts, "event_msg", {"type": "user_message", "message": text, "images": []})


def tokens(ts, inp, cached, out, reasoning=0):
    usage = {
        "input_tokens": inp,
        "cached_input_tokens": cached,
        "output_tokens": out,
        "reasoning_output_tokens": reasoning,
        "total_tokens": inp + out,
    }
    return line(
        ts,
        "event_msg",
        {
            "type": "token_count",
            "info": {"total_token_usage": usage, "last_token_usage": usage, "model_context_window": 258400},
        },
    )


def call(ts, cid, cmd):
    return line(
        ts,
        "response_item",
        {"type": "function_call", "name": "exec_command", "arguments": json.dumps({"cmd": cmd}), "call_id": cid},
    )


def output(ts, cid, wall, code=0, orig_tokens=10, body=""):
    text = (
        f"Chunk ID: abc\nWall time: {wall:.4f} seconds\nProcess exited with code {code}\n"
        f"Original token count: {orig_tokens}\nOutput:\n{body}"
    )
    return line(ts, "response_item", {"type": "function_call_output", "call_id": cid, "output": text})


def write(path: Path, lines) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def by_id(events):
    return {e["id"]: e for e in events}


def responses(events):
    return [e for e in events if e["type"] == "ai_response"]


def test_token_count_deltas_ignore_reemitted_and_replayed_totals(tmp_path):
    f = write(
        tmp_path / "rollout-2026-01-25T10-32-00-x.jsonl",
        [
            meta(),
            ctx("2026-01-25T10:32:00.800Z"),
            user("2026-01-25T10:32:00.900Z", "create JOKE.md"),
            line("2026-01-25T10:32:01.000Z", "event_msg", {"type": "token_count", "info": None}),
            tokens("2026-01-25T10:32:04.000Z", 9162, 6656, 144, 64),
            tokens("2026-01-25T10:32:04.300Z", 9162, 6656, 144, 64),  # re-emitted: same total
            tokens("2026-01-25T10:32:06.000Z", 18513, 15872, 178, 64),
            tokens("2026-01-25T10:32:06.100Z", 9162, 6656, 144, 64),  # replayed older total
            tokens("2026-01-25T10:32:08.000Z", 27980, 25216, 243, 64),
        ],
    )
    assert detect_format(f) == "codex"
    res = import_file(f)
    resp = responses(res.events)
    assert len(resp) == 3
    t = [r["metadata"]["tokens"] for r in resp]
    # input_tokens includes cached_input_tokens: the contract's input is uncached
    assert t[0] == {"input": 9162 - 6656, "output": 144, "cacheRead": 6656, "cacheWrite": 0}
    assert t[1] == {"input": (18513 - 9162) - (15872 - 6656), "output": 34, "cacheRead": 15872 - 6656, "cacheWrite": 0}
    assert sum(x["input"] + x["cacheRead"] for x in t) == 27980
    assert sum(x["output"] for x in t) == 243
    assert all(r["metadata"]["model"] == "gpt-5.2-codex" and r["metadata"]["provider"] == "openai" for r in resp)
    assert resp[0]["startTime"] == by_id(res.events)["prompt:" + resp[0]["parentId"][5:]]["startTime"]


def test_tool_calls_durations_files_and_patch(tmp_path):
    patch = "*** Begin Patch\n*** Update File: /w/proj/a.ts\n@@ -12,3 +12,3 @@\n-x\n+y\n*** End Patch"
    f = write(
        tmp_path / "rollout-x.jsonl",
        [
            meta(),
            ctx("2026-01-25T10:32:00.800Z"),
            user("2026-01-25T10:32:01.000Z", "look at a.ts"),
            call("2026-01-25T10:32:02.000Z", "c1", "sed -n '320,440p' src/a.ts"),
            tokens("2026-01-25T10:32:02.010Z", 1000, 0, 10),
            output("2026-01-25T10:32:02.100Z", "c1", 0.0512, orig_tokens=1260, body="code"),
            # an approval prompt: 30 s on the wall, 1.5 s of work
            call("2026-01-25T10:32:03.000Z", "c2", "git commit -m x"),
            output("2026-01-25T10:32:33.000Z", "c2", 1.5, code=1, body="hook failed"),
            line(
                "2026-01-25T10:32:34.000Z",
                "response_item",
                {
                    "type": "custom_tool_call",
                    "status": "completed",
                    "call_id": "c3",
                    "name": "apply_patch",
                    "input": patch,
                },
            ),
            line(
                "2026-01-25T10:32:34.200Z",
                "response_item",
                {
                    "type": "custom_tool_call_output",
                    "call_id": "c3",
                    "output": json.dumps({"output": "Success.", "metadata": {"exit_code": 0, "duration_seconds": 0.1}}),
                },
            ),
        ],
    )
    ev = by_id(import_file(f).events)
    c1 = ev["tool:c1"]
    assert c1["type"] == "tool_execution" and c1["metadata"]["status"] == "ok"
    read = ev["tool:c1:io0"]
    assert read["type"] == "file_read"
    assert (
        read["metadata"]["filePath"],
        read["metadata"]["startLine"],
        read["metadata"]["endLine"],
        read["metadata"]["fileTokens"],
    ) == ("src/a.ts", 320, 440, 1260)
    c2 = ev["tool:c2"]
    assert c2["endTime"] - c2["startTime"] == 1500 and c2["metadata"]["status"] == "error"
    assert ev["wait:c2"]["type"] == "user_input" and ev["wait:c2"]["endTime"] - ev["wait:c2"]["startTime"] == 28500
    w = ev["tool:c3:io0"]
    assert (
        w["type"] == "file_write" and w["metadata"]["filePath"] == "/w/proj/a.ts" and w["metadata"]["startLine"] == 12
    )


def test_model_follows_turn_context(tmp_path):
    f = write(
        tmp_path / "rollout-x.jsonl",
        [
            meta(),
            ctx("2026-01-25T10:32:00.800Z", "gpt-5"),
            user("2026-01-25T10:32:01.000Z", "a"),
            tokens("2026-01-25T10:32:02.000Z", 100, 0, 5),
            ctx("2026-01-25T10:32:03.000Z", "gpt-5-mini"),
            user("2026-01-25T10:32:03.100Z", "b"),
            tokens("2026-01-25T10:32:04.000Z", 300, 100, 10),
        ],
    )
    resp = responses(import_file(f).events)
    assert [r["metadata"]["model"] for r in resp] == ["gpt-5", "gpt-5-mini"]
    turns = [e for e in import_file(f).events if e["id"].startswith("turn:")]
    assert [t["name"] for t in turns] == ["Turn 1: a", "Turn 2: b"]
    assert turns[0]["metadata"]["sessionTitle"] == "a" and turns[0]["metadata"]["source"] == "codex"
    assert turns[0]["metadata"]["workspace"] == "/w/proj"
    assert turns[0]["sessionId"] == SID


def test_malformed_codex_lines_reported_and_skipped(tmp_path):
    f = write(
        tmp_path / "rollout-x.jsonl",
        [
            meta(),
            user("2026-01-25T10:32:01.000Z", "a"),
            "{not json",
            json.dumps({"timestamp": "2026-01-25T10:32:01Z", "type": "event_msg", "payload": "x"}),
            tokens("2026-01-25T10:32:02.000Z", 100, 0, 5),
        ],
    )
    res = import_file(f)
    assert [e.split(": ")[0] for e in res.errors] == [f"{f}:3", f"{f}:4"]
    assert len(responses(res.events)) == 1


def test_the_ways_codex_looks_at_a_file_are_file_reads(tmp_path):
    commands = {
        "r1": ("nl -ba src/b.ts | sed -n '20,80p'", ("src/b.ts", 20, 80)),
        "r2": ("cat -n README.md", ("README.md", None, None)),
        "r3": ("head -n 40 pyproject.toml", ("pyproject.toml", 1, 40)),
        "r4": ("head -25 setup.cfg", ("setup.cfg", 1, 25)),
        "r5": ("tail -n 30 build.log", ("build.log", None, None)),
        "r6": (["bash", "-lc", "sed -n '5p' x.py"], ("x.py", 5, 5)),
        # not a plain read of one file: no file_read
        "n1": ("cat a.py b.py", None),
        "n2": ("nl -ba x.py | head", None),
        "n3": ("cat a.py > b.py", None),
        "n4": ("rg -n foo src", None),
        "n5": ("tail -f server.log", None),
    }
    lines = [meta(), ctx("2026-01-25T10:32:00.800Z"), user("2026-01-25T10:32:01.000Z", "read")]
    for k, (cid, (cmd, _)) in enumerate(commands.items()):
        lines.append(call(f"2026-01-25T10:32:{10 + 2 * k:02d}.000Z", cid, cmd))
        lines.append(output(f"2026-01-25T10:32:{10 + 2 * k:02d}.500Z", cid, 0.05, orig_tokens=100 + k, body="text"))
    ev = by_id(import_file(write(tmp_path / "rollout-x.jsonl", lines)).events)
    for cid, (_, expect) in commands.items():
        read = ev.get(f"tool:{cid}:io0")
        if expect is None:
            assert read is None, cid
            continue
        m = read["metadata"]
        assert read["type"] == "file_read" and (m["filePath"], m.get("startLine"), m.get("endLine")) == expect, cid
