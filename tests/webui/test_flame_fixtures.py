"""The flame graph on every real fixture (tests/fixtures), in headless Chromium: lanes
never overlap, every frame is hit at its centre, the time axis, search, sandwich,
minimap, breadcrumb, table sorting, the focus ring and the contrast of every text.

Expected numbers (search counts, sandwich totals, sort orders) are computed here from
the engine's data, independently of the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import FIXTURES, SessionData, engine_with, import_events, session_data_from
from .contrast import ratio
from .png import first_pixel

FIXTURE_FILES = sorted(p for p in FIXTURES.glob("*/*.jsonl"))
IDS = [f"{p.parent.name}/{p.stem}" for p in FIXTURE_FILES]
_cache: dict[Path, SessionData] = {}


@pytest.fixture(params=FIXTURE_FILES, ids=IDS)
def fx(request, tmp_path_factory) -> SessionData:
    path = request.param
    if path not in _cache:
        _cache[path] = session_data_from(engine_with(tmp_path_factory.mktemp("fx"), import_events(path)))
    return _cache[path]


def test_every_real_fixture_is_covered():
    assert len(FIXTURE_FILES) >= 9 and {p.parent.name for p in FIXTURE_FILES} >= {"claude-code", "codex"}


# ------------------------------------------------------------------ geometry

HIT_ALL_JS = """
() => {
  const sp = window.__sessionprof;
  const n = sp.frameCount();
  const H = sp.canvasHeight();
  const bad = [];
  for (let i = 0; i < n; i++) {
    const f = sp.frame(i);
    const pad = Math.max(f.value * 0.25, 1e-3);
    sp.zoomTo(f.start - pad, f.start + f.value + pad);
    sp.scrollToRow(f.row);
    const b = sp.frameBox(i);
    const x = b.x + b.w / 2;
    const y = b.y + b.h / 2;
    const hit = sp.frameAt(x, y);
    if (!(y > 0 && y < H) || !hit || hit.index !== i) bad.push([i, f.name, hit && hit.index, y]);
  }
  sp.zoomTo(0, 1e18);
  sp.scrollToRow(0);
  return {n, bad};
}
"""


def overlaps(rects: list[list[float]]) -> list[tuple]:
    """Pairs of drawn rectangles that share area (same row band, x ranges intersecting)."""
    by_y: dict[float, list] = {}
    for r in rects:
        by_y.setdefault(r[1], []).append(r)
    ys = sorted(by_y)
    assert all(b - a >= 17 for a, b in zip(ys, ys[1:], strict=False)), "row bands overlap vertically"
    bad = []
    for rs in by_y.values():
        rs.sort(key=lambda r: r[0])
        for a, b in zip(rs, rs[1:], strict=False):
            if a[0] + a[2] > b[0] + 1e-6:
                bad.append((a, b))
    return bad


@pytest.mark.parametrize("mode", ["time", "aggregate"])
def test_lanes_never_overlap_and_every_frame_is_hit_at_its_centre(open_ui, fx: SessionData, mode):
    ui = open_ui(fx)
    ui.settle()
    if mode != "time":
        ui.page.locator(f'.mode[data-mode="{mode}"]').click()
        ui.wait(
            f"window.__sessionprof.mode() === '{mode}'"
            f" && window.__sessionprof.frameCount() === {len(fx.fg(mode)['frames']['start'])}"
        )
        ui.settle()
    fg = fx.fg(mode)
    f = fg["frames"]
    n = len(f["start"])
    rows = ui.rows()
    # siblings that overlap in time are in different rows; a child is always below its parent
    for i in range(1, n):
        assert rows[i] > rows[f["parent"][i]]
    by_row: dict[int, list[int]] = {}
    for i in range(n):
        by_row.setdefault(rows[i], []).append(i)
    for r, idx in by_row.items():
        idx.sort(key=lambda i: f["start"][i])
        for a, b in zip(idx, idx[1:], strict=False):
            assert f["start"][a] + f["value"][a] <= f["start"][b] + 1e-9, (r, a, b)
    # drawn rectangles at full view and zoomed into the middle
    for view in ([0, 1e18], [fg["total"] * 0.3, fg["total"] * 0.45]):
        ui.page.evaluate("([s, e]) => window.__sessionprof.zoomTo(s, e)", view)
        rects = ui.hook("drawnRects()")
        assert rects and overlaps(rects) == []
    res = ui.page.evaluate(HIT_ALL_JS)
    assert res["n"] == n and res["bad"] == []
    # and a real pointer: hover the widest frame of each row, the tooltip names it
    ui.settle()
    box = ui.canvas_box()
    for idx in list(by_row.values())[:12]:
        i = max(idx, key=lambda i: f["value"][i])
        b = ui.hook(f"frameBox({i})")
        if b["w"] < 4 or b["y"] + 9 > box["height"]:
            continue
        x0, x1 = max(b["x"], 0), min(b["x"] + b["w"], box["width"])
        ui.page.mouse.move(box["x"] + (x0 + x1) / 2, box["y"] + b["y"] + 9)
        ui.wait(f"document.getElementById('flame-tooltip').dataset.frame === '{i}'")
    assert ui.console_errors == []


LAYOUT_JS = """
async ([answer, columns]) => {
  // the page's own layout (laneRows and the grouping) against the one the server sent
  const { buildFlameData } = await import("/static/flame.js");
  const { fromColumns, readColumns } = await import("/static/columns.js");
  const given = buildFlameData(answer);
  const own = buildFlameData({ ...answer, layout: undefined });
  // and the same answer as raw columns (flame_columns.py), as the browser page's boot reads it
  const same = (a, b) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));
  const bin = Uint8Array.from(atob(columns), (c) => c.charCodeAt(0));
  const raw = buildFlameData(fromColumns(bin.buffer).result);
  // read as it arrives (the boot's way): built before the ids are in; they come when the rest does
  let release;
  const held = new Promise((r) => (release = r));
  const cut = bin.length - 5;
  const stream = new ReadableStream({
    async start(c) {
      for (let at = 0; at < cut; at += 4093) c.enqueue(bin.slice(at, Math.min(at + 4093, cut)));
      await held;
      c.enqueue(bin.slice(cut));
      c.close();
    },
  });
  const early = buildFlameData((await readColumns(new Response(stream))).result);
  const idsBefore = early.ids;
  release();
  await new Promise((r) => setTimeout(r, 50));
  const streamed = same(early.ids || [], given.ids) && idsBefore === null && same(early.row, given.row);
  const keys = ["start", "value", "rstart", "rvalue", "depth", "name", "type", "parent", "row"];
  const sameColumns = keys.every((k) => same(raw[k], given[k]))
    && same(raw.ids, given.ids) && same(raw.strings, given.strings)
    && raw.rows.every((r, k) => same(r.idx, given.rows[k].idx) && same(r.me, given.rows[k].me));
  const order = (d) => d.rows.flatMap((r) => Array.from(r.idx));
  // each row's starts and running maximum of ends (lanes.js mapRow makes them with the display times)
  const starts = (d) => d.rows.flatMap((r) => [...Array.from(r.s), ...Array.from(r.me)]);
  return {
    n: given.n,
    rows: given.rows.length,
    sameRow: given.row.every((r, i) => r === own.row[i]) && given.row.length === own.row.length,
    sameOrder: JSON.stringify(order(given)) === JSON.stringify(order(own)),
    sameStarts: JSON.stringify(starts(given)) === JSON.stringify(starts(own)),
    lanes: [given.laneFrames, own.laneFrames],
    idle: [given.idle.length, own.idle.length],
    sameIdle: JSON.stringify(given.idle) === JSON.stringify(own.idle) && given.domainEnd === own.domainEnd,
    sameDisplay: given.start.every((x, i) => x === own.start[i]) && given.value.every((x, i) => x === own.value[i]),
    sameColumns,
    streamed,
    ids: given.ids ? given.ids.length : -1,
  };
}
"""


def _layout_matches(ui, graph: dict) -> dict:
    import base64

    from sessionprof_ls.flame import encode_base64
    from sessionprof_ls.flame_columns import columns_body

    answer = encode_base64(graph)
    assert answer["layout"] and len(answer["layout"]["rowCounts"]) >= 1  # the server laid it out
    columns = base64.b64encode(columns_body(answer) or b"").decode()
    # the modules themselves, in a page of the same server without the app's nonce CSP (the app's
    # page runs app.bundle.js and lets no other script in)
    page = ui.page.context.new_page()
    try:
        page.goto("/".join(ui.page.url.split("/", 3)[:3]) + "/static/README.md")
        res = page.evaluate(LAYOUT_JS, [answer, columns])
    finally:
        page.close()
    assert res["sameColumns"] and res["streamed"] and res["ids"] == len(graph["frames"]["start"]), res
    assert res["n"] == len(graph["frames"]["start"]) and res["rows"] == len(answer["layout"]["rowCounts"])
    assert res["sameRow"] and res["sameOrder"] and res["sameStarts"] and res["sameIdle"] and res["sameDisplay"], res
    assert res["lanes"][0] == res["lanes"][1] and res["idle"][0] == res["idle"][1], res
    return res


def test_server_layout_equals_the_pages_own(open_ui, fx: SessionData):
    """issue 13: the rows the server sends with a base64 time view (flame_layout.py) are the
    ones the page computes itself (lanes.js laneRows, idle gaps, grouping by row)."""
    ui = open_ui(fx)
    ui.settle()
    _layout_matches(ui, fx.fg("time"))


def test_server_layout_equals_the_pages_own_with_lanes_and_idle_gaps(open_ui, fixture_data: SessionData):
    """The benchmark's synthetic sessions: many parallel siblings, nested subagents and idle
    gaps (the real fixtures have few of those)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from flame_synth import synthesize

    ui = open_ui(fixture_data)
    ui.settle()
    for n in (300, 5000):
        res = _layout_matches(ui, synthesize(n))
        assert res["lanes"][0] > n // 20 and res["idle"][0] >= (n > 1000), res


