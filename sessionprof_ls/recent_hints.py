"""Hints from a recent session of the workspace on files the current session never read.

A user who opens a file the agent read an hour ago, in a session that has since
ended, still wants to know what it cost; the hint says which session it comes from
by its age ("· from a session 3 h ago", `hover.age_suffix`). Lenses stay the
current session's. Indexes are built in the server's index task (a worker thread)
and reused while a session's tree version is unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import current_session, followed_sessions
from .editor import EditorIndex, FileInfo
from .engine import Engine


@dataclass(frozen=True)
class HintSource:
    info: FileInfo
    session_id: str
    age_ms: float | None  # None: the current session's own hint


class RecentHints:
    def __init__(self) -> None:
        self.indexes: list[tuple[EditorIndex, float]] = []  # (index, its last event, ms), newest first

    def update(self, engine: Engine, folders: list[str], current: str | None) -> bool:
        """Rebuild for the workspace's recent sessions; True when what they hint changed."""
        followed = followed_sessions.of(engine.store, folders)
        picks = current_session.recent(engine.sessions(), folders, current, time.time() * 1000.0, followed)
        old = {(i.session_id, i.version): (i, last) for i, last in self.indexes}
        new: list[tuple[EditorIndex, float]] = []
        for c in picks:
            tree = engine.tree(c.session_id)
            if tree is None or not len(tree):
                continue
            kept = old.get((c.session_id, tree.version))
            if kept is not None:
                new.append((kept[0], c.last_event_ms))
                continue
            new.append((EditorIndex.build(engine.analysis(c.session_id), folders), c.last_event_ms))
        changed = [(i.session_id, i.version) for i, _ in new] != [(i.session_id, i.version) for i, _ in self.indexes]
        self.indexes = new  # one assignment: the event loop reads it meanwhile
        return changed

    def lookup(self, current: EditorIndex, doc_path: str, now_ms: float) -> HintSource | None:
        info = current.lookup(doc_path)
        if info is not None and info.label:
            return HintSource(info, current.session_id or "", None)
        for index, last in self.indexes:
            if index.session_id == current.session_id:
                continue
            other = index.lookup(doc_path)
            if other is not None and other.label:
                return HintSource(other, index.session_id or "", max(0.0, now_ms - last))
        return None
