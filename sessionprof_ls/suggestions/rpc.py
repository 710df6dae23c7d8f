"""The suggestion requests the clients send (LSP and the browser's /v1/rpc), and the
server-initiated apply for editors without a sessionprof client.

- `sessionprof/previewSuggestion` {sessionId, suggestionId}: the plan, every file with
  its old and new text and a unified diff. Nothing is written; VS Code turns it into a
  WorkspaceEdit needing confirmation (refactor preview), Neovim into a diff buffer, the
  browser into a diff with a copy button.
- `sessionprof/suggestionApplied` {sessionId, suggestionId, files, client}: the user
  accepted; the store remembers what, where and when. `sessionprof/suggestionUndone` {id}.
- `sessionprof/suggestionEffects` {sessionId}: the workspace's applied suggestions with
  the targeted metric before vs after (effects.py).
- `sessionprof.applySuggestion` (executeCommand): for any other LSP editor, the same plan
  as one workspace/applyEdit whose changes carry a change annotation with
  needsConfirmation, so the editor asks before it changes anything.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument, Workspace

from .. import apply as apply_mod
from .. import protocol as P
from ..analysis.base import JsonDict
from ..tree import SessionTree
from . import applied, effects

if TYPE_CHECKING:
    from ..engine import Engine

ANNOTATION = "sessionprof"


class SuggestionHost(Protocol):
    """What these requests need of the language server (server.SessionProfServer), so
    this module does not import the server (which imports it)."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def client_capabilities(self) -> lsp.ClientCapabilities: ...

    def current_session(self) -> str | None: ...

    def open_engine(self) -> Engine: ...

    def workspace_folders(self) -> list[str]: ...

    async def workspace_apply_edit_async(
        self, params: lsp.ApplyWorkspaceEditParams
    ) -> lsp.ApplyWorkspaceEditResult: ...


def _session(ls: SuggestionHost, params: JsonDict) -> tuple[Engine, str, SessionTree]:
    sid = str(params.get("sessionId") or ls.current_session() or "")
    engine = ls.open_engine()
    tree = engine.tree(sid) if sid else None
    if tree is None:
        raise ValueError(f"unknown session: {sid}" if sid else "no session yet")
    return engine, sid, tree


def _suggestion(engine: Engine, sid: str, suggestion_id: object) -> JsonDict:
    data = engine.performance(sid, include_events=False)
    s: JsonDict | None = next((s for s in data["suggestions"] if s["id"] == str(suggestion_id)), None)
    if s is None:
        raise ValueError(f"no suggestion {suggestion_id!r} for this session")
    return s


def _root(ls: SuggestionHost, tree: SessionTree) -> Path | None:
    folders = ls.workspace_folders()
    if folders:
        return Path(folders[0])
    return None


def _reader(ls: SuggestionHost) -> Callable[[Path], str | None]:
    def read(path: Path) -> str | None:
        doc: TextDocument | None = (
            ls.workspace.text_documents.get(from_fs_path(str(path))) if _has_workspace(ls) else None
        )
        if doc is not None:
            return doc.source
        if path.is_file() and path.stat().st_size < 1_000_000:
            return path.read_text(encoding="utf-8", errors="replace")
        return None

    return read


def _has_workspace(ls: SuggestionHost) -> bool:
    try:
        return ls.workspace is not None
    except Exception:  # pygls raises before initialize
        return False


def _editor_applies(ls: SuggestionHost, confirms: bool = False) -> bool:
    """An LSP editor is connected that takes workspace/applyEdit; with `confirms`, one that
    honours change annotations (asks before applying), the only kind the browser page may
    send an edit to: Neovim's own handler would apply it unseen (its plugin previews itself)."""
    caps = getattr(ls, "client_capabilities", None)
    try:
        if caps is None or not get_capability(caps, "workspace.apply_edit", False):
            return False
        return not confirms or bool(get_capability(caps, "workspace.workspace_edit.change_annotation_support", None))
    except Exception:  # pygls raises before initialize
        return False


def preview(ls: SuggestionHost, params: JsonDict) -> JsonDict:
    engine, sid, tree = _session(ls, params)
    s = _suggestion(engine, sid, params.get("suggestionId"))
    out: JsonDict = {
        "sessionId": sid,
        "suggestionId": s["id"],
        "kind": s["kind"],
        "title": s["title"],
        "estimatedSaving": s["estimatedSaving"],
        "method": s.get("method", ""),
        "files": [],
        "message": "",
        "root": None,
        "editor": _editor_applies(ls, confirms=True),
    }
    root = _root(ls, tree)
    if root is None:
        out["message"] = "open a workspace folder first: edits stay inside it"
        return out
    try:
        edits, what = apply_mod.plan(s, root, tree.source, tree.workspace, _reader(ls))
    except apply_mod.Refused as exc:
        out["message"] = str(exc)
        return out
    out.update(root=str(root.resolve()), files=apply_mod.preview(edits, root), message=what)
    return out


def record_applied(ls: SuggestionHost, params: JsonDict) -> applied.Recorded:
    engine, sid, tree = _session(ls, params)
    s = _suggestion(engine, sid, params.get("suggestionId"))
    files = [str(f) for f in params.get("files") or []][:50]
    where = tree.workspace or str(_root(ls, tree) or "")
    return applied.record(engine.store, where, sid, s, files, str(params.get("client") or "editor")[:40])


