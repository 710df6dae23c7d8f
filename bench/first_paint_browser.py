"""Where the real server's first paint goes: `sessionprof ui` + Chromium, broken down.

bench_flame_ui.py's real-server case gives one number (navigation start to the frame after
the graph's first draw, target 0.5 s at 100k events). This runs the same setup and splits it
with the page's own timings (Navigation/Resource Timing, app.js's performance marks):
  page     navigation start -> the page's scripts loaded (DOMContentLoaded, modules);
  <rpc>    per request: sent (ms after navigation start), wait (request -> first byte: the
           server's time, queueing behind the other request included), transfer (first ->
           last byte) and its size;
  parse    flame response end -> app.js `sessionprof:fetched` (response.json());
  build    `fetched` -> `built` (buildFlameData: decode, lanes, rows);
  paint    `built` -> the frame after the first draw (the paint probe).
Run: .venv/bin/python bench/first_paint_browser.py [--events 100000] [--repeat 3] [--settle 3]
     (--as-bench-flame-ui: only bench_flame_ui.py's real-server number, cold run then warm ones)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_flame_ui import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    ingested_store,
    probed_page,
    start_ui,
    wait_first_paint,
)
from flame_synth import synthesize  # noqa: E402

# which request each /v1/rpc fetch was (Resource Timing does not say): noted at fetch time
FETCH_PROBE_JS = """
(() => {
  const orig = window.fetch;
  window.__rpcs = [];
  window.fetch = function (url, init) {
    try {
      if (String(url).includes('/v1/rpc') && init && init.body) {
        const m = JSON.parse(init.body);
        window.__rpcs.push({method: m.method, params: m.params, at: performance.now()});
      }
    } catch (_) {}
    return orig.apply(this, arguments);
  };
})();
"""

COLLECT_JS = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const mark = (n) => { const m = performance.getEntriesByName(n); return m.length ? m[0].startTime : null; };
  const scripts = res.filter(r => r.name.includes('/static/')).map(r => r.responseEnd);
  // the fetches and their timing entries, both in the order they were started
  const entries = res.filter(e => e.name.includes('/v1/rpc')).sort((a, b) => a.startTime - b.startTime);
  const rpcs = window.__rpcs.map((c, k) => {
    const r = entries[k] || {};
    return {method: c.method.split('/').pop(), params: c.params, sent: c.at, requestStart: r.requestStart,
      responseStart: r.responseStart, responseEnd: r.responseEnd, size: r.encodedBodySize};
  });
  return {html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
    scripts: scripts.length ? Math.max(...scripts) : null,
    fetched: mark('sessionprof:fetched'), built: mark('sessionprof:built'), paint: window.__bench.paintAt, rpcs};
}
"""


def measure(browser, url: str, timeout_s: float = 120) -> dict:
    with probed_page(browser, url, FETCH_PROBE_JS) as page:
        wait_first_paint(page, url, timeout_s)
        page.wait_for_timeout(300)  # the second answer, if it is still coming
        return page.evaluate(COLLECT_JS)


def breakdown(m: dict) -> dict[str, float]:
    """Milliseconds per phase of one run (see the module docstring)."""
    out = {"total": m["paint"], "page": max(m["dcl"], m["scripts"] or 0)}
    done = [r for r in m["rpcs"] if r["responseEnd"]]
    flames = [r for r in done if r["method"] == "flameGraph"]
    out["flame requests"] = len(flames)
    # the answer the page painted: the last graph that had arrived when app.js had it parsed
    painted = [r for r in flames if m["fetched"] and r["responseEnd"] <= m["fetched"]]
    flame = painted[-1] if painted else None
    perf = next((r for r in done if r["method"] == "performance" and flame and r["sent"] >= flame["sent"]), None)
    for key, r in (("flame", flame), ("perf", perf)):
        if r is None:
            continue
        out[f"{key}.sent"] = r["sent"]
        out[f"{key}.wait"] = r["responseStart"] - r["requestStart"]
        out[f"{key}.transfer"] = r["responseEnd"] - r["responseStart"]
        out[f"{key}.MB"] = (r["size"] or 0) / 1e6
    if flame and m["fetched"]:
        out["parse"] = m["fetched"] - flame["responseEnd"]
    if m["fetched"] and m["built"]:
        out["build"] = m["built"] - m["fetched"]
    if m["built"]:
        out["paint"] = m["paint"] - m["built"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="page loads per server (the first is cold-ish)")
    ap.add_argument("--settle", type=float, default=0.0, help="seconds between the URL and the first load")
    ap.add_argument(
        "--as-bench-flame-ui", action="store_true", help="only bench_flame_ui.py's real-server case (its number)"
    )
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if args.as_bench_flame_ui:
        from bench_flame_ui import measure_real_server

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            runs, events = measure_real_server(browser, synthesize(args.events + 1), args.repeat)
            browser.close()
        print(
            f"[real server] {events:,} events, load {os.getloadavg()[0]:.1f}: first paint"
            f" {statistics.median(runs):.3f} s median of {[round(r, 3) for r in runs]} (target 0.5 s)"
        )
        return 0

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        fg = synthesize(args.events + 1)
        store = ingested_store(fg, tmp)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        proc, url = start_ui(store, fg["sessionId"], tmp, stderr=subprocess.DEVNULL)
        try:
            time.sleep(args.settle)
            runs = [breakdown(measure(browser, url)) for _ in range(args.repeat)]
        finally:
            proc.terminate()
            proc.wait(10)
            browser.close()
    keys = list(dict.fromkeys(k for r in runs for k in r))
    print(f"{args.events:,} events, settle {args.settle} s, load {os.getloadavg()[0]:.1f}; ms (MB), runs then median")
    for k in keys:
        vals = [r[k] for r in runs if k in r]
        fmt = "{:.2f}" if k.endswith(".MB") else "{:.0f}"
        print(f"  {k:<22} {' '.join(fmt.format(v) for v in vals):<30} {fmt.format(statistics.median(vals))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
