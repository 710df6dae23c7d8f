"""Applying suggestions in a real Neovim 0.11 with the real server over stdio, on a real
fixture session (issue 14): preview of every file, cancel leaves the disk untouched,
confirm writes and shows every file in one tab, no split piles up, undo leaves nothing
behind, and `:qa` works afterwards."""

from __future__ import annotations

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers.claude_code import import_claude

from .conftest import HERE, install_session, run_nvim, server_command

FIXTURE = "spotter-subagent"  # short opus responses; history dominates its input (new_session)


def test_preview_cancel_confirm_undo_in_neovim(tmp_path):
    fs = install_session(tmp_path, FIXTURE)
    doc = fs.workspace / "mix.exs"
    assert doc.is_file()
    (fs.workspace / "CLAUDE.md").write_text("# Notes\n\nKeep it short.\n")
    engine = Engine(str(tmp_path / "expect.db"))
    engine.ingest(import_claude(fs.transcript).events)
    sugg = {s["kind"]: s for s in engine.performance(engine.sessions()[0]["sessionId"])["suggestions"]}
    before = {p.relative_to(fs.workspace).as_posix(): p.read_bytes() for p in fs.workspace.rglob("*") if p.is_file()}
    run = run_nvim(
        HERE / "scripts" / "apply.lua",
        tmp_path,
        cwd=fs.workspace,
        server=fs.server(tmp_path),
        opts={"cmd": server_command()},
        env={"SESSIONPROF_TEST_FILE": str(doc), "SESSIONPROF_TEST_WS": str(fs.workspace)},
    )
    start = run.ok("attach")["disk"]

    cancel = run.ok("cancel")
    text = "\n".join(cancel["lines"])
    # the preview shows every file the suggestion touches, as a diff
    assert "+++ b/.claude/agents/quick-tasks.md" in text and "+model: haiku" in text
    assert "+++ b/CLAUDE.md" in text and "Nothing is written yet." in text
    assert cancel["filetype"] == "diff"
    assert cancel["disk_during"] == start and cancel["disk"] == start  # nothing written
    assert cancel["result"] == {"applied": False, "message": "cancelled"}
    assert cancel["after"]["tabs"] == 1

    confirm = run.ok("confirm")
    assert confirm["result"]["applied"] is True
    disk = confirm["disk"]
    assert disk[".claude/agents/quick-tasks.md"].startswith("---\nname: quick-tasks\n")
    assert "model: haiku" in disk[".claude/agents/quick-tasks.md"]
    assert disk["CLAUDE.md"].startswith("# Notes\n\nKeep it short.\n")
    assert sugg["smaller_model"]["guidance"][:40] in disk["CLAUDE.md"]
    assert ".claude/settings.json" not in disk
    lay = confirm["layout"]
    # every changed file visible in the one tab, the instruction file first; nothing hidden or unsaved
    assert lay["tabs"] == 2
    assert lay["wins"] == [str(fs.workspace / "CLAUDE.md"), str(fs.workspace / ".claude/agents/quick-tasks.md")]
    assert lay["hidden"] == [] and lay["modified"] == []

    (effect,) = run.ok("effects")  # applied, no later session yet
    assert effect.startswith("Delegate simple steps to a smaller model (applied ")
    assert "cost per simple response: before $" in effect and "(1 session), after not recorded (0 sessions)" in effect
    assert "No session since it was applied" in effect

    again = run.ok("again")
    assert again["result"]["applied"] is True
    assert again["layout"]["tabs"] == 2 and again["layout"]["wins"] == [str(fs.workspace / "CLAUDE.md")]
    assert sugg["new_session"]["guidance"][:40] in again["disk"]["CLAUDE.md"]

    undo = run.ok("undo")  # undoes the last apply (new-session guidance) only
    assert undo["disk"]["CLAUDE.md"] == disk["CLAUDE.md"]
    assert undo["layout"]["tabs"] == 1

    assert "qa_failed" not in run.errors, run.errors.get("qa_failed")
    assert run.ok("before_qa")["modified"] == []
    # the store remembers both applies; the new-session one is marked undone
    import sqlite3

    rows = (
        sqlite3.connect(fs.store)
        .execute("SELECT kind, client, undone_at IS NOT NULL FROM applied_suggestions ORDER BY id")
        .fetchall()
    )
    assert rows == [("smaller_model", "neovim", 0), ("new_session", "neovim", 1)]
    after = {p.relative_to(fs.workspace).as_posix(): p.read_bytes() for p in fs.workspace.rglob("*") if p.is_file()}
    assert set(after) - set(before) == {".claude/agents/quick-tasks.md"}
