"""Applying a suggestion in a real VS Code (code-server) with the packaged extension and
the real server on a real fixture session (issue 14): VS Code's refactor preview lists
every file, nothing is on disk until Apply is pressed there, Discard leaves the disk as
it was, and undo removes the created file and the folders made for it."""

from __future__ import annotations

import re
import sqlite3
import time

from .conftest import ARTIFACTS
from .test_vscode_e2e import (
    SERVER_MS,
    fail_with_logs,
    open_folder,
    run_command,
    wait_for_summary,
)


def snapshot(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}


def pick_suggestion(page, text: str) -> None:
    run_command(page, "SessionProf: Apply a Suggestion")
    page.locator(".quick-input-widget .monaco-list-row").first.wait_for(state="visible", timeout=SERVER_MS)
    page.locator(".quick-input-widget input").fill(text)
    page.locator(".quick-input-widget .monaco-list-row", has_text=text).first.wait_for(state="visible")
    page.keyboard.press("Enter")


def refactor_preview(page, code_server):
    pane = page.locator(".bulk-edit-panel, .refactor-preview, [id='workbench.view.bulkEdit']").first
    try:
        page.locator(".pane-header, .panel .title", has_text=re.compile("Refactor Preview", re.I)).first.wait_for(
            state="visible", timeout=SERVER_MS
        )
    except Exception:
        fail_with_logs(page, code_server, "no Refactor Preview after choosing the suggestion", "refactor-preview")
    return pane


def wait_until(cond, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out: {what}")


def test_refactor_preview_then_apply_discard_and_undo(code_server, page):
    folder = code_server["folder"]
    open_folder(page, code_server)
    wait_for_summary(page, code_server, "apply-status")
    start = snapshot(folder)

    # 1. the smaller-model suggestion: a new subagent file and guidance, both in the preview
    pick_suggestion(page, "smaller model")
    refactor_preview(page, code_server)
    tree = page.locator(".part.panel .monaco-list-row", has_text="quick-tasks.md").first
    tree.wait_for(state="visible", timeout=30_000)
    assert page.locator(".part.panel .monaco-list-row", has_text="CLAUDE.md").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "refactor-preview.png"))
    time.sleep(1.0)
    assert snapshot(folder) == start, "something was written before the preview was accepted"
    assert not (folder / ".claude").exists()
    # needsConfirmation: every change starts unchecked; the user ticks what to apply
    for name in ("quick-tasks.md", "CLAUDE.md"):
        row = page.locator(".part.panel .monaco-list-row", has_text=name).first
        row.locator(".monaco-checkbox, .monaco-custom-toggle").first.click()
    page.get_by_role("button", name=re.compile(r"^Apply")).first.click()
    agent = folder / ".claude" / "agents" / "quick-tasks.md"
    wait_until(lambda: agent.is_file(), 30, "the subagent file after Apply")
    # VS Code saves refactorings into files that were not open (files.refactoring.autoSave)
    wait_until(lambda: "model: haiku" in agent.read_text(), 30, "the subagent's content")
    wait_until(lambda: "quick-tasks" in (folder / "CLAUDE.md").read_text(), 30, "the guidance in CLAUDE.md")
    assert (folder / "CLAUDE.md").read_text().startswith(start["CLAUDE.md"])
    assert not (folder / ".claude" / "settings.json").exists()
    page.screenshot(path=str(ARTIFACTS / "refactor-applied.png"))
    db = sqlite3.connect(code_server["root"] / "store.db")
    wait_until(
        lambda: db.execute("SELECT count(*) FROM applied_suggestions").fetchone()[0] == 1,
        30,
        "the apply recorded in the store",
    )
    assert db.execute("SELECT kind, client FROM applied_suggestions").fetchall() == [("smaller_model", "vscode")]

    # 2. undo the whole edit: the created file and the folders made for it are gone again
    page.locator(".tab", has_text="CLAUDE.md").first.click()
    page.locator(".editor-instance .monaco-editor .view-lines").first.click()
    page.keyboard.press("Control+Z")
    # VS Code undoes a workspace edit across its files (it asks first when the files are open)
    dialog = page.locator(".monaco-dialog-box")
    try:
        dialog.wait_for(state="visible", timeout=3_000)
        dialog.get_by_role("button", name=re.compile(r"Undo in \d+ Files", re.I)).first.click()
    except Exception:
        pass
    page.screenshot(path=str(ARTIFACTS / "refactor-undo.png"))
    wait_until(lambda: not agent.exists(), 30, "undo to delete the created file")
    wait_until(lambda: not (folder / ".claude").exists(), 30, "the empty .claude folders to be removed")
    wait_until(
        lambda: db.execute("SELECT count(*) FROM applied_suggestions WHERE undone_at IS NOT NULL").fetchone()[0] == 1,
        30,
        "the undo recorded",
    )

    # 3. Discard in the preview: nothing changes on disk
    page.keyboard.press("Control+S")
    before = snapshot(folder)
    pick_suggestion(page, "new session")
    refactor_preview(page, code_server)
    page.locator(".part.panel .monaco-list-row", has_text="CLAUDE.md").first.wait_for(state="visible", timeout=30_000)
    page.get_by_role("button", name=re.compile(r"^Discard")).first.click()
    time.sleep(2.0)
    assert snapshot(folder) == before
    assert db.execute("SELECT count(*) FROM applied_suggestions").fetchone()[0] == 1
