"""One definition of each wire name per language, all equal, all in PROTOCOL.md.

Python (sessionprof_ls/protocol.py) is the reference; the TypeScript client, the
Lua plugin and the web UI must define the same constants with the same values,
and every name the contract fixes must appear in shared/PROTOCOL.md (a copy of it
is kept at tests/fixtures/../PROTOCOL.md when shared/ is absent).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessionprof_ls import protocol as P

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "editor-clients" / "vscode" / "src" / "common" / "protocol.ts"
LUA = ROOT / "editor-clients" / "nvim" / "lua" / "sessionprof" / "protocol.lua"
WEB = ROOT / "editor-clients" / "web" / "protocol.js"
# team-defined names, not in the contract (documented in ARCHITECTURE.md)
TEAM = {"EVENT", "OPEN_FILE", "HTTP_RPC", "HTTP_STREAM", "FLAME_VIEWS", "FLAME_WEIGHTS", "PROTOCOL_VERSION",
        "PREVIEW_SUGGESTION", "SUGGESTION_APPLIED", "SUGGESTION_UNDONE", "SUGGESTION_EFFECTS"}


def python_names() -> dict[str, object]:
    return {k: v for k, v in vars(P).items() if k.isupper()}


def _value(text: str):
    text = text.strip().rstrip(";").strip()
    if text.endswith("as const"):
        text = text[: -len("as const")].strip()
    if text.startswith(("[", "{")):
        return tuple(re.findall(r"[\"']([^\"']*)[\"']", text)) or None
    if text[:1] in "\"'":
        return text[1:-1]
    if text.isdigit():
        return int(text)
    return None  # a reference to other constants (SERVER_COMMANDS), checked by name only


def parse_js(path: Path) -> dict[str, object]:
    src = path.read_text()
    out = {}
    for m in re.finditer(r"export const (\w+)(?::[^=]+)?\s*=\s*(\[[^\]]*\]|[^;\n]+)", src):
        out[m.group(1)] = _value(m.group(2))
    return out


def parse_lua(path: Path) -> dict[str, object]:
    src = path.read_text()
    out = {}
    for m in re.finditer(r"^M\.(\w+)\s*=\s*(\{[^}]*\}|[^\n]+)", src, re.M):
        out[m.group(1)] = _value(m.group(2))
    return out


def normalise(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("path,parse,complete", [(TS, parse_js, True), (LUA, parse_lua, True),
                                                 (WEB, parse_js, False)])
def test_clients_define_the_same_names(path, parse, complete):
    theirs = parse(path)
    ours = python_names()
    assert theirs, f"no constants found in {path}"
    wire_values = {v for v in ours.values() if isinstance(v, str)}
    for name, value in theirs.items():
        if name not in ours and name.startswith("CMD_") and value not in wire_values:
            continue  # an editor's own command (a VS Code palette entry): not a wire name
        assert name in ours, f"{path.name} defines {name}, which protocol.py does not"
        if value is not None and not name.startswith("SERVER_COMMANDS"):
            assert value == normalise(ours[name]), f"{path.name}: {name} = {value!r}, protocol.py has {ours[name]!r}"
    if complete:
        missing = set(ours) - set(theirs)
        assert not missing, f"{path.name} lacks {sorted(missing)}"


def _protocol_md() -> str:
    for candidate in (ROOT.parent / "shared" / "PROTOCOL.md", Path("/work/shared/PROTOCOL.md"),
                      ROOT / "tests" / "fixtures" / "PROTOCOL.md"):
        if candidate.exists():
            return candidate.read_text()
    pytest.fail("shared/PROTOCOL.md not found beside the repository")


def test_contract_names_are_in_protocol_md():
    text = _protocol_md()
    for name, value in python_names().items():
        if name in TEAM:
            continue
        values = value if isinstance(value, tuple) else (value,)
        for v in values:
            assert f"`{v}`" in text or f"{v}`" in text or str(v) in text, f"{name} = {v!r} is not in PROTOCOL.md"


def test_every_method_of_the_contract_is_defined():
    text = _protocol_md()
    names = set(re.findall(r"`(sessionprof[/.][A-Za-z]+)`", text))
    defined = {v for v in python_names().values() if isinstance(v, str)}
    assert names - defined == set()
