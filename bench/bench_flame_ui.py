"""Flame graph UI benchmark in headless Chromium: ours vs speedscope, same run.

Synthesizes sessions of 100k and 1M spans with parallel tool calls, subagents running
beside their caller's other tools and idle gaps (flame_synth.py; >= 20% of spans overlap
a sibling), serves them on loopback as the real server answers our page (the real web UI in
browser mode, /v1/rpc: the base64 FlameGraph with its layout, as raw columns when the page
asks for them, sessionprof_ls/flame_columns.py; the same CSP, TCP_NODELAY) and as
speedscope "evented" JSON (one profile per lane, as a
speedscope profile is one well-nested stack; speedscope's npm release build,
`#profileURL=`), and measures:
  - time to first paint from navigation start (fetch + parse + lanes + draw, plus one frame);
  - for ours, the p95 time to draw one frame while zooming in and out, and the p95 of a
    hover (hit test + overlay redraw) at 300 points;
  - first paint of a 100k-event session through the real server (`sessionprof ui`: the
    store, the analysis, the flame graph request, the page).
Targets (issue 13): first paint <= 0.25x speedscope's at 100k and 1M, real server
100k <= 0.5 s, hover and zoom frame p95 <= 4 ms at 100k.

Needs: scripts/install-chromium.sh, scripts/install-speedscope.sh.
Run:   .venv/bin/python bench/bench_flame_ui.py [--sizes 100000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WEB = ROOT / "editor-clients" / "web"
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))
from flame_synth import overlap_share, synthesize, to_events, to_speedscope  # noqa: E402

# the Chromium flags that work on these machines, shared with the browser tests
from sp_fixtures import CHROMIUM, CHROMIUM_ARGS, send_response  # noqa: E402

from sessionprof_ls.flame_columns import COLUMNS_TYPE, columns_body, wants_columns  # noqa: E402
from sessionprof_ls.http_api import csp as real_csp  # noqa: E402
from sessionprof_ls.http_api import render_index  # noqa: E402

# First paint: the first animation frame after the page's flame graph was drawn.
PAINT_PROBE_JS = """
(() => {
  window.__bench = {paintAt: 0};
  let seen = 0;
  const ready = () => {
    if (window.__sessionprof) return window.__sessionprof.firstPaintAt() > 0;
    // speedscope sets the title once the profile is loaded, then renders on the next frames
    return document.title.endsWith(' - speedscope') && !!document.querySelector('canvas');
  };
  const tick = () => {
    if (ready()) seen++;
    const need = window.__sessionprof ? 1 : 2;
    if (seen >= need) { window.__bench.paintAt = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""

ZOOM_JS = """
async (steps) => {
  const sp = window.__sessionprof;
  const w = sp.canvasWidth();
  const draws = [], intervals = [];
  let last = performance.now();
  for (let k = 0; k < steps; k++) {
    await new Promise(r => requestAnimationFrame(r));
    const now = performance.now();
    if (k > 0) { intervals.push(now - last); draws.push(sp.lastPaintMs()); }
    last = now;
    sp.zoomAt(w * 0.37, k < steps / 2 ? 0.88 : 1 / 0.88);
  }
  await new Promise(r => requestAnimationFrame(r));
  draws.push(sp.lastPaintMs());
  return {draws, intervals, visible: sp.visibleFrameCount(), merged: sp.mergedColumnCount()};
}
"""


def perf_stub(fg: dict) -> dict:
    n = len(fg["frames"]["start"])
    zero = dict.fromkeys(
        [
            "aiThinkingTime",
            "toolExecutionTime",
            "networkTime",
            "userWaitTime",
            "aiThinkingPercent",
            "toolExecutionPercent",
            "networkPercent",
            "userWaitPercent",
            "avgResponseTokens",
        ],
        0,
    )
    return {
        "sessionId": fg["sessionId"],
        "title": f"bench {n:,} events",
        "totalDuration": fg["total"],
        **zero,
        "totalTokens": 0,
        "inputTokens": 0,
        "outputTokens": 0,
        "cacheReadTokens": 0,
        "cacheWriteTokens": 0,
        "totalCost": None,
        "messageCount": 0,
        "toolCallCount": 0,
        "eventCount": n,
        "slowestOperations": [],
        "suggestions": [],
        "tokensByMessage": [],
        "tokensByFile": [],
        "tokensByModel": [],
    }


class BenchServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, speedscope_dir: Path):
        super().__init__(("127.0.0.1", 0), Handler)
        self.token = secrets.token_urlsafe(16)
        self.speedscope = speedscope_dir
        self.flame: dict[str, bytes] = {}
        self.columns: dict[str, bytes] = {}  # the same answers as raw columns (flame_columns.py)
        self.perf: dict[str, bytes] = {}
        self.profiles: dict[str, bytes] = {}
        self.session = ""

    def handle_error(self, request, client_address):
        """A page closed mid-answer (the next load started): not a failure, and no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def page_url(self):
        """Our page, with the token in the fragment as `sessionprof ui` opens it (cli_ui.ui_url)."""
        return f"{self.url}/#token={self.token}"


class Handler(BaseHTTPRequestHandler):
    server: BenchServer
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as the real server (aiohttp) sets: without it each answer's body waits
    # for the delayed ACK of its headers (40 ms a file), a cost of this server, not the page
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def send(self, body: bytes, ctype: str, status: int = 200, extra: dict | None = None):
        send_response(self, status, body, ctype, extra)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        srv = self.server
        if path == "/":
            # the page as the real server makes it: its CSP (http_api.csp) and template filling,
            # no token in the page (the URL's #token=, as `sessionprof ui` opens it)
            nonce = secrets.token_urlsafe(16)
            policy = real_csp(nonce)
            cfg = {"mode": "http", "sessionId": srv.session}
            text = render_index((WEB / "index.html").read_text(), nonce, "/static", cfg, policy)
            self.send(text.encode(), "text/html; charset=utf-8", extra={"Content-Security-Policy": policy})
        elif path.startswith("/static/"):
            f = WEB / path[len("/static/") :]
            self.send(f.read_bytes(), "text/javascript" if f.suffix == ".js" else "text/css")
        elif path.startswith("/speedscope/"):
            f = (srv.speedscope / path[len("/speedscope/") :]).resolve()
            if not f.is_file() or srv.speedscope.resolve() not in f.parents:
                self.send(b"", "text/plain", 404)
                return
            ctype = {
                ".js": "text/javascript",
                ".css": "text/css",
                ".html": "text/html",
                ".wasm": "application/wasm",
            }.get(f.suffix, "application/octet-stream")
            self.send(f.read_bytes(), ctype)
        elif path.startswith("/profiles/"):
            self.send(srv.profiles[path[len("/profiles/") :]], "application/json")
        elif path == "/v1/stream":
            self.send(b"", "text/event-stream")
        else:
            self.send(b"", "text/plain", 404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.send(b'{"error":{"message":"unauthorized"}}', "application/json", 401)
            return
        m, p = body["method"], body.get("params") or {}
        srv = self.server
        if m == "sessionprof/flameGraph":
            if wants_columns(self.headers.get("Accept") or ""):  # as the real server (http_api.py) answers it
                self.send(srv.columns[p["sessionId"]], COLUMNS_TYPE)
                return
            out = b'{"result":' + srv.flame[p["sessionId"]] + b"}"
        elif m == "sessionprof/performance":
            out = b'{"result":' + srv.perf[p["sessionId"]] + b"}"
        elif m == "sessionprof/sessions":
            out = json.dumps(
                {"result": [{"sessionId": srv.session, "title": srv.session, "totalTokens": 0, "eventCount": 0}]}
            ).encode()
        else:
            out = b'{"result":null}'
        self.send(out, "application/json")


@contextlib.contextmanager
def probed_page(browser, url: str, *scripts: str) -> Iterator[Any]:
    """A fresh 1280x900 page at `url` with the first-paint probe (and `scripts`) installed."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = ctx.new_page()
    try:
        for js in (PAINT_PROBE_JS, *scripts):
            page.add_init_script(js)
        page.goto(url)
        yield page
    finally:
        ctx.close()


def wait_first_paint(page, url: str, timeout_s: float) -> float:
    """The page's first paint in ms from navigation start, waiting at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        t = page.evaluate("window.__bench && window.__bench.paintAt")
        if t:
            return t
        if time.monotonic() > deadline:
            raise TimeoutError(f"no first paint within {timeout_s}s: {url}")
        time.sleep(0.02)


def measure(browser, url: str, timeout_s: float) -> float:
    with probed_page(browser, url) as page:
        return wait_first_paint(page, url, timeout_s) / 1000


HOVER_JS = """
async (count) => {
  // performance.now() is coarse (0.1 ms): each sample is the mean of 10 hovers over
  // different frames (hit test + overlay redraw), as a pointer moving across the graph
  const sp = window.__sessionprof;
  const w = sp.canvasWidth(), h = sp.canvasHeight();
  const out = [];
  let hits = 0;
  for (let k = 0; k < count; k++) {
    const x = ((k * 7919) % 1000) / 1000 * (w - 40), y = ((k * 104729) % 997) / 997 * h;
    const t0 = performance.now();
    for (let j = 0; j < 10; j++) sp.hoverAt(x + j * 4, y);
    out.push((performance.now() - t0) / 10);
    if (sp.frameAt(x, y)) hits++;
    await null;
  }
  return {times: out, hits};
}
"""


def measure_zoom(browser, url: str, steps: int) -> dict:
    with probed_page(browser, url) as page:
        wait_first_paint(page, url, math.inf)
        zoom = page.evaluate(ZOOM_JS, steps)
        page.evaluate("() => window.__sessionprof.zoomTo(0, 1e18)")
        zoom["hover"] = page.evaluate(HOVER_JS, 300)
        return zoom


def ingested_store(fg: dict, tmp: str) -> Path:
    """A store in `tmp` holding the synthesized session `fg` (every event accepted)."""
    from sessionprof_ls.engine import Engine

    store = Path(tmp) / "store.sqlite"
    res = Engine(str(store)).ingest(to_events(fg))
    assert not res["rejected"], res["rejected"][:3]
    return store


def start_ui(store: Path, sid: str, tmp: str, stderr: int = subprocess.PIPE) -> tuple[subprocess.Popen, str]:
    """`sessionprof ui` on `store` (no Claude/Codex dirs), and the URL it prints."""
    env = dict(os.environ, CLAUDE_CONFIG_DIR=str(Path(tmp) / "none"), CODEX_HOME=str(Path(tmp) / "none"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessionprof_ls.cli", "--store", str(store), "ui", sid, "--no-browser"],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    while True:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line and proc.poll() is not None:
            raise RuntimeError(f"sessionprof ui exited: {proc.stderr.read()[-500:] if proc.stderr else ''}")
        m = re.search(r"(http://\S+)", line or "")
        if m:
            return proc, m.group(1)


def measure_real_server(browser, fg: dict, repeat: int) -> tuple[list[float], int]:
    """First paint of the session through `sessionprof ui` (its own store, analysis and HTTP)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_ui(ingested_store(fg, tmp), fg["sessionId"], tmp)
        try:
            runs = [measure(browser, url, 120) for _ in range(repeat)]
            return runs, len(fg["frames"]["start"]) - 1
        finally:
            proc.terminate()
            proc.wait(10)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument(
        "--speedscope-repeat", type=int, default=0, help="speedscope runs (default: --repeat for 100k, 1 above)"
    )
    ap.add_argument("--zoom-steps", type=int, default=120)
    ap.add_argument("--warmup", type=int, default=1, help="uncounted loads of each page first (ours and speedscope)")
    ap.add_argument("--no-speedscope", action="store_true")
    ap.add_argument("--server-events", type=int, default=100_000, help="events for the real-server run (0: skip)")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} missing: run scripts/install-chromium.sh", file=sys.stderr)
        return 2
    sdir = None
    if not args.no_speedscope:
        pkg = (
            subprocess.run(
                [str(ROOT / "scripts" / "install-speedscope.sh")], check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        sdir = Path(pkg) / "dist" / "release"
    from playwright.sync_api import sync_playwright

    srv = BenchServer(sdir or ROOT)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n in (int(x) for x in args.sizes.split(",")):
            t0 = time.perf_counter()
            fg = synthesize(n)
            sid = fg["sessionId"]
            # what the server answers the UI's {"encoding": "base64"} request with
            from sessionprof_ls.flame import encode_base64

            answer = encode_base64(fg)
            srv.flame[sid] = json.dumps(answer, separators=(",", ":")).encode()
            srv.columns[sid] = columns_body(answer) or b""
            srv.perf[sid] = json.dumps(perf_stub(fg)).encode()
            if sdir:
                srv.profiles[f"{sid}.json"] = json.dumps(to_speedscope(fg), separators=(",", ":")).encode()
            srv.session = sid
            share = overlap_share(fg)
            print(
                f"[{n:,} events] synthesized in {time.perf_counter() - t0:.1f}s: {share:.0%} overlap a sibling;"
                f" ours {len(srv.flame[sid]) / 1e6:.1f} MB ({len(srv.columns[sid]) / 1e6:.1f} MB as columns),"
                f" speedscope {len(srv.profiles.get(f'{sid}.json', b'')) / 1e6:.1f} MB",
                file=sys.stderr,
            )
            # ours and speedscope alternate, so a change of the machine's load hits both alike
            load0 = os.getloadavg()[0]
            ours, theirs = [], []
            reps = 0 if not sdir else args.speedscope_repeat or (args.repeat if n <= 100_000 else 1)
            url = f"{srv.url}/speedscope/index.html#profileURL={srv.url}/profiles/{sid}.json"
            for _ in range(args.warmup):  # not counted: the browser's first tab of each pays its cold start
                measure(browser, srv.page_url, 120)
                if reps:
                    measure(browser, url, 300)
            for k in range(max(args.repeat, reps)):
                if k < args.repeat:
                    ours.append(measure(browser, srv.page_url, 120))
                if k < reps:
                    theirs.append(measure(browser, url, 300))
            load1 = os.getloadavg()[0]
            zoom = measure_zoom(browser, srv.page_url, args.zoom_steps)
            draws = sorted(zoom["draws"])
            hovers = sorted(zoom["hover"]["times"])
            rows.append(
                {
                    "events": n,
                    "overlap_share": share,
                    "hover_p95_ms": hovers[int(0.95 * (len(hovers) - 1))],
                    "hover_median_ms": statistics.median(hovers),
                    "hover_hits": zoom["hover"]["hits"],
                    "ours_first_paint_s": statistics.median(ours),
                    "ours_runs": ours,
                    "speedscope_first_paint_s": statistics.median(theirs) if theirs else None,
                    "speedscope_runs": theirs,
                    "load_average": [load0, load1],
                    "zoom_draw_median_ms": statistics.median(draws),
                    "zoom_draw_p95_ms": draws[int(0.95 * (len(draws) - 1))],
                    "zoom_frame_interval_median_ms": statistics.median(zoom["intervals"]),
                    "visible_frames_end": zoom["visible"],
                }
            )
            del fg
            srv.flame.pop(sid)
            srv.columns.pop(sid)
            srv.profiles.pop(f"{sid}.json", None)
        server = None
        if args.server_events:
            fg = synthesize(args.server_events + 1)
            runs, events = measure_real_server(browser, fg, args.repeat)
            load = os.getloadavg()[0]
            server = {"events": events, "first_paint_s": statistics.median(runs), "runs": runs, "load_average": load}
            print(f"[real server] {events:,} events: first paint {runs}", file=sys.stderr)
        browser.close()
    srv.shutdown()

    print(
        f"{'events':>10} | {'overlap':>7} | {'ours first paint':>16} | {'speedscope':>10} | {'ours/theirs':>11}"
        f" | {'zoom draw med/p95':>17} | {'hover med/p95':>15} | load avg"
    )
    print("-" * 118)
    for r in rows:
        ss = r["speedscope_first_paint_s"]
        ratio = f"{r['ours_first_paint_s'] / ss:.2f}x" if ss else "-"
        sst = "-" if ss is None else f"{ss:.2f} s"
        print(
            f"{r['events']:>10,} | {r['overlap_share']:>6.0%} | {r['ours_first_paint_s']:>14.3f} s"
            f" | {sst:>10} | {ratio:>11}"
            f" | {r['zoom_draw_median_ms']:>6.2f} / {r['zoom_draw_p95_ms']:>5.2f} ms"
            f" | {r['hover_median_ms']:>5.2f} / {r['hover_p95_ms']:>5.2f} ms"
            f" | {r['load_average'][0]:.1f}-{r['load_average'][1]:.1f}"
        )
    if server:
        print(
            f"real server ({server['events']:,} events, sessionprof ui): first paint"
            f" {server['first_paint_s']:.3f} s (target 0.5 s), load avg {server['load_average']:.1f}"
        )
    print("targets: ours/theirs <= 0.25x; zoom draw and hover p95 <= 4 ms at 100k")
    print()
    rows.append({"real_server": server})
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