AXIS_LABEL = re.compile(r"^(\d+ms|\d+(\.\d+)?s|\d+:\d\d(:\d\d)?(\.\d+)?)$")


def test_time_axis_labels_adapt_to_the_zoom(open_ui, fx: SessionData):
    ui = open_ui(fx)
    ui.settle()
    total = fx.fg("time")["total"]
    labels = ui.hook("axisLabels()")
    ticks = [t for t in labels if not t["label"].startswith("idle")]
    assert len(ticks) >= 3 and all(AXIS_LABEL.match(t["label"]) for t in ticks), labels
    xs = [t["x"] for t in ticks]
    assert xs == sorted(xs) and ticks[0]["label"] in ("0s", "0ms")
    # 2 seconds wide: sub-second labels
    mid = total / 2
    ui.page.evaluate("([s, e]) => window.__sessionprof.zoomTo(s, e)", [mid - 1000, mid + 1000])
    ui.settle()
    fine = [t["label"] for t in ui.hook("axisLabels()") if not t["label"].startswith("idle")]
    assert (
        len(fine) >= 3 and all(AXIS_LABEL.match(t) for t in fine) and any("." in t or t.endswith("ms") for t in fine)
    ), fine


# ------------------------------------------------------------------ navigation


def expected_matches(fg: dict, q: str) -> int:
    return sum(q.lower() in str(fg["strings"][k]).lower() for k in fg["frames"]["name"])


