"""Issue 16 in a real VS Code (code-server) with the packaged extension and the real server,
on a real transcript recorded in the workspace itself (the usual case, where lenses came
twice): one lens per slow call with its rank, hover text, toggles, the status bar's quick
pick, the panel's tab/zoom/selection kept across a window reload, a theme switch, and a
workspace with no session whose panel says so. Screenshots go to .artifacts/vscode/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, make_workspace
from .test_vscode_e2e import (
    SERVER_MS,
    WORKBENCH_MS,
    endpoint_sessions,
    fail_with_logs,
    open_file,
    open_folder,
    run_command,
    status_item,
    wait_for_summary,
)


@pytest.fixture
def workspace(tmp_path: Path) -> dict:
    """The fixture transcript as if recorded in this workspace: its cwd replaced by the folder."""
    ws = make_workspace(tmp_path, in_workspace=True)
    other = tmp_path / "other"  # a second project with no session of its own
    other.mkdir()
    (other / "notes.md").write_text("# other project\n")
    return {**ws, "other": other}


def lens_titles(editor) -> list[str]:
    titles = []
    for text in editor.locator(".codelens-decoration").all_inner_texts():
        titles += [t.strip() for t in text.replace("\xa0", " ").split(" | ") if t.strip()]
    return titles


def wait_until(fn, timeout: float, what: str, page=None, code_server=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.3)
    if page is not None:
        fail_with_logs(page, code_server, f"timed out: {what}", re.sub(r"\W+", "-", what)[:40])
    raise AssertionError(f"timed out: {what}")


def webview(page):
    return page.frame_locator("iframe.webview.ready").last.frame_locator("#active-frame")


def test_editor_features_in_code_server(code_server, page):
    open_folder(page, code_server)
    wait_for_summary(page, code_server, "status16")

    # Lenses: one per slow call (no "Edit 6.1s | Edit 6.1s"), each with its rank.
    open_file(page, "JOKE.md")
    editor = page.locator(".editor-instance .monaco-editor").first
    try:
        editor.locator(".codelens-decoration a").first.wait_for(state="visible", timeout=SERVER_MS)
    except Exception:
        fail_with_logs(page, code_server, "no code lens on JOKE.md", "lens16")
    page.wait_for_timeout(1500)  # a second provider's lenses would have arrived by now
    titles = lens_titles(editor)
    assert titles and len(titles) == len(set(titles)), titles
    assert all(re.fullmatch(r"\S+?:? .+ · slowest #\d+", t) for t in titles), titles
    hint = editor.locator(".view-lines .view-line").first.locator("span", has_text=re.compile(r"tk\s·\s"))
    hint.last.wait_for(state="visible", timeout=SERVER_MS)
    page.screenshot(path=str(ARTIFACTS / "issue16-lenses-hint.png"))

    # Hover on the first line (the hinted line, with a lens too): the breakdown and the link.
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+K")
    page.keyboard.press("Control+I")
    hover = page.locator(".monaco-hover-content").first
    try:
        hover.wait_for(state="visible", timeout=20_000)
    except Exception:
        fail_with_logs(page, code_server, "no hover on JOKE.md line 1", "hover16")
    hover_text = hover.inner_text()
    assert "tokens in the context" in hover_text and "Reads (" in hover_text and "Re-sent as history" in hover_text, (
        hover_text
    )
    assert "slowest #" in hover_text, hover_text
    assert hover.locator("a", has_text="Show in flame graph").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "issue16-hover.png"))
    page.keyboard.press("Escape")

    # Toggles: lenses off and on again; hints off and on again.
    run_command(page, "SessionProf: Toggle Code Lenses")
    wait_until(lambda: editor.locator(".codelens-decoration a").count() == 0, 30, "lenses hidden", page, code_server)
    run_command(page, "SessionProf: Toggle Code Lenses")
    wait_until(lambda: editor.locator(".codelens-decoration a").count() > 0, 30, "lenses back", page, code_server)
    run_command(page, "SessionProf: Toggle Inlay Hints")
    wait_until(lambda: hint.count() == 0, 30, "hints hidden", page, code_server)
    run_command(page, "SessionProf: Toggle Inlay Hints")
    wait_until(lambda: hint.count() > 0, 30, "hints back", page, code_server)

    # The status bar opens a quick pick of actions.
    status_item(page).click()
    rows = page.locator(".quick-input-widget .monaco-list-row")
    rows.first.wait_for(state="visible", timeout=20_000)
    labels = "\n".join(rows.all_inner_texts())
    for action in (
        "Open Flame Graph",
        "Switch Session",
        "Export Session",
        "Hide Inlay Hints",
        "Hide Code Lenses",
        "Restart Language Server",
        "Open Log",
    ):
        assert action in labels, labels
    page.screenshot(path=str(ARTIFACTS / "issue16-quick-pick.png"))
    page.locator(".quick-input-widget input").fill("Open Flame Graph")
    page.keyboard.press("Enter")

    # The panel: pick a tab, zoom and select a frame; a window reload keeps all three.
    wv = webview(page)
    canvas = wv.locator("#flame-canvas")
    canvas.wait_for(state="visible", timeout=SERVER_MS)
    frame = page.frame_locator("iframe.webview.ready").last.frame_locator("#active-frame")
    wait_until(
        lambda: frame.locator("body").evaluate("() => !!(window.__sessionprof && window.__sessionprof.frame(0))"),
        30,
        "flame data",
        page,
        code_server,
    )
    chosen = frame.locator("body").evaluate("""() => {
        const sp = window.__sessionprof;
        let pick = 1;
        while (sp.frame(pick) && (sp.frame(pick).depth < 1 || !sp.frame(pick).id)) pick++;
        const f = sp.frame(pick);
        const box = sp.frameBox(pick);
        return { id: f.id, box };
    }""")
    # select by clicking the frame (as a user does), then zoom by the test hook's API
    b = chosen["box"]
    canvas.click(position={"x": b["x"] + min(4, b["w"] / 2), "y": b["y"] + b["h"] / 2})
    wait_until(
        lambda: (
            (frame.locator("body").evaluate("() => window.__sessionprof.selected()") or {}).get("id") == chosen["id"]
        ),
        10,
        "the frame selected",
        page,
        code_server,
    )
    view = frame.locator("body").evaluate("""() => { const [s, e] = window.__sessionprof.viewRange();
        window.__sessionprof.zoomTo(s + (e - s) * 0.25, s + (e - s) * 0.5);
        return window.__sessionprof.viewRange(); }""")
    wv.locator("#tab-tokens").click()
    assert wv.locator("#tab-tokens").get_attribute("aria-selected") == "true"
    page.wait_for_timeout(1200)  # the state is saved within 0.4 s
    page.screenshot(path=str(ARTIFACTS / "issue16-panel-before-reload.png"))
    # the window reload a user runs (its shutdown saves the editor layout, then it loads again)
    with page.expect_navigation(timeout=WORKBENCH_MS):
        run_command(page, "Developer: Reload Window")
    page.locator(".monaco-workbench").wait_for(state="visible", timeout=WORKBENCH_MS)
    wv = webview(page)
    try:
        wv.locator("#tab-tokens[aria-selected='true']").wait_for(state="attached", timeout=SERVER_MS)
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "issue16-reload-failed.png"))
        fail_with_logs(page, code_server, "the reloaded panel lost its tab", "reload16")
    frame = page.frame_locator("iframe.webview.ready").last.frame_locator("#active-frame")
    wait_until(
        lambda: frame.locator("body").evaluate(
            "() => window.__sessionprof && window.__sessionprof.frame(0) && window.__sessionprof.selected()"
        ),
        30,
        "the selection after reload",
        page,
        code_server,
    )
    after = frame.locator("body").evaluate(
        "() => ({ sel: window.__sessionprof.selected(), view: window.__sessionprof.viewRange() })"
    )
    assert after["sel"]["id"] == chosen["id"]
    assert after["view"] == pytest.approx(view, rel=1e-6, abs=1e-3)
    page.screenshot(path=str(ARTIFACTS / "issue16-panel-after-reload.png"))

    # Theme switch: the panel follows to light.
    wv.locator("#tab-overview").click()
    # (the user settings file, which VS Code applies live, as the theme picker does)
    for scope in ("User", "Machine"):  # code-server reads both (conftest.py)
        settings_file = code_server["user_data"] / scope / "settings.json"
        settings = json.loads(settings_file.read_text())
        settings["workbench.colorTheme"] = "Default Light Modern"
        settings_file.write_text(json.dumps(settings, indent=2))
    frame = page.frame_locator("iframe.webview.ready").last.frame_locator("#active-frame")
    wait_until(
        lambda: frame.locator("html").get_attribute("data-theme") == "light",
        30,
        "the light theme in the panel",
        page,
        code_server,
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "issue16-panel-light.png"))

    # The log: levels, the followed folders, no error for a clean restart.
    run_command(page, "SessionProf: Restart Language Server")
    item = status_item(page)
    item.wait_for(state="visible", timeout=SERVER_MS)

    def current_log() -> str:
        logs = sorted(code_server["user_data"].glob("logs/**/sessionprof.sessionprof/*.log"))
        return "\n".join(p.read_text() for p in logs)

    # the restarted server is ready (its endpoint is what new terminals get)
    wait_until(
        lambda: (
            "Server ready" in current_log().split("Restarting the language server")[-1]
            and "Restarting the language server" in current_log()
        ),
        SERVER_MS / 1000,
        "the restarted server",
        page,
        code_server,
    )
    log = current_log()
    assert "following transcripts in: " in log and str(code_server["claude"]) in log, log[-3000:]
    assert "Restarting the language server" in log
    assert "[error]" not in log, [line for line in log.splitlines() if "[error]" in line]
    assert "[info]" in log

    # A terminal opened after the restart gets the restarted server's endpoint (the old
    # server has exited: a live answer with the token is the new one).
    out = code_server["folder"] / "url.txt"
    run_command(page, "Terminal: Create New Terminal")
    term = page.locator(".terminal-wrapper.active .xterm").first
    term.wait_for(state="visible")
    for _ in range(3):  # the shell's prompt may take a while on a loaded machine: type again if nothing came
        term.click()
        page.wait_for_timeout(2500)
        page.keyboard.type('printf "%s\\n" "$SESSIONPROF_URL" "$SESSIONPROF_TOKEN" > url.txt\n')
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (out.is_file() and out.read_text().strip()):
            time.sleep(0.3)
        if out.is_file() and out.read_text().strip():
            break
    page.screenshot(path=str(ARTIFACTS / "issue16-terminal-after-restart.png"))
    wait_until(
        lambda: out.is_file() and out.read_text().strip(), 5, "the terminal's SESSIONPROF_URL", page, code_server
    )
    url, token = out.read_text().split()[:2]
    assert code_server["sessionId"] in [x["sessionId"] for x in endpoint_sessions(url, token)]


def test_panel_of_a_workspace_without_session(code_server, page):
    # The store holds the fixture's session (another project): a window on the other folder
    # shows no session in the status bar and the panel says so.
    open_folder(page, code_server)
    wait_for_summary(page, code_server, "other-first")  # the store now has the session
    open_folder(page, code_server, code_server["other"])
    page.locator(".statusbar-item", has_text="no session").first.wait_for(state="visible", timeout=SERVER_MS)
    run_command(page, "SessionProf: Open Flame Graph")
    wv = webview(page)
    title = wv.locator("#session-title")
    title.wait_for(state="visible", timeout=SERVER_MS)
    page.wait_for_timeout(2000)
    assert "No agent session for this workspace" in title.inner_text(), title.inner_text()
    # the other project's session may be offered in the picker, but is not chosen nor shown
    picked = wv.locator("#session-picker").evaluate("s => s.options[s.selectedIndex].text")
    assert picked == "No session for this workspace", picked
    total = f"{code_server['reference']['total']:,}"
    assert total not in wv.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "issue16-no-session-panel.png"))


def test_export_open_shows_the_profile_viewer(code_server, page):
    """Export → cpuprofile → Open: VS Code's profile viewer (a custom editor), not raw JSON."""
    open_folder(page, code_server)
    wait_for_summary(page, code_server, "export-status")
    run_command(page, "SessionProf: Export Session")
    session_row = page.locator(".quick-input-widget .monaco-list-row", has_text="JOKE.md").first
    session_row.wait_for(state="visible", timeout=SERVER_MS)
    session_row.click()
    format_row = page.locator(".quick-input-widget .monaco-list-row", has_text="cpuprofile").first
    format_row.wait_for(state="visible", timeout=30_000)
    format_row.click()
    # code-server's save dialog is a quick input with the proposed path: accept it
    page.wait_for_timeout(1500)
    page.keyboard.press("Enter")
    target = code_server["folder"] / f"{code_server['sessionId']}.cpuprofile"
    wait_until(lambda: target.is_file(), 30, "the exported .cpuprofile", page, code_server)
    assert json.loads(target.read_text())["nodes"]
    toast = page.locator(".notification-toast", has_text="exported to")
    toast.wait_for(state="visible", timeout=20_000)
    toast.locator("a.monaco-button, .monaco-button", has_text="Open").first.click()
    tab = page.locator(".tab", has_text=".cpuprofile").first
    tab.wait_for(state="visible", timeout=30_000)
    # the profile viewer is a webview editor: no text editor shows the JSON
    page.wait_for_timeout(3000)
    page.screenshot(path=str(ARTIFACTS / "issue16-cpuprofile-open.png"))
    active = page.locator(".editor-group-container.active")
    assert active.locator(".monaco-editor .view-lines").count() == 0, "the .cpuprofile opened as text"
    assert page.locator("iframe.webview").count() >= 1
    # the workbench names the custom editor that shows it
    assert "CPU Profile Table Visualizer" in active.inner_text()
