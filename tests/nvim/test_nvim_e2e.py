"""A real headless Neovim 0.11 with the plugin drives the real sessionprof-ls over
stdio on a real Claude Code fixture session: inlay hint and code lens on a file the
agent read, the statusline, the report (also opened from the code lens), the flame
graph URL, sessions, export, :checkhealth and applying a suggestion to CLAUDE.md.

Expected values come from the transcript itself (tool results, usage lines)."""

from __future__ import annotations

import json
import re

import pytest

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers.claude_code import import_claude

from .conftest import HERE, install_session, replayed_read, run_nvim, server_command

FIXTURE = "spotter-tool_heavy"
DOC = "assets/js/app.js"  # read by the agent in that session


def usage_totals(lines: list[dict]) -> dict:
    """Token totals of a Claude Code transcript: assistant lines de-duplicated by
    (message.id, requestId), keeping the largest value of each usage field."""
    fields = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    best: dict[tuple, dict] = {}
    for d in lines:
        msg = d.get("message") or {}
        if d.get("type") != "assistant" or msg.get("model") == "<synthetic>" or not msg.get("usage"):
            continue
        key = (msg.get("id"), d.get("requestId"))
        cur = best.setdefault(key, dict.fromkeys(fields, 0))
        for f in fields:
            cur[f] = max(cur[f], msg["usage"].get(f) or 0)
    return {f: sum(v[f] for v in best.values()) for f in fields}


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    # One Neovim + server run for the module; each test asserts on its steps.
    tmp_path = tmp_path_factory.mktemp("nvim-e2e")
    fs = install_session(tmp_path, FIXTURE)
    read = next(r for r in fs.reads() if fs.rel(r["path"]) == DOC)
    doc = fs.local(read["path"])
    instruction = fs.workspace / "CLAUDE.md"
    instruction.write_text("# Project notes\n\nUse mix for everything.\n")

    # The suggestion to apply: one that carries guidance for the instruction file.
    engine = Engine(str(tmp_path / "expect.db"))
    engine.ingest(import_claude(fs.transcript).events)
    perf = engine.performance(engine.sessions()[0]["sessionId"])
    with_guidance = [s for s in perf["suggestions"] if s["guidance"]]
    suggestion = next((s for s in with_guidance if s["kind"] == "new_session"), with_guidance[0])

    export = fs.workspace / "out.speedscope.json"  # the server writes exports inside the workspace only
    new_tool = "toolu_nvimE2Ereplay0001"
    append = tmp_path / "append.jsonl"
    append.write_text(replayed_read(fs, read, new_tool, offset_ms=60_000))
    run = run_nvim(
        HERE / "scripts" / "e2e.lua",
        tmp_path,
        cwd=fs.workspace,
        server=fs.server(tmp_path, slowThresholdMs=1),
        opts={"cmd": server_command()},
        env={
            "SESSIONPROF_TEST_FILE": str(doc),
            "SESSIONPROF_TEST_SUGGESTION": suggestion["id"],
            "SESSIONPROF_TEST_EXPORT": str(export),
            "SESSIONPROF_TEST_TRANSCRIPT": str(fs.transcript),
            "SESSIONPROF_TEST_APPEND": str(append),
            "SESSIONPROF_TEST_NEW_TOOL": new_tool,
            "SESSIONPROF_TEST_OUTSIDE": "/etc/hostname",
        },
    )
    session_id = next(d["sessionId"] for d in fs.lines if d.get("sessionId"))
    return {
        "run": run,
        "fs": fs,
        "read": read,
        "doc": doc,
        "instruction": instruction,
        "suggestion": suggestion,
        "export": export,
        "session_id": session_id,
        "new_tool": new_tool,
        "appended": [json.loads(line) for line in append.read_text().splitlines()],
    }


