"""The suggestion requests over real stdio (pytest-lsp) under Neovim's and VS Code's
capabilities: the preview writes nothing, the server-initiated apply needs confirmation,
and what was applied is remembered and measured."""

from __future__ import annotations

import pytest
from lsp_harness import EDITORS, request, start, stop
from lsprotocol import types as lsp
from sp_fixtures import make_fixture_workspace

from sessionprof_ls import protocol as P


@pytest.mark.parametrize("editor", EDITORS)
async def test_preview_apply_record_effects(editor, tmp_path):
    fw = make_fixture_workspace(tmp_path)
    (fw.root / "CLAUDE.md").write_text("# Notes\n")
    before = {p: p.read_bytes() for p in fw.root.rglob("*") if p.is_file()}
    client, rec = await start(editor, tmp_path, fw.root, claude_dir=fw.claude_dir, codex_dir=fw.codex_dir)
    try:
        await rec.wait(lambda: rec.summaries, what="summary")
        perf = await request(client, P.PERFORMANCE, {"sessionId": fw.session_id, "includeEvents": False})
        kinds = {s["kind"]: s for s in perf["suggestions"]}
        plan = await request(
            client, P.PREVIEW_SUGGESTION, {"sessionId": fw.session_id, "suggestionId": "smaller_model"}
        )
        by = {f["relPath"]: f for f in plan["files"]}
        assert set(by) == {"CLAUDE.md", ".claude/agents/quick-tasks.md"}
        assert by[".claude/agents/quick-tasks.md"]["create"] and by[".claude/agents/quick-tasks.md"]["createdDirs"] == [
            ".claude/agents",
            ".claude",
        ]
        assert by["CLAUDE.md"]["oldText"] == "# Notes\n" and "+- Delegate" in by["CLAUDE.md"]["diff"]
        # the page may send edits only to an editor that asks first
        assert plan["editor"] is (editor == "visual_studio_code")
        assert {p: p.read_bytes() for p in fw.root.rglob("*") if p.is_file()} == before

        result = await client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(
                command=P.CMD_APPLY_SUGGESTION, arguments=[fw.session_id, kinds["new_session"]["id"]]
            )
        )
        result = result if isinstance(result, dict) else result._asdict()
        if editor == "visual_studio_code":
            assert result["applied"] is True
            edit = rec.edits[-1].edit
            assert edit.change_annotations["sessionprof"].needs_confirmation is True
            for change in edit.document_changes:
                for te in getattr(change, "edits", []):
                    assert te.annotation_id == "sessionprof"
        else:  # Neovim would apply it unseen: refused, the plugin previews instead
            assert result["applied"] is False and ":SessionProf apply" in result["message"]
            assert rec.edits == []
        assert {p: p.read_bytes() for p in fw.root.rglob("*") if p.is_file()} == before  # the editor writes

        rec_row = await request(
            client,
            P.SUGGESTION_APPLIED,
            {"sessionId": fw.session_id, "suggestionId": "smaller_model", "files": list(by), "client": "test"},
        )
        eff = await request(client, P.SUGGESTION_EFFECTS, {"sessionId": fw.session_id})
        rows = {r["kind"]: r for r in eff["effects"]}
        assert set(rows) == ({"new_session", "smaller_model"} if editor == "visual_studio_code" else {"smaller_model"})
        assert rows["smaller_model"]["verdict"] == "waiting" and rows["smaller_model"]["before"]["sessions"] == 1
        assert (await request(client, P.SUGGESTION_UNDONE, {"id": rec_row["id"]}))["undone"] is True
        eff = await request(client, P.SUGGESTION_EFFECTS, {"sessionId": fw.session_id})
        assert [r["kind"] for r in eff["effects"]] == (["new_session"] if editor == "visual_studio_code" else [])
        # bad input: one clear line
        with pytest.raises(Exception, match="no suggestion"):
            await request(client, P.PREVIEW_SUGGESTION, {"sessionId": fw.session_id, "suggestionId": "nope"})
    finally:
        await stop(client)
