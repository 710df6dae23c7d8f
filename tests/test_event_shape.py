"""The event shape is defined once (issue 20): sessionprof_ls/event_shape.py. The hot-path
decoder (events.Metadata, msgspec) and the public model (models.EventMetadata, pydantic, the
source of schemas/) must carry exactly its keys, in its order, with its types and limits;
the TypeScript, Lua and JS clients may read only keys it names."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import msgspec
from sp_fixtures import web_modules

from sessionprof_ls import event_shape as S
from sessionprof_ls.events import Metadata, Tokens
from sessionprof_ls.models import EventMetadata
from sessionprof_ls.models import Tokens as TokensModel

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "editor-clients"
# Keys a client reads that nothing sends (no importer, no team addition): drift to remove
# from the client (web tooltip.js aliases of ttftMs and a `task` key). This list may only shrink.
UNSENT_READS = {"ttft", "timeToFirstToken", "task"}


def _msgspec_type(t: msgspec.inspect.Type) -> msgspec.inspect.Type:
    if isinstance(t, msgspec.inspect.UnionType):
        (t,) = [x for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
    return t


def test_msgspec_metadata_is_the_table():
    info = msgspec.inspect.type_info(Metadata)
    assert [f.name for f in info.fields] == [f.name for f in S.METADATA]
    for field in info.fields:
        spec = S.BY_NAME[field.name]
        pytype, low, high = S.WIRE_TYPES[spec.wire]
        t = _msgspec_type(field.type)
        assert field.default in (None, msgspec.Raw(b"null")), field.name
        if pytype == "str":
            assert isinstance(t, msgspec.inspect.StrType) and t.max_length == high, field.name
        elif pytype in ("int", "float"):
            kind = msgspec.inspect.IntType if pytype == "int" else msgspec.inspect.FloatType
            assert isinstance(t, kind) and (t.ge, t.le) == (low, high), field.name
        elif pytype == "bool":
            assert isinstance(t, msgspec.inspect.BoolType), field.name
        elif pytype.startswith("Literal"):
            assert isinstance(t, msgspec.inspect.LiteralType) and set(t.values) == {"ok", "error"}
        elif pytype == "Tokens":
            assert isinstance(t, msgspec.inspect.StructType) and t.cls is Tokens
        else:
            assert isinstance(t, msgspec.inspect.AnyType | msgspec.inspect.RawType), field.name
    tokens = msgspec.inspect.type_info(Tokens)
    assert [f.name for f in tokens.fields] == [key for key, _col in S.TOKENS]
    assert all(f.type.ge == 0 and f.type.le == S.MAX_TOKENS and f.default == 0 for f in tokens.fields)


def test_pydantic_metadata_is_the_table():
    fields = EventMetadata.model_fields
    assert list(fields) == [f.name for f in S.METADATA]
    for name, field in fields.items():
        pytype, low, high = S.WIRE_TYPES[S.BY_NAME[name].wire]
        assert field.default is None, name
        args = [a for a in typing.get_args(field.annotation) if a is not type(None)]
        if pytype == "Any":
            assert field.annotation is typing.Any, name
        elif pytype == "Tokens":
            assert args == [TokensModel], name
        elif pytype.startswith("Literal"):
            assert set(typing.get_args(args[0])) == {"ok", "error"}
        else:
            assert [a.__name__ for a in args] == [pytype], name
        bounds = [m.ge for m in field.metadata if hasattr(m, "ge")]
        assert bounds == ([] if low is None else [low]), name
        upper = [getattr(m, "le", None) or getattr(m, "max_length", None) for m in field.metadata]
        assert [u for u in upper if u is not None] == ([] if high is None else [high]), name
    assert list(TokensModel.model_fields) == [key for key, _col in S.TOKENS]


def _reads(text: str, lua: bool) -> set[str]:
    """Metadata keys read in one client file: `X.metadata.key`, and `v.key` for a variable
    assigned from `.metadata` until the end of its block (the first line indented less than
    the assignment: functions nested in a module factory end at their own indentation)."""
    keys = set(re.findall(r"\.metadata\.([A-Za-z_]\w*)", text))
    lines = text.splitlines()
    assign = re.compile(r"^\s*(?:local|const|let|var)\s+(\w+)\s*=.*\.metadata\b(?!\s*=)")
    for n, line in enumerate(lines):
        m = assign.match(line)
        if not m or re.search(r"\.metadata\.\w", line):  # a part of it (args): not the metadata
            continue
        var = m.group(1)
        indent = len(line) - len(line.lstrip())
        for body in lines[n + 1 :]:
            if body.strip() and len(body) - len(body.lstrip()) < indent:
                break
            for key in re.findall(rf"(?<![\w.]){var}\.([A-Za-z_]\w*)", body):
                keys.add(key)
    return keys


def test_clients_read_only_keys_of_the_shape():
    files = [
        *web_modules(),
        *sorted((CLIENTS / "nvim" / "lua").rglob("*.lua")),
        *sorted((CLIENTS / "vscode" / "src").rglob("*.ts")),
    ]
    known = {f.name for f in S.METADATA} | set(S.EXTRA_KEYS)
    read: dict[str, set[str]] = {}
    for path in files:
        for key in _reads(path.read_text(), path.suffix == ".lua"):
            read.setdefault(key, set()).add(path.name)
    assert {"model", "tokens", "filePath", "startLine", "text"} <= set(read), read  # the scan does find reads
    unknown = {k: v for k, v in read.items() if k not in known and k not in UNSENT_READS}
    assert not unknown, f"clients read metadata keys event_shape.py does not name: {unknown}"
    assert UNSENT_READS <= set(read), f"no longer read, remove from UNSENT_READS: {UNSENT_READS - set(read)}"


def test_readers_of_tokens_use_its_keys():
    keys = {key for key, _col in S.TOKENS}
    for path in [*web_modules(), *(CLIENTS / "nvim" / "lua").rglob("*.lua")]:
        for key in re.findall(r"\b(?:m|md|meta)\.tokens\.([A-Za-z_]\w*)", path.read_text()):
            assert key in keys, (path.name, key)
