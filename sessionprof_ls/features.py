"""The server's LSP surface, wired onto the server by `setup` (esbonio style):
lifecycle and configuration, the custom requests and the ingest notification,
inlay hints, code lenses and the commands.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.capabilities import get_capability
from pygls.uris import from_fs_path, to_fs_path

from . import apply as apply_mod
from . import protocol as P
from .exports import FORMATS, default_filename, export


def _params(params: Any) -> dict:
    if params is None:
        return {}
    if isinstance(params, dict):
        return params
    if hasattr(params, "_asdict"):
        return params._asdict()
    raise TypeError("params must be an object")


def setup(server) -> None:
    @server.feature(lsp.INITIALIZE)
    def on_initialize(ls, params: lsp.InitializeParams):
        opts = params.initialization_options
        if isinstance(opts, dict):
            ls.apply_settings(opts.get(P.CONFIG_SECTION, opts))

    @server.feature(lsp.INITIALIZED)
    async def on_initialized(ls, params):
        await pull_configuration(ls)
        await ls.start_services()
        if get_capability(ls.client_capabilities, "workspace.did_change_configuration.dynamic_registration", False):
            await ls.client_register_capability_async(lsp.RegistrationParams(registrations=[
                lsp.Registration(id="sessionprof-config", method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                                 register_options={"section": P.CONFIG_SECTION})]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_config_change(ls, params: lsp.DidChangeConfigurationParams):
        before = ls.config
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(P.CONFIG_SECTION), dict):
            ls.apply_settings(settings[P.CONFIG_SECTION])
        await pull_configuration(ls)
        if (before.followTranscripts, before.claudeConfigDir, before.codexHome, before.extraWorkspaces) != (
                ls.config.followTranscripts, ls.config.claudeConfigDir, ls.config.codexHome,
                ls.config.extraWorkspaces) and ls.http is not None:
            ls.restart_follower()
        current = ls.current_session()
        if current:
            ls._summary_sent_for = None
            ls.schedule_update([current])
        ls.request_refresh()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def on_folders(ls, params):
        if ls.http is not None:
            ls.restart_follower()

    @server.feature(lsp.SHUTDOWN)
    async def on_shutdown(ls, params):
        await ls.stop_services()

    # -------------------------------------------------------- custom messages

    @server.feature(P.INGEST)
    async def on_ingest(ls, params):
        try:
            events = _params(params).get("events")
        except TypeError as exc:
            ls.show_warning(f"sessionprof/ingest: {exc}")
            return
        if not isinstance(events, list):
            ls.show_warning('sessionprof/ingest: params must be {"events": [...]}')
            return
        result = await ls.ingest_async(events)
        if result["rejected"]:
            first = result["rejected"][0]
            ls.log_error(f"sessionprof/ingest: rejected {len(result['rejected'])} of {len(events)} events; "
                         f"event {first['index']}: {first['error']}")

    for method in (P.SESSIONS, P.PERFORMANCE, P.FLAME_GRAPH, P.EVENT, P.OPEN_FILE):
        def make(m):
            async def handler(ls, params):
                try:
                    return await dispatch(ls, m, _params(params))
                except (KeyError, ValueError, TypeError) as exc:
                    from pygls.exceptions import JsonRpcInvalidParams

                    raise JsonRpcInvalidParams(str(exc).strip("'\"")) from None
            return handler
        server.feature(method)(make(method))

    # -------------------------------------------------------- editor features

    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    def inlay_hints(ls, params: lsp.InlayHintParams):
        if not ls.config.inlayHints:
            return []
        info = ls.index.lookup(to_fs_path(params.text_document.uri) or "")
        if info is None or not info.label or params.range.start.line > 0:
            return []
        doc = ls.workspace.get_text_document(params.text_document.uri)
        first = doc.lines[0].rstrip("\r\n") if doc.lines else ""
        return [lsp.InlayHint(
            position=lsp.Position(0, len(first.encode("utf-16-le")) // 2),
            label=info.label, padding_left=True,
            tooltip=lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=info.tooltip))]

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    def code_lenses(ls, params: lsp.CodeLensParams):
        if not ls.config.codeLens:
            return []
        info = ls.index.lookup(to_fs_path(params.text_document.uri) or "")
        if info is None:
            return []
        sid = ls.index.session_id
        return [lsp.CodeLens(range=lsp.Range(lsp.Position(lens.line, 0), lsp.Position(lens.line, 0)),
                             command=lsp.Command(title=lens.title, command=P.CMD_SHOW_EVENT,
                                                 arguments=[sid, lens.event_id]))
                for lens in info.lenses]

    # -------------------------------------------------------- commands

    @server.command(P.CMD_SELECT_SESSION)
    def select_session(ls, *args):
        if not args or not isinstance(args[0], str):
            raise ValueError("usage: sessionprof.selectSession [sessionId]")
        ls.select(args[0])
        return {"sessionId": args[0]}

    @server.command(P.CMD_EXPORT)
    def export_session(ls, *args):
        return run_export(ls, list(args or []))

    @server.command(P.CMD_APPLY_SUGGESTION)
    async def apply_suggestion(ls, *args):
        return await run_apply(ls, list(args or []))


async def pull_configuration(ls) -> None:
    if not get_capability(ls.client_capabilities, "workspace.configuration", False):
        return
    try:
        result = await asyncio.wait_for(ls.workspace_configuration_async(lsp.ConfigurationParams(
            items=[lsp.ConfigurationItem(section=P.CONFIG_SECTION)])), timeout=5)
    except Exception as exc:
        ls.log_error(f"workspace/configuration failed: {exc!r}")
        return
    if result and isinstance(result[0], dict):
        ls.apply_settings(result[0])


# ------------------------------------------------------------ requests


async def dispatch(ls, method: str, params: dict) -> Any:
    engine = ls.open_engine()
    if method == P.SESSIONS:
        current = ls.current_session()
        rows = engine.sessions()
        for r in rows:
            r["current"] = r["sessionId"] == current
        return rows
    if method == "workspace/executeCommand":
        command, arguments = params.get("command"), params.get("arguments") or []
        if command == P.CMD_APPLY_SUGGESTION:
            return await run_apply(ls, arguments)
        if command == P.CMD_SELECT_SESSION:
            ls.select(str(arguments[0]) if arguments else "")
            return {"sessionId": arguments[0]}
        if command == P.CMD_EXPORT:
            return run_export(ls, arguments)
        raise ValueError(f"unknown command: {command}")
    if method == P.OPEN_FILE:
        return await open_file(ls, params)
    sid = params.get("sessionId") or ls.current_session()
    if not sid:
        raise ValueError("no session yet: send events or open a workspace with agent transcripts")
    if engine.tree(sid) is None:
        raise ValueError(f"unknown session: {sid}")
    if method == P.PERFORMANCE:
        include = params.get("includeEvents", True)
        return engine.performance(sid, include_events=bool(include))
    if method == P.FLAME_GRAPH:
        view = params.get("view", "time")
        weight = params.get("weight", "time")
        if view not in P.FLAME_VIEWS:
            raise ValueError(f"view must be one of {', '.join(P.FLAME_VIEWS)}, got {view!r}")
        if weight not in P.FLAME_WEIGHTS:
            raise ValueError(f"weight must be one of {', '.join(P.FLAME_WEIGHTS)}, got {weight!r}")
        encoding = params.get("encoding", "json")
        if encoding not in ("json", "base64"):
            raise ValueError(f"encoding must be json or base64, got {encoding!r}")
        return engine.flame_graph(sid, view, weight, encoding)
    if method == P.EVENT:
        eid = params.get("eventId")
        if not isinstance(eid, str):
            raise ValueError("eventId (string) is required")
        ev = engine.event(sid, eid)
        if ev is None:
            raise ValueError(f"unknown event {eid} in session {sid}")
        return ev
    raise ValueError(f"unknown method: {method}")


async def open_file(ls, params: dict) -> dict:
    """Open a session's file in the editor (from the web UI), inside the workspace only."""
    path = params.get("filePath")
    if not isinstance(path, str) or not path:
        raise ValueError("filePath (string) is required")
    from .editor import editor_paths

    tree = ls.open_engine().tree(ls.current_session() or "")
    folders = ls.workspace_folders()
    for candidate in editor_paths(path, tree.workspace if tree else None, folders):
        if any(apply_mod.inside(Path(f), Path(candidate)) for f in folders) and os.path.isfile(candidate):
            line = max(0, int(params.get("line") or 1) - 1)
            await ls.window_show_document_async(lsp.ShowDocumentParams(
                uri=from_fs_path(candidate), take_focus=True,
                selection=lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))))
            return {"opened": True, "path": candidate}
    return {"opened": False, "path": None, "message": f"{path} is not a file in the workspace"}


