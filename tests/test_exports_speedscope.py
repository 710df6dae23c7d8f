"""Every export of every real fixture opens in the real speedscope (1.25, the npm
package's built app in headless Chromium) with no error and the frames we wrote;
the .cpuprofile also has the shape VS Code's profile viewer (js-profile-table /
js-profile-flame, `IV8Profile`) builds its model from.

The frame count is read back through speedscope's own Export button: what it
exports is what it imported."""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sp_fixtures import CHROMIUM, CHROMIUM_ARGS, FIXTURES, ROOT

from sessionprof_ls import exports
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

REAL = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*.jsonl"))
FORMATS = ("speedscope", "cpuprofile", "chrome-trace")


@pytest.fixture(scope="module")
def speedscope_app():
    pkg = (
        subprocess.run(
            ["bash", str(ROOT / "scripts" / "install-speedscope.sh")], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return Path(pkg) / "dist" / "release"


@pytest.fixture(scope="module")
def served(speedscope_app, tmp_path_factory):
    """The speedscope app and our exports on one loopback HTTP server."""
    data = tmp_path_factory.mktemp("exports")

    class Handler(SimpleHTTPRequestHandler):
        def translate_path(self, path):
            p = path.split("?")[0].split("#")[0]
            if p.startswith("/data/"):
                return str(data / p[len("/data/") :])
            return str(speedscope_app / (p.lstrip("/") or "index.html"))

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", data
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _analysis(tmp_path, fixture):
    eng = Engine(tmp_path / "store.db")
    events = import_file(FIXTURES / fixture).events
    eng.ingest(events)
    return eng.analysis(events[0]["sessionId"])


def expected_frames(fmt: str, data: dict) -> int:
    """Frames speedscope keeps: per profile, the distinct frames that take time."""
    if fmt == "speedscope":
        total = 0
        for prof in data["profiles"]:
            stack, used = [], set()
            for ev in prof["events"]:
                if ev["type"] == "O":
                    stack.append(ev)
                else:
                    opened = stack.pop()
                    assert opened["frame"] == ev["frame"], "a close that does not match the open frame"
                    if ev["at"] > opened["at"]:
                        used.add(ev["frame"])
            assert not stack
            total += len(used)
        return total
    if fmt == "cpuprofile":
        parent = {c: n["id"] for n in data["nodes"] for c in n.get("children", ())}
        by_id = {n["id"]: n for n in data["nodes"]}
        deltas = data["timeDeltas"][1:] + [0]  # a sample lasts until the next one
        keys = set()
        for node, dur in zip(data["samples"], deltas, strict=True):
            while dur > 0 and node is not None:
                cf = by_id[node]["callFrame"]
                keys.add((cf["functionName"], cf["url"], cf["lineNumber"], cf["columnNumber"]))
                node = parent.get(node)
        return len(keys)
    return sum(1 for e in data["traceEvents"] if e["ph"] == "X" and e["dur"] > 0)


def check_vscode_cpuprofile(prof: dict) -> None:
    """The V8 CPU profile VS Code's viewer reads: node ids with callFrame, children
    that exist and have one parent, samples naming nodes, one µs delta per sample."""
    ids = [n["id"] for n in prof["nodes"]]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) for i in ids)
    seen_child: set[int] = set()
    for n in prof["nodes"]:
        cf = n["callFrame"]
        assert isinstance(cf["functionName"], str) and isinstance(cf["scriptId"], str)
        assert isinstance(cf["url"], str) and isinstance(cf["lineNumber"], int) and isinstance(cf["columnNumber"], int)
        for c in n["children"]:
            assert c in ids and c not in seen_child
            seen_child.add(c)
    roots = set(ids) - seen_child
    assert roots == {prof["nodes"][0]["id"]}
    assert len(prof["samples"]) == len(prof["timeDeltas"]) > 0
    assert set(prof["samples"]) <= set(ids)
    assert all(isinstance(d, int) and d >= 0 for d in prof["timeDeltas"])
    assert isinstance(prof["startTime"], int) and isinstance(prof["endTime"], int)
    assert prof["startTime"] + sum(prof["timeDeltas"]) <= prof["endTime"]
    # µs: the profile spans the session's wall time
    assert prof["endTime"] - prof["startTime"] >= 1000 * (sum(prof["timeDeltas"]) > 0)


@pytest.mark.parametrize("fixture", REAL)
def test_every_export_of_a_real_fixture_opens_in_speedscope(fixture, tmp_path, served, browser):
    base, data_dir = served
    a = _analysis(tmp_path, fixture)
    stem = fixture.replace("/", "-")
    for fmt in FORMATS:
        body = exports.export(a, fmt)
        data = json.loads(body)
        if fmt == "cpuprofile":
            check_vscode_cpuprofile(data)
        name = f"{stem}.{exports.default_filename('x', fmt).split('.', 1)[1]}"
        (data_dir / name).write_bytes(body)
        page = browser.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e, problems=problems: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d, problems=problems: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on(
            "console",
            lambda m, problems=problems: (
                problems.append(f"{m.type}: {m.text}")
                if m.type == "error" or "Tried to" in m.text or "Failed to load" in m.text
                else None
            ),
        )
        try:
            page.goto(f"{base}/index.html#profileURL={base}/data/{name}")
            export = page.get_by_text("Export")
            for _ in range(200):  # loaded (its toolbar shows Export) or refused (an error on the console)
                if problems or export.is_visible():
                    break
                page.wait_for_timeout(100)
            assert problems == [], f"{fixture} {fmt}: {problems}"
            with page.expect_download(timeout=20_000) as dl:
                page.get_by_text("Export").click()
            loaded = json.loads(Path(dl.value.path()).read_text())
        finally:
            page.close()
        assert problems == [], f"{fixture} {fmt}: {problems}"
        want = expected_frames(fmt, data)
        assert want > 0
        assert len(loaded["shared"]["frames"]) == want, f"{fixture} {fmt}"
        if fmt == "speedscope":
            assert len(loaded["profiles"]) == len(data["profiles"])
