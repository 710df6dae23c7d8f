"""The server's commands (`sessionprof.selectSession`, `.export`, `.applySuggestion`):
one table, one argument check, one dispatch (`execute`), whether they come as LSP
workspace/executeCommand or over HTTP `/v1/rpc` (the web UI in a browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from .. import protocol as P
from ..apply import inside
from ..exports import FORMATS, default_filename, export
from ..safepath import write_private
from ..server import SessionProfServer
from ..suggestions.rpc import run_apply

Run = Callable[[SessionProfServer, list[Any]], Awaitable[dict[str, Any]]]
OPTIONAL_STR = (str, type(None))


@dataclass(frozen=True)
class Command:
    usage: str  # the arguments, as the error names them
    types: tuple[tuple[type, ...], ...]  # accepted types of each argument; the first `required` must be there
    required: int
    run: Run


async def _select(ls: SessionProfServer, args: list[Any]) -> dict[str, Any]:
    # issue 13: a cold 100k-event load in a worker: the loop serves the web UI's page meanwhile
    await asyncio.to_thread(ls.open_engine().tree, str(args[0]))
    ls.select(args[0])
    return {"sessionId": args[0]}


async def _export(ls: SessionProfServer, args: list[Any]) -> dict[str, Any]:
    sid, fmt = args[0] or ls.current_session() or "", args[1]
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
        path = Path(args[2])
        if not path.is_absolute():
            path = base / path
        # the command is reachable over HTTP too: a file is only ever written inside the workspace
        if not any(inside(Path(f), path) for f in folders):
            raise ValueError(f"refused: {args[2]} lies outside the workspace")
    else:
        path = base / ".sessionprof" / default_filename(sid, fmt)
    data = export(engine.analysis(sid), fmt)
    path = write_private(path, data, [Path(f) for f in folders])  # no symlink followed, 0600 (issue 19)
    return {"path": str(path), "bytes": len(data), "format": fmt}


async def _apply(ls: SessionProfServer, args: list[Any]) -> dict[str, Any]:
    """Applying lives with the suggestions (issue 14): one confirmed applyEdit, recorded."""
    result: dict[str, Any] = await run_apply(ls, args)
    return result


COMMANDS: dict[str, Command] = {
    P.CMD_SELECT_SESSION: Command("[sessionId]", ((str,),), 1, _select),
    P.CMD_EXPORT: Command("[sessionId, format, path?]", (OPTIONAL_STR, (str,), OPTIONAL_STR), 2, _export),
    P.CMD_APPLY_SUGGESTION: Command("[sessionId, suggestionId]", (OPTIONAL_STR, (str,)), 2, _apply),
}


def check(name: str, arguments: Any) -> tuple[Command, list[Any]]:
    """The command and its arguments, or ValueError naming what is wrong."""
    cmd = COMMANDS.get(name) if isinstance(name, str) else None
    if cmd is None:
        raise ValueError(f"unknown command: {name}")
    args = list(arguments) if isinstance(arguments, (list, tuple)) else [] if arguments is None else None
    if args is None or len(args) < cmd.required or len(args) > len(cmd.types):
        raise ValueError(f"usage: {name} {cmd.usage}")
    for i, (arg, types) in enumerate(zip(args, cmd.types, strict=False)):
        if not isinstance(arg, types):
            raise ValueError(f"usage: {name} {cmd.usage} (argument {i + 1} has the wrong type)")
    return cmd, args


async def execute(ls: SessionProfServer, name: Any, arguments: Any) -> dict[str, Any]:
    cmd, args = check(name, arguments)
    return await cmd.run(ls, args)


def setup(server: SessionProfServer) -> None:
    async def over_http(params: dict[str, Any]) -> dict[str, Any]:
        return await execute(server, params.get("command"), params.get("arguments"))

    server.add_request("workspace/executeCommand", over_http)
    for name in COMMANDS:
        server.command(name)(_lsp_command(name))


def _lsp_command(name: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def handler(ls: SessionProfServer, *args: Any) -> dict[str, Any]:
        try:
            return await execute(ls, name, list(args))
        except (KeyError, ValueError, TypeError) as exc:
            raise JsonRpcInvalidParams(str(exc).strip("'\"")) from None

    return handler
