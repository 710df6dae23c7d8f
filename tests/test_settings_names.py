"""The server's settings listed once and checked everywhere they are repeated: config.py
(the reference), the VS Code extension's package.json contributions and settings.ts, and
the Neovim plugin's config.lua. A setting added in one place and not the others fails here."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

from sessionprof_ls.config import Config

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editor-clients" / "vscode"
LUA = ROOT / "editor-clients" / "nvim" / "lua" / "sessionprof" / "config.lua"
# Read by the VS Code client only, never sent to the server.
CLIENT_ONLY = {"server.path", "terminal.otel"}


def python_settings() -> set[str]:
    return {f.name for f in fields(Config)}


def package_json_settings() -> set[str]:
    props = json.loads((VSCODE / "package.json").read_text())["contributes"]["configuration"]["properties"]
    names = {k.removeprefix("sessionprof.") for k in props} - CLIENT_ONLY
    # otlp.endpoint / otlp.headers / otlp.content reach the server as one `otlp` object
    return {n.split(".")[0] for n in names}


def _object_keys(src: str, start: str) -> set[str]:
    """Keys of the object literal that starts after `start` (one level, `name: value` lines)."""
    body = src[src.index(start) + len(start) :]
    body = body[: body.index("}")]
    return set(re.findall(r"^\s*([A-Za-z]+)\s*[:=]", body, re.M))


def settings_ts_settings() -> set[str]:
    src = (VSCODE / "src" / "common" / "settings.ts").read_text()
    names = _object_keys(src, "export const SERVER_SETTINGS = {")
    if "export const OTLP_SETTINGS" in src:
        names.add("otlp")
    return names


def lua_settings() -> set[str]:
    return _object_keys(LUA.read_text(), "M.known_settings = {")


def test_parsers_find_the_settings():
    for found in (package_json_settings(), settings_ts_settings(), lua_settings()):
        assert {"slowThresholdMs", "inlayHints", "otlp"} <= found


def test_every_client_lists_the_servers_settings():
    ours = python_settings()
    for where, theirs in (
        ("package.json", package_json_settings()),
        ("settings.ts", settings_ts_settings()),
        ("config.lua", lua_settings()),
    ):
        assert theirs == ours, f"{where}: missing {sorted(ours - theirs)}, unknown to config.py {sorted(theirs - ours)}"


def test_package_json_defaults_match_config_py():
    props = json.loads((VSCODE / "package.json").read_text())["contributes"]["configuration"]["properties"]
    default = Config()
    for f in fields(Config):
        key = f"sessionprof.{f.name}"
        if key in props:
            want = getattr(default, f.name)
            assert props[key]["default"] == (list(want) if isinstance(want, tuple) else want), f.name
