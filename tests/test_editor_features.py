"""The editor surface of issue 16 over real stdio, with Neovim's and VS Code's capabilities,
on a real Claude Code transcript whose cwd is the editor's workspace (the usual case, where
a file's absolute path and its workspace mapping are the same document): one lens per slow
call with its rank, hint label parts with emphasis and a command, hover on the hinted and
the lensed line, a bad setting reported once."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lsp_harness import EDITORS, hints, lenses, open_doc, start, stop
from lsprotocol import types as lsp
from sp_fixtures import FIXTURES, claude_project_name

from sessionprof_ls import protocol as P
from sessionprof_ls.engine import Engine
from sessionprof_ls.importers import import_file

FIXTURE = "claude-code/spotter-subagent.jsonl"


@pytest.fixture(params=EDITORS)
def editor(request):
    return request.param


def same_cwd_workspace(tmp: Path) -> dict:
    """The fixture transcript moved to the workspace: its recorded cwd replaced by the
    workspace path, the files it read created there."""
    src = FIXTURES / FIXTURE
    events = import_file(src).events
    cwd = next(e["metadata"]["workspace"] for e in events if (e.get("metadata") or {}).get("workspace"))
    root = (tmp / "ws").resolve()
    root.mkdir()
    claude = tmp / "claude"
    project = claude / "projects" / claude_project_name(root)
    project.mkdir(parents=True)
    transcript = project / src.name
    transcript.write_text(src.read_text().replace(cwd, str(root)))
    moved = import_file(transcript).events
    paths = {
        e["metadata"]["filePath"]
        for e in moved
        if e["type"] in ("file_read", "file_write", "tool_execution") and (e.get("metadata") or {}).get("filePath")
    }
    for p in paths:
        target = Path(p)
        if target.is_absolute() and str(target).startswith(str(root) + os.sep) and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("first line\n" + "".join(f"line {i}\n" for i in range(2, 400)))
    # expectations from our own engine on the same transcript
    engine = Engine(str(tmp / "expect.db"), slow_threshold_ms=1)
    engine.ingest(moved)
    sid = moved[0]["sessionId"]
    perf = engine.performance(sid, include_events=False)
    return {
        "root": root,
        "claude": claude,
        "sid": sid,
        "files": perf["tokensByFile"],
        "events": moved,
        "total_input": perf["inputTokens"] + perf["cacheReadTokens"] + perf["cacheWriteTokens"],
    }


def label_text(hint: lsp.InlayHint) -> str:
    return hint.label if isinstance(hint.label, str) else "".join(p.value for p in hint.label)


async def hover(client, uri: str, line: int) -> lsp.Hover | None:
    return await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line, 0))
    )


async def test_lenses_hints_and_hover(editor, tmp_path):
    ws = same_cwd_workspace(tmp_path)
    # thresholds from the session itself, so every level occurs: the top file high, the smallest low
    shares = sorted(r["shareOfInput"] for r in ws["files"] if Path(r["filePath"]).is_file())
    assert len(shares) >= 3 and shares[0] < shares[-1], shares
    mid, high = (shares[0] + shares[1]) / 2, shares[-1]
    client, rec = await start(
        editor,
        tmp_path,
        ws["root"],
        claude_dir=ws["claude"],
        settings={"slowThresholdMs": 1, "hintMidShare": mid, "hintHighShare": high},
    )
    neovim = editor == "neovim"
    try:
        await rec.wait(lambda: any(s["sessionId"] == ws["sid"] for s in rec.summaries), what="summary")
        await rec.wait(lambda: rec.hint_refreshes > 0, what="hint refresh")
        by_events = {e["id"]: e for e in ws["events"]}
        seen_ranks: dict[str, int] = {}
        levels = set()
        checked_lens_hover = False
        for row in ws["files"]:
            path = Path(row["filePath"])
            if not path.is_file():
                continue
            uri = open_doc(client, path)
            got = await hints(client, uri)
            assert len(got) == 1, (path, got)
            hint = got[0]
            text = label_text(hint)
            assert text.startswith(f"{row['tokens']:,} tk") or re.match(r"[\d.,]+[kM]? tk", text), text
            level = "high" if row["shareOfInput"] >= high else "mid" if row["shareOfInput"] >= mid else "low"
            assert hint.data["level"] == level, (row, hint.data)
            levels.add(level)
            mark = {"low": "", "mid": " ▲", "high": " ▲▲"}[level]
            assert text.endswith(mark) and (mark or not text.endswith("▲")), text
            first = hint.label[0]
            assert first.command.command == P.CMD_SHOW_EVENT
            assert list(first.command.arguments) == [ws["sid"], row["eventIds"][-1]]
            assert f"({row['tokens']:,} read, " in first.tooltip.value

            # hover on the hinted line: the breakdown
            h = await hover(client, uri, 0)
            assert h is not None
            md = h.contents.value
            context = row.get("contextTokens", row["tokens"] + row["resentTokens"])
            assert (
                f"**{context:,} tokens** in the context ({row['tokens']:,} read, {row['resentTokens']:,} re-sent "
                f"as history): {row['shareOfInput']:.1f}%"
            ) in md, md
            assert f"**Reads** ({row['timesRead']})" in md
            assert (
                f"Re-sent** as history by {row['resentCount']} later request(s): {row['resentTokens']:,} tokens" in md
            )
            if neovim:
                assert ":SessionProf show" in md and "command:" not in md
            else:
                assert f"command:{P.CMD_SHOW_EVENT}?" in md

            # lenses: one per slow call on this document, every title with its rank
            ls_ = await lenses(client, uri)
            ids = [lens.command.arguments[1] for lens in ls_]
            assert len(ids) == len(set(ids)), [lens.command.title for lens in ls_]
            for lens in ls_:
                m = re.fullmatch(r"(\S+?):? (.+) · slowest #(\d+)", lens.command.title)  # `Read: src/x.py 6.5s`
                assert m, lens.command.title
                eid = lens.command.arguments[1]
                assert seen_ranks.setdefault(eid, int(m.group(3))) == int(m.group(3))
            if ls_ and not checked_lens_hover:
                lens = ls_[0]
                line = lens.range.start.line
                h = await hover(client, uri, line)
                md = h.contents.value
                name, dur, rank = re.fullmatch(
                    r"(\S+?)(?:: .+?)? (\d[\w.]*(?: \d\w+)?)(?: interrupted)? · slowest #(\d+)", lens.command.title
                ).groups()
                assert f"**{name}** took **{dur}** · slowest #{rank} of " in md, md
                ev = by_events[lens.command.arguments[1]]
                args = (ev.get("metadata") or {}).get("args") or {}
                what = (
                    args.get("command")
                    or args.get("pattern")
                    or args.get("file_path")
                    or ev["metadata"].get("filePath")
                )
                assert " ".join(str(what).split())[:60] in md, (what, md)
                checked_lens_hover = True
        assert checked_lens_hover
        # ranks are distinct across documents: one rank per slow call
        assert len(set(seen_ranks.values())) == len(seen_ranks)
        assert levels == {"low", "mid", "high"}, levels
        # a line with neither a hint nor a lens: no hover
        path = next(Path(r["filePath"]) for r in ws["files"] if Path(r["filePath"]).is_file())
        assert await hover(client, path.as_uri(), 390) is None
    finally:
        await stop(client)


async def test_bad_setting_reported_once(editor, tmp_path):
    ws = tmp_path / "w"
    ws.mkdir()
    client, rec = await start(
        editor,
        tmp_path,
        ws,
        settings={"noSuchSetting": 1, "hintHighShare": 400},
        configuration={"sessionprof": {"noSuchSetting": 1, "hintHighShare": 400}},
    )
    try:
        # the messages of initialize and of the configuration pull came already: count the client's record
        msgs = [m.message for m in client.messages]
        assert msgs.count("unknown setting sessionprof.noSuchSetting") == 1, msgs
        assert sum("hintHighShare must be a percentage" in m for m in msgs) == 1, msgs
    finally:
        await stop(client)
