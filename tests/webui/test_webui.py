"""The web UI in headless Chromium on a real fixture session (spotter-subagent, imported
and analysed by the engine). Expected numbers come from the engine's data, computed
here independently of the page."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest

from .conftest import MODES, UI, SessionData, engine_with, expected_visible, session_data_from, uncovered_center

TYPE_RGB = {
    "session": (0x3B, 0x82, 0xF6),
    "ai_response": (0x7C, 0x3A, 0xED),
    "tool_execution": (0xF5, 0x9E, 0x0B),
    "user_input": (0x71, 0x71, 0x7A),
    "agent": (0xEC, 0x48, 0x99),
}
# ccusage 20.0.24's totals for this transcript (shared/fixtures/README.md): an outside reference.
CCUSAGE_SPOTTER_SUBAGENT = {"input": 1576, "output": 1586, "cacheWrite": 25842, "cacheRead": 427286}


def fmt_int(n: float) -> str:
    return f"{round(n):,}"


def pixel(ui, x: float, y: float) -> tuple[int, int, int]:
    return tuple(
        ui.page.evaluate(
            "([x, y]) => Array.from(document.getElementById('flame-canvas').getContext('2d')"
            ".getImageData(x, y, 1, 1).data.slice(0, 3))",
            [x, y],
        )
    )


def frame_of(fg: dict, i: int, rows: list[int] | None = None) -> dict:
    f = fg["frames"]
    return {
        "name": fg["strings"][f["name"][i]],
        "type": fg["types"][f["type"][i]],
        "depth": f["depth"][i],
        "start": f["start"][i],
        "value": f["value"][i],
        "id": f["id"][i],
        "row": rows[i] if rows else f["depth"][i],
    }


def pick_frame(
    fg: dict, width: float, types=("ai_response", "tool_execution", "user_input"), min_px=60, rows=None
) -> tuple[int, float]:
    """The widest frame of these types whose center no sibling covers, and that center's x."""
    f = fg["frames"]
    best = None
    for i in range(len(f["start"])):
        if fg["types"][f["type"][i]] not in types or f["id"][i] is None:
            continue
        w = f["value"][i] * width / fg["total"]
        x = uncovered_center(fg, i, 0, fg["total"], width, rows)
        if w >= min_px and x is not None and (best is None or w > best[2]):
            best = (i, x, w)
    assert best, "the fixture has no wide, uncovered frame"
    return best[0], best[1]


class Aim(NamedTuple):
    """A settled page's time graph, canvas box and lanes, and the frame picked to point at."""

    ui: UI
    fg: dict
    box: dict
    row_of: list[int]
    fr: dict
    x: float


def open_at_frame(open_ui, fixture_data: SessionData, **pick) -> Aim:
    """Opens the page, waits for it to settle and picks a frame (pick_frame's options) to point at."""
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    row_of = ui.rows()
    i, x = pick_frame(fg, ui.hook("canvasWidth()"), rows=row_of, **pick)
    return Aim(ui, fg, ui.canvas_box(), row_of, frame_of(fg, i, row_of), x)


# ------------------------------------------------------------------ overview


def test_overview_shows_the_sessions_numbers(open_ui, fixture_data: SessionData, artifacts):
    ui = open_ui(fixture_data)
    ui.settle()
    p = fixture_data.perf
    summary = ui.page.locator("#summary").inner_text()
    assert fmt_int(p["totalTokens"]) in summary
    assert f"{p['messageCount']}" in summary and f"{p['toolCallCount']}" in summary
    assert f"{round(p['aiThinkingPercent'])}%" in summary
    bars = ui.page.locator("#breakdown .bar")
    assert bars.count() == 4
    assert [b.get_attribute("data-kind") for b in bars.all()] == ["ai", "tools", "network", "user"]
    user_bar = ui.page.locator('#breakdown .bar[data-kind="user"] .bar-value').inner_text()
    assert f"({round(p['userWaitPercent'])}%)" in user_bar
    slow = ui.page.locator("#slowest .slow-op")
    assert slow.count() == len(p["slowestOperations"]) > 0
    first = p["slowestOperations"][0]
    assert first["event"]["name"] in slow.first.inner_text()
    assert first["suggestion"] in slow.first.inner_text()
    assert ui.page.locator("#suggestions-overview .suggestion").count() == len(p["suggestions"]) > 0
    assert p["title"] in ui.page.locator("#session-title").inner_text()
    assert ui.page.evaluate("window.__cspViolations") == []
    assert ui.console_errors == []
    ui.page.screenshot(path=str(artifacts / "webui-overview-light.png"), full_page=True)


