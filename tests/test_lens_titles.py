"""Lens titles say what ran (issue 12 "Say what ran"): `Read: config/config.exs 4ms · slowest #21`,
the file relative to the session's workspace, the same label as the slowest list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessionprof_ls.editor import EditorIndex
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TITLE = re.compile(r"(?P<label>.+) (?P<dur>\d[\w.]*(?: \d\w+)?)(?: interrupted)? · slowest #(?P<rank>\d+)")


@pytest.mark.parametrize("name", ["spotter-subagent", "spotter-tool_heavy", "agentlogs-crud"])
def test_lens_titles_name_the_file_relative_to_the_workspace(name, tmp_path):
    engine = Engine(str(tmp_path / "s.db"))
    (sid,) = engine.ingest(import_file(FIXTURES / "claude-code" / f"{name}.jsonl").events)["sessions"]
    analysis = engine.analysis(sid)
    analysis.slow_threshold = 1  # every timed call is "slow": a lens on every file it touched
    ws = analysis.t.workspace.rstrip("/")
    index = EditorIndex.build(analysis, [])
    lenses = [lens for info in index.files.values() for lens in info.lenses]
    assert lenses
    for lens in lenses:
        m = TITLE.fullmatch(lens.title)
        assert m, lens.title
        label = m["label"]
        assert label.startswith(f"{lens.name}: "), lens.title  # the tool, then what it ran
        assert ws + "/" not in label, lens.title  # relative to the workspace
        assert label == analysis.op_label(list(analysis.t.ids).index(lens.event_id))
