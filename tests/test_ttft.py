"""Time to first token (OTLP api_request / llm_request ttft_ms, issue 12) in the slow-response
hint, where recorded; payload from the documented names (tests/test_otlp_claude_code_traces.py)."""

from __future__ import annotations

from test_otlp_claude_code_traces import _payload

from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import otlp_to_events


def test_slow_response_hint_splits_time_to_first_token(tmp_path):
    engine = Engine(str(tmp_path / "s.db"), slow_threshold_ms=1000)
    events, _ = otlp_to_events(_payload(), "traces")
    assert engine.ingest(events)["rejected"] == []
    ops = {op["event"]["id"]: op for op in engine.performance("cc-trace", include_events=False)["slowestOperations"]}
    first, second = ops["a000000000000002"], ops["a000000000000007"]  # ttft 2.5s of 6s; 3.9s of 4s
    assert first["suggestion"] == (
        "2.5s to the first token, 3.5s generating (120 output tokens, 30,510-token "
        "context): most of it generating output."
    )
    assert second["suggestion"].startswith(
        "3.9s to the first token, 100ms generating (30 output tokens, "
        "30,505-token context): waiting for the first token"
    )
    # and the event detail (hover/tooltip) keeps the measured split
    ev = engine.event("cc-trace", "a000000000000002")
    assert ev["metadata"]["ttftMs"] == 2500 and ev["metadata"]["generationMs"] == 3500


def test_a_bad_ttft_value_is_ignored_not_rejected(tmp_path):
    engine = Engine(str(tmp_path / "s.db"))
    ev = {
        "sessionId": "s",
        "id": "r1",
        "type": "ai_response",
        "name": "Response",
        "startTime": 0,
        "endTime": 9000,
        "metadata": {"ttftMs": "soon", "model": "claude-sonnet-4-5-20250929"},
    }
    assert engine.ingest([ev])["rejected"] == []
    (op,) = engine.performance("s", include_events=False)["slowestOperations"]
    assert "to the first token" not in op["suggestion"]


def test_web_tooltip_shows_time_to_first_token_and_generation(tmp_path):
    """The web UI's event tooltip (tooltip.js eventLines, run in node) on the stored event."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    engine = Engine(str(tmp_path / "s.db"))
    events, _ = otlp_to_events(_payload(), "traces")
    engine.ingest(events)
    ev = engine.event("cc-trace", "a000000000000002")
    web = Path(__file__).resolve().parent.parent / "editor-clients" / "web" / "tooltip.js"
    (tmp_path / "run.mjs").write_text(
        f"import {{ eventLines }} from {json.dumps(web.as_uri())};\n"
        f"console.log(JSON.stringify(eventLines({json.dumps(ev)})));\n"
    )
    node = shutil.which("node")
    assert node, "node is installed by scripts/test.sh"
    out = subprocess.run([node, str(tmp_path / "run.mjs")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert ["Time to first token", "2.5s · then 3.5s generating"] in json.loads(out.stdout)
