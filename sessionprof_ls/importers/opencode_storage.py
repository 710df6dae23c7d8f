"""OpenCode's older JSON storage (before its SQLite database):
`storage/session/<project>/<session>.json`, `storage/message/<session>/<message>.json`,
`storage/part/<message>/<part>.json`; the same turns as the database gives (opencode.py)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .common import ImportResult, json_loads
from .opencode_turns import SOURCE, Source, build_turn, json_object, source_of


class StorageSource(Source):
    """`storage/` beside `session/<project>/<id>.json`: message and part files."""

    def __init__(self, storage: Path, errors: list[str]):
        self.root, self.errors, self.label = storage, errors, str(storage)
        self._sessions: dict[str, dict[str, Any] | None] = {}
        self._msgs: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def _load(self, f: Path) -> dict[str, Any] | None:
        return json_object(lambda: json_loads(f.read_bytes()), str(f), self.errors)

    def session(self, sid: str) -> dict[str, Any] | None:
        if sid not in self._sessions:
            files = list((self.root / "session").glob(f"*/{sid}.json"))
            self._sessions[sid] = self._load(files[0]) if files else None
        return self._sessions[sid]

    def messages(self, sid: str) -> list[tuple[str, dict[str, Any]]]:
        if sid not in self._msgs:
            out = []
            for f in sorted((self.root / "message" / sid).glob("*.json")):
                d = self._load(f)
                if d is not None:
                    out.append((f.name, d))
            out.sort(key=lambda x: (((x[1].get("time") or {}).get("created")) or 0, x[1].get("id", "")))
            self._msgs[sid] = out
        return self._msgs[sid]

    def turn(self, sid: str, user_id: str) -> list[tuple[str, dict[str, Any]]]:
        return [(ref, m) for ref, m in self.messages(sid) if m.get("id") == user_id or m.get("parentID") == user_id]

    def parts(self, message_id: str) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for f in sorted((self.root / "part" / message_id).glob("*.json")):
            d = self._load(f)
            if d is not None:
                out.append((f.name, d))
        return out

    def turn_number(self, sid: str, user_id: str, created: Any) -> int:
        users = [m.get("id") for _, m in self.messages(sid) if m.get("role") == "user"]
        return users.index(user_id) + 1 if user_id in users else 1

    def task_call(self, child_sid: str) -> tuple[str, str] | None:
        return None  # the older storage is read one session at a time


def storage_signature(storage: Path, sid: str) -> list[Any]:
    files: Iterable[Path] = list((storage / "message" / sid).glob("*.json"))
    n, newest = 0, 0
    for f in files:
        for g in [f, *(storage / "part" / f.stem).glob("*.json")]:
            try:
                newest = max(newest, g.stat().st_mtime_ns)
                n += 1
            except OSError:
                continue
    return [n, newest]


def import_storage(path: Path, cursor: dict[str, Any] | None) -> ImportResult:
    """`path` is a session file `storage/session/<project>/<id>.json`: its messages
    and parts are read again whenever one of them changed."""
    storage = path.parent.parent.parent
    errors: list[str] = []
    src = StorageSource(storage, errors)
    info = src._load(path)
    if info is None or not isinstance(info.get("id"), str):
        return ImportResult(
            [], errors or [f"{path}: not an OpenCode session file (no id)"], dict(cursor or {}, format=SOURCE)
        )
    sid = info["id"]
    sig = storage_signature(storage, sid)
    st = path.stat()
    cur = {"format": SOURCE, "sig": sig, "inode": st.st_ino, "offset": st.st_size}
    if cursor and cursor.get("sig") == sig:
        return ImportResult([], [], cursor)
    src._sessions[sid] = info
    events: list[dict[str, Any]] = []
    for _, m in src.messages(sid):
        if m.get("role") == "user" and isinstance(m.get("id"), str):
            events.extend(build_turn(src, sid, m["id"], errors, source_of(path)))
    return ImportResult(events, errors, cur)