def test_search_counts_highlights_and_steps(open_ui, fx: SessionData):
    ui = open_ui(fx)
    ui.settle()
    fg = fx.fg("time")
    names = [str(fg["strings"][k]) for k in fg["frames"]["name"][1:]]
    q = max(set(names), key=names.count)[:6]
    want = expected_matches(fg, q)
    assert want >= 1
    ui.page.focus("#flame-canvas")
    ui.page.keyboard.press("Control+f")
    assert ui.page.evaluate("document.activeElement.id") == "flame-search"
    ui.page.keyboard.type(q)
    count = ui.page.locator("#flame-search-count")
    assert count.inner_text() == f"{want:,} {'match' if want == 1 else 'matches'}"
    ui.page.keyboard.press("Enter")
    assert count.inner_text() == f"1 of {want:,}"
    first = ui.hook("selected()")
    assert q.lower() in first["name"].lower()
    if want > 1:
        ui.page.keyboard.press("Enter")
        assert count.inner_text() == f"2 of {want:,}"
        assert ui.hook("selected()")["index"] != first["index"]
    # non-matching frames are drawn faded, matching ones in their own colour
    ui.settle()
    assert ui.hook("drawnRects()")
    ui.page.keyboard.press("Escape")
    assert count.inner_text() == ""
    # '/' also opens the search
    ui.page.focus("#flame-canvas")
    ui.page.keyboard.press("/")
    assert ui.page.evaluate("document.activeElement.id") == "flame-search"
    ui.page.keyboard.type("zzzz-no-such-frame")
    assert count.inner_text() == "no match"
    assert ui.console_errors == []


def sandwich_expected(fg: dict, name_idx: int) -> tuple[float, dict, dict]:
    f = fg["frames"]
    n = len(f["start"])

    def has_ancestor(i):
        p = f["parent"][i]
        while p >= 0:
            if f["name"][p] == name_idx:
                return True
            p = f["parent"][p]
        return False

    total, callers, callees = 0.0, {}, {}
    for i in range(n):
        p = f["parent"][i]
        if f["name"][i] == name_idx:
            if not has_ancestor(i):
                total += f["value"][i]
            if p >= 0:
                k = fg["strings"][f["name"][p]]
                callers[k] = callers.get(k, 0) + f["value"][i]
        elif p >= 0 and f["name"][p] == name_idx:
            k = fg["strings"][f["name"][i]]
            callees[k] = callees.get(k, 0) + f["value"][i]
    return total, callers, callees


def test_sandwich_shows_callers_and_callees_with_totals(open_ui, fx: SessionData):
    ui = open_ui(fx)
    ui.settle()
    fg = fx.fg("time")
    f = fg["frames"]
    # a name called from somewhere that calls something: a frame with a parent and children
    parents = {f["parent"][i] for i in range(len(f["start"]))}
    cand = [i for i in range(1, len(f["start"])) if i in parents]
    i = max(cand, key=lambda i: f["value"][i])
    k = f["name"][i]
    name = str(fg["strings"][k])
    total, callers, callees = sandwich_expected(fg, k)
    ui.page.locator("#flame-top button.name-link", has_text=name).first.click()
    self_row = ui.page.locator("#flame-sandwich .sw-self")
    self_row.wait_for()
    assert self_row.get_attribute("data-name") == name
    assert float(self_row.get_attribute("data-total")) == pytest.approx(total)
    got = lambda cls: {
        li.get_attribute("data-name"): float(li.get_attribute("data-total"))
        for li in ui.page.locator(f"#flame-sandwich .{cls} li").all()
    }  # noqa: E731
    assert got("callers") == pytest.approx(callers)
    assert got("callees") == pytest.approx(callees) and callees
    # the top-frames list is DOM text, widest total first
    first = ui.page.locator("#flame-top tbody tr").first.locator("td").first.inner_text()
    assert first == str(fg["strings"][f["name"][0]])


