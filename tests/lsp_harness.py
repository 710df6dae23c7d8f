"""A pytest-lsp client for the real server over stdio, with a real editor's
capabilities (Neovim 0.11 or VS Code), recording what the server sends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client
from server_options import ServerOptions, server_command

from sessionprof_ls import protocol as P

EDITORS = ["neovim", "visual_studio_code"]


def plain(obj: Any) -> Any:
    """pygls hands custom params over as namedtuples; tests want JSON-like values."""
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    return obj


@dataclass
class Recorder:
    ready: dict | None = None
    summaries: list = field(default_factory=list)
    hint_refreshes: int = 0
    lens_refreshes: int = 0
    edits: list = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self, predicate, timeout: float = 30.0, what: str = "condition"):
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate():
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; summaries={len(self.summaries)}")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass


async def start(editor: str, tmp: Path, workspace: Path, *, configuration: dict | None = None, **options):
    """Start the server (`options`: ServerOptions' fields) and initialize a session for
    `workspace`; `configuration` answers workspace/configuration. Returns (client, recorder)."""
    server = ServerOptions(workspace=workspace, **options)
    client = make_test_lsp_client()
    rec = Recorder()

    @client.feature(P.READY)
    def _ready(ls, params):
        rec.ready = plain(params)
        rec.changed.set()

    @client.feature(P.SUMMARY)
    def _summary(ls, params):
        rec.summaries.append(plain(params))
        rec.changed.set()

    @client.feature(lsp.WORKSPACE_INLAY_HINT_REFRESH)
    def _hint_refresh(ls, params):
        rec.hint_refreshes += 1
        rec.changed.set()
        return None

    @client.feature(lsp.WORKSPACE_CODE_LENS_REFRESH)
    def _lens_refresh(ls, params):
        rec.lens_refreshes += 1
        rec.changed.set()
        return None

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def _apply(ls, params: lsp.ApplyWorkspaceEditParams):
        rec.edits.append(params)
        rec.changed.set()
        return lsp.ApplyWorkspaceEditResult(applied=True)

    if configuration is not None:
        client.set_configuration(configuration)
    await client.start_io(*server_command(), env=server.env(tmp))

    caps = client_capabilities(editor)
    ws = caps.workspace
    # the real clients answer refresh requests (TESTING.md): say so, as they do
    ws.inlay_hint = lsp.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    ws.code_lens = lsp.CodeLensWorkspaceClientCapabilities(refresh_support=True)
    uri = workspace.as_uri()
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=caps,
            root_uri=uri,
            root_path=str(workspace),
            workspace_folders=[lsp.WorkspaceFolder(uri=uri, name=workspace.name)],
            # the names the real clients send (the server words its hover links by them)
            client_info=lsp.ClientInfo(name={"neovim": "Neovim"}.get(editor, "Visual Studio Code")),
            initialization_options={"sessionprof": server.settings},
        )
    )
    await rec.wait(lambda: rec.ready is not None, what="sessionprof/ready")
    return client, rec


async def request(client, method: str, params: dict) -> Any:
    return plain(await client.protocol.send_request_async(method, params))


def open_doc(client, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(
                uri=uri, language_id="plaintext", version=1, text=text if text is not None else path.read_text()
            )
        )
    )
    return uri


async def hints(client, uri: str) -> list[lsp.InlayHint]:
    return (
        await client.text_document_inlay_hint_async(
            lsp.InlayHintParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                range=lsp.Range(lsp.Position(0, 0), lsp.Position(1000, 0)),
            )
        )
        or []
    )


async def lenses(client, uri: str) -> list[lsp.CodeLens]:
    return (
        await client.text_document_code_lens_async(
            lsp.CodeLensParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        or []
    )


async def stop(client) -> None:
    try:
        await asyncio.wait_for(client.shutdown_session(), timeout=10)
    finally:
        await client.stop()
