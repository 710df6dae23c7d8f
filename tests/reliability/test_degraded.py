"""Issue 19 item 9 and 10's disk full: a store that cannot be opened never leaves a
half-alive server. It starts in memory, sends `ready` with `degraded` naming the path,
shows it (window/showMessage for every LSP client, a banner in the web UI), and keeps
working; the broken file is left as it was. Unreadable rows are counted and said.
A full disk gives 507 and loses nothing that was acknowledged."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import aiohttp
import orjson
import pytest
from relutil import T0, ServerProc, http, make_event

from sessionprof_ls.engine import Engine


def _real_store(path) -> None:
    e = Engine(str(path))
    for b in range(30):
        e.ingest(
            [
                orjson.dumps(
                    {
                        "sessionId": f"s{b % 3}",
                        "id": f"e{b}-{i}",
                        "type": "agent",
                        "name": "x" * 100,
                        "startTime": T0 + i,
                    }
                )
                for i in range(100)
            ]
        )
    e.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    e.store.close()


def _kinds(tmp):
    corrupt = tmp / "corrupt.db"
    corrupt.write_bytes(b"this is not a database " * 500)
    truncated = tmp / "truncated.db"
    _real_store(truncated)
    with open(truncated, "r+b") as f:
        f.truncate(os.path.getsize(truncated) // 2)
    folder = tmp / "a-directory.db"
    folder.mkdir()
    return {
        "corrupt": corrupt,
        "truncated": truncated,
        "directory": folder,
        "unwritable place": Path("/proc/sessionprof-test/store.db"),
    }  # no folder can be made there


@pytest.mark.parametrize("kind", ["corrupt", "truncated", "directory", "unwritable place"])
def test_a_bad_store_starts_degraded_and_says_so(tmp_path, kind):
    path = _kinds(tmp_path)[kind]
    before = path.read_bytes() if path.is_file() else None
    srv = ServerProc(tmp_path, path, settings={"followTranscripts": False})
    try:
        ready = srv.initialize(timeout=60)
        assert "degraded" in ready and str(path) in ready["degraded"], ready
        assert "memory" in ready["degraded"]
        shown = [p["message"] for m, p in srv.notifications if m == "window/showMessage"]
        assert any(str(path) in msg for msg in shown), shown
        # and it works: events are taken (in memory), requests answered
        status, _, body = http(srv.url, "/v1/events", orjson.dumps([make_event("mem", "m1")]), token=srv.token)
        assert status == 200 and orjson.loads(body)["accepted"] == 1, body
        assert "mem" in {r["sessionId"] for r in srv.request("sessionprof/sessions", {})}
        perf = srv.request("sessionprof/performance", {"sessionId": "mem", "includeEvents": True})
        assert perf["events"][0]["id"] == "m1"
    finally:
        srv.stop()
    if before is not None:
        assert path.read_bytes() == before, "the broken store must be left as it was"
    log = srv.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-2000:]


def test_the_web_ui_shows_a_degraded_store(tmp_path):
    from playwright.sync_api import sync_playwright
    from sp_fixtures import CHROMIUM
    from sp_fixtures import CHROMIUM_ARGS as ARGS

    path = _kinds(tmp_path)["corrupt"]
    srv = ServerProc(tmp_path, path, settings={"followTranscripts": False})
    try:
        srv.initialize(timeout=60)
        http(srv.url, "/v1/events", orjson.dumps([make_event("mem", "m1")]), token=srv.token)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{srv.url}/?sessionId=mem#token={srv.token}")
                banner = page.locator("#sp-degraded")
                banner.wait_for(timeout=20_000)
                assert str(path) in banner.inner_text()
            finally:
                browser.close()
    finally:
        srv.stop()


def test_unreadable_rows_are_counted_and_said(tmp_path):
    store = tmp_path / "store.db"
    _real_store(store)
    db = sqlite3.connect(store)
    damaged = db.execute(
        "SELECT seq, count FROM batches WHERE skey=(SELECT skey FROM sessions WHERE "
        "session_id='s1') ORDER BY seq LIMIT 2"
    ).fetchall()
    for seq, _ in damaged:
        db.execute("UPDATE batches SET data=? WHERE seq=?", (b"\x00garbage\n{not json", seq))
    db.commit()
    db.close()
    srv = ServerProc(tmp_path, store, settings={"followTranscripts": False})
    try:
        srv.initialize()
        perf = srv.request("sessionprof/performance", {"sessionId": "s1", "includeEvents": True})
        assert len(perf["events"]) == 1000 - 2 * 100  # the two damaged batches' events are missing
        deadline = time.monotonic() + 10
        while True:
            shown = [p["message"] for m, p in srv.notifications if m == "window/showMessage"]
            said = [s for s in shown if "could not be read" in s]
            if len(said) >= 2:
                break
            assert time.monotonic() < deadline, shown
            time.sleep(0.1)
        # 2 batches of 100: 2 lines each remain, unreadable (4), the other 196 are gone
        assert any("196 stored events (batches cut short) of session s1" in s for s in said), said
        assert any("4 stored events of session s1" in s for s in said), said
        assert all(str(store) in s for s in said)
    finally:
        srv.stop()


async def test_disk_full_is_507_and_loses_nothing_acknowledged(tmp_path):
    from sessionprof_ls.http_api import HttpEndpoint
    from sessionprof_ls.server import SessionProfServer

    server = SessionProfServer(str(tmp_path / "full.db"))
    engine = server.open_engine()
    endpoint = HttpEndpoint(server, 16 * 1024 * 1024)
    url = await endpoint.start()
    server.http = endpoint
    headers = {"Authorization": f"Bearer {endpoint.token}"}
    try:
        async with aiohttp.ClientSession() as client:
            first = [make_event("full", f"a{i}", i) for i in range(50)]
            r = await client.post(url + "/v1/events", data=orjson.dumps(first), headers=headers)
            assert r.status == 200 and (await r.json())["accepted"] == 50
            pages = engine.store.db.execute("PRAGMA page_count").fetchone()[0]
            engine.store.db.execute(f"PRAGMA max_page_count={pages + 1}")  # the disk is now full
            big = [dict(make_event("full", f"b{i}", 100 + i), name="x" * 2000) for i in range(400)]
            r = await client.post(url + "/v1/events", data=orjson.dumps(big), headers=headers)
            body = await r.json()
            assert r.status == 507, body
            assert "disk full" in body["error"] and "full.db" in body["error"], body
            # what was acknowledged is there, what was refused is not (and not in the tree either)
            ids = {e["id"] for e in engine.performance("full")["events"]}
            assert {f"a{i}" for i in range(50)} <= ids and not any(i.startswith("b") for i in ids)
            engine.store.db.execute("PRAGMA max_page_count=1073741823")
            r = await client.post(url + "/v1/events", data=orjson.dumps(big), headers=headers)
            assert r.status == 200
    finally:
        await endpoint.stop()
    db = sqlite3.connect(tmp_path / "full.db")
    assert db.execute("SELECT sum(count) FROM batches").fetchone()[0] == 450
    db.close()
