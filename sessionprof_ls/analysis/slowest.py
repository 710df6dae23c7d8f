"""Slowest operations, the events that get a code lens, and the hint for each."""

from __future__ import annotations

import numpy as np

from ..tree import AI, F_ERROR, FREAD, FWRITE, NET, TOOL
from .formatting import fmt_ms
from .limits import LARGE_OUTPUT_TOKENS, LARGE_TOOL_OUTPUT_TOKENS


class SlowestMixin:
    """Slowest operations; mixed into Analysis."""

    def _operations(self, types: tuple) -> tuple[np.ndarray, np.ndarray]:
        """(indices, durations) of operations; a file or network span inside a tool call
        is that call's own work, so the call stands for it."""
        typ = self.a_type
        parent = self.a_parent.astype(np.int64)
        ptype = np.where(parent >= 0, typ[np.maximum(parent, 0)], 255)
        inner = np.isin(typ, (FREAD, FWRITE, NET)) & (ptype == TOOL)
        idx = np.flatnonzero(np.isin(typ, types) & ~inner)
        return idx, self.a_end[idx] - self.a_start[idx]

    def _top(self, idx: np.ndarray, dur: np.ndarray, k: int) -> list[tuple[float, int]]:
        if idx.size > k:
            part = np.argpartition(-dur, k - 1)[:k]
            idx, dur = idx[part], dur[part]
        order = np.lexsort((idx, -dur))
        return [(float(dur[o]), int(idx[o])) for o in order.tolist()]

    def slowest(self) -> list[dict]:
        top = self._top(*self._operations((AI, TOOL, FREAD, FWRITE, NET)), self.slowest_count)
        out = []
        for rank, (dur, i) in enumerate(top, 1):
            out.append({"rank": rank, "event": self.event(i), "suggestion": self.slow_hint(i, dur),
                        "detail": self.detail(i)})
        return out

    def slow_set(self) -> dict[int, int]:
        """Events that get a code lens: over the threshold or among the slowest; value = rank."""
        idx, dur = self._operations((TOOL, FREAD, FWRITE, NET))
        out = {i: rank for rank, (_, i) in enumerate(self._top(idx, dur, self.slowest_count), 1)}
        for i in idx[dur >= self.slow_threshold].tolist():
            out.setdefault(i, 0)
        return out

    def detail(self, i: int) -> str | None:
        t = self.t
        if t.file[i] >= 0:
            path = t.strings.values[t.file[i]]
            size = t.file_size[i]
            return f"{path} ({size:,} bytes)" if size >= 0 else path
        if i in t.url:
            return t.url[i]
        if i in t.text:
            return '"' + " ".join(t.text[i].split())[:80] + '"'
        return None

    def slow_hint(self, i: int, dur: float) -> str:
        t = self.t
        typ = t.type[i]
        tool = t.strings.get(t.tool[i]) or ""
        if t.flags[i] & F_ERROR:
            return f"Failed after {fmt_ms(dur)}: {t.error.get(i, 'the tool reported an error')[:100]}"
        if typ == AI:
            out, ctx = t.tout[i], t.tin[i] + t.tcr[i] + t.tcw[i]
            if out >= LARGE_OUTPUT_TOKENS:
                return f"Large output ({out:,} tokens). Consider asking for incremental output."
            if ctx >= 100_000:
                return f"Large context ({ctx:,} input tokens). A new session or a compaction would make it faster."
            if out and dur / out > 100:
                return f"{fmt_ms(dur)} for {out:,} output tokens: long reasoning or a slow API response."
            return "Complex reasoning over the context."
        if typ == FREAD:
            ft = t.file_tokens[i]
            if ft >= LARGE_TOOL_OUTPUT_TOKENS:
                return f"Large file ({ft:,} tokens). Read only the lines needed."
            return "File read was slow; the file system or a large directory may be the cause."
        if typ == FWRITE:
            size = t.file_size[i]
            return f"Large file write ({size:,} bytes)." if size > 10_000 else "Writing the file took long, often a permission prompt."
        if typ == NET or tool in ("WebFetch", "WebSearch"):
            return "Network-bound: the remote site was slow."
        if tool in ("Task", "Agent"):
            kids = self.children()
            inside, stack = 0, list(kids[i])
            while stack:
                inside += 1
                stack.extend(kids[stack.pop()])
            return (f"A subagent ran here ({inside:,} span{'s' if inside != 1 else ''} inside); its work is in the "
                    "flame graph below this call.")
        if tool in ("Bash", "shell", "exec_command", "local_shell"):
            return "Long-running command: run it in the background, or narrow it (fewer tests, a smaller build)."
        return "Slow tool call."
