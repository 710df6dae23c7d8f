"""`sessionprof ui SESSION --no-browser --port N`: the printed URL opens the session's
flame graph in real Chromium (token in the fragment, as the web UI takes it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from sp_fixtures import FIXTURES, open_page

FIXTURE = FIXTURES / "claude-code" / "spotter-subagent.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ui_prints_a_url_that_opens_the_flame_graph(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("CLAUDE_CONFIG_DIR", "CODEX_HOME")}
    env.update(SESSIONPROF_STORE=str(tmp_path / "store.db"), HOME=str(tmp_path / "home"))
    cli = [sys.executable, "-m", "sessionprof_ls.cli"]
    data = json.loads(
        subprocess.run(
            [*cli, "report", str(FIXTURE), "--json"], capture_output=True, text=True, env=env, check=True, timeout=120
        ).stdout
    )
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "ui", data["sessionId"][:8], "--no-browser", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("sessionprof web UI: "), (line, proc.stderr.read() if proc.poll() is not None else "")
        url = line.split(": ", 1)[1].strip()
        assert url.startswith(f"http://127.0.0.1:{port}/?sessionId={data['sessionId']}#token=")
        assert "ssh -L" in proc.stdout.readline()  # --no-browser: how to reach it from elsewhere
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser, page, errors = open_page(pw)
            try:
                page.goto(url)
                page.wait_for_function("window.__sessionprof && window.__sessionprof.frameCount() > 0", timeout=30_000)
                assert data["title"][:30] in page.locator("#session-title").inner_text()
                assert f"{data['totalTokens']:,}" in page.locator("#summary").inner_text()
                assert "token=" not in page.url  # the page moved the token out of the address bar
                assert errors == []
            finally:
                browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