def test_minimap_drag_moves_the_view_and_breadcrumb_goes_back(open_ui, fx: SessionData):
    ui = open_ui(fx)
    ui.settle()
    D = ui.hook("viewRange()")[1]
    ui.page.evaluate("([s, e]) => window.__sessionprof.zoomTo(s, e)", [0, D * 0.1])
    ui.settle()
    mm = ui.page.locator("#flame-minimap").bounding_box()
    W = ui.hook("canvasWidth()")
    x = mm["x"] + W * 0.05
    y = mm["y"] + mm["height"] / 2
    ui.page.mouse.move(x, y)
    ui.page.mouse.down()
    ui.page.mouse.move(x + 100, y, steps=4)
    ui.page.mouse.move(x + 200, y, steps=4)
    ui.page.mouse.up()
    ui.settle()
    vs, ve = ui.hook("viewRange()")
    assert ve - vs == pytest.approx(D * 0.1)
    assert vs == pytest.approx(200 / W * D, rel=0.02)
    # zooms into two frames are remembered; Back returns to each in turn
    f = fx.fg("time")["frames"]
    kids = [i for i in range(len(f["start"])) if f["parent"][i] == 1 and f["value"][i] > 0]
    ui.page.evaluate("i => window.__sessionprof.zoomToFrame(i)", 1)
    if kids:
        ui.page.evaluate("i => window.__sessionprof.zoomToFrame(i)", kids[0])
    crumbs = ui.page.locator("#flame-crumbs .crumb")
    assert crumbs.count() == (3 if kids else 2)
    assert crumbs.first.inner_text() == "Whole session"
    ui.page.click("#flame-back")
    if kids:
        assert ui.hook("viewRange()") == pytest.approx([f["start"][1], f["start"][1] + f["value"][1]])
        ui.page.click("#flame-back")
    assert ui.hook("viewRange()") == pytest.approx([vs, ve])
    assert ui.page.locator("#flame-back").is_disabled()


# ------------------------------------------------------------------ tables


def column(ui, table: str, k: int) -> list[str]:
    return ui.page.locator(f"{table} tbody tr:not(.spacer)").evaluate_all(f"rs => rs.map(r => r.cells[{k}].innerText)")


def num(s: str) -> float:
    s = s.replace(",", "").replace("$", "").replace("%", "").strip()
    return float(s) if s not in ("", "–", "price unknown", "not recorded") else float("inf")


def test_tables_sort_by_every_column(open_ui, fx: SessionData):
    ui = open_ui(fx)
    ui.settle()
    ui.page.click("#tab-tokens")
    table = "#tokens-by-message table"
    msgs = fx.perf["tokensByMessage"]
    heads = ui.page.locator(f"{table} thead th")
    assert heads.count() == 10
    for k in range(heads.count()):
        head = heads.nth(k)
        head.locator("button").click()
        first = head.get_attribute("aria-sort")
        head.locator("button").click()
        second = head.get_attribute("aria-sort")
        assert {first, second} == {"ascending", "descending"}
        vals = column(ui, table, k)
        assert len(vals) == len(msgs)
        if k == 0:  # MSG shows each row's label, sorted by its index
            order = sorted(msgs, key=lambda m: m["index"], reverse=second == "descending")
            assert vals == [m.get("label") or f"#{m['index']}" for m in order]
        elif k in (3, 4, 5, 6, 7, 8):
            keyed = [num(v.lstrip("#")) for v in vals]
            finite = [v for v in keyed if v != float("inf")]
            assert finite == sorted(finite, reverse=second == "descending")
        else:
            assert (
                vals == sorted(vals, key=lambda s: s.lower(), reverse=second == "descending")
                or len(set(vals)) <= 1
                or k in (1, 2, 9)
            )
    # the TOTAL column in numbers from the engine
    heads.nth(7).locator("button").click()
    if heads.nth(7).get_attribute("aria-sort") != "descending":
        heads.nth(7).locator("button").click()
    shown = [num(v) for v in column(ui, table, 7)]  # inf: "not recorded" (usage the source did not record)
    assert [v for v in shown if v != float("inf")] == sorted(
        (m["total"] for m in msgs if m.get("usageRecorded", True)), reverse=True
    )
    assert shown.count(float("inf")) == sum(m.get("usageRecorded", True) is False for m in msgs)


