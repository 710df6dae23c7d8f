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
from . import hover
from . import protocol as P
from .exports import FORMATS, default_filename, export
from .suggestions.rpc import REQUESTS as SUGGESTION_REQUESTS


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
        # hover links: Neovim cannot run a command from Markdown (hover.py)
        name = (params.client_info.name if params.client_info else "") or ""
        ls.sp_neovim = "vim" in name.lower()
        opts = params.initialization_options
        if isinstance(opts, dict):
            ls.apply_settings(opts.get(P.CONFIG_SECTION, opts))

    @server.feature(lsp.INITIALIZED)
    async def on_initialized(ls, params):
        await pull_configuration(ls)
        await ls.start_services()
        # a restarted server has the workspace's session in its store already: say so at once
        current = ls.current_session()
        if current:
            ls.schedule_update([current])
        log_followed(ls)
        if get_capability(ls.client_capabilities, "workspace.did_change_configuration.dynamic_registration", False):
            await ls.client_register_capability_async(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="sessionprof-config",
                            method=lsp.WORKSPACE_DID_CHANGE_CONFIGURATION,
                            register_options={"section": P.CONFIG_SECTION},
                        )
                    ]
                )
            )

    @server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_config_change(ls, params: lsp.DidChangeConfigurationParams):
        before = ls.config
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(P.CONFIG_SECTION), dict):
            ls.apply_settings(settings[P.CONFIG_SECTION])
        await pull_configuration(ls)
        if (before.followTranscripts, before.claudeConfigDir, before.codexHome, before.extraWorkspaces) != (
            ls.config.followTranscripts,
            ls.config.claudeConfigDir,
            ls.config.codexHome,
            ls.config.extraWorkspaces,
        ) and ls.http is not None:
            ls.restart_follower()
            log_followed(ls)
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
            ls.log_error(
                f"sessionprof/ingest: rejected {len(result['rejected'])} of {len(events)} events; "
                f"event {first['index']}: {first['error']}"
            )

    for method in (P.SESSIONS, P.PERFORMANCE, P.FLAME_GRAPH, P.EVENT, P.OPEN_FILE, *SUGGESTION_REQUESTS):

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
        return [
            hover.inlay_hint(
                info,
                lsp.Position(0, len(first.encode("utf-16-le")) // 2),
                ls.index.session_id or "",
                ls.config.hintMidShare,
                ls.config.hintHighShare,
                getattr(ls, "sp_neovim", False),
            )
        ]

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls, params: lsp.HoverParams):
        return await hover_at(ls, params)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    def code_lenses(ls, params: lsp.CodeLensParams):
        if not ls.config.codeLens:
            return []
        info = ls.index.lookup(to_fs_path(params.text_document.uri) or "")
        if info is None:
            return []
        sid = ls.index.session_id
        return [
            lsp.CodeLens(
                range=lsp.Range(lsp.Position(lens.line, 0), lsp.Position(lens.line, 0)),
                command=lsp.Command(title=lens.title, command=P.CMD_SHOW_EVENT, arguments=[sid, lens.event_id]),
            )
            for lens in info.lenses
        ]

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


def log_followed(ls) -> None:
    """Say in the editor's log which transcript folders are followed (or that none are)."""
    follower = getattr(ls, "follower", None)
    if not ls.config.followTranscripts:
        text = "transcript following is off (sessionprof.followTranscripts)"
    elif follower is None or not ls.workspace_folders():
        text = "no workspace folder: no transcripts are followed"
    else:
        try:
            roots = follower.roots()
            there = [str(r) for r in roots if r.is_dir()]
        except Exception as exc:  # a folder that vanished: say so, keep serving
            roots, there = [], [f"(could not list: {exc})"]
        text = "following transcripts in: " + (
            ", ".join(there) if there else "(none of the agents' folders exists yet)"
        )
        if len(roots) > len(there):
            text += f"; {len(roots) - len(there)} other agent folder(s) not there yet"
    try:
        ls.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Info, message=text))
    except Exception:
        pass


async def hover_at(ls, params: lsp.HoverParams) -> lsp.Hover | None:
    """The breakdown on a hinted line (the first) and on a lensed line, as Markdown."""
    path = to_fs_path(params.text_document.uri) or ""
    line = params.position.line
    info = ls.index.lookup(path)
    sid = ls.index.session_id or ""
    if info is None:
        return None
    neovim = getattr(ls, "sp_neovim", False)
    parts = []
    if line == 0 and info.label and ls.config.inlayHints:
        level = hover.hint_level(info.share, ls.config.hintMidShare, ls.config.hintHighShare)
        parts.append(hover.file_markdown(info, sid, neovim, level))
    lenses = ls.index.lenses_at(path, line) if ls.config.codeLens else []
    if lenses:
        engine = ls.open_engine()
        for lens in lenses[:5]:
            event = await asyncio.to_thread(engine.event, sid, lens.event_id)
            parts.append(hover.lens_markdown(lens, event, sid, neovim))
    if not parts:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=lsp.Range(lsp.Position(line, 0), lsp.Position(line + 1, 0)),
    )


async def pull_configuration(ls) -> None:
    if not get_capability(ls.client_capabilities, "workspace.configuration", False):
        return
    try:
        result = await asyncio.wait_for(
            ls.workspace_configuration_async(
                lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=P.CONFIG_SECTION)])
            ),
            timeout=5,
        )
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
    if method in SUGGESTION_REQUESTS:  # issue 14: preview, applied, undone, effects
        return SUGGESTION_REQUESTS[method](ls, params)
    sid = params.get("sessionId") or ls.current_session()
    if not sid:
        raise ValueError("no session yet: send events or open a workspace with agent transcripts")
    if engine.tree(sid) is None:
        raise ValueError(f"unknown session: {sid}")
    if method == P.PERFORMANCE:
        include = params.get("includeEvents", True)
        messages = params.get("includeMessages", True)  # issue 13: false -> tokensByMessage null
        return engine.performance(sid, include_events=bool(include), include_messages=bool(messages))
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
            await ls.window_show_document_async(
                lsp.ShowDocumentParams(
                    uri=from_fs_path(candidate),
                    take_focus=True,
                    selection=lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0)),
                )
            )
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
    from .safepath import write_private  # inside the workspace, no symlink followed, 0600 (issue 19)

    path = write_private(path, data, [Path(f) for f in folders])
    return {"path": str(path), "bytes": len(data), "format": fmt}


async def run_apply(ls, args: list) -> dict:
    """Applying lives with the suggestions (issue 14): one confirmed applyEdit, recorded."""
    from .suggestions.rpc import run_apply as apply_confirmed

    return await apply_confirmed(ls, args)
