"""Session strings are attacker-controlled: a session whose names, paths, tool
arguments and agent text carry HTML and script payloads must render them as text."""

from __future__ import annotations

import pytest

from .conftest import WEB, engine_with, session_data_from
from .test_static import boot_script

PAYLOADS = [
    '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">',
    "<script>window.__pwned=(window.__pwned||0)+1</script>",
    '"><svg onload="window.__pwned=(window.__pwned||0)+1"></svg>',
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "javascript:window.__pwned=1",
]
SID = '<b id="injected">xss-session</b>'


def payload_events() -> list[dict]:
    t0 = 1_760_000_000_000
    p = PAYLOADS
    evs = [
        {
            "sessionId": SID,
            "id": "u1",
            "type": "user_input",
            "name": p[0],
            "startTime": t0,
            "endTime": t0 + 10,
            "metadata": {"text": p[1], "sessionTitle": p[2]},
        },
        {
            "sessionId": SID,
            "id": "a1",
            "type": "ai_response",
            "name": p[1],
            "startTime": t0 + 10,
            "endTime": t0 + 60_000,
            "metadata": {
                "model": p[3],
                "tokens": {"input": 1200, "output": 4000, "cacheRead": 0, "cacheWrite": 0},
                "text": p[0],
            },
        },
    ]
    for k in range(4):
        s = t0 + 60_000 + k * 10_000
        evs.append(
            {
                "sessionId": SID,
                "id": f"t{k}",
                "parentId": "a1" if k == 0 else None,
                "type": "tool_execution",
                "name": p[k % 5],
                "startTime": s,
                "endTime": s + 9_000,
                "metadata": {"toolName": p[(k + 1) % 5], "args": {"cmd": p[(k + 2) % 5]}},
            }
        )
        evs.append(
            {
                "sessionId": SID,
                "id": f"r{k}",
                "parentId": f"t{k}",
                "type": "file_read",
                "name": p[(k + 3) % 5],
                "startTime": s + 1,
                "endTime": s + 8_000,
                "metadata": {"filePath": f"src/{p[k % 5]}.ts", "fileTokens": 300 + k, "fileSize": 1000},
            }
        )
    return evs


@pytest.fixture(scope="module")
def xss_engine(tmp_path_factory):
    return engine_with(tmp_path_factory.mktemp("xss"), payload_events())


def assert_inert(ui):
    page = ui.page
    assert page.evaluate("window.__pwned") is None
    assert (
        page.evaluate(
            "document.querySelectorAll('img, svg, iframe, object, embed, b#injected, [onerror], [onload]').length"
        )
        == 0
    )
    scripts = page.evaluate("Array.from(document.scripts).map(s => [s.getAttribute('src'), s.src ? '' : s.text])")
    # the boot script of index.html (issue 13) as written there, and the bundle: nothing injected
    assert scripts == [[None, boot_script((WEB / "index.html").read_text())], ["/static/app.bundle.js", ""]]
    # the payloads are on the page as text
    body = page.evaluate("document.body.textContent")
    assert sum(p in body for p in PAYLOADS) >= 3


def exercise(ui, data_perf):
    """Walks every place that shows session strings: tooltip, details, tabs."""
    ui.settle()
    box = ui.canvas_box()
    row_h = ui.hook("rowHeight")
    for depth in range(ui.hook("rowsShown()")):
        for x in range(5, int(box["width"]), 97):
            ui.page.mouse.move(box["x"] + x, box["y"] + depth * row_h + 9)
    tip = ui.page.locator("#flame-tooltip")
    ui.page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + row_h + 9)
    ui.page.locator("#flame-details dl dt").first.wait_for()
    assert ui.hook("selected()") is not None
    assert tip.count() == 1
    for tab in ("tokens", "timeline", "suggestions", "overview"):
        ui.page.click(f"#tab-{tab}")
        ui.page.wait_for_timeout(100)
    assert (
        ui.page.locator("#tokens-by-file tbody tr, #tokens-by-file tfoot tr").count()
        == len(data_perf["tokensByFile"]) + 1
    )


def test_payloads_render_inert_in_the_webview(open_ui, xss_engine, artifacts):
    data = session_data_from(xss_engine)
    assert data.session_id == SID
    ui = open_ui(data)
    exercise(ui, data.perf)
    assert_inert(ui)
    files = ui.page.locator("#tokens-by-file tbody tr td:first-child").all_inner_texts()
    assert f"src/{PAYLOADS[0]}.ts" in files
    assert ui.page.locator("#session-picker option").first.inner_text().startswith(PAYLOADS[2])
    assert ui.page.evaluate("window.__cspViolations") == []
    ui.page.screenshot(path=str(artifacts / "webui-xss.png"), full_page=True)


def test_payloads_render_inert_in_the_browser_page(open_ui, ui_server, xss_engine):
    ui_server.engine = xss_engine
    data = session_data_from(xss_engine)
    ui = open_ui(None, config={"mode": "http", "token": ui_server.token, "sessionId": SID})
    exercise(ui, data.perf)
    assert_inert(ui)
    assert ui.page.evaluate("window.__cspViolations") == []


def test_config_payload_in_the_meta_tag_is_inert(open_ui, xss_engine):
    data = session_data_from(xss_engine)
    ui = open_ui(data, config={"sessionId": SID, "eventId": PAYLOADS[1], "theme": PAYLOADS[0]})
    ui.settle()
    assert_inert(ui)
    assert ui.hook("sessionId()") == SID