def run_export(ls, args: list) -> dict:
    if len(args) < 2:
        raise ValueError("usage: sessionprof.export [sessionId, format, path?]")
    sid, fmt = str(args[0] or ls.current_session() or ""), args[1]
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    engine = ls.open_engine()
    if engine.tree(sid) is None:
        raise ValueError(f"unknown session: {sid}")
    folders = ls.workspace_folders()
    if not folders:
        raise ValueError("open a workspace folder first: exports are written inside it")
    base = Path(folders[0])
    if len(args) > 2 and args[2]:
        path = Path(str(args[2]))
        if not path.is_absolute():
            path = base / path
        # the command is reachable over HTTP too: a file is only ever written inside the workspace
        if not any(apply_mod.inside(Path(f), path) for f in folders):
            raise ValueError(f"refused: {args[2]} lies outside the workspace")
    else:
        path = base / ".sessionprof" / default_filename(sid, fmt)
    data = export(engine.analysis(sid), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"path": str(path), "bytes": len(data), "format": fmt}


def _utf16_end(text: str) -> lsp.Position:
    lines = text.split("\n")
    return lsp.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


async def run_apply(ls, args: list) -> dict:
    if len(args) < 2:
        return {"applied": False, "message": "usage: sessionprof.applySuggestion [sessionId, suggestionId]"}
    sid, suggestion_id = str(args[0] or ls.current_session() or ""), str(args[1])
    engine = ls.open_engine()
    if engine.tree(sid) is None:
        return {"applied": False, "message": f"unknown session: {sid}"}
    data = engine.performance(sid, include_events=False)
    suggestion = next((s for s in data["suggestions"] if s["id"] == suggestion_id), None)
    if suggestion is None:
        return {"applied": False, "message": f"no suggestion {suggestion_id!r} for this session"}
    folders = ls.workspace_folders()
    if not folders:
        return {"applied": False, "message": "open a workspace folder first: edits stay inside it"}
    root = Path(folders[0])
    tree = engine.tree(sid)

    def read(path: Path) -> str | None:
        uri = from_fs_path(str(path))
        doc = ls.workspace.text_documents.get(uri)
        if doc is not None:
            return doc.source
        if path.is_file() and path.stat().st_size < 1_000_000:
            return path.read_text(encoding="utf-8", errors="replace")
        return None

    try:
        edits, what = apply_mod.plan(suggestion, root, tree.source, tree.workspace, read)
    except apply_mod.Refused as exc:
        return {"applied": False, "message": str(exc)}
    ops = get_capability(ls.client_capabilities, "workspace.workspace_edit.resource_operations", []) or []
    # resource operations only exist inside documentChanges: a client that creates files takes them
    # (Neovim 0.11 applies documentChanges but declares only resourceOperations)
    doc_changes = bool(get_capability(ls.client_capabilities, "workspace.workspace_edit.document_changes", False)
                       or ops)
    if any(e.create for e in edits) and not (doc_changes and lsp.ResourceOperationKind.Create in ops):
        return {"applied": False, "message": "the editor cannot create files through LSP edits; "
                                             f"create {', '.join(e.path.name for e in edits if e.create)} first"}
    if doc_changes:
        changes: list = []
        for e in edits:
            uri = from_fs_path(str(e.path))
            doc = ls.workspace.text_documents.get(uri)
            version = doc.version if doc is not None else None
            if e.create:
                changes.append(lsp.CreateFile(uri=uri, options=lsp.CreateFileOptions(ignore_if_exists=True)))
            changes.append(lsp.TextDocumentEdit(
                text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=[_text_edit(e)]))
        edit = lsp.WorkspaceEdit(document_changes=changes)
    else:
        edit = lsp.WorkspaceEdit(changes={from_fs_path(str(e.path)): [_text_edit(e)] for e in edits})
    result = await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(
        edit=edit, label=f"sessionprof: {suggestion['title']}"))
    if not result.applied:
        return {"applied": False, "message": f"the editor did not apply the edit: {result.failure_reason or 'declined'}"}
    return {"applied": True, "message": what, "files": [str(e.path) for e in edits]}


def _text_edit(e) -> lsp.TextEdit:
    if e.new_text.startswith(e.old_text):
        end = _utf16_end(e.old_text)
        return lsp.TextEdit(range=lsp.Range(end, end), new_text=e.new_text[len(e.old_text):])
    return lsp.TextEdit(range=lsp.Range(lsp.Position(0, 0), _utf16_end(e.old_text)), new_text=e.new_text)