def test_long_tables_are_virtual_and_sortable(open_ui, fixture_data: SessionData):
    big = SessionData(
        **{k: getattr(fixture_data, k) for k in ("session_id", "sessions", "flame", "events")},
        performance={fixture_data.session_id: dict(fixture_data.perf)},
    )
    base = fixture_data.perf["tokensByMessage"]
    rows = [dict(base[i % len(base)], index=i + 1, total=(i * 7919) % 5003, usageRecorded=True) for i in range(3000)]
    big.performance[big.session_id]["tokensByMessage"] = rows
    ui = open_ui(big)
    ui.settle()
    ui.page.click("#tab-tokens")
    table = "#tokens-by-message table"
    ui.wait(f"document.querySelectorAll('{table} tbody tr:not(.spacer)').length > 0")
    shown = ui.page.locator(f"{table} tbody tr:not(.spacer)").count()
    assert 0 < shown < 200  # only the rows in view (plus overscan) exist
    assert ui.page.locator(table).get_attribute("aria-rowcount") == "3001"
    ui.page.locator(f"{table} thead th").nth(7).locator("button").click()
    assert [num(v) for v in column(ui, table, 7)][:20] == sorted((r["total"] for r in rows), reverse=True)[:20]
    # scrolling to the end renders the last rows
    ui.page.locator("#tokens-by-message .table-scroll").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    ui.wait(
        f"[...document.querySelectorAll('{table} tbody tr:not(.spacer)')]"
        ".some(r => r.getAttribute('aria-rowindex') === '3001')"
    )
    assert ui.console_errors == []


# ------------------------------------------------------------------ accessibility

