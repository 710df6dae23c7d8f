"""Every suggestion rule on the real fixtures: safety (nothing a later session needs is
denied, hidden, slowed down, or moved to another model project-wide), estimate (computed
from the session, consistent with the token tables, a bound says "up to"), and edits."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from sp_fixtures import FIXTURES, read_events, response_event

from sessionprof_ls import apply as apply_mod
from sessionprof_ls import pricing
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file
from sessionprof_ls.models import OptimizationSuggestion
from sessionprof_ls.suggestions import RULES, Context
from sessionprof_ls.suggestions.batch_reads import BatchReads
from sessionprof_ls.suggestions.incremental_output import IncrementalOutput
from sessionprof_ls.suggestions.large_tool_output import LargeToolOutput
from sessionprof_ls.suggestions.smaller_model import SmallerModel
from sessionprof_ls.tree import AI, F_TOKENS, FREAD, FWRITE

ALL = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.jsonl"))


def load(tmp_path: Path, name: str):
    engine = Engine(tmp_path / f"{name.replace('/', '_')}.db")
    sid = engine.ingest(import_file(FIXTURES / name).events)["sessions"][0]
    return engine, sid


def eager_rules():
    """Every rule, with thresholds lowered so each one fires on some real fixture."""
    big = LargeToolOutput()
    big.threshold = 1  # every read counts as large: the strictest test of what may be named
    batch = BatchReads()
    batch.min_run = 2
    inc = IncrementalOutput()
    inc.threshold = 500
    return [big, batch, inc] + [r for k, r in RULES.items() if k not in (big.kind, batch.kind, inc.kind)]


def read_from(root: Path):
    return lambda p: p.read_text() if p.is_file() else None


def apply_to_disk(edits):
    for e in edits:
        e.path.parent.mkdir(parents=True, exist_ok=True)
        e.path.write_text(e.new_text)


# ------------------------------------------------------------------ shape of every suggestion


@pytest.mark.parametrize("name", ALL)
def test_every_suggestion_states_method_bound_and_relative_evidence(tmp_path, name):
    engine, sid = load(tmp_path, name)
    data = engine.performance(sid, include_events=False)
    ctx = Context(engine.analysis(sid))
    fired = [r.suggestion(ctx) for r in eager_rules()]
    for s in data["suggestions"] + [s for s in fired if s]:
        OptimizationSuggestion.model_validate(s)
        assert s["method"] and s["metric"]
        assert ("up to" in s["estimatedSaving"]) == s["bound"], s["estimatedSaving"]
        assert s["evidence"] and len(s["evidence"]) == min(50, len(s["affectedEvents"]))
        for ev in s["evidence"]:
            assert ev["eventId"] in s["affectedEvents"]
            for text in (ev["filePath"] or "", ev["name"]):
                assert not text.startswith("/"), f"absolute path in evidence: {text}"
        for p in s["filePaths"]:
            assert not p.startswith("/"), p
        ws = engine.tree(sid).workspace or "/nonexistent"
        assert ws not in s["description"] and ws not in s["guidance"], "an absolute path in the text"


# ------------------------------------------------------------------ safety, per rule


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("source_override", [None, "claude-code", "codex", "gemini"])
def test_no_rule_denies_hides_or_moves_the_project_model(tmp_path, name, source_override):
    """Applied to a workspace that already has settings, every rule's edit leaves the
    project's settings and model alone, and names no file the agent edited or read
    after the event the rule is about."""
    engine, sid = load(tmp_path, name)
    tree = engine.tree(sid)
    source = source_override or tree.source
    a = engine.analysis(sid)
    ctx = Context(a)
    ws = tmp_path / "ws"
    (ws / ".claude").mkdir(parents=True)
    (ws / ".codex").mkdir()
    settings = json.dumps({"model": "claude-opus-4-6", "permissions": {"allow": ["Read"]}}, indent=2) + "\n"
    (ws / ".claude" / "settings.json").write_text(settings)
    config = 'model = "gpt-5.2-codex"\n\n[profiles.deep]\nmodel = "gpt-5.2-codex"\n'
    (ws / ".codex" / "config.toml").write_text(config)
    touched = {ctx.rel(p) for p in ctx.touched_later}
    used_after = {ctx.rel(p) for p in ctx.written}
    for rule in eager_rules():
        s = rule.suggestion(ctx)
        if s is None:
            continue
        try:
            edits, _ = apply_mod.plan(s, ws, source, tree.workspace, read_from(ws))
        except apply_mod.Refused as exc:
            assert "nothing to change" in str(exc)
            continue
        apply_to_disk(edits)
        # the project's own settings are untouched: same model, no deny rules
        assert (ws / ".claude" / "settings.json").read_text() == settings
        cfg = tomllib.loads((ws / ".codex" / "config.toml").read_text())
        assert cfg["model"] == "gpt-5.2-codex" and cfg["profiles"]["deep"] == {"model": "gpt-5.2-codex"}
        for e in edits:
            rel = e.rel(ws.resolve())
            assert rel in ("CLAUDE.md", "AGENTS.md", ".claude/agents/quick-tasks.md", ".codex/config.toml"), rel
            assert "deny" not in e.new_text.lower() or rel.endswith(".md")
        # a file the agent edited, or read after a large read, is never named
        text = "".join(e.new_text for e in edits)
        if rule.kind == "large_tool_output":
            for i in np.flatnonzero(np.isin(a.a_type, (FREAD,)) & (a._col("file") >= 0)).tolist():
                p = ctx.path(i)
                later = any(
                    ctx.path(j) == p and a.t.start[j] > a.t.start[i]
                    for j in np.flatnonzero(np.isin(a.a_type, (FREAD, FWRITE))).tolist()
                )
                if later or ctx.rel(p) in used_after:
                    assert f"`{ctx.rel(p)}`" not in text, (rule.kind, p)
        for path in used_after & touched:
            assert f"Search these instead of reading them whole: `{path}`" not in text


def test_large_output_names_only_files_never_used_again(tmp_path):
    """spotter-subagent read .beads/issues.jsonl once (5,392 tokens) and never again; it
    read mix.exs three times and wrote plan.md: only the first may be named."""
    engine, sid = load(tmp_path, "claude-code/spotter-subagent.jsonl")
    ctx = Context(engine.analysis(sid))
    rule = LargeToolOutput()
    rule.threshold = 1
    s = rule.suggestion(ctx)
    assert "`.beads/issues.jsonl`" in s["guidance"]
    assert "mix.exs" in s["filePaths"] and "`mix.exs`" not in s["guidance"]
    assert "plan.md" not in s["guidance"]


def test_smaller_model_targets_a_subagent_or_a_profile_never_the_project(tmp_path):
    for name, source, target in (
        ("claude-code/spotter-subagent.jsonl", "claude-code", ".claude/agents/quick-tasks.md"),
        ("codex/agentlogs-images.jsonl", "codex", ".codex/config.toml"),
    ):
        engine, sid = load(tmp_path, name)
        s = next(
            x for x in engine.performance(sid, include_events=False)["suggestions"] if x["kind"] == "smaller_model"
        )
        ws = tmp_path / source
        ws.mkdir()
        edits, what = apply_mod.plan(s, ws, source, None, read_from(ws))
        by = {e.rel(ws.resolve()): e for e in edits}
        assert target in by and by[target].create
        if source == "claude-code":
            front = by[target].new_text.split("---")[1]
            assert "model: haiku" in front and "name: quick-tasks" in front
            assert not (ws / ".claude" / "settings.json").exists() and ".claude/settings.json" not in by
        else:
            cfg = tomllib.loads(by[target].new_text)
            assert "model" not in cfg and cfg["profiles"]["quick"]["model"] == s["suggestedModel"]
        # guidance only for an agent without subagents or profiles
        edits, _ = apply_mod.plan(s, tmp_path / "other", "gemini", None, read_from(ws))
        assert [e.path.name for e in edits] == ["AGENTS.md"]
    # a workspace that already has its own quick-tasks agent keeps it
    ws = tmp_path / "claude-code"
    (ws / ".claude" / "agents").mkdir(parents=True, exist_ok=True)
    (ws / ".claude" / "agents" / "quick-tasks.md").write_text("mine\n")
    engine, sid = load(tmp_path, "claude-code/spotter-subagent.jsonl")
    s = next(x for x in engine.performance(sid, include_events=False)["suggestions"] if x["kind"] == "smaller_model")
    edits, what = apply_mod.plan(s, ws, "claude-code", None, read_from(ws))
    assert all(e.path.name != "quick-tasks.md" for e in edits) and "kept your" in what


def test_the_safety_check_refuses_project_wide_edits(tmp_path):
    root = tmp_path.resolve()
    bad = [
        apply_mod.FileEdit(root / ".claude" / "settings.json", True, "", "{}"),
        apply_mod.FileEdit(root / ".codex" / "config.toml", False, "", 'model = "gpt-5-mini"\n'),
        apply_mod.FileEdit(
            root / ".codex" / "config.toml", False, '[profiles.a]\nmodel = "x"\n', '[profiles.a]\nmodel = "y"\n'
        ),
    ]
    for e in bad:
        with pytest.raises(apply_mod.Refused):
            apply_mod._check_safe([e], root)


# ------------------------------------------------------------------ estimates


def brute_resends(a, i: int) -> int:
    """Independent of the table's vectorised count: requests of the same context that
    start after the read ended, minus the first (which carries it as new input)."""
    ctx = a._context_of()
    req = [
        j
        for j in range(a.n)
        if a.t.type[j] == AI and a.t.flags[j] & F_TOKENS and ctx[j] == ctx[i] and a.t.start[j] >= a.a_end[i]
    ]
    return max(0, len(req) - 1)


# the real sessions that re-read a file within one conversation
REREADS = [
    "codex/agentlogs-images.jsonl",
    "copilot-cli/history-session-state/session_06141331-92e8-4e9e-8bbb-9b7a729eb01a.json",
]


@pytest.mark.parametrize("name", REREADS)
def test_reread_estimate_is_part_of_the_file_table(tmp_path, name):
    engine, sid = load(tmp_path, name)
    a = engine.analysis(sid)
    data = engine.performance(sid, include_events=False)
    s = next(x for x in data["suggestions"] if x["kind"] == "reread_file")
    table = {r["filePath"]: r for r in data["tokensByFile"]}
    wasted = [a.t.index[e] for e in s["affectedEvents"]]
    expected = sum(max(0, a.t.file_tokens[i]) * (1 + brute_resends(a, i)) for i in wasted)
    assert s["savingTokens"] == expected
    assert f"-{expected:,} tokens" in s["estimatedSaving"]
    for path in {a.t.strings.values[a.t.file[i]] for i in wasted}:
        row = table[path]
        reads = [a.t.index[e] for e in row["eventIds"]]
        total = sum(max(0, a.t.file_tokens[i]) * (1 + brute_resends(a, i)) for i in reads)
        assert total == row["tokens"] + row["resentTokens"]  # the table and the brute count agree
        mine = sum(max(0, a.t.file_tokens[i]) * (1 + brute_resends(a, i)) for i in wasted if i in reads)
        assert f"{mine:,} of the {total:,} tokens the file table counts" in s["description"]


def test_a_subagent_reading_what_its_caller_read_is_not_a_re_read(tmp_path):
    """spotter-subagent: the main agent read mix.exs; later its subagent (its own, empty
    conversation) read it: its first read there, which the guidance could not have saved.
    Its Read before that was cancelled ("Sibling tool call errored") and read nothing, so
    the subagent read mix.exs once, too. The table counts both reads; no re-read is claimed."""
    engine, sid = load(tmp_path, "claude-code/spotter-subagent.jsonl")
    a = engine.analysis(sid)
    data = engine.performance(sid, include_events=False)
    cancelled = "tool:toolu_01QDUftK7MweJaWSx65d9Cmb:io"
    row = next(r for r in data["tokensByFile"] if r["filePath"].endswith("/mix.exs"))
    assert row["timesRead"] == 2 and cancelled not in row["eventIds"]
    reads = [a.t.index[e] for e in row["eventIds"]]
    ctx = a._context_of()
    main, sub = sorted(reads, key=a.t.start.__getitem__)
    assert ctx[main] == -1 and ctx[sub] >= 0  # two conversations, one read each
    assert ctx[a.t.index[cancelled]] == ctx[sub]  # the cancelled one would have made a re-read
    assert "reread_file" not in {x["kind"] for x in data["suggestions"]}
    assert RULES["reread_file"].detect(Context(a)) is None and RULES["reread_file"].metric(Context(a)) == 0.0


@pytest.mark.parametrize("name", ALL)
def test_smaller_model_bound_is_the_short_responses_repriced(tmp_path, name):
    engine, sid = load(tmp_path, name)
    a = engine.analysis(sid)
    s = SmallerModel().suggestion(Context(a))
    if s is None:
        return
    cost = a.cost_array()
    rates = pricing.rates_for(s["suggestedModel"])
    saving = 0.0
    for e in s["affectedEvents"]:
        i = a.t.index[e]
        assert a.t.tout[i] <= 300
        alt = (
            a.t.tin[i] * rates.input
            + a.t.tout[i] * rates.output
            + a.t.tcr[i] * rates.cache_read
            + a.t.tcw[i] * rates.cache_write
        )
        saving += cost[i] - alt
    assert s["savingUsd"] == pytest.approx(saving)
    assert s["bound"] and s["estimatedSaving"].startswith("up to")


@pytest.mark.parametrize("name", ALL)
def test_wait_and_history_estimates_come_from_the_summary(tmp_path, name):
    engine, sid = load(tmp_path, name)
    data = engine.performance(sid, include_events=False)
    for s in data["suggestions"]:
        if s["kind"] == "user_wait":
            assert s["savingMs"] == data["userWaitTime"]
        if s["kind"] == "new_session":
            assert f"{data['historyShare']}%" in s["description"]
        if s["kind"] == "large_tool_output":
            assert s["savingTokens"] > 0
    ctx = Context(engine.analysis(sid))
    for rule in eager_rules():
        s = rule.suggestion(ctx)
        if s and rule.kind in ("batch_reads", "incremental_output"):
            assert 0 <= s["savingMs"] <= data["totalDuration"]


# ------------------------------------------------------------------ edits


@pytest.mark.parametrize("name", ALL)
def test_edits_are_idempotent_and_keep_the_users_text(tmp_path, name):
    engine, sid = load(tmp_path, name)
    tree = engine.tree(sid)
    ws = tmp_path / "ws"
    ws.mkdir()
    mine = "# My project\n\nUse tabs.\n"
    (ws / "CLAUDE.md").write_text(mine)
    (ws / "AGENTS.md").write_text(mine)
    for s in engine.performance(sid, include_events=False)["suggestions"]:
        edits, what = apply_mod.plan(s, ws, tree.source, tree.workspace, read_from(ws))
        assert what
        for e in edits:
            assert e.new_text.startswith(e.old_text) or e.create, "existing text is kept as it was"
            diff = apply_mod.preview([e], ws)[0]["diff"]
            assert all(line.startswith(("+", "@@", "---", "+++", " ")) for line in diff.splitlines()), diff
        apply_to_disk(edits)
        with pytest.raises(apply_mod.Refused, match="nothing to change"):
            apply_mod.plan(s, ws, tree.source, tree.workspace, read_from(ws))
    text = (ws / "CLAUDE.md").read_text() + (ws / "AGENTS.md").read_text()
    assert text.count(apply_mod.SECTION) <= 2 and text.startswith(mine)


# ------------------------------------------------------------------ text written to instruction files

EVIL = [
    "docs/a\n# Heading\n- [ ] task.md",
    "docs/[click](http://evil.example).md",
    "docs/<img src=x onerror=alert(1)>.md",
    "docs/``tick`` *bold* _em_ ~~s~~ | a | b |.md",
    "docs/line\u2028sep\u2029para\x85nel\r.md",
    "docs/&amp;entity.md",
]


def test_instruction_text_is_inert_markdown(tmp_path):
    """Paths from a session end up in CLAUDE.md only as code spans on one bullet line:
    no heading, link, image, HTML, emphasis or new instruction line can come out of them."""
    from markdown_it import MarkdownIt

    ws = tmp_path / "ws"
    (ws / "docs").mkdir(parents=True)
    T0 = 1_760_000_000_000.0
    events = [
        response_event("evil", ws, "claude-code", T0),
        *read_events("evil", [str(ws / p) for p in EVIL], 20_000, T0),
    ]
    engine = Engine(tmp_path / "s.db")
    engine.ingest(events)
    s = next(
        x for x in engine.performance("evil", include_events=False)["suggestions"] if x["kind"] == "large_tool_output"
    )
    (ws / "CLAUDE.md").write_text("# Mine\n\nKeep this.\n")
    edits, _ = apply_mod.plan(s, ws, "claude-code", str(ws), read_from(ws))
    (e,) = edits
    added = e.new_text[len(e.old_text) :]
    lines = added.strip("\n").split("\n")
    assert lines[0] == apply_mod.SECTION and lines[1] == "" and len(lines) == 3 and lines[2].startswith("- ")
    for ch in ("\u2028", "\u2029", "\x85", "\r"):
        assert ch not in added
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(e.new_text)
    kinds = {t.type for t in tokens}
    assert kinds <= {
        "heading_open",
        "heading_close",
        "inline",
        "paragraph_open",
        "paragraph_close",
        "bullet_list_open",
        "bullet_list_close",
        "list_item_open",
        "list_item_close",
    }, kinds
    assert sum(t.type == "heading_open" for t in tokens) == 2  # the user's and ours
    assert sum(t.type == "list_item_open" for t in tokens) == 1
    inline = [c.type for t in tokens if t.type == "inline" for c in t.children]
    assert set(inline) <= {"text", "code_inline"}, inline
    assert sum(c == "code_inline" for c in inline) == len(EVIL)


@pytest.mark.parametrize(
    "name", [*ALL, "copilot-cli/history-session-state/session_06141331-92e8-4e9e-8bbb-9b7a729eb01a.json"]
)
def test_a_count_agrees_with_its_noun(tmp_path, name):
    """A suggestion's sentence opens with its count: "1 tool result carried", never
    "1 tool results"; the count is the number of events it names."""
    engine, sid = load(tmp_path, name)
    for s in engine.performance(sid, include_events=False)["suggestions"]:
        for noun in ("read", "tool result"):
            n = len(s["affectedEvents"])
            if s["description"].startswith(f"{n} {noun}"):
                assert s["description"].startswith(f"{n} {noun}s" if n != 1 else f"1 {noun} ")
