"""Inlay hints, code lenses and the hover on them, answered from the server's editor
index (built in its update task, so a request only looks a path up). A file the
current session never read may get a recent workspace session's hint, with its age
(recent_hints.py); lenses are the current session's only."""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from .. import hover
from .. import protocol as P
from ..editor import hint_level
from ..server import SessionProfServer


def setup(server: SessionProfServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_INLAY_HINT, lsp.InlayHintOptions(resolve_provider=False))
    def inlay_hints(ls: SessionProfServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint]:
        if not ls.config.inlayHints or params.range.start.line > 0:
            return []
        source = ls.hint_source(to_fs_path(params.text_document.uri) or "")
        if source is None:
            return []
        doc = ls.workspace.get_text_document(params.text_document.uri)
        first = doc.lines[0].rstrip("\r\n") if doc.lines else ""
        return [
            hover.inlay_hint(
                source.info,
                lsp.Position(0, len(first.encode("utf-16-le")) // 2),
                source.session_id,
                ls.config.hintMidShare,
                ls.config.hintHighShare,
                ls.sp_neovim,
                source.age_ms,
            )
        ]

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: SessionProfServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return await hover_at(ls, params)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS, lsp.CodeLensOptions(resolve_provider=False))
    def code_lenses(ls: SessionProfServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
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


async def hover_at(ls: SessionProfServer, params: lsp.HoverParams) -> lsp.Hover | None:
    """The breakdown on a hinted line (the first) and on a lensed line, as Markdown."""
    path = to_fs_path(params.text_document.uri) or ""
    line = params.position.line
    parts = []
    source = ls.hint_source(path) if line == 0 and ls.config.inlayHints else None
    if source is not None:
        level = hint_level(source.info.share, ls.config.hintMidShare, ls.config.hintHighShare)
        parts.append(hover.file_markdown(source.info, source.session_id, ls.sp_neovim, level, source.age_ms))
    lenses = ls.index.lenses_at(path, line) if ls.config.codeLens else []
    if lenses:
        engine = ls.open_engine()
        sid = ls.index.session_id or ""
        for lens in lenses[:5]:
            event = await asyncio.to_thread(engine.event, sid, lens.event_id)
            parts.append(hover.lens_markdown(lens, event, sid, ls.sp_neovim))
    if not parts:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=lsp.Range(lsp.Position(line, 0), lsp.Position(line + 1, 0)),
    )
