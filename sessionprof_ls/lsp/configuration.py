"""Lifecycle and settings: initializationOptions first, then the `sessionprof` section
of workspace/configuration, pulled at start and on every didChangeConfiguration."""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types as lsp
from pygls.capabilities import get_capability

from .. import protocol as P
from ..server import SessionProfServer


def setup(server: SessionProfServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def on_initialize(ls: SessionProfServer, params: lsp.InitializeParams) -> None:
        # hover links: Neovim cannot run a command from Markdown (hover.py)
        name = (params.client_info.name if params.client_info else "") or ""
        ls.sp_neovim = "vim" in name.lower()
        opts = params.initialization_options
        if isinstance(opts, dict):
            ls.apply_settings(opts.get(P.CONFIG_SECTION, opts))

    @server.feature(lsp.INITIALIZED)
    async def on_initialized(ls: SessionProfServer, params: lsp.InitializedParams) -> None:
        await pull_configuration(ls)
        await ls.start_services()  # sends the current session's summary at once (a restart has it stored)
        ls.log_info(ls.followed_text())
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
    async def on_config_change(ls: SessionProfServer, params: lsp.DidChangeConfigurationParams) -> None:
        before = ls.config
        settings: Any = params.settings
        if isinstance(settings, dict) and isinstance(settings.get(P.CONFIG_SECTION), dict):
            ls.apply_settings(settings[P.CONFIG_SECTION])
        await pull_configuration(ls)
        after = ls.config
        following = ("followTranscripts", "claudeConfigDir", "codexHome", "extraWorkspaces")
        if ls.services_started and any(getattr(before, k) != getattr(after, k) for k in following):
            ls.restart_follower()
            ls.log_info(ls.followed_text())
        ls.resend_summary()
        ls.request_refresh()

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def on_folders(ls: SessionProfServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        if ls.services_started:
            ls.restart_follower()
            ls.resend_summary()  # another folder: maybe another current session

    @server.feature(lsp.SHUTDOWN)
    async def on_shutdown(ls: SessionProfServer, params: None) -> None:
        await ls.stop_services()


async def pull_configuration(ls: SessionProfServer) -> None:
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