def test_nvim_with_real_server(e2e):
    run, fs, read = e2e["run"], e2e["fs"], e2e["read"]

    attach = run.ok("attach")
    assert attach["name"] == "sessionprof"
    assert attach["root_dir"] == str(fs.workspace)
    endpoint = attach["ready"]["endpoint"]
    assert endpoint["url"].startswith("http://127.0.0.1:") and endpoint["token"]

    # Inlay hint: the file's tokens as the agent saw them, end of line 1.
    hints = run.ok("inlay_hints")
    assert hints["enabled"] is True
    assert len(hints["hints"]) == 1
    hint = hints["hints"][0]
    # the label's figures are issue 12's (tokens in context, share, cost); the hover has the read's tokens
    # (a read no later request carried, as app.js here at the session's end, says so instead)
    assert re.fullmatch(
        r"[\d.,]+[kM]? tk · [\d.]+% of input( · \S+)?( ▲▲?)?|[\d.,]+[kM]? tk read · not sent to the model",
        hint["label"].strip(),
    ), hint["label"]
    first_line = e2e["doc"].read_text().splitlines()[0]
    assert (hint["line"], hint["character"]) == (0, len(first_line.encode("utf-16-le")) // 2)
    # drawn by the plugin in its level's group (linked to defaults), not by Neovim's LspInlayHint
    assert hint["level"] in ("low", "mid", "high")
    assert hints["core"] == 0
    (mark,) = hints["marks"]
    assert mark["pos"] == "inline" and mark["line"] == 0
    assert mark["chunks"][-1] == [
        hint["label"],
        {"low": "SessionProfHintLow", "mid": "SessionProfHintMid", "high": "SessionProfHintHigh"}[hint["level"]],
    ]
    assert hints["links"] == {"low": "LspInlayHint", "mid": "DiagnosticWarn", "high": "DiagnosticError"}

    # Code lens: the Read call of that file (slow over the 1 ms threshold), at its first line.
    lens_data = run.ok("code_lens")
    lenses = lens_data["lenses"]
    read_lens = next(lens for lens in lenses if lens["arguments"][1].startswith("tool:" + read["id"]))
    assert read_lens["command"] == "sessionprof.showEvent"
    assert read_lens["arguments"][0] == e2e["session_id"]
    assert read_lens["title"].startswith("Read: ")  # what ran: `Read: <file relative to the workspace>`
    assert " · slowest #" in read_lens["title"]
    # one lens per slow call: no event twice on the document
    assert len({tuple(lens["arguments"]) for lens in lenses}) == len(lenses)
    start_line = read["file"].get("startLine") or 1
    assert read_lens["line"] == start_line - 1
    assert read_lens["title"] in lens_data["virtual_text"]
    assert set(lens_data["groups"]) <= {"SessionProfLens", "SessionProfLensSeparator"}

    # Statusline: the session's tokens as the transcript's usage lines add up.
    totals = usage_totals(fs.lines)
    total = sum(totals.values())
    status = run.ok("statusline")
    assert status["summary"]["totalTokens"] == total
    assert status["summary"]["sessionId"] == e2e["session_id"]
    assert status["component"].startswith("⏱ " + f"{total:,} tk")
    assert f"${status['summary']['totalCost']:.3f}" in status["component"]
    assert status["component"] in status["plain"]

    # The code lens opens the report at its event, highlighted under the cursor.
    at = run.ok("lens_run")
    assert at["floating"] is True
    assert at["event_id"] == read_lens["arguments"][1]
    assert at["session_id"] == e2e["session_id"]
    assert at["cursor"] == at["selected_line"]
    assert "Read" in at["lines"][at["selected_line"]] or DOC in at["lines"][at["selected_line"]]
    assert any(DOC in line for line in at["lines"])

    # :SessionProf report: the overview drawn in text.
    rep = run.ok("report")
    text = "\n".join(rep["lines"])
    for section in ("SUMMARY", "TIME BREAKDOWN", "FLAME GRAPH", "SLOWEST OPERATIONS", "OPTIMIZATION SUGGESTIONS"):
        assert f"── {section} " in text
    assert f"{total:,}" in text
    assert "█" in text and "░" in text
    assert any(line.strip().startswith("[Session: ") for line in rep["lines"])
    for s in rep["perf"]["suggestions"]:
        assert f"⚡ {s['title']}" in text
    for op in rep["perf"]["slowestOperations"]:
        assert f"{op['rank']}. {op['event']['name'][:15]}" in text

    # :SessionProf flame opens the server's web UI with the token.
    urls = run.ok("flame")
    assert len(urls) == 1 and urls[0].startswith(endpoint["url"].rstrip("/") + "/")
    assert urls[0].endswith("#token=" + endpoint["token"]) and "?token=" not in urls[0]  # fragment only
    served = run.ok("flame_http")
    assert served == {"with_token": 200, "without": 401}


def test_nvim_code_lens_follows_the_live_session(e2e):
    run = e2e["run"]
    live = run.ok("live_refresh")
    # The server asked for a refresh after the transcript grew, and the plugin re-requested lenses.
    assert live["refreshes_after"] > live["refreshes_before"]
    assert live["title"].startswith("Read: ")
    assert live["arguments"] == [e2e["session_id"], "tool:" + e2e["new_tool"]]
    # The statusline followed too: the replayed response's usage counts once more.
    total = sum(usage_totals(e2e["fs"].lines + e2e["appended"]).values())
    assert total > run.ok("statusline")["summary"]["totalTokens"]
    assert live["statusline"].startswith("⏱ " + f"{total:,} tk")


def test_nvim_sessions_export_health_apply(e2e):
    run = e2e["run"]

    sessions = run.ok("sessions")
    assert len(sessions["items"]) == 1
    assert any("current session is" in m for m in sessions["messages"])

    messages = run.ok("export")
    assert any("exported" in m for m in messages), messages
    exported = json.loads(e2e["export"].read_text())
    assert "speedscope" in exported["$schema"]

    health = "\n".join(run.ok("health"))
    assert "ERROR" not in health, health
    for ok in (
        "OK Neovim 0.11",
        "OK server found",
        "OK server version",
        "OK endpoint up",
        "OK endpoint refuses requests without the token",
        "OK Claude Code transcripts",
        f"({e2e['session_id']}): ⏱ ",
        "server settings sent:",
        "slowThresholdMs = 1",
    ):
        assert ok in health, health

    applied = run.ok("apply")
    suggestion = e2e["suggestion"]
    assert any(suggestion["title"] in item for item in applied["items"])
    assert applied["written"], applied
    assert any(w["uri"].endswith("/CLAUDE.md") for w in applied["written"])
    on_disk = e2e["instruction"].read_text()
    assert on_disk.startswith("# Project notes\n\nUse mix for everything.\n")
    assert suggestion["guidance"].split("\n")[0][:60] in on_disk
    assert applied["shown"] == str(e2e["instruction"])


def test_nvim_info_and_restart(e2e):
    got = e2e["run"].ok("info_restart")
    info = "\n".join(got["info"])
    assert f"version: {e2e['run'].ok('attach')['ready']['version']}" in info
    assert "statusline: ⏱ " in info
    assert got["new_id"] != got["old_id"]
    assert got["status_running"].startswith("⏱ ")
    assert got["status_stopped"] == "" and got["hints_stopped"] == 0


def test_nvim_hover_toggle_show_and_workspace_filter(e2e):
    run, read = e2e["run"], e2e["read"]
    file_tokens = (len(read["text"]) + 3) // 4
    hov = run.ok("hover")
    hint_text = "\n".join(hov["hint"])
    assert f"({file_tokens:,} read, " in hint_text, hint_text
    assert "Reads" in hint_text and "Re-sent" in hint_text
    assert ":SessionProf show" in hint_text and "command:" not in hint_text
    lens_text = "\n".join(hov["lens"])
    lens = next(x for x in run.ok("code_lens")["lenses"] if x["line"] == hov["lens_line"])
    rank = re.search(r"slowest #(\d+)$", lens["title"]).group(1)
    assert "** took **" in lens_text and f"slowest #{rank} of " in lens_text, lens_text

    toggle = run.ok("toggle")
    assert toggle["off"] == {"hints": 0, "lenses": 0}
    assert toggle["on"]["hints"] == 1 and toggle["on"]["lenses"] >= 1

    shown = run.ok("show")
    assert shown["event_id"] == run.ok("code_lens")["lenses"][0]["arguments"][1]

    outside = run.ok("outside")
    assert outside["name"] == "/etc/hostname"
    assert outside["attached"] is False and outside["root"] is None

    assert e2e["session_id"] in run.ok("complete_report")

    msgs = run.ok("export_outside")
    assert any("inside the workspace only" in m and "/tmp/sessionprof-outside.json" in m for m in msgs), msgs
    assert not any("ValueError" in m for m in msgs)
