"""The Suggestions view in a browser with no editor (`sessionprof ui`, the real server):
Preview shows the diff of every file with copy buttons, nothing is written, no HTTP
error status and no raw JSON-RPC error; the suggestions applied earlier in the workspace
show their metric before vs after, measured on a later session from another real fixture."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sessionprof_ls.analysis.formatting import fmt_ms
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.suggestions import applied

from .conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, FIXTURES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_suggestions_effects import AFTER, BEFORE, later_session  # noqa: E402

# how the measured-effect table sits in the Suggestions panel: page scrolled sideways by, the
# table's and the panel's right edges, and the cells whose text is cut
FITS_JS = """() => {
  const table = document.querySelector('#suggestions-full table.effects');
  const panel = document.querySelector('#suggestions-full');
  const clipped = [...table.querySelectorAll('td')].filter((td) => td.scrollWidth > td.clientWidth + 1)
    .map((td) => td.textContent);
  return {pageScroll: document.documentElement.scrollWidth - innerWidth,
          tableRight: table.getBoundingClientRect().right, panelRight: panel.getBoundingClientRect().right, clipped};
}"""


def start_ui(store: Path, sid: str, cwd: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, CLAUDE_CONFIG_DIR=str(cwd.parent / "no-claude"), CODEX_HOME=str(cwd.parent / "no-codex"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessionprof_ls.cli", "--store", str(store), "ui", sid, "--no-browser"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"(http://\S+)", line or "")
        if m:
            return proc, m.group(1)
        assert proc.poll() is None, proc.stderr.read()
    raise AssertionError("sessionprof ui printed no URL")


def test_preview_copy_and_measured_effect_without_an_editor(tmp_path: Path):
    store = tmp_path / "store.db"
    engine = Engine(store)
    sid = engine.ingest(import_file(FIXTURES / BEFORE).events)["sessions"][0]
    tree = engine.tree(sid)
    perf = engine.performance(sid, include_events=False)
    wait = next(s for s in perf["suggestions"] if s["kind"] == "user_wait")
    # an editor accepted the waiting-on-you suggestion earlier; a later session of the workspace
    # (which never waited on the user) followed
    now = time.time() * 1000.0
    applied.record(engine.store, tree.workspace, sid, wait, ["CLAUDE.md"], "vscode", now_ms=now)
    engine.ingest(later_session(AFTER, now, "later-session"))
    engine.store.close()
    ws = tmp_path / "ws"
    ws.mkdir()
    proc, url = start_ui(store, sid, ws)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
            ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.split("/?")[0])
            page = ctx.new_page()
            statuses: list[tuple[int, str]] = []
            page.on("response", lambda r: statuses.append((r.status, r.url)))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            page.click("#tab-suggestions")
            cards = page.locator("#suggestions-full .suggestion")
            cards.first.wait_for()
            assert cards.count() == len(perf["suggestions"])
            # the measured effect of the earlier suggestion, with the session counts
            row = page.locator('#suggestions-full tr.effect[data-kind="user_wait"]')
            row.wait_for(timeout=30_000)
            text = row.inner_text()
            assert wait["savingMs"] > 0
            assert (
                "It helped" in text and f"{fmt_ms(wait['savingMs'])} (1 session)" in text and "0ms (1 session)" in text
            )
            # the effects table fits its panel: the verdict is read whole, the page never scrolls sideways
            for width in (1280, 800):
                page.set_viewport_size({"width": width, "height": 1000})
                fit = page.evaluate(FITS_JS)
                assert fit["pageScroll"] <= 0, fit
                assert fit["tableRight"] <= fit["panelRight"] + 0.5, fit
                assert fit["clipped"] == [], fit
            page.set_viewport_size({"width": 1280, "height": 1000})
            # preview every suggestion: a diff per file, nothing on disk
            for s in perf["suggestions"]:
                card = page.locator(f'#suggestions-full .suggestion[data-id="{s["id"]}"]')
                card.locator("button.apply").click()
                card.locator(".sugg-diff").first.wait_for()
                status = card.locator(".apply-status").inner_text()
                assert "nothing was written" in status, status
            card = page.locator('#suggestions-full .suggestion[data-id="smaller_model"]')
            files = card.locator(".sugg-file-name").all_inner_texts()
            assert sorted(files) == [".claude/agents/quick-tasks.md (new file)", "CLAUDE.md (new file)"], files
            diff = card.locator('.sugg-diff[data-file=".claude/agents/quick-tasks.md"]').inner_text()
            assert "+model: haiku" in diff
            assert list(ws.iterdir()) == [], "the page wrote nothing"
            # copy: the clipboard holds exactly the new file
            card.locator("button.copy", has_text="Copy new quick-tasks.md").click()
            card.locator(".apply-status", has_text="Copied").wait_for()
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied.startswith("---\nname: quick-tasks\n") and "model: haiku" in copied
            assert card.locator("button.send-to-editor").count() == 0  # no editor connected
            page.screenshot(path=str(ARTIFACTS / "suggestions-preview.png"), full_page=True)
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=str(ARTIFACTS / "suggestions-preview-dark.png"), full_page=True)
            body = page.locator("body").inner_text()
            assert "JsonRpc" not in body and "internal error" not in body
            bad = [(s, u) for s, u in statuses if s >= 400]
            assert bad == [], bad
            assert errors == []
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
