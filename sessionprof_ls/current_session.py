"""The one rule for "the current session": which session the editor's summary, hints
and lenses show, decided from the store's session rows (workspace + last event time),
so a cold start, a restart and the CLI pick the same one.

Above all the session the user selected. Else, among the workspace's sessions (its
recorded workspace is a workspace folder or lies inside one: an agent started in a
subfolder; or its transcript is one followed for the workspace, followed_sessions.py)
and the sessions whose events arrived while the server ran (sent over LSP/HTTP,
which may carry no workspace, or a transcript growing), the live ones first (last
event within `LIVE_WINDOW_MS` of now, or events arrived within that window), then
the latest event, then the latest arrival. The first scan of the transcripts is no
arrival: what it reads was there before, so a cold start and a restart agree.

When no folder is known (the CLI) every session is a candidate.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# analysis.limits.LIVE_WINDOW_MS (a test checks they agree): importing the analysis package
# loads numpy, which the CLI's light commands must not
LIVE_WINDOW_MS = 10 * 60_000.0
# a file the current session never read gets the hint of a workspace session at most this old
RECENT_MAX_AGE_MS = 7 * 24 * 3600_000.0
RECENT_SESSIONS = 3


@dataclass(frozen=True)
class Candidate:
    session_id: str
    last_event_ms: float  # -inf: no timestamp recorded
    live: bool
    arrived_at: float  # wall seconds of the last arrival of its events at this server, 0 = none


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(os.path.expanduser(path)))


@lru_cache(maxsize=8192)
def _spellings(path: str) -> tuple[str, ...]:
    """A path as written and with symlinks resolved (cached: realpath costs system calls,
    and the rule runs over every session row a few times a second while events arrive)."""
    return tuple(dict.fromkeys((_norm(path), _norm(os.path.realpath(path)))))


def in_workspace(workspace: str | None, folders: Iterable[str]) -> bool:
    """The session's recorded workspace is one of the folders or lies inside one
    (compared normalised, and with symlinks resolved)."""
    return bool(workspace) and _inside(str(workspace), tuple(folders))


@lru_cache(maxsize=8192)
def _inside(workspace: str, folders: tuple[str, ...]) -> bool:
    spellings = _spellings(workspace)
    for folder in folders:
        for f in _spellings(folder):
            prefix = f.rstrip(os.sep) + os.sep
            if any(w == f or w.startswith(prefix) for w in spellings):
                return True
    return False


def last_event_ms(row: Mapping[str, Any]) -> float:
    """The latest timestamp a session row records (its last end, else its first start)."""
    best = -math.inf
    for v in (row.get("endTime"), row.get("startTime")):
        if isinstance(v, (int, float)) and math.isfinite(v) and v > best:
            best = float(v)
    return best


def candidates(
    rows: Iterable[Mapping[str, Any]],
    folders: list[str] | None,
    arrived: Mapping[str, float],
    now_ms: float,
    followed: Collection[str] = (),
) -> list[Candidate]:
    """The sessions the rule chooses among, best first."""
    out = []
    where = tuple(folders) if folders is not None else None
    for row in rows:
        sid = str(row["sessionId"])
        arrived_at = arrived.get(sid, 0.0)
        ws = row.get("workspace")
        ours = where is None or sid in followed or in_workspace(ws, where)
        if not ours and not arrived_at:
            continue
        last = last_event_ms(row)
        live = now_ms - last <= LIVE_WINDOW_MS or (arrived_at > 0 and now_ms - arrived_at * 1000.0 <= LIVE_WINDOW_MS)
        out.append(Candidate(sid, last, live, arrived_at))
    out.sort(key=_rank, reverse=True)
    return out


def _rank(c: Candidate) -> tuple[bool, float, float, str]:
    return (c.live, c.last_event_ms, c.arrived_at, c.session_id)


def pick(
    rows: Iterable[Mapping[str, Any]],
    folders: list[str] | None,
    selected: str | None = None,
    arrived: Mapping[str, float] | None = None,
    now_ms: float = 0.0,
    followed: Collection[str] = (),
) -> str | None:
    """The current session: the selected one if it exists, else the best candidate."""
    rows = list(rows)
    if selected and any(r["sessionId"] == selected for r in rows):
        return selected
    best = candidates(rows, folders, arrived or {}, now_ms, followed)
    return best[0].session_id if best else None


def recent(
    rows: Iterable[Mapping[str, Any]],
    folders: list[str],
    current: str | None,
    now_ms: float,
    followed: Collection[str] = (),
    limit: int = RECENT_SESSIONS,
) -> list[Candidate]:
    """Other sessions of the workspace (not ones only sent to this server: those may be anyone's), newest
    first, whose hints stand in on files the current session never read."""
    out = [
        c
        for c in candidates(rows, folders, {}, now_ms, followed)
        if c.session_id != current and now_ms - c.last_event_ms <= RECENT_MAX_AGE_MS
    ]
    out.sort(key=lambda c: c.last_event_ms, reverse=True)
    return out[:limit]
