"""Slowest operations, the events that get a code lens, and the hint for each."""

from __future__ import annotations

import numpy as np

from ..tree import AGENT, AI, F_COMPACTION, F_ERROR, F_INFERRED, F_TOKENS, FREAD, FWRITE, NET, TOOL
from .base import F64, AnalysisBase, Index, JsonDict
from .formatting import counted, fmt_ms, inferred_hint
from .limits import LARGE_OUTPUT_TOKENS, LARGE_TOOL_OUTPUT_TOKENS
from .timeline import HOOK_B


class SlowestMixin(AnalysisBase):
    """Slowest operations; mixed into Analysis."""

    def _operations(self, types: tuple[int, ...]) -> tuple[Index, F64]:
        """(indices, durations) of operations; a file or network span inside a tool call
        is that call's own work, so the call stands for it."""
        typ = self.a_type
        parent = self.a_parent.astype(np.int64)
        ptype = np.where(parent >= 0, typ[np.maximum(parent, 0)], 255)
        inner = np.isin(typ, (FREAD, FWRITE, NET)) & (ptype == TOOL)
        idx = np.flatnonzero(np.isin(typ, types) & ~inner)
        return idx, self.a_end[idx] - self.a_start[idx]

    def _top(self, idx: Index, dur: F64, k: int) -> list[tuple[float, int]]:
        if idx.size > k:
            part = np.argpartition(-dur, k - 1)[:k]
            idx, dur = idx[part], dur[part]
        order = np.lexsort((idx, -dur))
        return [(float(dur[o]), int(idx[o])) for o in order.tolist()]

    def slowest(self) -> list[JsonDict]:
        top = self._top(*self._operations((AI, TOOL, FREAD, FWRITE, NET)), self.slowest_count)
        out = []
        for rank, (dur, i) in enumerate(top, 1):
            out.append(
                {
                    "rank": rank,
                    "event": self.event(i),
                    "suggestion": self.slow_hint(i, dur),
                    "detail": self.detail(i),
                    "label": self.op_label(i),
                    "interrupted": bool(self.a_open[i]) and not self.live,
                }
            )
        return out

    def slow_set(self) -> dict[int, int]:
        """Events that get a code lens: over the threshold or among the slowest; value = rank."""
        idx, dur = self._operations((TOOL, FREAD, FWRITE, NET))
        out = {i: rank for rank, (_, i) in enumerate(self._top(idx, dur, self.slowest_count), 1)}
        for i in idx[dur >= self.slow_threshold].tolist():
            out.setdefault(i, 0)
        return out

    def rel_path(self, path: str) -> str:
        """A file path relative to the session's workspace when it lies inside it."""
        ws = self.t.workspace
        if ws and path.startswith(ws.rstrip("/") + "/"):
            return path[len(ws.rstrip("/")) + 1 :]
        return path

    def what_ran(self, i: int) -> str | None:
        """What an operation ran, in words: the command (redacted at ingest), the file
        relative to the workspace, the url, the subagent's task or the compaction."""
        t = self.t
        if t.flags[i] & F_COMPACTION:
            return "context compaction"
        if t.type[i] == TOOL and i in t.text:
            return " ".join(t.text[i].split())[:120]
        if t.file[i] >= 0:
            return self.rel_path(t.strings.values[t.file[i]])
        if i in t.url:
            return t.url[i]
        if t.type[i] == AGENT:
            return t.strings.values[t.name[i]]
        return None

    def op_label(self, i: int) -> str:
        """`Bash: npm test`, `Read: src/app.py`, `claude-opus-4-6 response`: an operation named
        by what ran, for the slowest list and the lenses."""
        t = self.t
        if t.type[i] == AI:
            model = t.strings.get(t.model[i])
            return f"{t.strings.values[t.name[i]]}" + (f" ({model})" if model else "")
        name = t.strings.get(t.tool[i]) or t.strings.values[t.name[i]]
        what = self.what_ran(i)
        if what and len(what) > 60:
            what = what[:59] + "…"
        return f"{name}: {what}" if what and what != name else name

    def detail(self, i: int) -> str | None:
        t = self.t
        if t.file[i] >= 0:
            path = self.rel_path(t.strings.values[t.file[i]])
            size = t.file_size[i]
            return f"{path} ({size:,} bytes)" if size >= 0 else path
        if i in t.url:
            return t.url[i]
        if i in t.text:
            return " ".join(t.text[i].split())[:120]
        return None

    def slow_hint(self, i: int, dur: float) -> str:
        """Why it was slow, from the data: interruption, errors, hooks, tokens, what ran."""
        t = self.t
        typ = t.type[i]
        tool = t.strings.get(t.tool[i]) or ""
        if self.a_open[i] and not self.live:
            return (
                f"Interrupted: it never finished (the session stopped while it ran); counted {fmt_ms(dur)} "
                "until the session's last timestamp."
            )
        if t.flags[i] & F_ERROR:
            return f"Failed after {fmt_ms(dur)}: {error_text(t.error.get(i, 'the tool reported an error'))[:160]}"
        hooks = self._hook_time_inside(i)
        if hooks > 0.2 * dur and hooks >= 1000:
            return f"{fmt_ms(hooks)} of its {fmt_ms(dur)} ran in hooks ({', '.join(self._hook_names(i))})."
        if t.flags[i] & F_INFERRED and typ in (AI, TOOL):
            return inferred_hint(dur, typ == AI and not t.flags[i] & F_TOKENS)
        if typ == AI:
            out, ctx = t.tout[i], t.tin[i] + t.tcr[i] + t.tcw[i]
            ttft = t.ttft.get(i)
            if ttft is not None:  # recorded (OTLP api_request ttft_ms): where the time went, measured
                what = f" ({out:,} output tokens, {ctx:,}-token context)" if t.flags[i] & F_TOKENS else ""
                why = (
                    "waiting for the first token: a large context or a busy API, not the output"
                    if ttft >= 0.5 * dur
                    else "most of it generating output"
                )
                return f"{fmt_ms(ttft)} to the first token, {fmt_ms(max(0.0, dur - ttft))} generating{what}: {why}."
            if not t.flags[i] & F_TOKENS:
                return f"{fmt_ms(dur)}; this response's usage was not recorded."
            if out >= LARGE_OUTPUT_TOKENS:
                return f"Large output: {out:,} tokens in {fmt_ms(dur)}. Consider asking for incremental output."
            per_k = dur / out * 1000 if out else 0
            if ctx >= 100_000 and out < 500:
                return (
                    f"{fmt_ms(dur)} for only {out:,} output tokens over a {ctx:,}-token context: time to the first "
                    "token grows with the context; a new session or a compaction would make it faster."
                )
            if out and per_k > 100_000:
                return (
                    f"{fmt_ms(dur)} for {counted(out, 'output token')} ({ctx:,}-token context): "
                    "long hidden reasoning or a slow API response."
                )
            return f"{fmt_ms(dur)}: {out:,} output tokens over a {ctx:,}-token context."
        if typ == FREAD:
            ft = t.file_tokens[i]
            if ft >= LARGE_TOOL_OUTPUT_TOKENS:
                return f"Large file ({ft:,} tokens). Read only the lines needed."
            return "File read was slow; the file system or a large directory may be the cause."
        if typ == FWRITE:
            size = t.file_size[i]
            return (
                f"Large file write ({size:,} bytes)."
                if size > 10_000
                else "Writing the file took long, often a permission prompt."
            )
        if typ == NET or tool in ("WebFetch", "WebSearch"):
            return "Network-bound: the remote site was slow."
        if tool in ("Task", "Agent"):
            kids = self.children()
            inside, stack = 0, list(kids[i])
            while stack:
                inside += 1
                stack.extend(kids[stack.pop()])
            task = self.what_ran(i)
            return (
                f"A subagent ran here{' (' + task + ')' if task else ''}: {counted(inside, 'span')} "
                "inside; its work is in the flame graph below this call."
            )
        if tool in ("Bash", "shell", "exec_command", "local_shell"):
            return (
                f"A command that ran {fmt_ms(dur)}: run it in the background, "
                "or narrow it (fewer tests, a smaller build)."
            )
        return "Slow tool call."

    def _hook_time_inside(self, i: int) -> float:
        """Time of the hook spans directly under an operation (Claude Code trace `hook` spans)."""
        b = self.buckets()
        return float(sum(self.a_end[c] - self.a_start[c] for c in self.children()[i] if b[c] == HOOK_B))

    def _hook_names(self, i: int) -> list[str]:
        b = self.buckets()
        t = self.t
        return sorted({t.strings.values[t.name[c]] for c in self.children()[i] if b[c] == HOOK_B})[:3]


def error_text(text: str) -> str:
    """Error text as text: escaped newlines and tabs from JSON inside JSON become spaces."""
    return " ".join(text.replace("\\r", " ").replace("\\n", " ").replace("\\t", " ").split())
