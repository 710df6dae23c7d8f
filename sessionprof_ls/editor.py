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

from .analysis import Analysis, fmt_ms, fmt_usd
from .tree import TOOL


@dataclass
class Lens:
    line: int  # 0-based
    title: str
    event_id: str


@dataclass
class FileInfo:
    label: str
    tooltip: str
    lenses: list[Lens] = field(default_factory=list)


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
                rel = p[len(ws) + 1:]
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
    def build(cls, analysis: Analysis, folders: list[str]) -> "EditorIndex":
        t = analysis.t
        index = cls(t.session_id, t.version)
        summary_input = sum(t.tin) + sum(t.tcr) + sum(t.tcw)
        ws = t.workspace
        for row in analysis.tokens_by_file(summary_input):
            cost = row["resentCost"]
            label = f"{row['tokens']:,} tk · {row['shareOfInput']:.1f}% of input"
            if cost is not None:
                label += f" · {fmt_usd(cost)}"
            tooltip = (
                f"sessionprof — {row['filePath']}\n"
                f"{row['tokens']:,} tokens added to the context in {row['timesRead']} read(s) "
                f"({row['shareOfInput']:.1f}% of the session's {summary_input:,} input tokens).\n"
                f"Re-sent as history by {row['resentCount']} later request(s): {row['resentTokens']:,} tokens, "
                f"{fmt_usd(cost)}."
            )
            for p in editor_paths(row["filePath"], ws, folders):
                index.files.setdefault(p, FileInfo(label, tooltip))
        names = t.strings.values
        kids = None
        for i, rank in analysis.slow_set().items():
            f = t.file[i]
            if f < 0 and t.type[i] == TOOL:
                # the tool's file may be on its file_read/file_write child
                kids = kids or analysis.children()
                f = next((t.file[c] for c in kids[i] if t.file[c] >= 0), -1)
            if f < 0:
                continue
            dur = analysis.ends[i] - t.start[i]
            name = names[t.tool[i]] if t.tool[i] >= 0 else names[t.name[i]]
            title = f"{name} {fmt_ms(dur)}" + (f" · slowest #{rank}" if rank else "")
            line = max(0, (t.start_line[i] or 1) - 1)
            for p in editor_paths(names[f], ws, folders):
                info = index.files.get(p)
                if info is None:
                    info = index.files[p] = FileInfo("", "")
                info.lenses.append(Lens(line, title, t.ids[i]))
        for info in index.files.values():
            info.lenses.sort(key=lambda lens: (lens.line, lens.title))
        return index

