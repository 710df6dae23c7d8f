"""Issue 13, the real server's first paint: the overview without its per-message table
(includeMessages false) and the flame graph's compact first-paint form, engine-level on
every real fixture and through the real server over stdio (Neovim's and VS Code's
capabilities)."""

from __future__ import annotations

import asyncio
import gzip
import json
import urllib.request
from pathlib import Path

import pytest
from lsp_harness import EDITORS, request, start, stop
from sp_fixtures import FIXTURES

from sessionprof_ls import protocol as P
from sessionprof_ls.answer import GZIP_MIN, Answer, http_body, http_body_async, result_json
from sessionprof_ls.engine import Engine
from sessionprof_ls.flame import join_ids
from sessionprof_ls.flame_columns import COLUMNS_TYPE, columns_body, columns_http_body, make_columns_gzip
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import FlameGraph, PerformanceData

REAL = sorted(p for p in FIXTURES.rglob("*.jsonl") if p.parent.name in ("claude-code", "codex"))


def _session(store: Path, fixture: Path) -> tuple[Engine, str]:
    engine = Engine(str(store))
    out = engine.ingest(import_file(fixture).events)
    assert not out["rejected"]
    return engine, out["sessions"][0]


@pytest.mark.parametrize("fixture", REAL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_overview_without_messages_is_the_same_but_the_table(tmp_path, fixture):
    engine, sid = _session(tmp_path / "s.sqlite", fixture)
    lean = engine.performance(sid, include_events=False, include_messages=False)
    full = engine.performance(sid, include_events=False)
    assert lean["tokensByMessage"] is None
    assert isinstance(full["tokensByMessage"], list) and full["tokensByMessage"]
    assert {k: v for k, v in lean.items() if k != "tokensByMessage"} == {
        k: v for k, v in full.items() if k != "tokensByMessage"
    }
    PerformanceData.model_validate(lean)  # the published shape allows the null
    # asking lean first does not strip the cached full answer
    again = Engine(str(tmp_path / "s.sqlite"))
    assert again.performance(sid, include_events=False, include_messages=False)["tokensByMessage"] is None
    assert again.performance(sid, include_events=False)["tokensByMessage"] == full["tokensByMessage"]
    # with events too
    with_events = engine.performance(sid, include_events=True, include_messages=False)
    assert with_events["tokensByMessage"] is None and with_events["events"]


@pytest.fixture(params=EDITORS)
def editor(request):
    return request.param


async def test_over_stdio(editor, tmp_path):
    fixture = FIXTURES / "claude-code" / "agentlogs-subagent.jsonl"
    store = tmp_path / "store.db"
    engine, sid = _session(store, fixture)
    expected = engine.performance(sid, include_events=False)
    engine.store.close()
    ws = tmp_path / "ws"
    ws.mkdir()
    graph = engine.flame_graph(sid, "time", "time", "base64")
    client, rec = await start(editor, tmp_path, ws, store=store)
    try:
        params = {"sessionId": sid, "view": "time", "weight": "time", "encoding": "base64"}
        assert await request(client, P.FLAME_GRAPH, params) == json.loads(json.dumps(graph))
        # the browser's route: gzipped when asked (the answer is > 64 KB only at scale: force it)
        ep = rec.ready["endpoint"]
        for accept in ("gzip, deflate", ""):
            req = urllib.request.Request(
                ep["url"] + P.HTTP_RPC,
                data=json.dumps({"method": P.FLAME_GRAPH, "params": params}).encode(),
                headers={"Authorization": f"Bearer {ep['token']}", "Content-Type": "application/json"},
            )
            if accept:
                req.add_header("Accept-Encoding", accept)
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                enc = resp.headers.get("Content-Encoding")
            body = gzip.decompress(raw) if enc == "gzip" else raw
            assert enc == ("gzip" if accept and len(body) >= GZIP_MIN else None)
            assert json.loads(body) == {"result": json.loads(json.dumps(graph))}
        # the browser page's boot asks for raw columns: the same graph (flame_columns.py)
        req = urllib.request.Request(
            ep["url"] + P.HTTP_RPC,
            data=json.dumps({"method": P.FLAME_GRAPH, "params": params}).encode(),
            headers={
                "Authorization": f"Bearer {ep['token']}",
                "Content-Type": "application/json",
                "Accept": f"{COLUMNS_TYPE}, application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.headers.get("Content-Type") == COLUMNS_TYPE
            assert _from_columns(resp.read()) == json.loads(json.dumps(graph))
        # any other answer stays JSON (an overview is no flame graph)
        req = urllib.request.Request(
            ep["url"] + P.HTTP_RPC,
            data=json.dumps({"method": P.PERFORMANCE, "params": {"sessionId": sid, "includeEvents": False}}).encode(),
            headers={
                "Authorization": f"Bearer {ep['token']}",
                "Content-Type": "application/json",
                "Accept": COLUMNS_TYPE,
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.headers.get("Content-Type", "").startswith("application/json")
        lean = await request(
            client, P.PERFORMANCE, {"sessionId": sid, "includeEvents": False, "includeMessages": False}
        )
        full = await request(client, P.PERFORMANCE, {"sessionId": sid, "includeEvents": False})
        assert lean["tokensByMessage"] is None
        assert json.loads(json.dumps(full["tokensByMessage"])) == expected["tokensByMessage"]
        assert {k: v for k, v in lean.items() if k != "tokensByMessage"} == {
            k: v for k, v in full.items() if k != "tokensByMessage"
        }
    finally:
        await stop(client)


@pytest.mark.parametrize("fixture", REAL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_base64_ids_are_one_string_of_the_same_ids(tmp_path, fixture):
    engine, sid = _session(tmp_path / "s.sqlite", fixture)
    plain = engine.flame_graph(sid, "time", "time")
    packed = engine.flame_graph(sid, "time", "time", "base64")
    ids = plain["frames"]["id"]
    assert isinstance(packed["frames"]["id"], str)
    assert [i or None for i in packed["frames"]["id"].split("\n")] == ids
    assert ids[0] is None and all(ids[1:])
    FlameGraph.model_validate(packed)
    # the aggregate view has no ids (null per merged frame): left as a list
    agg = engine.flame_graph(sid, "aggregate", "time", "base64")
    assert agg["frames"]["id"] == engine.flame_graph(sid, "aggregate", "time")["frames"]["id"]


@pytest.mark.parametrize("fixture", REAL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_base64_time_view_carries_the_page_layout(tmp_path, fixture):
    """issue 13: the base64 time view carries its rows (flame_layout.py; the browser tests
    check they equal the page's own); other views and units do not (the page lays them out)."""
    import base64

    engine, sid = _session(tmp_path / "s.sqlite", fixture)
    packed = engine.flame_graph(sid, "time", "time", "base64")
    FlameGraph.model_validate(packed)
    n = len(engine.flame_graph(sid, "time", "time")["frames"]["start"])
    lay = packed["layout"]
    order = sorted(int.from_bytes(b, "little") for b in _chunks(base64.b64decode(lay["order"]), 4))
    assert order == list(range(n)) and sum(lay["rowCounts"]) == n and lay["rowCounts"][0] == 1  # the root alone
    for view, weight in (("aggregate", "time"), ("time", "tokens")):
        assert "layout" not in engine.flame_graph(sid, view, weight, "base64")
    assert "layout" not in engine.flame_graph(sid, "time", "time")  # the JSON form is unchanged


def _chunks(b: bytes, size: int) -> list[bytes]:
    return [b[k : k + size] for k in range(0, len(b), size)]


def test_layout_is_left_to_the_page_for_frames_out_of_order():
    from sessionprof_ls.flame_layout import flame_layout

    frames = {"start": [0.0, 1.0, 2.0], "value": [5.0, 1.0, 1.0], "depth": [0, 1, 2], "parent": [-1, 2, 1]}
    graph = {"view": "time", "unit": "ms", "total": 5.0, "frames": frames}
    assert flame_layout(graph) is None  # a child before its parent
    frames["parent"] = [-1, 0, 1]
    assert flame_layout(graph) == {"rowCounts": [1, 1, 1], "order": "AAAAAAEAAAACAAAA", "idle": [], "end": 5.0}
    assert flame_layout({**graph, "frames": {**frames, "start": [0.0, float("nan"), 2.0]}}) is None
    assert flame_layout({**graph, "frames": {**frames, "value": [5.0, -1.0, 1.0]}}) is None  # the page clamps it


def _from_columns(raw: bytes) -> dict:
    """A columns body (flame_columns.py) read back into the base64 answer it was made from."""
    import base64

    import numpy as np

    size = int.from_bytes(raw[:4], "little")
    assert (4 + size) % 8 == 0
    graph = json.loads(raw[4 : 4 + size])["result"]
    data = raw[4 + size :]

    def part(ref: dict) -> bytes:
        assert ref["at"] % 8 == 0
        return data[ref["at"] : ref["at"] + ref["bytes"]]

    frames = graph["frames"]
    for key, ref in list(frames.items()):
        if isinstance(ref, dict):
            raw = part(ref)
            if ref.get("type"):  # sent narrower (name, depth): read back as the int32 they are
                assert key in ("name", "depth")
                raw = np.frombuffer(raw, {"u1": "u1", "u2": "<u2"}[ref["type"]]).astype("<i4").tobytes()
            frames[key] = raw.decode() if key == "id" else base64.b64encode(raw).decode()
    if graph.get("layout"):
        graph["layout"]["order"] = base64.b64encode(part(graph["layout"]["order"])).decode()
    return graph


@pytest.mark.parametrize("fixture", REAL, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_columns_body_is_the_base64_answer_as_raw_bytes(tmp_path, fixture):
    """issue 13: the binary body the browser page reads holds exactly the base64 answer's
    columns, ids and layout; made once per cached answer; gzipped only once warm.py made it."""
    engine, sid = _session(tmp_path / "s.sqlite", fixture)
    for view in ("time", "aggregate"):
        graph = engine.flame_graph(sid, view, "time", "base64")
        raw = columns_body(graph)
        assert raw is not None and _from_columns(raw) == json.loads(json.dumps(graph))
        head = json.loads(raw[4 : 4 + int.from_bytes(raw[:4], "little")])["result"]["frames"]
        assert head["depth"]["type"] == "u1" and head["name"]["type"] in ("u1", "u2")  # narrower: they fit
        assert columns_body(engine.flame_graph(sid, view, "time", "base64")) is raw  # cached bytes
    assert columns_body(engine.flame_graph(sid, "time", "time")) is None  # JSON columns: not this
    graph = engine.flame_graph(sid, "time", "time", "base64")
    assert columns_http_body(graph, "gzip") == (columns_body(graph), None)
    make_columns_gzip(graph)
    gz, enc = columns_http_body(graph, "gzip") or (b"", None)
    assert enc == "gzip" and gzip.decompress(gz) == columns_body(graph)
    assert columns_http_body(graph, "") == (columns_body(graph), None)


def test_ids_that_cannot_be_joined_stay_a_list():
    assert join_ids([None, "a", "b"]) == "\na\nb" and join_ids(["a", "b"]) == "a\nb"
    assert join_ids([None]) == "" and join_ids([None, None]) == [None, None]
    assert join_ids([None, "a\nb", "c"]) == [None, "a\nb", "c"]  # a newline inside an id
    assert join_ids([None, "", "c"]) == [None, "", "c"]  # "" would read back as null
    assert join_ids([]) == [] and join_ids(None) is None


def test_cached_answer_bytes_are_shared_and_never_stale():
    a = Answer({"x": [1, 2, 3], "big": "y" * 100_000})
    b = a.copy()
    assert result_json(a) is result_json(b)  # written once
    body, enc = http_body(b, "br, gzip;q=0.8")
    assert enc == "gzip" and json.loads(gzip.decompress(body)) == {"result": dict(a)}
    assert http_body(a, "gzip")[0] is body
    b["x"] = [4]  # a changed copy gets its own bytes; the original keeps its own
    assert json.loads(result_json(b))["x"] == [4] and json.loads(result_json(a))["x"] == [1, 2, 3]
    assert http_body(a, "gzip;q=0")[1] is None and http_body(a, "")[1] is None
    assert http_body({"small": 1}, "gzip") == (b'{"result":{"small":1}}', None)


def test_a_request_during_the_warm_up_waits_for_it_instead_of_building_again(tmp_path, monkeypatch):
    """warm.py builds the first paint's answers in a worker; a request for the same answer
    arriving meanwhile gets the same build (two builds share one GIL: twice as slow)."""
    import threading
    import time

    from sessionprof_ls import flame
    from sessionprof_ls.analysis import Analysis
    from sessionprof_ls.warm import warm_first_paint

    engine, sid = _session(tmp_path / "s.sqlite", FIXTURES / "claude-code" / "spotter-subagent.jsonl")
    builds: list[str] = []
    real_graph, real_perf = flame._graph, Analysis.performance

    def slow_graph(*args, **kwargs):
        builds.append("flame")
        time.sleep(0.3)
        return real_graph(*args, **kwargs)

    def slow_perf(self, *args, **kwargs):
        builds.append("performance")
        time.sleep(0.3)
        return real_perf(self, *args, **kwargs)

    monkeypatch.setattr(flame, "_graph", slow_graph)
    monkeypatch.setattr(Analysis, "performance", slow_perf)
    warm = threading.Thread(target=warm_first_paint, args=(engine, sid))
    warm.start()
    time.sleep(0.05)
    graph = engine.flame_graph(sid, "time", "time", "base64")  # while the worker builds it
    warm.join()
    perf = engine.performance(sid, include_events=False, include_messages=False)
    assert builds == ["flame", "performance"]
    assert graph == engine.flame_graph(sid, "time", "time", "base64")
    assert perf["tokensByMessage"] is None
    # the full table later: made from the cached overview, not a second whole overview
    full = engine.performance(sid, include_events=False)
    assert builds == ["flame", "performance"] and full["tokensByMessage"]


async def test_http_body_off_the_event_loop_gives_the_same_bytes():
    big = {"rows": [{"i": i, "name": f"row {i}"} for i in range(20_000)]}
    body, enc = await http_body_async(big, "gzip")
    assert enc == "gzip" and json.loads(gzip.decompress(body)) == {"result": big}
    assert await http_body_async({"n": 1}, "gzip") == (b'{"result":{"n":1}}', None)
    # a cached answer: plain JSON until its gzip is made (in the background), then gzipped
    a = Answer(big)
    plain, enc = await http_body_async(a, "gzip")
    assert enc is None and json.loads(plain) == {"result": big}
    for _ in range(200):
        if "gzip" in a.encoded:
            break
        await asyncio.sleep(0.01)
    body, enc = await http_body_async(a.copy(), "gzip")
    assert enc == "gzip" and body is a.encoded["gzip"] and gzip.decompress(body) == plain
    assert (await http_body_async(a, "identity")) == (plain, None)
