"""Issue 13, the real server's first paint: the overview without its per-message table
(includeMessages false) and the flame graph's compact first-paint form, engine-level on
every real fixture and through the real server over stdio (Neovim's and VS Code's
capabilities)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsp_harness import EDITORS, request, start, stop
from sp_fixtures import FIXTURES

from sessionprof_ls import protocol as P
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import PerformanceData

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
    client, _rec = await start(editor, tmp_path, ws, store=store)
    try:
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
