"""The analysis of one session: summary, time split, token tables, slowest
operations and suggestions (the spec's PerformanceData), as JSON-ready dicts.

It works on the tree's columns directly: building a pydantic model per event
would cost more than the whole analysis (bench/bench_core.py). The output
matches models.PerformanceData; tests validate it against the model. Each
concern lives in its own module as a mixin over the columns copied here.
"""

from __future__ import annotations

import time
from array import array
from typing import Any

import numpy as np

from .. import agent_cost
from ..event_shape import METADATA_COLUMNS, NUMPY_DTYPES
from ..tree import AI, F_TOKENS, TOOL, SessionTree
from .costs import CostsMixin
from .events import EventsMixin
from .formatting import pct
from .limits import LIVE_WINDOW_MS, SLOW_THRESHOLD_MS, SLOWEST_COUNT
from .slowest import SlowestMixin
from .suggestions import SuggestionsMixin
from .timeline import HOOK_B, NET_B, TimelineMixin
from .tokens import TokenTablesMixin


def _np(col: array[Any] | bytearray, dtype: str | type[np.generic]) -> np.ndarray:
    """A copy of a tree column (a view would pin the array and stop it growing)."""
    return np.frombuffer(col, dtype=dtype).copy() if len(col) else np.zeros(0, dtype=dtype)


# sources that are transcripts on disk (not live telemetry)
TRANSCRIPT_SOURCES = (
    "claude-code",
    "codex",
    "gemini-cli",
    "copilot-cli",
    "opencode",
    "cline",
    "roo-code",
    "kilo-code",
    "kilo-cli",
)