CONTRAST_JS = """
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, under) => {
    const a = top[3]; return [0, 1, 2].map((k) => top[k] * a + under[k] * (1 - a)).concat(1);
  };
  const bgOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    if (layers.length && layers[layers.length - 1][3] >= 1) bg = layers.pop();
    while (layers.length) bg = over(layers.pop(), bg);
    return bg;
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let checked = 0;
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.textContent.trim()) continue;
    const el = t.parentElement;
    if (!el || !el.getClientRects().length || el.closest('[hidden]')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || +cs.opacity === 0) continue;
    const bg = bgOf(el);
    let fg = parse(cs.color);
    fg = over(fg, bg);
    const a = lum(fg), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked++;
    if (ratio < 4.5) {
      out.push([t.textContent.trim().slice(0, 40), el.className, cs.color, bg.join(','), ratio.toFixed(2)]);
    }
  }
  return {checked, out};
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_has_4_5_contrast(open_ui, fx: SessionData, scheme, artifacts):
    ui = open_ui(fx, color_scheme=scheme)
    ui.settle()
    # a tooltip and the selected frame's details are on screen too
    box = ui.canvas_box()
    ui.page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + 9)
    ui.page.locator("#flame-details h3").wait_for()
    ui.page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + 27)
    checked = 0
    for tab in ("overview", "tokens", "timeline", "suggestions"):
        if tab != "overview":
            ui.page.click(f"#tab-{tab}")
            ui.page.wait_for_timeout(50)
        res = ui.page.evaluate(CONTRAST_JS)
        assert res["out"] == [], (tab, res["out"])
        checked += res["checked"]
    assert checked > 50
    # canvas labels: every fill/text pair painted, faded ones of a search included
    ui.page.click("#tab-overview")
    ui.page.fill("#flame-search", "e")
    ui.settle()
    pairs = ui.hook("labelColors()")
    assert pairs and all(ratio(*p.split("|")) >= 4.5 for p in pairs), pairs
    if fx is _cache.get(FIXTURE_FILES[-1]):
        ui.page.screenshot(path=str(artifacts / f"webui-contrast-{scheme}.png"), full_page=True)


def test_focus_ring_tabs_and_800x600(open_ui, fx: SessionData, artifacts):
    ui = open_ui(fx, width=800, height=600)
    ui.settle()
    wrap = ui.page.locator("#flame-wrap")
    style = (
        "el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth,"
        " getComputedStyle(el).outlineColor]"
    )
    assert wrap.evaluate(style)[0] == "none"
    # keyboard: from the search box, Shift+Tab... reach the canvas with Tab from the Reset button
    ui.page.focus("#flame-reset")
    for _ in range(12):
        ui.page.keyboard.press("Tab")
        if ui.page.evaluate("document.activeElement.id") == "flame-canvas":
            break
    assert ui.page.evaluate("document.activeElement.id") == "flame-canvas"
    ring = wrap.evaluate(style)
    assert ring[0] == "solid" and float(ring[1][:-2]) >= 2
    # drawn: the pixel just left of the graph is the ring's colour
    b = wrap.bounding_box()
    shot = ui.page.screenshot(clip={"x": b["x"] - 4, "y": b["y"] + 10, "width": 2, "height": 2})
    px = first_pixel(shot)
    want = tuple(int(v) for v in re.findall(r"\d+", ring[2])[:3])
    assert max(abs(a - c) for a, c in zip(px, want, strict=True)) <= 8, (px, want)
    # the graph is in the first screen at 800x600 and uses the height it has
    assert b["y"] < 330 and b["height"] >= min(150, ui.hook("rowCount()") * 18)
    assert ui.page.evaluate("document.documentElement.scrollWidth") <= 800
    # tabs: arrows move and select, Home/End jump
    ui.page.focus("#tab-overview")
    ui.page.keyboard.press("ArrowRight")
    assert ui.page.evaluate("document.activeElement.id") == "tab-tokens"
    assert (
        ui.page.get_attribute("#tab-tokens", "aria-selected") == "true"
        and not ui.page.locator("#panel-tokens").is_hidden()
    )
    ui.page.keyboard.press("End")
    assert ui.page.get_attribute("#tab-suggestions", "aria-selected") == "true"
    ui.page.keyboard.press("ArrowRight")
    assert ui.page.get_attribute("#tab-overview", "aria-selected") == "true"
    assert ui.page.get_attribute("#tab-tokens", "tabindex") == "-1"
    assert ui.console_errors == [] and ui.page.evaluate("window.__cspViolations") == []


# ------------------------------------------------------------------ parallel work and idle gaps


def parallel_session(fixture_data: SessionData) -> SessionData:
    """Two tools and a Task running together, the Task's subagent with its own work, then
    20 minutes of nothing before the next turn."""
    S = 1000.0
    spans = [  # name, type, parent, start, end
        ("Session", "session", -1, 0, 1300 * S),
        ("Turn 1", "agent", 0, 0, 60 * S),
        ("Read", "tool_execution", 1, 1 * S, 20 * S),
        ("Bash", "tool_execution", 1, 2 * S, 30 * S),
        ("Task", "tool_execution", 1, 3 * S, 50 * S),
        ("Subagent: explore", "agent", 4, 4 * S, 49 * S),
        ("Response #1", "ai_response", 5, 5 * S, 10 * S),
        ("Grep", "tool_execution", 5, 11 * S, 30 * S),
        ("Glob", "tool_execution", 5, 12 * S, 25 * S),
        ("Response #2", "ai_response", 1, 51 * S, 60 * S),
        ("Turn 2", "agent", 0, 1260 * S, 1300 * S),
        ("Response #3", "ai_response", 10, 1261 * S, 1290 * S),
    ]
    types = ["session", "agent", "ai_response", "tool_execution"]
    strings = [s[0] for s in spans]
    depth = []
    for _name, _typ, p, _a, _b in spans:
        depth.append(depth[p] + 1 if p >= 0 else 0)
    fg = {
        "sessionId": "parallel",
        "view": "time",
        "weight": "time",
        "unit": "ms",
        "total": 1300 * S,
        "maxDepth": max(depth),
        "strings": strings,
        "types": types,
        "encoding": "json",
        "frames": {
            "name": list(range(len(spans))),
            "type": [types.index(s[1]) for s in spans],
            "depth": depth,
            "start": [s[3] for s in spans],
            "value": [s[4] - s[3] for s in spans],
            "parent": [s[2] for s in spans],
            "id": [None] + [f"p{i}" for i in range(1, len(spans))],
            "count": None,
        },
    }
    perf = dict(fixture_data.perf, sessionId="parallel", title="parallel", tokensByMessage=[], tokensByFile=[])
    return SessionData(
        "parallel",
        [{"sessionId": "parallel", "title": "parallel", "totalTokens": 0, "eventCount": len(spans)}],
        {"parallel": perf},
        {"parallel": {"time": fg, "aggregate": fg, "tokens": fg}},
        {"parallel": {}},
    )


def test_parallel_calls_get_lanes_and_idle_gaps_collapse(open_ui, fixture_data: SessionData, artifacts):
    data = parallel_session(fixture_data)
    ui = open_ui(data)
    ui.settle()
    rows = ui.rows()
    # Read, Bash and Task overlap: three lanes under Turn 1; the subagent under its Task;
    # Grep and Glob overlap inside the subagent: two lanes there
    assert len({rows[2], rows[3], rows[4]}) == 3 and min(rows[2], rows[3], rows[4]) == rows[1] + 1
    assert rows[5] == rows[4] + 1 and rows[6] == rows[7] == rows[5] + 1 and rows[8] == rows[7] + 1
    assert rows[9] == rows[2]  # after the parallel work, back in the first lane
    assert overlaps(ui.hook("drawnRects()")) == []
    assert ui.page.evaluate(HIT_ALL_JS)["bad"] == []
    # the 20-minute gap is collapsed and says how long it was
    gaps = ui.hook("idleGaps()")
    assert len(gaps) == 1 and gaps[0]["start"] == 60000 and gaps[0]["end"] == 1260000
    D = ui.hook("viewRange()")[1]
    assert D < 1300000 * 0.2  # the graph shows the work, not the wait
    assert any(t["label"] == "idle 20m 00s" for t in ui.hook("axisLabels()"))
    # real times in the tooltip of a frame after the gap
    ui.settle()
    box = ui.canvas_box()
    b = ui.hook("frameBox(11)")
    ui.page.mouse.move(box["x"] + b["x"] + b["w"] / 2, box["y"] + b["y"] + 9)
    tip = ui.page.locator("#flame-tooltip")
    tip.wait_for(state="visible")
    assert "Response #3" in tip.inner_text() and "starts at 21m 01s" in tip.inner_text() and "29.0s" in tip.inner_text()
    ui.page.screenshot(path=str(artifacts / "webui-parallel-light.png"))


def test_aggregated_view_counts_and_lists_merged_calls_over_base64(
    open_ui, ui_server, fixture_engine, fixture_data: SessionData
):
    # the browser page gets base64 columns from the server: the merge count must survive them
    ui_server.engine = fixture_engine
    ui = open_ui(None, config={"mode": "http", "token": ui_server.token})
    ui.settle()
    ui.page.locator('.mode[data-mode="aggregate"]').click()
    agg = fixture_engine.flame_graph(fixture_data.session_id, "aggregate", "time")
    f = agg["frames"]
    ui.wait(f"window.__sessionprof.mode() === 'aggregate' && window.__sessionprof.frameCount() === {len(f['start'])}")
    ui.settle()
    assert [r["params"].get("encoding") for r in ui_server.rpc_log if r["method"] == "sessionprof/flameGraph"][
        -1
    ] == "base64"
    i = max((i for i in range(1, len(f["start"])) if f["count"][i] > 1), key=lambda i: f["value"][i])
    assert ui.hook(f"frame({i})")["count"] == f["count"][i]
    b = ui.hook(f"frameBox({i})")
    box = ui.canvas_box()
    ui.page.mouse.move(box["x"] + b["x"] + min(b["w"], 40) / 2, box["y"] + b["y"] + 9)
    tip = ui.page.locator("#flame-tooltip")
    tip.wait_for(state="visible")
    assert f"{f['count'][i]:,} calls merged" in tip.inner_text()
    assert any(
        f"×{f['count'][k]}" in t
        for k in range(1, len(f["start"]))
        if f["count"][k] > 1
        for t in ui.hook("drawnLabels()")
    )
    ui.page.mouse.click(box["x"] + b["x"] + min(b["w"], 40) / 2, box["y"] + b["y"] + 9)
    members = ui.page.locator("#flame-details .members li")
    members.first.wait_for()
    assert members.count() == len(f["members"][i]) == min(f["count"][i], 100)
    # each member is named from its event, and leads to it in the time view
    names = {fixture_engine.event(fixture_data.session_id, eid)["name"] for eid in f["members"][i]}
    ui.wait(
        "[...document.querySelectorAll('#flame-details .members li')]"
        f".every(li => !li.innerText.startsWith('{f['members'][i][0][:4]}'))"
    )
    shown = {t.rsplit(" (", 1)[0] for t in members.all_inner_texts()}
    assert shown == names
    members.first.locator("button").click()
    ui.wait(
        "window.__sessionprof.mode() === 'time'"
        f" && (window.__sessionprof.selected() || {{}}).id === '{f['members'][i][0]}'"
    )
    assert ui.console_errors == []


def test_webview_follows_a_vscode_theme_change_live(open_ui, fixture_data: SessionData):
    # the panel opened in a light theme (config.theme, as panel.ts sends it) ...
    ui = open_ui(fixture_data, config={"theme": "light"})
    ui.settle()
    px = lambda: ui.page.evaluate(
        "() => { const c = document.getElementById('flame-canvas');"
        " return Array.from(c.getContext('2d').getImageData(c.width - 1, c.height - 1, 1, 1).data.slice(0, 3)); }"
    )  # noqa: E731
    assert ui.page.evaluate("document.documentElement.dataset.theme") == "light" and px() == [255, 255, 255]
    # ... then the user picks a dark theme: VS Code swaps the body class and the variables
    ui.page.evaluate("""() => { document.documentElement.style.setProperty('--vscode-editor-background', '#1e1e1e');
      document.documentElement.style.setProperty('--vscode-editor-foreground', '#d4d4d4');
      document.body.className = 'vscode-dark'; }""")
    ui.wait("document.documentElement.dataset.theme === 'dark'")
    ui.settle()
    assert ui.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(30, 30, 30)"
    assert px() == [30, 30, 30]
    assert (
        ui.page.evaluate("getComputedStyle(document.querySelector('.hint')).color") == "rgb(161, 161, 170)"
    )  # dark muted
    ui.page.evaluate("""() => { document.documentElement.style.setProperty('--vscode-editor-background', '#fffffe');
      document.body.className = 'vscode-light'; }""")
    ui.wait("document.documentElement.dataset.theme === 'light'")
    ui.settle()
    assert px() == [255, 255, 254]


def hover_tooltip(ui, i: int) -> str:
    ui.page.evaluate("i => window.__sessionprof.zoomToFrame(i)", i)
    ui.settle()
    b = ui.hook(f"frameBox({i})")
    box = ui.canvas_box()
    ui.page.mouse.move(box["x"] + 5, box["y"] + box["height"] - 2)  # off the frame first
    ui.page.mouse.move(box["x"] + b["x"] + b["w"] / 2, box["y"] + b["y"] + 9)
    tip = ui.page.locator("#flame-tooltip")
    tip.locator("dl.tt-fields").wait_for()
    return tip.inner_text()


def test_tooltips_say_what_each_type_of_frame_did(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data)
    ui.settle()
    fg = fixture_data.fg("time")
    f = fg["frames"]
    events = fixture_data.events[fixture_data.session_id]
    kind = lambda i: fg["types"][f["type"][i]]  # noqa: E731
    # a response: model, the four token counts, cost
    i = next(i for i in range(len(f["start"])) if kind(i) == "ai_response" and events.get(f["id"][i], {}).get("cost"))
    ev = events[f["id"][i]]
    t = ev["metadata"]["tokens"]
    text = hover_tooltip(ui, i)
    assert ev["metadata"]["model"] in text
    assert (
        f"in {t['input']:,} • out {t['output']:,} • cache read {t['cacheRead']:,} • cache write {t['cacheWrite']:,}"
        in text
    )
    assert f"${ev['cost']:.4f}" in text
    # a tool: its command and its status (with the error)
    i = next(
        i
        for i in range(len(f["start"]))
        if kind(i) == "tool_execution"
        and events[f["id"][i]]["metadata"].get("status") == "error"
        and "command" in (events[f["id"][i]]["metadata"].get("args") or {})
    )
    m = events[f["id"][i]]["metadata"]
    text = hover_tooltip(ui, i)
    assert m["args"]["command"][:60] in text and "Status" in text and "error" in text
    # a subagent: the task its Task call gave it
    i = next(
        i
        for i in range(len(f["start"]))
        if kind(i) == "agent" and f["parent"][i] > 0 and fg["types"][f["type"][f["parent"][i]]] == "tool_execution"
    )
    task = events[f["id"][f["parent"][i]]]["metadata"]["args"]["description"]
    text = hover_tooltip(ui, i)
    assert "Task" in text and task in text
    assert ui.console_errors == []


def test_zoom_keeps_the_ancestors_in_view_and_a_click_away(open_ui, fx: SessionData):
    ui = open_ui(fx, width=800, height=600)
    ui.settle()
    f = fx.fg("time")["frames"]
    rows = ui.rows()
    deepest = max(range(len(f["start"])), key=lambda i: (rows[i], f["value"][i]))
    ui.page.evaluate("i => window.__sessionprof.zoomToFrame(i)", deepest)
    ui.settle()
    chain = []
    p = f["parent"][deepest]
    while p >= 0:
        chain.insert(0, p)
        p = f["parent"][p]
    links = ui.page.locator("#flame-path button")
    assert [int(b.get_attribute("data-frame")) for b in links.all()] == chain
    # the frame and as many ancestor rows as fit are on screen; each ancestor spans the view
    H, top = ui.hook("canvasHeight()"), ui.hook("scrollTop()")
    assert 0 <= rows[deepest] * 18 - top < H
    visible = [a for a in chain if rows[a] * 18 - top >= 0]
    assert visible and all(ui.hook(f"frameBox({a})")["x"] <= 1 for a in visible)
    assert len(visible) == len(chain) or rows[visible[0]] * 18 - top < 18 * 2
    # an ancestor link zooms to it
    links.last.click()
    assert ui.hook("selected()")["index"] == chain[-1]


def test_no_word_breaks_in_tables_at_800px(open_ui, fixture_data: SessionData):
    ui = open_ui(fixture_data, width=800, height=600)
    ui.settle()
    for tab in ("tokens", "timeline"):
        ui.page.click(f"#tab-{tab}")
        ui.page.wait_for_timeout(100)
        broken = ui.page.evaluate("""() => {
          const out = [];
          const cells = '.panel:not([hidden]) table.data td, .panel:not([hidden]) table.data th';
          for (const td of document.querySelectorAll(cells)) {
            const w = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
            for (let t = w.nextNode(); t; t = w.nextNode()) {
              for (const m of t.textContent.matchAll(/\\S+/g)) {
                const r = document.createRange();
                r.setStart(t, m.index);
                r.setEnd(t, m.index + m[0].length);
                const lines = new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top)));
                if (lines.size > 1) out.push(m[0]);
              }
            }
          }
          return out;
        }""")
        assert broken == [], (tab, broken[:10])
    # the overview's top-frames table too; cut cells keep their whole text as the title
    ui.page.click("#tab-overview")
    first = ui.page.locator("#flame-top tbody tr").first.locator("td").first
    assert first.get_attribute("title") == first.inner_text() != ""
