"""What the editor shows on a document: the inlay hint (a file's token cost in
the session's context) and code lenses (slow tool calls that touched it).

Building it walks the whole session, so it happens once per session change in
the server's update task; hint and lens requests only look a path up here.

A session's file path matches a document when the absolute paths are equal,
when a relative path resolves against the editor's workspace folder, or when its
path relative to the session's recorded workspace (the agent's cwd) equals the
document's path relative to the editor's workspace folder (the same project
checked out elsewhere).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .analysis import Analysis, file_hint, fmt_ms
from .tree import F_INFERRED, TOOL, SessionTree

LENSES_PER_FILE = 20


@dataclass
class Lens:
    line: int  # 0-based
    title: str
    event_id: str
    name: str = ""
    duration: float = 0.0  # ms
    rank: int = 0  # among the session's slow tool calls, slowest first
    of: int = 0  # how many slow tool calls the session has


@dataclass
class Read:
    """One read of the file: what the hover lists."""

    event_id: str
    start_line: int  # 1-based, -1 = not recorded
    end_line: int
    tokens: int  # -1 = not recorded


@dataclass
class FileInfo:
    label: str
    tooltip: str
    lenses: list[Lens] = field(default_factory=list)
    # the breakdown behind the hint (for hover and emphasis); share in percent of the session's input
    path: str = ""
    tokens: int = 0
    share: float = 0.0
    input_total: int = 0
    reads: list[Read] = field(default_factory=list)
    resent_count: int = 0
    resent_tokens: int = 0
    resent_cost: float | None = None
    context_tokens: int = 0  # first read + re-sent as history (what the label counts)


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(path))


def editor_paths(path: str, session_workspace: str | None, folders: list[str]) -> list[str]:
    """Where in the editor a session's file path may be."""
    out = []
    if os.path.isabs(path):
        out.append(_norm(path))
        if session_workspace:
            ws = _norm(session_workspace)
            p = _norm(path)
            if p.startswith(ws + os.sep):
                rel = p[len(ws) + 1 :]
                out.extend(_norm(os.path.join(f, rel)) for f in folders)
    else:
        out.extend(_norm(os.path.join(f, path)) for f in folders)
    return out


class EditorIndex:
    """Per-document hints and lenses for one version of the current session."""

    def __init__(self, session_id: str | None = None, version: int = -1):
        self.session_id = session_id
        self.version = version
        self.files: dict[str, FileInfo] = {}

    def lookup(self, doc_path: str) -> FileInfo | None:
        return self.files.get(_norm(doc_path))

    @classmethod
    def build(cls, analysis: Analysis, folders: list[str]) -> EditorIndex:
        t = analysis.t
        index = cls(t.session_id, t.version)
        cols = analysis.cols
        summary_input = int(cols["tin"].sum() + cols["tcr"].sum() + cols["tcw"].sum())
        ws = t.workspace
        for row in analysis.tokens_by_file(summary_input):
            cost = row["resentCost"]
            label, tooltip = file_hint(row, summary_input)  # issue 12: tokens in context, share, their cost
            reads = [_read(t, t.index.get(eid, -1), eid) for eid in row["eventIds"]]
            for p in editor_paths(row["filePath"], ws, folders):
                index.files.setdefault(
                    p,
                    FileInfo(
                        label,
                        tooltip,
                        path=row["filePath"],
                        tokens=row["tokens"],
                        share=row["shareOfInput"],
                        input_total=summary_input,
                        reads=reads,
                        resent_count=row["resentCount"],
                        resent_tokens=row["resentTokens"],
                        resent_cost=cost,
                        context_tokens=int(row.get("contextTokens", row["tokens"] + row["resentTokens"])),
                    ),
                )
        slow = analysis.slow_set()
        if not slow:
            return index
        names = t.strings.values
        # a tool call's file may be on its file_read/file_write child: give the call that file
        file = cols["file"].copy()
        parent = analysis.a_parent
        has = (parent >= 0) & (file >= 0)
        child_file = np.full(analysis.n, -1, dtype=np.int64)
        child_file[parent[has]] = file[has]
        file = np.where((file < 0) & (analysis.a_type == TOOL), child_file, file)
        idx = np.fromiter(slow.keys(), dtype=np.int64, count=len(slow))
        # every lens carries its rank among the session's slow calls (the top ones keep slow_set's)
        ranked = idx[np.lexsort((idx, -(analysis.a_end[idx] - analysis.a_start[idx])))].tolist()
        rank_of = {i: r for r, i in enumerate(ranked, 1)}
        idx = idx[file[idx] >= 0]
        # at most LENSES_PER_FILE on one file, the slowest: hundreds of lenses hide the code
        dur_all = analysis.a_end[idx] - analysis.a_start[idx]
        order = np.lexsort((-dur_all, file[idx]))
        idx, dur_all = idx[order], dur_all[order]
        f_sorted = file[idx]
        first = np.r_[0, np.flatnonzero(f_sorted[1:] != f_sorted[:-1]) + 1]
        rank_in_file = np.arange(idx.size) - np.repeat(first, np.diff(np.r_[first, idx.size]))
        keep = rank_in_file < LENSES_PER_FILE
        idx = idx[keep]
        dur = dur_all[keep].tolist()
        tool = cols["tool"][idx].tolist()
        files = file[idx].tolist()
        paths: dict[int, list[str]] = {}  # one path resolution per file, not per lens
        for i, d, tl, f in zip(idx.tolist(), dur, tool, files, strict=True):
            rank = slow[i] or rank_of[i]
            name = names[tl] if tl >= 0 else names[t.name[i]]
            label = analysis.op_label(i)  # issue 12 "say what ran": `Bash: npm test`, `Read: src/x.py`
            state = ""
            if analysis.a_open[i] and not analysis.live:  # issue 12: it never ended; timed to the last timestamp
                state = " interrupted"
            elif t.flags[i] & F_INFERRED:  # one end not recorded: the gap between records, not a measurement
                state = " not measured"
            title = f"{label} {fmt_ms(d)}{state} · slowest #{rank}"
            line = max(0, (t.start_line[i] or 1) - 1)
            where = paths.get(f)
            if where is None:
                # one entry per document: the absolute path and its workspace mapping are often the same
                where = paths[f] = list(dict.fromkeys(editor_paths(names[f], ws, folders)))
            for p in where:
                info = index.files.get(p)
                if info is None:
                    info = index.files[p] = FileInfo("", "")
                info.lenses.append(Lens(line, title, t.ids[i], name, d, rank, len(ranked)))
        for info in index.files.values():
            info.lenses.sort(key=lambda lens: (lens.line, lens.rank))
        return index

    def lenses_at(self, doc_path: str, line: int) -> list[Lens]:
        info = self.lookup(doc_path)
        return [lens for lens in info.lenses if lens.line == line] if info else []


def _read(t: SessionTree, i: int, event_id: str) -> Read:
    if i < 0:
        return Read(event_id, -1, -1, -1)
    return Read(
        event_id,
        int(t.start_line[i]) if t.start_line[i] > 0 else -1,
        int(t.end_line[i]) if t.end_line[i] > 0 else -1,
        int(t.file_tokens[i]),
    )


def hint_level(share: float, mid: float, high: float) -> str:
    """Emphasis of a file's hint by its share of the session's input (percent)."""
    if share >= high:
        return "high"
    if share >= mid:
        return "mid"
    return "low"