def test_canvas_draws_expected_visible_frames_in_type_colours(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    width, rows, min_px = ui.hook("canvasWidth()"), ui.hook("rowsShown()"), ui.hook("minFrameWidth")
    row_of = ui.rows()
    assert rows == max(row_of) + 1 > fg["maxDepth"] + 1  # parallel siblings got lanes of their own
    assert ui.hook("idleGaps()") == [] and ui.hook("viewRange()") == [0, fg["total"]]
    want = expected_visible(fg, 0, fg["total"], width, rows, min_px, row_of)
    assert 0 < want < len(fg["frames"]["start"])  # some frames are sub-pixel at full view
    assert ui.hook("visibleFrameCount()") == want
    assert ui.hook("mergedColumnCount()") > 0
    row_h = ui.hook("rowHeight")
    # Root frame in the session colour; a wide frame in its type's colour.
    assert pixel(ui, width / 2, row_h / 2) == TYPE_RGB["session"]
    i, x = pick_frame(fg, width, rows=row_of)
    fr = frame_of(fg, i, row_of)
    assert pixel(ui, x, fr["row"] * row_h + 3) == TYPE_RGB[fr["type"]]


def test_hover_shows_tooltip_of_the_frame(open_ui, fixture_data: SessionData):
    ui, fg, box, _, fr, x = open_at_frame(open_ui, fixture_data)
    y = fr["row"] * ui.hook("rowHeight") + 9
    ui.page.mouse.move(box["x"] + x, box["y"] + y)
    tip = ui.page.locator("#flame-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert fr["name"] in text and fr["type"].replace("_", " ") in text
    assert f"{100 * fr['value'] / fg['total']:.1f}% of session" in text
    ui.page.mouse.move(box["x"] + x, box["y"] + box["height"] + 40)
    tip.wait_for(state="hidden")


def test_click_selects_and_shows_event_details(open_ui, fixture_data: SessionData):
    ui, _, box, _, fr, x = open_at_frame(open_ui, fixture_data, types=("ai_response",), min_px=8)
    ui.page.mouse.click(box["x"] + x, box["y"] + fr["row"] * ui.hook("rowHeight") + 9)
    assert ui.hook("selected()")["id"] == fr["id"]
    ev = fixture_data.events[fixture_data.session_id][fr["id"]]
    details = ui.page.locator("#flame-details")
    details.get_by_text(ev["id"], exact=False).wait_for()
    text = details.inner_text()
    assert ev["metadata"]["model"] in text
    assert fmt_int(ev["metadata"]["tokens"]["cacheRead"]) in text
    req = [m for m in ui.host_log() if m.get("method") == "sessionprof/event"]
    assert req[-1]["params"] == {"sessionId": fixture_data.session_id, "eventId": fr["id"]}


def test_double_click_zooms_to_the_frame_and_reset_restores(open_ui, fixture_data: SessionData):
    ui, fg, box, row_of, fr, x = open_at_frame(open_ui, fixture_data, types=("tool_execution",), min_px=20)
    width, rows, min_px, row_h = (
        ui.hook("canvasWidth()"),
        ui.hook("rowsShown()"),
        ui.hook("minFrameWidth"),
        ui.hook("rowHeight"),
    )
    ui.page.mouse.dblclick(box["x"] + x, box["y"] + fr["row"] * row_h + 9)
    ui.settle()
    vs, ve = ui.hook("viewRange()")
    assert (vs, ve) == pytest.approx((fr["start"], fr["start"] + fr["value"]))
    assert ui.hook("visibleFrameCount()") == expected_visible(fg, vs, ve, width, rows, min_px, row_of)
    # the zoomed frame now spans the canvas: its colour at both edges
    assert pixel(ui, 2, fr["row"] * row_h + 3) == TYPE_RGB[fr["type"]]
    assert pixel(ui, width - 3, fr["row"] * row_h + 3) == TYPE_RGB[fr["type"]]
    # a zoom is remembered: the breadcrumb names it and Back returns to the whole session
    assert fr["name"] in ui.page.locator("#flame-crumbs").inner_text()
    ui.page.click("#flame-back")
    ui.settle()
    assert ui.hook("viewRange()") == [0, fg["total"]]
    ui.page.mouse.dblclick(box["x"] + x, box["y"] + fr["row"] * row_h + 9)
    ui.settle()
    ui.page.click("#flame-reset")
    ui.settle()
    assert ui.hook("viewRange()") == [0, fg["total"]]
    assert ui.hook("visibleFrameCount()") == expected_visible(fg, 0, fg["total"], width, rows, min_px, row_of)


def test_wheel_zooms_around_the_cursor_and_drag_pans(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    width = ui.hook("canvasWidth()")
    box = ui.canvas_box()
    cx = width * 0.3
    unit_at = lambda vs, ve: vs + cx / width * (ve - vs)  # noqa: E731
    before = ui.hook("viewRange()")
    ui.page.mouse.move(box["x"] + cx, box["y"] + 9)
    ui.page.mouse.wheel(0, -500)
    ui.wait(f"window.__sessionprof.viewRange()[1] - window.__sessionprof.viewRange()[0] < {fg['total']}")
    ui.settle()
    vs, ve = ui.hook("viewRange()")
    assert ve - vs < (before[1] - before[0]) * 0.6
    assert unit_at(vs, ve) == pytest.approx(unit_at(*before), abs=(before[1] - before[0]) / width)  # within a pixel
    # drag left by 200 px: the window moves right by 200 px worth of units
    ui.page.mouse.move(box["x"] + 600, box["y"] + 9)
    ui.page.mouse.down()
    ui.page.mouse.move(box["x"] + 500, box["y"] + 9, steps=5)
    ui.page.mouse.move(box["x"] + 400, box["y"] + 9, steps=5)
    ui.page.mouse.up()
    ui.settle()
    vs2, ve2 = ui.hook("viewRange()")
    assert ve2 - vs2 == pytest.approx(ve - vs)
    assert vs2 - vs == pytest.approx(200 / width * (ve - vs), rel=1e-3)
    assert ui.hook("selected()") is None  # a drag is not a click


def test_the_warm_up_after_the_first_paint_leaves_the_view_as_it_was(open_ui, fixture_data: SessionData):
    """issue 13: after the first paint the row painter runs at three zoom levels off the page
    (paint.js warmUp) so that the first zooms run hot code; the view on screen must not move,
    and a paint after it must draw the same pixels, labels and counts."""
    ui = open_ui(fixture_data)
    ui.settle()
    ui.wait("window.__sessionprof.warmed()")
    fg = fixture_data.fg("time")
    vs, ve = ui.hook("viewRange()")
    snap = """() => {
      const c = document.getElementById('flame-canvas');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let h = 0;
      for (let k = 0; k < px.length; k += 7) h = (h * 31 + px[k]) >>> 0;
      const sp = window.__sessionprof;
      return [h, sp.visibleFrameCount(), sp.mergedColumnCount(), sp.labelCount(), sp.labelColors().sort()];
    }"""
    before = ui.page.evaluate(snap)
    ui.page.evaluate("window.__sessionprof.drawNow()")
    assert ui.page.evaluate(snap) == before
    assert ui.hook("viewRange()") == [vs, ve] and ui.hook("history()") == []
    assert before[1] > 0 and len(fg["frames"]["start"]) == ui.hook("frameCount()")
    ui.page.evaluate("window.__sessionprof.zoomTo(0, 1e18)")  # clamped to the whole session
    assert [vs, ve] == ui.hook("viewRange()")  # which is the view the page opened with
    assert ui.console_errors == []


def test_wheel_zoom_leaves_the_breadcrumbs_alone_until_they_change(open_ui, fixture_data: SessionData):
    """issue 13: every wheel step rendered the breadcrumb again; a DOM write there made the
    next paint recompute the page's style. Now they are written only when they change."""
    ui = open_ui(fixture_data)
    ui.settle()
    ui.page.evaluate(
        """() => {
          window.__crumbWrites = 0;
          const mo = new MutationObserver((m) => (window.__crumbWrites += m.length));
          const all = { childList: true, subtree: true, attributes: true, characterData: true };
          for (const id of ["flame-crumbs", "flame-path", "flame-back"]) mo.observe(document.getElementById(id), all);
          window.__crumbObserver = mo;
        }"""
    )
    w = ui.hook("canvasWidth()")
    for k in range(6):
        ui.page.evaluate(f"window.__sessionprof.zoomAt({w * 0.4}, {0.7 if k < 3 else 1 / 0.7})")
    ui.settle()
    assert ui.page.evaluate("window.__crumbWrites") == 0
    # a zoom to a frame does change them: written, with Back enabled
    value = fixture_data.fg("time")["frames"]["value"]
    i = max(range(1, len(value)), key=lambda j: value[j])  # the longest frame below the session's
    ui.page.evaluate(f"window.__sessionprof.zoomToFrame({i})")
    ui.settle()
    assert ui.page.evaluate("window.__crumbWrites") > 0
    assert ui.page.locator("#flame-back").is_enabled()
    assert ui.page.locator("#flame-crumbs .crumb").count() >= 2


def test_keyboard_selects_zooms_and_resets(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    f = fg["frames"]
    ui.page.focus("#flame-canvas")
    ui.page.keyboard.press("ArrowUp")  # selects the root
    assert ui.hook("selected()")["index"] == 0
    ui.page.keyboard.press("ArrowDown")  # first child
    assert ui.hook("selected()")["index"] == 1 and f["parent"][1] == 0
    ui.page.keyboard.press("Enter")
    ui.settle()
    assert ui.hook("viewRange()") == pytest.approx([f["start"][1], f["start"][1] + f["value"][1]])
    ui.page.keyboard.press("ArrowRight")  # next frame in the same row (lane)
    row_of = ui.rows()
    row1 = sorted((i for i in range(len(f["start"])) if row_of[i] == row_of[1]), key=lambda i: f["start"][i])
    assert ui.hook("selected()")["index"] == row1[1]
    span = ui.hook("viewRange()")
    ui.page.keyboard.press("-")
    ui.settle()
    wider = ui.hook("viewRange()")
    assert wider[1] - wider[0] > span[1] - span[0]
    ui.page.keyboard.press("Escape")
    ui.settle()
    assert ui.hook("viewRange()") == [0, fg["total"]]


def test_view_buttons_fetch_aggregate_and_token_views(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    for mode, _label in (("aggregate", "Aggregated"), ("tokens", "Tokens"), ("time", "Time")):
        ui.page.locator(f'.mode[data-mode="{mode}"]').click()
        fg = fixture_data.fg(mode)
        ui.wait(
            f"window.__sessionprof.mode() === '{mode}'"
            f" && window.__sessionprof.frameCount() === {len(fg['frames']['start'])}"
            f" && window.__sessionprof.viewRange()[1] === {fg['total']}"
        )
        ui.settle()
        view, weight = MODES[mode]
        reqs = [m for m in ui.host_log() if m.get("method") == "sessionprof/flameGraph"]
        assert reqs[-1]["params"] == {
            "sessionId": fixture_data.session_id,
            "view": view,
            "weight": weight,
            "encoding": "base64",
        }
        assert ui.page.locator(f'.mode[data-mode="{mode}"]').get_attribute("aria-pressed") == "true"
        w, rows, mp = ui.hook("canvasWidth()"), ui.hook("rowsShown()"), ui.hook("minFrameWidth")
        assert ui.hook("visibleFrameCount()") == expected_visible(fg, 0, fg["total"], w, rows, mp, ui.rows())
    assert len(fixture_data.fg("aggregate")["frames"]["start"]) < len(fixture_data.fg("time")["frames"]["start"])


def test_apply_runs_the_command_through_the_host(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    sugg = fixture_data.perf["suggestions"]
    ui.page.locator(f'#suggestions-overview .suggestion[data-id="{sugg[1]["id"]}"] button.apply').click()
    ui.wait("window.__hostLog.some(m => m.type === 'executeCommand')")
    cmds = [m for m in ui.host_log() if m["type"] == "executeCommand"]
    assert cmds == [
        {
            "type": "executeCommand",
            "command": "sessionprof.applySuggestion",
            "arguments": [fixture_data.session_id, sugg[1]["id"]],
        }
    ]
    # the Suggestions tab shows every suggestion in full, each with its own Apply
    ui.page.click("#tab-suggestions")
    cards = ui.page.locator("#suggestions-full .suggestion")
    assert cards.count() == len(sugg)
    assert sugg[0]["guidance"] in cards.first.inner_text()
    cards.last.locator("button.apply").click()
    ui.wait("window.__hostLog.filter(m => m.type === 'executeCommand').length === 2")
    assert ui.host_log()[-1]["arguments"] == [fixture_data.session_id, sugg[-1]["id"]]


def test_token_tables_hold_the_sessions_numbers(open_ui, fixture_data: SessionData, artifacts):
    ui = open_ui(fixture_data)
    ui.settle()
    p = fixture_data.perf
    ui.page.click("#tab-tokens")
    msgs = p["tokensByMessage"]
    rows = ui.page.locator("#tokens-by-message tbody tr")
    assert rows.count() == len(msgs)
    for r, m in zip(rows.all(), msgs, strict=True):
        cells = r.locator("td").all_inner_texts()
        assert cells[0] == (m.get("label") or f"#{m['index']}") and cells[1] == m["role"]
        assert cells[3:8] == (
            [fmt_int(m[k]) for k in ("input", "output", "cacheRead", "cacheWrite", "total")]
            if m.get("usageRecorded", True)
            else ["not recorded"] * 5
        )
    total = ui.page.locator("#tokens-by-message tfoot td").all_inner_texts()
    sums = {k: sum(m[k] for m in msgs) for k in ("input", "output", "cacheRead", "cacheWrite", "total")}
    assert total[3:8] == [fmt_int(sums[k]) for k in ("input", "output", "cacheRead", "cacheWrite", "total")]
    # and those are ccusage's totals for the transcript
    assert total[3:7] == [fmt_int(CCUSAGE_SPOTTER_SUBAGENT[k]) for k in ("input", "output", "cacheRead", "cacheWrite")]
    assert sums["total"] == p["totalTokens"]

    files = p["tokensByFile"]
    frows = ui.page.locator("#tokens-by-file tbody tr, #tokens-by-file tfoot tr")
    assert frows.count() == len(files) + 1  # + conversation history
    for r, f in zip(frows.all(), files, strict=False):  # + the history row
        cells = r.locator("td").all_inner_texts()
        # relative to the session's workspace, the full path on hover
        root = fixture_data.sessions[0]["workspace"] + "/"
        shown = f["filePath"][len(root) :] if f["filePath"].startswith(root) else f["filePath"]
        # issue 12: tokens in context (first read + re-sent), the same tokens the share is of
        assert cells[:3] == [shown, fmt_int(f["contextTokens"]), f"{f['shareOfInput']:.1f}%"]
        assert r.locator("td").first.get_attribute("title") == f["filePath"]
    assert sum(f["filePath"].startswith(root) for f in files) >= 3  # most are shown relative
    hist = frows.last.locator("td").all_inner_texts()
    assert hist[:3] == ["(conversation history)", fmt_int(p["historyTokens"]), f"{p['historyShare']:.1f}%"]
    frows.nth(1).locator("button.file-link").click()
    ui.wait("window.__hostLog.some(m => m.type === 'openFile')")
    assert [m for m in ui.host_log() if m["type"] == "openFile"] == [
        {"type": "openFile", "filePath": files[1]["filePath"], "line": 1}
    ]

    models = ui.page.locator("#tokens-by-model .model-row")
    assert models.count() == len(p["tokensByModel"])
    m0 = p["tokensByModel"][0]
    text = models.first.inner_text()
    assert (
        m0["model"] in text and f"{fmt_int(m0['total'])} tk" in text and f"{fmt_int(m0['requests'])} requests" in text
    )
    ui.page.screenshot(path=str(artifacts / "webui-tokens.png"), full_page=True)


def test_timeline_lists_events_in_time_order(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    ui.page.click("#tab-timeline")
    fg = fixture_data.fg("time")
    f = fg["frames"]
    want = sorted(
        (i for i in range(len(f["start"])) if f["depth"][i] in (1, 2)), key=lambda i: (f["start"][i], f["depth"][i])
    )
    rows = ui.page.locator("#timeline tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(want)
    names = [r.locator("td").nth(3).inner_text() for r in rows.all()]
    assert names == [fg["strings"][f["name"][i]] for i in want]
    # clicking an event shows it in the flame graph
    k = next(k for k, i in enumerate(want) if f["value"][i] > 0 and f["depth"][i] == 2)
    rows.nth(k).locator("button").click()
    ui.wait(f"(window.__sessionprof.selected() || {{}}).index === {want[k]}")
    assert not ui.page.locator("#panel-overview").is_hidden()


def test_show_event_message_selects_and_zooms(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    i, _ = pick_frame(fg, ui.hook("canvasWidth()"), types=("tool_execution",), min_px=5, rows=ui.rows())
    fr = frame_of(fg, i)
    ui.page.evaluate(
        "m => window.postMessage(m, '*')",
        {"type": "showEvent", "sessionId": fixture_data.session_id, "eventId": fr["id"]},
    )
    ui.wait(f"(window.__sessionprof.selected() || {{}}).id === {json.dumps(fr['id'])}")
    ui.settle()
    assert ui.hook("viewRange()") == pytest.approx([fr["start"], fr["start"] + fr["value"]])


def test_live_summary_extends_the_graph_and_keeps_the_zoom(open_ui, tmp_path, fixture_events):
    # The session as it was part-way, then as it ended: same id, more events.
    partial = session_data_from(engine_with(tmp_path / "a", fixture_events[: len(fixture_events) // 2]))
    full = session_data_from(engine_with(tmp_path / "b", fixture_events))
    assert partial.session_id == full.session_id
    n_partial = len(partial.fg()["frames"]["start"])
    n_full = len(full.fg()["frames"]["start"])
    assert n_full > n_partial
    ui = open_ui(partial)
    ui.settle()
    assert ui.hook("frameCount()") == n_partial
    ui.page.evaluate("([s, e]) => window.__sessionprof.zoomTo(s, e)", [1000, 20000])
    ui.settle()
    log_before = len(ui.host_log())
    ui.page.evaluate("d => { window.__fakeData = d; }", full.to_js())
    summary = {
        k: v
        for k, v in full.perf.items()
        if k not in ("events", "slowestOperations", "suggestions", "tokensByMessage", "tokensByFile", "tokensByModel")
    }
    ui.page.evaluate("s => window.postMessage({type: 'summary', summary: s}, '*')", summary)
    ui.wait(f"window.__sessionprof.frameCount() === {n_full}")
    ui.settle()
    assert ui.hook("viewRange()") == [1000, 20000]
    assert len(ui.host_log()) > log_before
    assert ui.page.locator("#summary").inner_text().count(fmt_int(full.perf["totalTokens"])) == 1
    # the page was not reloaded: the hook object is the same one
    assert ui.page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_bad_flame_data_names_the_problem_and_keeps_the_rest(open_ui, fixture_data: SessionData):
    data = SessionData(
        **{k: getattr(fixture_data, k) for k in ("session_id", "sessions", "performance", "events")},
        flame=json.loads(json.dumps(fixture_data.flame)),
    )
    data.flame[data.session_id]["time"]["frames"]["depth"].pop()
    ui = open_ui(data)
    err = ui.page.locator("#error")
    err.wait_for(state="visible")
    assert "column 'depth'" in err.inner_text()
    assert ui.page.locator("#tab-overview").count() == 1
    assert ui.console_errors == []


# ------------------------------------------------------------------ themes


def test_dark_theme_and_vscode_theme_variables(open_ui, fixture_data: SessionData, artifacts):
    ui = open_ui(fixture_data, color_scheme="dark")
    ui.settle()
    w = ui.hook("canvasWidth()")
    last_row_y = ui.hook("rowsShown()") * ui.hook("rowHeight") - 2
    bg = ui.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(24, 24, 27)"
    # an empty canvas spot (below the deepest frames at the right edge) is the dark background
    assert pixel(ui, w - 1, last_row_y) == (24, 24, 27)
    ui.page.screenshot(path=str(artifacts / "webui-overview-dark.png"), full_page=True)

    # Inside VS Code the webview's CSS variables win over the system preference.
    vs = (
        "document.documentElement.style.setProperty('--vscode-editor-background', '#102030');"
        " document.documentElement.style.setProperty('--vscode-editor-foreground', '#fafafa');"
    )
    ui2 = open_ui(
        fixture_data, color_scheme="light", init_js=f"document.addEventListener('DOMContentLoaded', () => {{ {vs} }});"
    )
    ui2.settle()
    assert ui2.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(16, 32, 48)"
    assert pixel(ui2, w - 1, last_row_y) == (16, 32, 48)

    # config.theme forces a theme
    ui3 = open_ui(fixture_data, config={"theme": "dark"}, color_scheme="light")
    ui3.settle()
    assert ui3.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(24, 24, 27)"


# ------------------------------------------------------------------ browser page (HTTP)


def test_browser_page_over_http_with_token(open_ui, ui_server, fixture_engine, fixture_data: SessionData):
    ui_server.engine = fixture_engine
    ui_server.summaries = [fixture_engine.summary(fixture_data.session_id)]
    ui = open_ui(None, config={"mode": "http", "token": ui_server.token})
    ui.settle()
    fg = fixture_data.fg("time")
    assert ui.hook("frameCount()") == len(fg["frames"]["start"])
    methods = [r["method"] for r in ui_server.rpc_log]
    assert {"sessionprof/sessions", "sessionprof/performance", "sessionprof/flameGraph"} <= set(methods)
    assert ui_server.unauthorized == 0
    sugg = fixture_data.perf["suggestions"][0]
    # issue 14: in a browser page, Apply shows the diff (nothing is written), no editor command
    ui.page.locator(f'#suggestions-overview .suggestion[data-id="{sugg["id"]}"] button.apply').click()
    status = ui.page.locator(f'#suggestions-overview .suggestion[data-id="{sugg["id"]}"] .apply-status')
    status.get_by_text("nothing was written").wait_for()
    assert ui.page.locator(f'#suggestions-overview .suggestion[data-id="{sugg["id"]}"] .sugg-diff').count() >= 1
    assert [r["params"] for r in ui_server.rpc_log if r["method"] == "sessionprof/previewSuggestion"] == [
        {"sessionId": fixture_data.session_id, "suggestionId": sugg["id"]}
    ]
    assert not [r for r in ui_server.rpc_log if r["method"] == "workspace/executeCommand"]
    assert ui.page.evaluate("window.__cspViolations") == []
    assert ui.console_errors == []


def test_browser_page_boot_asks_before_the_modules_load(open_ui, ui_server, fixture_engine, fixture_data: SessionData):
    """issue 13: with the session in the page's config, the boot script in index.html asks for
    the graph and for the analysis without its message table before the bundle is fetched;
    app.js adopts both answers (one flameGraph request), paints, then asks for the table."""
    ui_server.engine = fixture_engine
    sid = fixture_data.session_id
    ui = open_ui(None, config={"mode": "http", "token": ui_server.token, "sessionId": sid})
    ui.settle()
    assert ui.hook("frameCount()") == len(fixture_data.fg("time")["frames"]["start"])
    rows = fixture_data.perf["tokensByMessage"]
    foot = ui.page.locator("#tokens-by-message tfoot")
    foot.wait_for(state="attached")
    assert f"{sum(m['total'] for m in rows):,}" in foot.inner_text()
    log = [(r["method"], r["params"]) for r in ui_server.rpc_log if r["method"] != "sessionprof/sessions"]
    flame = ("sessionprof/flameGraph", {"sessionId": sid, "view": "time", "weight": "time", "encoding": "base64"})
    first = ("sessionprof/performance", {"sessionId": sid, "includeEvents": False, "includeMessages": False})
    table = ("sessionprof/performance", {"sessionId": sid, "includeEvents": False, "includeMessages": True})
    assert log[:2] == [flame, first], log
    assert table in log[2:] and log.count(flame) == 1
    # the page loads two scripts, the bundle and columns.js (its one module of its own: the boot
    # reads the graph with it), and the boot's requests start before the bundle's
    starts = ui.page.evaluate(
        "performance.getEntriesByType('resource').map(r => [r.name.split('/').pop(), r.startTime])"
    )
    assert sorted(name for name, _ in starts if name.endswith(".js")) == ["app.bundle.js", "columns.js"], starts
    rpc = min(t for name, t in starts if name == "rpc")
    assert rpc < min(t for name, t in starts if name == "app.bundle.js"), starts
    assert ui.page.evaluate("window.__cspViolations") == []
    assert ui.console_errors == []


def test_browser_page_boot_with_a_wrong_token_shows_the_error(open_ui, ui_server, fixture_engine, fixture_data):
    ui_server.engine = fixture_engine
    ui = open_ui(None, config={"mode": "http", "sessionId": fixture_data.session_id})
    ui.page.goto(ui_server.url + "/#token=wrong")
    err = ui.page.locator("#error")
    err.wait_for(state="visible")
    assert "unauthorized" in err.inner_text()
    assert ui_server.unauthorized >= 2 and ui_server.rpc_log == []


def test_browser_page_without_the_token_shows_the_error(open_ui, ui_server, fixture_engine):
    ui_server.engine = fixture_engine
    ui = open_ui(None, config={"mode": "http"})
    err = ui.page.locator("#error")
    err.wait_for(state="visible")
    assert "unauthorized" in err.inner_text()
    assert ui_server.unauthorized >= 1 and ui_server.rpc_log == []