def record_undone(ls: SuggestionHost, params: JsonDict) -> JsonDict:
    rid = params.get("id")
    if not isinstance(rid, int):
        raise ValueError("id (integer) is required")
    return {"undone": applied.undone(ls.open_engine().store, rid)}


def suggestion_effects(ls: SuggestionHost, params: JsonDict) -> JsonDict:
    engine, sid, tree = _session(ls, params)
    where = tree.workspace or str(_root(ls, tree) or "")
    return {"workspace": where, "effects": effects.effects(engine, where) if where else []}


def _utf16_end(text: str) -> lsp.Position:
    lines = text.split("\n")
    return lsp.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


def _text_edit(e: apply_mod.FileEdit) -> lsp.TextEdit:
    if e.new_text.startswith(e.old_text):
        end = _utf16_end(e.old_text)
        return lsp.TextEdit(range=lsp.Range(end, end), new_text=e.new_text[len(e.old_text) :])
    return lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), _utf16_end(e.old_text)), new_text=e.new_text)


def _annotated(e: apply_mod.FileEdit, annotation: str | None) -> lsp.TextEdit | lsp.AnnotatedTextEdit:
    edit = _text_edit(e)
    if annotation:
        return lsp.AnnotatedTextEdit(range=edit.range, new_text=edit.new_text, annotation_id=annotation)
    return edit


async def run_apply(ls: SuggestionHost, args: list[Any]) -> JsonDict:
    """sessionprof.applySuggestion for editors without our client: one applyEdit the
    editor confirms (change annotations), recorded once the editor says it applied."""
    if len(args) < 2:
        return {"applied": False, "message": "usage: sessionprof.applySuggestion [sessionId, suggestionId]"}
    try:
        engine, sid, tree = _session(ls, {"sessionId": args[0]})
        s = _suggestion(engine, sid, args[1])
    except ValueError as exc:
        return {"applied": False, "message": str(exc)}
    root = _root(ls, tree)
    if root is None:
        return {"applied": False, "message": "open a workspace folder first: edits stay inside it"}
    try:
        edits, what = apply_mod.plan(s, root, tree.source, tree.workspace, _reader(ls))
    except apply_mod.Refused as exc:
        return {"applied": False, "message": str(exc)}
    caps = ls.client_capabilities if _editor_applies(ls) else None
    if caps is None:
        return {"applied": False, "message": "no editor to apply it: copy the change from the preview instead"}
    ops = get_capability(caps, "workspace.workspace_edit.resource_operations", []) or []
    doc_changes = bool(get_capability(caps, "workspace.workspace_edit.document_changes", False) or ops)
    annotated = bool(get_capability(caps, "workspace.workspace_edit.change_annotation_support", None))
    if any(e.create for e in edits) and not (doc_changes and lsp.ResourceOperationKind.Create in ops):
        return {
            "applied": False,
            "message": "the editor cannot create files through LSP edits; "
            f"create {', '.join(e.rel(root.resolve()) for e in edits if e.create)} first",
        }
    if getattr(ls, "sp_neovim", False) and not annotated:
        # Neovim's handler applies an edit into buffers without asking (hidden, unsaved):
        # its plugin previews every file first instead
        return {
            "applied": False,
            "message": "Neovim would apply this without a preview: use :SessionProf apply, "
            "which shows the diff of every file before writing",
        }
    ann = ANNOTATION if annotated else None
    if doc_changes:
        changes: list[lsp.TextDocumentEdit | lsp.CreateFile | lsp.RenameFile | lsp.DeleteFile] = []
        for e in edits:
            uri = from_fs_path(str(e.path))
            doc = ls.workspace.text_documents.get(uri)
            if e.create:
                changes.append(
                    lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True), annotation_id=ann)
                )
            changes.append(
                lsp.TextDocumentEdit(
                    text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=doc.version if doc else None
                    ),
                    edits=[_annotated(e, ann)],
                )
            )
        edit = lsp.WorkspaceEdit(document_changes=changes)
    else:
        edit = lsp.WorkspaceEdit(changes={from_fs_path(str(e.path)): [_text_edit(e)] for e in edits})
    if ann:
        edit.change_annotations = {
            ann: lsp.ChangeAnnotation(label=f"sessionprof: {s['title']}", needs_confirmation=True, description=what)
        }
    try:
        result = await ls.workspace_apply_edit_async(
            lsp.ApplyWorkspaceEditParams(edit=edit, label=f"sessionprof: {s['title']}")
        )
    except Exception as exc:  # an editor that does not implement applyEdit answers with an error
        return {
            "applied": False,
            "message": f"the editor could not apply the edit ({type(exc).__name__}); "
            "copy the change from the preview instead",
        }
    if not result.applied:
        return {
            "applied": False,
            "message": f"the editor did not apply the edit: {result.failure_reason or 'declined'}",
        }
    rel = [e.rel(root.resolve()) for e in edits]
    row = applied.record(engine.store, tree.workspace or str(root), sid, s, rel, "lsp")
    return {"applied": True, "message": what, "files": [str(e.path) for e in edits], "id": row["id"]}


# the requests dispatch (features.py) hands to this module
REQUESTS = {
    P.PREVIEW_SUGGESTION: preview,
    P.SUGGESTION_APPLIED: record_applied,
    P.SUGGESTION_UNDONE: record_undone,
    P.SUGGESTION_EFFECTS: suggestion_effects,
}
