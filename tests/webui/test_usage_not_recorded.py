"""Web UI, the cost rule (issues 12/18) on real data: a Copilot legacy session whose responses
carry no usage says "not recorded" (summary and every such message row, never 0 or $0); a
Copilot session whose agent-reported cost differs from ours shows both; rows show their label."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import engine_with, import_events, session_data_from

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "copilot-cli"
LEGACY = FIXTURES / "history-session-state" / "session_0b2a81da-02cf-4cbb-ae14-07c597b84f4e.json"
EVENTS = FIXTURES / "session-state" / "96ef38f0-9d09-45c3-8124-6448c36090ed" / "events.jsonl"


def _summary_text(ui) -> str:
    return ui.page.locator("#summary").inner_text()


def test_usage_not_recorded_rows_and_summary(open_ui, tmp_path):
    data = session_data_from(engine_with(tmp_path, import_events(LEGACY)))
    perf = data.performance[data.session_id]
    ui = open_ui(data)
    ui.settle()
    summary = _summary_text(ui)
    assert "not recorded" in summary and "$0" not in summary and "price unknown" not in summary
    ui.page.click("#tab-tokens")
    rows = ui.page.locator("#tokens-by-message tbody tr")
    msgs = perf["tokensByMessage"]
    assert rows.count() == len(msgs) and any(m["usageRecorded"] is False for m in msgs)
    for r, m in zip(rows.all(), msgs, strict=True):
        cells = r.locator("td").all_inner_texts()
        assert cells[0] == m["label"]  # the row's own name, not #index
        if m["usageRecorded"] is False:
            assert cells[3:9] == ["not recorded"] * 6


def test_agent_cost_beside_ours(open_ui, tmp_path):
    lines = EVENTS.read_text().splitlines()
    shutdown = json.loads(lines[-1])
    shutdown["data"]["modelMetrics"]["claude-sonnet-4.6"]["totalNanoAiu"] = 4_000_000_000  # $0.04 reported
    f = tmp_path / "events.jsonl"
    f.write_text("\n".join(lines[:-1] + [json.dumps(shutdown)]) + "\n")
    data = session_data_from(engine_with(tmp_path, import_events(f)))
    perf = data.performance[data.session_id]
    assert perf["costDiffers"] is True
    ui = open_ui(data)
    ui.settle()
    assert f"$0.040 (agent $0.040 · priced ${perf['pricedCost']:.3f})" in _summary_text(ui)
