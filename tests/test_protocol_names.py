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
from sp_fixtures import web_modules

from sessionprof_ls import protocol as P

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "editor-clients" / "vscode" / "src" / "common" / "protocol.ts"
LUA = ROOT / "editor-clients" / "nvim" / "lua" / "sessionprof" / "protocol.lua"
WEB = ROOT / "editor-clients" / "web" / "protocol.js"
# team-defined names, not in the contract (documented in ARCHITECTURE.md)
TEAM = {
    "EVENT",
    "OPEN_FILE",
    "HTTP_RPC",
    "HTTP_STREAM",
    "FLAME_VIEWS",
    "FLAME_WEIGHTS",
    "PROTOCOL_VERSION",
    "PREVIEW_SUGGESTION",
    "SUGGESTION_APPLIED",
    "SUGGESTION_UNDONE",
    "SUGGESTION_EFFECTS",
}


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


@pytest.mark.parametrize("path,parse,complete", [(TS, parse_js, True), (LUA, parse_lua, True), (WEB, parse_js, False)])
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
    for candidate in (
        ROOT.parent / "shared" / "PROTOCOL.md",
        Path("/work/shared/PROTOCOL.md"),
        ROOT / "tests" / "fixtures" / "PROTOCOL.md",
    ):
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


# ---------------------------------------------------------------- each wire name once per language
# Issue 20: a wire name is written out in the protocol module of its language and nowhere else;
# other modules import it (P.SUMMARY), so a rename is one edit per language.
SOURCES = {
    ROOT / "sessionprof_ls" / "protocol.py": sorted((ROOT / "sessionprof_ls").rglob("*.py")),
    TS: sorted((ROOT / "editor-clients" / "vscode" / "src").rglob("*.ts")),
    LUA: sorted((ROOT / "editor-clients" / "nvim" / "lua").rglob("*.lua")),
    WEB: web_modules(),  # not the bundle made of them, which holds protocol.js
}
_EVENT_TYPE_ALT = "|".join(P.EVENT_TYPES)


def _wire_values() -> set[str]:
    """Method, command and route names: the strings that are unambiguous when quoted."""
    return {
        v
        for v in python_names().values()
        if isinstance(v, str) and (v.startswith(("sessionprof/", "sessionprof.")) or v.startswith("/v1/"))
    }


def _others(protocol_file: Path) -> list[Path]:
    return [p for p in SOURCES[protocol_file] if p != protocol_file and "test" not in p.parts]


@pytest.mark.parametrize("protocol_file", list(SOURCES), ids=lambda p: p.name)
def test_wire_names_are_written_once_per_language(protocol_file):
    found = []
    for path in _others(protocol_file):
        text = path.read_text()
        for value in _wire_values():
            if f'"{value}"' in text or f"'{value}'" in text:
                found.append(f"{path.relative_to(ROOT)}: {value}")
    assert not found, "wire names written outside the protocol module:\n" + "\n".join(sorted(found))


@pytest.mark.parametrize("protocol_file", list(SOURCES), ids=lambda p: p.name)
def test_event_types_are_listed_once_per_language(protocol_file):
    """A literal list of (three or more of) the event types outside protocol.* is a second EVENT_TYPES."""
    quoted = rf"[\"']({_EVENT_TYPE_ALT})[\"']"
    listing = re.compile(rf"{quoted}\s*[,;]\s*{quoted}\s*[,;]\s*{quoted}")
    found = [str(p.relative_to(ROOT)) for p in _others(protocol_file) if listing.search(p.read_text())]
    assert not found, f"EVENT_TYPES written out again in {found}"


def test_python_modules_do_not_redefine_protocol_names():
    names = "|".join(k for k in python_names() if k != "PROTOCOL_VERSION")
    defining = re.compile(rf"^\s*_?({names})\s*(?::[^=\n]+)?=", re.M)
    found = [
        f"{p.relative_to(ROOT)}: {m.group(1)}"
        for p in _others(ROOT / "sessionprof_ls" / "protocol.py")
        for m in defining.finditer(p.read_text())
    ]
    assert not found, f"protocol names defined again: {found}"
