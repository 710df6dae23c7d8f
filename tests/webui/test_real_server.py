"""The bundle served by the real server (`python -m sessionprof_ls` over stdio, its
loopback HTTP endpoint) in Chromium: GET /?token= page, /v1/rpc data, Apply through
workspace/executeCommand ending in the client's workspace/applyEdit."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lsp_harness import start, stop  # noqa: E402
from sp_fixtures import open_page  # noqa: E402

from sessionprof_ls.flame_columns import COLUMNS_TYPE  # noqa: E402


def drive_browser(url: str, token: str, sid: str, suggestion_id: str) -> dict:
    """Runs in a worker thread: the sync Playwright API needs a thread without a loop."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser, page, errors = open_page(pw)
        try:
            # a clean console: no CSP directive ignored in <meta>, no favicon 404
            page.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
            page.add_init_script(
                "window.__csp = [];"
                " document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));"
            )
            flame_types: list[str] = []  # issue 13: the boot reads the graph as raw columns
            page.on(
                "response",
                lambda r: (
                    "flameGraph" in (r.request.post_data or "")
                    and flame_types.append(r.headers.get("content-type", ""))
                ),
            )
            page.goto(f"{url.rstrip('/')}/?sessionId={sid}#token={token}")  # fragment: issue 19
            deadline = time.monotonic() + 30
            while not page.evaluate("window.__sessionprof && window.__sessionprof.frameCount() > 0"):
                assert time.monotonic() < deadline, page.locator("#error").inner_text()
                page.wait_for_timeout(50)
            page.wait_for_function("window.__sessionprof.frame(1).id !== null")  # the ids come last
            out = {
                "frames": page.evaluate("window.__sessionprof.frameCount()"),
                "id1": page.evaluate("window.__sessionprof.frame(1).id"),
                "summary": page.locator("#summary").inner_text(),
            }
            card = page.locator(f'#suggestions-overview .suggestion[data-id="{suggestion_id}"]')
            # issue 14: Apply previews the diff first; with an editor connected it can be sent there
            card.locator("button.apply").click()
            card.locator(".sugg-diff").first.wait_for()
            card.locator("button.send-to-editor").click()
            status = card.locator(".apply-status")
            while status.inner_text() in ("", "Applying…") or "nothing was written" in status.inner_text():
                assert time.monotonic() < deadline + 30
                page.wait_for_timeout(50)
            out["status"] = status.inner_text()
            out["csp"] = page.evaluate("window.__csp")
            out["errors"] = errors
            out["flame_types"] = flame_types
            return out
        finally:
            browser.close()


async def test_real_server_serves_the_ui(tmp_path, fixture_events, fixture_data):
    ws = tmp_path / "ws"
    ws.mkdir()
    # issue 14: the page sends edits only to an editor that confirms them (change annotations)
    client, rec = await start("visual_studio_code", tmp_path, ws)
    try:
        url, token = rec.ready["endpoint"]["url"], rec.ready["endpoint"]["token"]
        async with aiohttp.ClientSession() as http:
            r = await http.post(
                url.rstrip("/") + "/v1/events", json=fixture_events, headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status == 200, await r.text()
            assert (await r.json())["accepted"] == len(fixture_events)
        sid = fixture_data.session_id
        sugg = next(s for s in fixture_data.perf["suggestions"] if s.get("guidance"))
        out = await asyncio.to_thread(drive_browser, url, token, sid, sugg["id"])
        assert out["frames"] == len(fixture_data.fg("time")["frames"]["start"])
        assert out["flame_types"] == [COLUMNS_TYPE], out["flame_types"]  # one request, raw columns
        assert out["id1"] == fixture_data.fg("time")["frames"]["id"][1]
        assert f"{fixture_data.perf['totalTokens']:,}" in out["summary"]
        assert out["csp"] == [] and out["errors"] == []
        assert not out["status"].startswith("Failed"), out["status"]
        await rec.wait(lambda: len(rec.edits) >= 1, timeout=20, what="workspace/applyEdit")
    finally:
        await stop(client)