class Analysis(TimelineMixin, CostsMixin, TokenTablesMixin, SlowestMixin, EventsMixin, SuggestionsMixin):
    """Computes PerformanceData for one tree; cheap to create, one per request."""

    def __init__(
        self,
        tree: SessionTree,
        now_ms: float | None = None,
        slow_threshold_ms: float = SLOW_THRESHOLD_MS,
        slowest_count: int = SLOWEST_COUNT,
    ):
        self.t = tree
        self.now = now_ms if now_ms is not None else time.time() * 1000.0
        self.slow_threshold = slow_threshold_ms
        self.slowest_count = slowest_count
        self.n = len(tree)
        start = _np(tree.start, np.float64)
        end = _np(tree.end, np.float64)
        open_ = np.isnan(end)
        # the last timestamp the session's data holds: an open span of a finished session
        # (the agent stopped, the laptop closed) ends there, never at today's clock
        last = float(max(start.max(), np.nanmax(end) if (~open_).any() else -np.inf)) if self.n else 0.0
        self.t_last = last
        self.live = bool(self.n) and self.now - last <= LIVE_WINDOW_MS
        self.a_open = open_
        self.running = self.live and bool(open_.any())
        self.interrupted = not self.live and bool(open_.any())
        if open_.any():  # a running span lasts until now; an interrupted one until the last timestamp
            end[open_] = np.maximum(self.now if self.live else last, start[open_])
        self.a_start = start
        self.a_end = end
        self.t0 = float(start.min()) if self.n else 0.0
        self.t1 = float(end.max()) if self.n else 0.0
        self._costs: list[float | None] | None = None
        self._cost_arr: np.ndarray | None = None
        # numpy copies of the columns the whole-session passes use
        self._kids: list[list[int] | tuple[()]] | None = None
        # sparse columns copied too: worker threads iterate them while events arrive
        self.model_provider = dict(tree.model_provider)  # small: one entry per model
        self.a_type = _np(tree.type, np.uint8)
        self.a_parent = _np(tree.parent, np.int32)
        self.a_flags = _np(tree.flags, np.uint8)
        # every column a pass reads, copied now: the tree keeps growing under other threads,
        # and a later copy would neither match these in length nor be safe while it grows
        # (event_shape.METADATA_COLUMNS: every metadata column the tree keeps, with its dtype)
        self.cols = {name: _np(getattr(tree, name), NUMPY_DTYPES[code]) for name, code in METADATA_COLUMNS}
        self.a_cost = _np(tree.cost, np.float64)

    @property
    def ends(self) -> list[float]:
        """End times as a list (running spans end now), for per-event loops; made on
        first use: one C call over every event would hold the GIL on the summary path."""
        if "_ends" not in self.__dict__:
            self._ends = self.a_end.tolist()
        return self._ends

    def children(self) -> list[list[int] | tuple[()]]:
        """Child indices per node (the root is the last entry), in start order; from
        this analysis's own copies, so a worker thread may call it while events arrive.
        Leaves share one empty tuple (100k empty lists cost more in GC than the walk)."""
        if self._kids is None:
            n = self.n
            kids: list[list[int] | tuple[()]] = [()] * (n + 1)
            if n:
                order = np.argsort(self.a_start, kind="stable")
                par = self.a_parent[order].astype(np.int64)
                par[par < 0] = n
                regroup = np.argsort(par, kind="stable")  # stable: start order kept within a parent
                grouped = order[regroup]
                gp = par[regroup]
                cuts = np.flatnonzero(gp[1:] != gp[:-1]) + 1
                heads = np.concatenate([[0], cuts])
                for p, chunk in zip(gp[heads].tolist(), np.split(grouped, cuts), strict=True):
                    kids[p] = chunk.tolist()
            self._kids = kids
        return self._kids

    def children_first(self) -> list[int]:
        """Every node (the root is n) after all of its children: a post-order walk
        without recursion, so deep subagent chains cannot overflow the stack."""
        kids = self.children()
        order = []
        stack = [self.n]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(kids[node])
        order.reverse()
        return order

    def metadata(self, i: int) -> dict[str, Any]:
        """Event i's metadata as the tree keeps it (event_shape.METADATA): the analysis's
        view, not the stored JSON (Engine.event adds that)."""
        return self.t.metadata(i)

    def _col(self, name: str) -> np.ndarray:
        """A column as copied when the analysis was made."""
        return self.cols[name]

    def not_recorded(self) -> dict[str, str]:
        """Buckets this session's source cannot measure (field -> why): shown as
        "not recorded", never as 0."""
        out = {}
        b = self.buckets()
        src = self.t.source or "this source"
        if not np.any(b == NET_B):
            out["networkTime"] = (
                f"{src} does not time network requests: API latency is inside AI time"
                if src in TRANSCRIPT_SOURCES
                else "no network spans were sent for this session"
            )
        if not np.any(b == HOOK_B):
            out["hookTime"] = (
                f"hooks are timed only by Claude Code's trace spans (OTLP with tracing on); {src} does not record them"
                if src in TRANSCRIPT_SOURCES
                else "no hook spans were sent for this session"
            )
        if np.any(self.a_type == AI) and not np.any(
            (self.a_flags & F_TOKENS) != 0
        ):  # issue 18: e.g. Copilot's legacy files
            out["totalTokens"] = f"{src} records no token counts for this session"
            out["totalCost"] = "no token counts, so no price"
        return out

    def summary(self) -> dict[str, Any]:
        t = self.t
        split = self.time_split()
        total = split["total"]
        active = split["active"]
        missing_buckets = self.not_recorded()
        # from this analysis's copies: the live tree may already hold newer events
        tin, tout, tcr, tcw = (int(self._col(c).sum()) for c in ("tin", "tout", "tcr", "tcw"))
        total_tokens = tin + tout + tcr + tcw
        requests = int(np.count_nonzero((self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0)))
        tools = int(np.count_nonzero((self.a_type == TOOL) & (self.buckets() != HOOK_B)))  # a hook is not a call
        cost = self.cost_array()
        counted = ((self.a_flags & F_TOKENS) != 0) | (self.a_type == AI)
        known = cost[counted & ~np.isnan(cost)]
        missing = np.flatnonzero(((self.a_flags & F_TOKENS) != 0) & np.isnan(cost))
        unpriced = sorted({t.strings.get(t.model[i]) or "(no model)" for i in missing.tolist()})

        def ms(key: str, field: str) -> float | None:
            return None if field in missing_buckets else split[key]

        def share(key: str, field: str) -> float | None:
            return None if field in missing_buckets else pct(split[key], active)

        return {
            "sessionId": t.session_id,
            "title": self.title(),
            "source": t.source,
            "startTime": self.t0 if self.n else None,
            "endTime": self.t1 if self.n else None,
            "running": self.running,
            "interrupted": self.interrupted,
            "interruptedCount": int(self.a_open.sum()) if self.interrupted else 0,
            "totalDuration": total,
            "activeTime": active,
            "idleTime": split["idle"],
            "idlePercent": pct(split["idle"], total),
            "aiThinkingTime": split["ai"],
            "toolExecutionTime": split["tool"],
            "networkTime": ms("net", "networkTime"),
            "userWaitTime": split["user"],
            "hookTime": ms("hook", "hookTime"),
            "compactionTime": split["compaction"],
            "agentOverheadTime": split["agent"],
            "otherTime": split["other"],
            "aiThinkingPercent": pct(split["ai"], active),
            "toolExecutionPercent": pct(split["tool"], active),
            "networkPercent": share("net", "networkTime"),
            "userWaitPercent": pct(split["user"], active),
            "hookPercent": share("hook", "hookTime"),
            "compactionPercent": pct(split["compaction"], active),
            "agentOverheadPercent": pct(split["agent"], active),
            "otherPercent": pct(split["other"], active),
            "notRecorded": missing_buckets,
            "totalTokens": total_tokens,
            "inputTokens": tin,
            "outputTokens": tout,
            "cacheReadTokens": tcr,
            "cacheWriteTokens": tcw,
            # nothing unpriced and nothing billed: the session cost nothing, it is not unknown
            "totalCost": float(known.sum())
            if known.size
            else (0.0 if not unpriced and "totalCost" not in missing_buckets else None),
            # responses whose usage the source does not record: the cost is not known (issue 12/18)
            "costComplete": not unpriced and "totalCost" not in missing_buckets,
            "unpricedModels": unpriced,
            **agent_cost.fields(self),  # issue 18: the agent's own cost beside ours
            "messageCount": int(np.count_nonzero(self.message_mask())),
            "toolCallCount": tools,
            "avgResponseTokens": round(tout / requests, 1) if requests else 0.0,
            "avgContextTokens": round((tin + tcr + tcw) / requests, 1) if requests else 0.0,
            "responseCount": requests,
            "eventCount": self.n,
        }

    def title(self) -> str:
        return self.t.title or f"Session {self.t.session_id[:8]}"

    # ------------------------------------------------------------ all

    def performance(self, include_events: bool = True, include_messages: bool = True) -> dict[str, Any]:
        summary = self.summary()
        t = self.t
        total_input = summary["inputTokens"] + summary["cacheReadTokens"] + summary["cacheWriteTokens"]
        by_file = self.tokens_by_file(total_input)
        attributed = sum(r["contextTokens"] for r in by_file)  # the files' tokens in context, as their rows say
        history = max(0, total_input - attributed)
        data = dict(summary)
        data["events"] = self.events_tree() if include_events else []
        data["slowestOperations"] = self.slowest()
        data["suggestions"] = self.suggestions(by_file, summary, history, total_input)
        # issue 13: None when the web UI's first paint asks without it (one row per response)
        data["tokensByMessage"] = self.tokens_by_message() if include_messages else None
        data["tokensByFile"] = by_file
        data["tokensByModel"] = self.tokens_by_model()
        data["historyTokens"] = history
        data["historyShare"] = pct(history, total_input)
        data["totalInputContext"] = total_input
        del t
        return data
