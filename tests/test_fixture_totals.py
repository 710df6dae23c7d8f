"""Token totals of every fixture equal the reference table of shared/fixtures/README.md
(computed there with ccusage 20.0.24); costs within 2% of ccusage's."""

from __future__ import annotations

import pytest
from sp_fixtures import CLAUDE_REFERENCE, CODEX_REFERENCE, FIXTURES, check_tree, genai_cost, token_sums

from sessionprof_ls.importers import detect_format, import_file


def _imported(source: str, name: str) -> list[dict]:
    """A real fixture's events, detected as `source` and imported without an error."""
    path = FIXTURES / source / f"{name}.jsonl"
    assert detect_format(path) == source
    res = import_file(path)
    assert res.errors == []
    return res.events


@pytest.mark.parametrize("name", sorted(CLAUDE_REFERENCE))
def test_claude_fixture_totals(name):
    events = _imported("claude-code", name)
    tot, requests = token_sums(events)
    inp, out, cw, cr, n, cost = CLAUDE_REFERENCE[name]
    assert tot == {"input": inp, "output": out, "cacheWrite": cw, "cacheRead": cr}
    assert requests == n
    assert genai_cost(events) == pytest.approx(cost, rel=0.02)
    check_tree(events)


@pytest.mark.parametrize("name", sorted(CODEX_REFERENCE))
def test_codex_fixture_totals(name):
    events = _imported("codex", name)
    tot, _ = token_sums(events)
    inp, cached, out, cost = CODEX_REFERENCE[name]
    assert tot == {"input": inp, "cacheRead": cached, "output": out, "cacheWrite": 0}
    assert genai_cost(events) == pytest.approx(cost, rel=0.02)
    check_tree(events)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*/*.jsonl")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_reimport_gives_same_ids_and_session_metadata(path):
    a = import_file(path)
    b = import_file(path)
    assert [e["id"] for e in a.events] == [e["id"] for e in b.events]
    tops = [
        e
        for e in a.events
        if e.get("parentId") is None and e["type"] == "agent" and not e["metadata"].get("compaction")
    ]
    assert tops, "every session has turns"
    assert all(t["metadata"]["source"] in ("claude-code", "codex") for t in tops)
    assert all(t["metadata"]["workspace"] for t in tops)
    assert any(t["metadata"].get("sessionTitle") for t in tops)


def test_engine_agrees_with_reference_tokens(tmp_path):
    """The lead's engine, fed our events, reports the same session totals."""
    from sessionprof_ls.engine import Engine

    engine = Engine(str(tmp_path / "store.db"))
    for name, (inp, out, cw, cr, _n, _cost_ref) in CLAUDE_REFERENCE.items():
        res = import_file(FIXTURES / "claude-code" / f"{name}.jsonl")
        ingest = engine.ingest(res.events)
        assert ingest["rejected"] == []
        perf = engine.performance(res.events[0]["sessionId"], include_events=False)
        assert (perf["inputTokens"], perf["outputTokens"], perf["cacheWriteTokens"], perf["cacheReadTokens"]) == (
            inp,
            out,
            cw,
            cr,
        )
