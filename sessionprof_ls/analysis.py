"""The analysis of one session: summary, time split, token tables, slowest
operations and suggestions (the spec's PerformanceData), as JSON-ready dicts.

It works on the tree's columns directly: building a pydantic model per event
would cost more than the whole analysis (bench/bench_core.py). The output
matches models.PerformanceData; tests validate it against the model.

Time split: every instant of the session's wall time goes to exactly one bucket,
so the buckets add up to the wall time. An instant belongs to the deepest span
covering it (a parent's self time excludes its children: a Task tool's time is
its subagent's thinking and tools); where parallel branches overlap, waiting on
the user wins over network, network over tools, tools over AI thinking. What no
typed span covers (gaps, agent overhead) is `otherTime`.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict

from . import pricing
from .tree import AGENT, AI, F_COMPACTION, F_ERROR, F_ORPHAN, F_TOKENS, FREAD, FWRITE, NET, TOOL, TYPES, USER, SessionTree

SLOW_THRESHOLD_MS = 5000.0
SLOWEST_COUNT = 5
LARGE_OUTPUT_TOKENS = 3000
SIMPLE_RESPONSE_TOKENS = 300
LARGE_TOOL_OUTPUT_TOKENS = 8000
BUCKET_OF_TYPE = {AI: "ai", TOOL: "tool", FREAD: "tool", FWRITE: "tool", NET: "net", USER: "user"}
BUCKET_ORDER = ("user", "net", "tool", "ai")  # who wins where parallel branches overlap

SMALLER_MODEL = (  # (substring of the model id, a smaller sibling to suggest)
    ("opus", "claude-haiku-4-5"),
    ("sonnet", "claude-haiku-4-5"),
    ("gpt-5-codex", "gpt-5-mini"),
    ("gpt-5.1", "gpt-5-mini"),
    ("gpt-5", "gpt-5-mini"),
    ("gpt-4.1", "gpt-4.1-mini"),
    ("gpt-4o", "gpt-4o-mini"),
    ("o3", "o4-mini"),
    ("gemini-2.5-pro", "gemini-2.5-flash"),
    ("gemini-3-pro", "gemini-2.5-flash"),
)


# ---------------------------------------------------------------- intervals


def merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Union of intervals, sorted and disjoint."""
    if not intervals:
        return []
    intervals.sort()
    out = []
    cs, ce = intervals[0]
    for s, e in intervals:
        if s <= ce:
            if e > ce:
                ce = e
        else:
            out.append((cs, ce))
            cs, ce = s, e
    out.append((cs, ce))
    return out


def subtract(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """a minus b, both merged."""
    if not b:
        return a
    out = []
    j = 0
    nb = len(b)
    for s, e in a:
        while j < nb and b[j][1] <= s:
            j += 1
        k = j
        cur = s
        while k < nb and b[k][0] < e:
            bs, be = b[k]
            if bs > cur:
                out.append((cur, bs))
            if be > cur:
                cur = be
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def length(intervals) -> float:
    return sum(e - s for s, e in intervals)


# ---------------------------------------------------------------- helpers


def fmt_ms(ms: float) -> str:
    """Durations as the spec writes them: 4m 12s, 12.3s, 450ms, 1h 02m."""
    if ms < 1000:
        return f"{ms:.0f}ms"
    s = ms / 1000.0
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def fmt_usd(usd: float | None) -> str:
    if usd is None:
        return "price unknown"
    return f"${usd:.3f}" if usd < 100 else f"${usd:,.0f}"


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


class Analysis:
    """Computes PerformanceData for one tree; cheap to create, one per request."""

    def __init__(self, tree: SessionTree, now_ms: float | None = None, slow_threshold_ms: float = SLOW_THRESHOLD_MS,
                 slowest_count: int = SLOWEST_COUNT):
        self.t = tree
        self.now = now_ms if now_ms is not None else time.time() * 1000.0
        self.slow_threshold = slow_threshold_ms
        self.slowest_count = slowest_count
        self.n = len(tree)
        self.ends = tree.end_or_now(self.now)
        self.t0 = min(tree.start) if self.n else 0.0
        self.t1 = max(self.ends) if self.n else 0.0
        self._costs: list[float | None] | None = None

    # ------------------------------------------------------------ costs

    def costs(self) -> list[float | None]:
        """Per-event cost: the agent's costUsd wins, else a price from genai-prices."""
        if self._costs is None:
            t = self.t
            model_name = t.strings.values
            out: list[float | None] = [None] * self.n
            for i in range(self.n):
                c = t.cost[i]
                if c == c:
                    out[i] = c
                elif t.flags[i] & F_TOKENS:
                    m = t.model[i]
                    out[i] = pricing.price(model_name[m] if m >= 0 else None, t.provider.get(i),
                                           t.tin[i], t.tout[i], t.tcr[i], t.tcw[i], t.tcw1h.get(i, 0))
            self._costs = out
        return self._costs

    def _is_request(self, i: int) -> bool:
        return bool(self.t.flags[i] & F_TOKENS) or self.t.type[i] == AI

    # ------------------------------------------------------------ summary

    def time_split(self) -> dict[str, float]:
        t = self.t
        n = self.n
        start, ends, types = t.start, self.ends, t.type
        kids = t.children()
        buckets: dict[str, list] = defaultdict(list)
        for i in range(n):
            bucket = BUCKET_OF_TYPE.get(types[i])
            if bucket is None:
                continue
            s, e = start[i], ends[i]
            if e <= s:
                continue
            ch = kids[i]
            if ch:
                cover = merge([(max(start[c], s), min(ends[c], e)) for c in ch if ends[c] > s and start[c] < e])
                buckets[bucket].extend(subtract([(s, e)], cover))
            else:
                buckets[bucket].append((s, e))
        taken: list[tuple[float, float]] = []
        result = {}
        for name in BUCKET_ORDER:
            own = subtract(merge(buckets.get(name, [])), taken)
            result[name] = length(own)
            taken = merge(taken + own)
        result["total"] = self.t1 - self.t0
        result["other"] = max(0.0, result["total"] - sum(result[b] for b in BUCKET_ORDER))
        return result

    def summary(self) -> dict:
        t = self.t
        split = self.time_split()
        total = split["total"]
        tin, tout, tcr, tcw = sum(t.tin), sum(t.tout), sum(t.tcr), sum(t.tcw)
        total_tokens = tin + tout + tcr + tcw
        messages = t.type.count(AI)
        tools = t.type.count(TOOL)
        costs = self.costs()
        known = [costs[i] for i in range(self.n) if self._is_request(i) and costs[i] is not None]
        unpriced = sorted({t.strings.get(t.model[i]) or "(no model)" for i in range(self.n)
                           if t.flags[i] & F_TOKENS and costs[i] is None})
        return {
            "sessionId": t.session_id,
            "title": self.title(),
            "source": t.source,
            "startTime": self.t0 if self.n else None,
            "endTime": self.t1 if self.n else None,
            "running": t.running_count() > 0,
            "totalDuration": total,
            "aiThinkingTime": split["ai"],
            "toolExecutionTime": split["tool"],
            "networkTime": split["net"],
            "userWaitTime": split["user"],
            "otherTime": split["other"],
            "aiThinkingPercent": pct(split["ai"], total),
            "toolExecutionPercent": pct(split["tool"], total),
            "networkPercent": pct(split["net"], total),
            "userWaitPercent": pct(split["user"], total),
            "otherPercent": pct(split["other"], total),
            "totalTokens": total_tokens,
            "inputTokens": tin,
            "outputTokens": tout,
            "cacheReadTokens": tcr,
            "cacheWriteTokens": tcw,
            "totalCost": sum(known) if known else None,
            "costComplete": not unpriced,
            "unpricedModels": unpriced,
            "messageCount": messages,
            "toolCallCount": tools,
            "avgResponseTokens": round(total_tokens / messages, 1) if messages else 0.0,
            "eventCount": self.n,
        }

    def title(self) -> str:
        return self.t.title or f"Session {self.t.session_id[:8]}"

    # ------------------------------------------------------------ events

    def metadata(self, i: int) -> dict:
        t = self.t
        s = t.strings
        md: dict = {}
        if t.model[i] >= 0:
            md["model"] = s.values[t.model[i]]
        if i in t.provider:
            md["provider"] = t.provider[i]
        if t.flags[i] & F_TOKENS:
            md["tokens"] = {"input": t.tin[i], "output": t.tout[i], "cacheRead": t.tcr[i], "cacheWrite": t.tcw[i]}
        if t.cost[i] == t.cost[i]:
            md["costUsd"] = t.cost[i]
        if t.tool[i] >= 0:
            md["toolName"] = s.values[t.tool[i]]
        if t.file[i] >= 0:
            md["filePath"] = s.values[t.file[i]]
        if t.file_size[i] >= 0:
            md["fileSize"] = t.file_size[i]
        if t.file_tokens[i] >= 0:
            md["fileTokens"] = t.file_tokens[i]
        if t.start_line[i]:
            md["startLine"] = t.start_line[i]
        if t.end_line[i]:
            md["endLine"] = t.end_line[i]
        if i in t.url:
            md["url"] = t.url[i]
        if t.flags[i] & F_ERROR:
            md["status"] = "error"
            if i in t.error:
                md["error"] = t.error[i]
        if i in t.text:
            md["text"] = t.text[i]
        if t.flags[i] & F_COMPACTION:
            md["compaction"] = True
        return md

    def event(self, i: int, children: list | None = None) -> dict:
        t = self.t
        s = t.start[i] - self.t0
        e = self.ends[i] - self.t0
        cost = self.costs()[i] if self._is_request(i) else None
        return {
            "id": t.ids[i],
            "parentId": t.parent_id_of(i),
            "type": TYPES[t.type[i]],
            "name": t.strings.values[t.name[i]],
            "startTime": s,
            "endTime": e,
            "duration": e - s,
            "running": t.end[i] != t.end[i],
            "orphan": bool(t.flags[i] & F_ORPHAN),
            "cost": cost,
            "children": children if children is not None else [],
            "metadata": self.metadata(i),
        }

    def events_tree(self) -> list[dict]:
        kids = self.t.children()
        n = self.n
        built: dict[int, dict] = {}
        # children before parents: walk a post-order without recursion (deep subagent chains)
        order = []
        stack = [n]
        while stack:
            node = stack.pop()
            order.append(node)
            stack.extend(kids[node])
        for node in reversed(order):
            if node == n:
                continue
            built[node] = self.event(node, [built.pop(c) for c in kids[node]])
        return [built.pop(c) for c in kids[n]]

    # ------------------------------------------------------------ tables

    def tokens_by_message(self) -> list[dict]:
        t = self.t
        costs = self.costs()
        rows = []
        order = sorted((i for i in range(self.n) if t.type[i] in (AI, USER) or t.flags[i] & F_TOKENS),
                       key=t.start.__getitem__)
        for num, i in enumerate(order, 1):
            tin, tout, tcr, tcw = t.tin[i], t.tout[i], t.tcr[i], t.tcw[i]
            text = t.text.get(i) or t.strings.values[t.name[i]]
            rows.append({
                "index": num,
                "eventId": t.ids[i],
                "role": "user" if t.type[i] == USER else "assistant",
                "model": t.strings.get(t.model[i]),
                "input": tin,
                "output": tout,
                "cacheRead": tcr,
                "cacheWrite": tcw,
                "total": tin + tout + tcr + tcw,
                "cost": costs[i] if self._is_request(i) else None,
                "excerpt": " ".join(text.split())[:120],
            })
        return rows

    def tokens_by_model(self) -> list[dict]:
        t = self.t
        costs = self.costs()
        groups: dict[str, list] = {}
        for i in range(self.n):
            if not t.flags[i] & F_TOKENS:
                continue
            model = t.strings.get(t.model[i]) or "(unknown model)"
            g = groups.setdefault(model, [0, 0, 0, 0, 0, 0.0, True, t.provider.get(i)])
            g[0] += 1
            g[1] += t.tin[i]
            g[2] += t.tout[i]
            g[3] += t.tcr[i]
            g[4] += t.tcw[i]
            if costs[i] is None:
                g[6] = False
            else:
                g[5] += costs[i]
        grand = sum(g[1] + g[2] + g[3] + g[4] for g in groups.values())
        rows = []
        for model, (req, tin, tout, tcr, tcw, cost, priced, provider) in groups.items():
            total = tin + tout + tcr + tcw
            rows.append({
                "model": model,
                "provider": provider or pricing.provider_of(model),
                "requests": req,
                "input": tin,
                "output": tout,
                "cacheRead": tcr,
                "cacheWrite": tcw,
                "total": total,
                "share": pct(total, grand),
                "cost": cost if (priced or cost) else None,
                "priced": priced,
            })
        rows.sort(key=lambda r: -r["total"])
        return rows

    def _context_of(self) -> list[int]:
        """Context id per event: a subagent (an agent span started by a tool) has its
        own conversation; everything else shares the main one (-1)."""
        t = self.t
        ctx = [-1] * self.n
        parent, types = t.parent, t.type
        memo: dict[int, int] = {}
        for i in range(self.n):
            chain = []
            node = i
            found = -1
            while node >= 0:
                if node in memo:
                    found = memo[node]
                    break
                chain.append(node)
                p = parent[node]
                if types[node] == AGENT and p >= 0 and types[p] == TOOL:
                    found = node
                    break
                node = p
            for c in chain:
                memo[c] = found
            ctx[i] = found
        return ctx

    def _requests_by_context(self, ctx: list[int]):
        """Per context: request start times (sorted), prefix sums of each request's
        price per input-context token, and compaction times."""
        t = self.t
        costs = self.costs()
        per: dict[int, list] = defaultdict(list)
        compactions: dict[int, list] = defaultdict(list)
        for i in range(self.n):
            if t.flags[i] & F_COMPACTION:
                compactions[ctx[i]].append(t.start[i])
            if t.flags[i] & F_TOKENS and t.type[i] == AI:
                ctx_tokens = t.tin[i] + t.tcr[i] + t.tcw[i]
                rate = None
                m = t.model[i]
                if m >= 0:
                    rates = pricing.rates_for(t.strings.values[m], t.provider.get(i))
                    if rates is not None:
                        # history is re-sent mostly from the prompt cache
                        rate = rates.cache_read if t.tcr[i] else rates.input
                if rate is None and costs[i] is not None and ctx_tokens:
                    rate = costs[i] / (ctx_tokens + t.tout[i])
                per[ctx[i]].append((t.start[i], rate, ctx_tokens))
        out = {}
        for c, reqs in per.items():
            reqs.sort(key=lambda r: r[0])
            starts = [r[0] for r in reqs]
            prefix = [0.0]
            unknown = [0]
            for _, rate, _tok in reqs:
                prefix.append(prefix[-1] + (rate or 0.0))
                unknown.append(unknown[-1] + (rate is None))
            out[c] = (starts, prefix, unknown, sorted(compactions.get(c, [])), [r[2] for r in reqs])
        return out

    def tokens_by_file(self, total_input: int) -> list[dict]:
        t = self.t
        ctx = self._context_of()
        reqs = self._requests_by_context(ctx)
        files: dict[int, dict] = {}
        for i in range(self.n):
            f = t.file[i]
            if f < 0 or t.type[i] != FREAD:
                continue
            ft = max(0, t.file_tokens[i])
            row = files.get(f)
            if row is None:
                row = files[f] = {"filePath": t.strings.values[f], "tokens": 0, "timesRead": 0, "resentCount": 0,
                                  "resentTokens": 0, "resentCost": 0.0, "costKnown": True, "eventIds": []}
            row["tokens"] += ft
            row["timesRead"] += 1
            row["eventIds"].append(t.ids[i])
            entry = reqs.get(ctx[i])
            if entry is None or not ft:
                continue
            starts, prefix, unknown, compactions, _ = entry
            read_end = self.ends[i]
            lo = bisect_left(starts, read_end)
            # the first request after the read carries it as new input; later ones re-send it
            lo += 1
            stop = len(starts)
            k = bisect_right(compactions, read_end)
            if k < len(compactions):
                stop = bisect_left(starts, compactions[k])
            if stop > lo:
                count = stop - lo
                row["resentCount"] += count
                row["resentTokens"] += ft * count
                row["resentCost"] += ft * (prefix[stop] - prefix[lo])
                if unknown[stop] - unknown[lo]:
                    row["costKnown"] = False
        rows = []
        for row in files.values():
            known = row.pop("costKnown")
            row["resentCost"] = row["resentCost"] if (known or row["resentCost"]) else None
            row["shareOfInput"] = pct(row["tokens"], total_input)
            rows.append(row)
        rows.sort(key=lambda r: -(r["tokens"] + r["resentTokens"]))
        return rows

    # ------------------------------------------------------------ slowest

    def _operations(self, types: tuple) -> list[tuple[float, int]]:
        """(duration, index) of operations; a file or network span inside a tool call is
        that call's own work, so the call stands for it."""
        t = self.t
        parent, typ, ends, start = t.parent, t.type, self.ends, t.start
        return [(ends[i] - start[i], i) for i in range(self.n) if typ[i] in types
                and not (typ[i] in (FREAD, FWRITE, NET) and parent[i] >= 0 and typ[parent[i]] == TOOL)]

    def slowest(self) -> list[dict]:
        durations = self._operations((AI, TOOL, FREAD, FWRITE, NET))
        top = heapq.nlargest(self.slowest_count, durations)
        out = []
        for rank, (dur, i) in enumerate(top, 1):
            out.append({"rank": rank, "event": self.event(i), "suggestion": self.slow_hint(i, dur),
                        "detail": self.detail(i)})
        return out

    def slow_set(self) -> dict[int, int]:
        """Events that get a code lens: over the threshold or among the slowest; value = rank."""
        durations = self._operations((TOOL, FREAD, FWRITE, NET))
        ranked = heapq.nlargest(self.slowest_count, durations)
        out = {i: rank for rank, (_, i) in enumerate(ranked, 1)}
        for dur, i in durations:
            if dur >= self.slow_threshold and i not in out:
                out[i] = 0
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
            sub = sum(1 for c in range(self.n) if t.parent[c] == i)
            return f"A subagent ran here ({sub} spans inside); its work is in the flame graph below this call."
        if tool in ("Bash", "shell", "exec_command", "local_shell"):
            return "Long-running command: run it in the background, or narrow it (fewer tests, a smaller build)."
        return "Slow tool call."

    # ------------------------------------------------------------ suggestions

    def suggestions(self, by_file: list[dict], summary: dict, history_tokens: int, total_input: int) -> list[dict]:
        out = []
        for make in (self._batch_reads, self._smaller_model, self._incremental_output, self._reread_file,
                     self._large_tool_output, self._user_wait):
            s = make(by_file, summary)
            if s:
                out.append(s)
        s = self._new_session(summary, history_tokens, total_input)
        if s:
            out.append(s)
        return out

    def _suggestion(self, kind: str, typ: str, title: str, description: str, saving: str, events: list[int],
                    **extra) -> dict:
        d = {"id": kind, "type": typ, "kind": kind, "title": title, "description": description,
             "estimatedSaving": saving, "savingMs": 0.0, "savingTokens": 0, "savingUsd": None,
             "affectedEvents": [self.t.ids[i] for i in events[:500]], "filePaths": [], "models": [],
             "suggestedModel": None, "guidance": ""}
        d.update(extra)
        return d

    def _batch_reads(self, by_file, summary):
        t = self.t
        total = summary["totalDuration"]
        ctx = self._context_of()
        timeline: dict[int, list[int]] = defaultdict(list)
        for i in range(self.n):
            if t.type[i] in (AI, TOOL, FREAD, FWRITE, NET):
                timeline[ctx[i]].append(i)
        runs = []
        for items in timeline.values():
            items.sort(key=t.start.__getitem__)
            run: list[int] = []
            ais: list[int] = []
            last_end = -math.inf
            for i in items:
                typ = t.type[i]
                if typ == FREAD:
                    if t.start[i] >= last_end - 1:  # sequential: starts after the previous read ended
                        run.append(i)
                    else:  # parallel with the previous read: already batched
                        if len(run) >= 3:
                            runs.append((run, ais))
                        run, ais = [i], []
                    last_end = self.ends[i]
                elif typ == AI:
                    if run:
                        ais.append(i)
                elif typ == TOOL:
                    kids_read = t.file[i] >= 0 and (t.strings.get(t.tool[i]) or "").lower() in ("read", "read_file", "view")
                    if not kids_read:
                        if len(run) >= 3:
                            runs.append((run, ais))
                        run, ais, last_end = [], [], -math.inf
                else:
                    if len(run) >= 3:
                        runs.append((run, ais))
                    run, ais, last_end = [], [], -math.inf
            if len(run) >= 3:
                runs.append((run, ais))
        if not runs:
            return None
        saving = 0.0
        reads: list[int] = []
        for run, ais in runs:
            durs = [self.ends[i] - t.start[i] for i in run]
            # the AI round trips between the first and the last read disappear too
            between = [a for a in ais if t.start[a] < t.start[run[-1]]]
            saving += sum(durs) - max(durs) + sum(self.ends[a] - t.start[a] for a in between)
            reads.extend(run)
        share = pct(saving, total)
        return self._suggestion(
            "batch_reads", "batching", "Batch file reads",
            f"{len(reads)} sequential reads in {len(runs)} run(s) could be batched into parallel reads in one step.",
            f"-{share}% time est. ({fmt_ms(saving)})", reads, savingMs=saving,
            filePaths=sorted({t.strings.values[t.file[i]] for i in reads}),
            guidance="When you need several files, read them all in one step with parallel tool calls "
                     "instead of one read per turn.")

    def _smaller_model(self, by_file, summary):
        t = self.t
        costs = self.costs()
        chosen: list[int] = []
        current_cost = 0.0
        small_cost = 0.0
        small_models: dict[str, str] = {}
        ai_total = sum(1 for i in range(self.n) if t.type[i] == AI and t.flags[i] & F_TOKENS)
        for i in range(self.n):
            if t.type[i] != AI or not t.flags[i] & F_TOKENS or t.tout[i] > SIMPLE_RESPONSE_TOKENS:
                continue
            model = t.strings.get(t.model[i])
            if not model or costs[i] is None:
                continue
            small = next((s for key, s in SMALLER_MODEL if key in model.lower()), None)
            if small is None or small.split("-")[1] in model.lower() and "mini" in model.lower():
                continue
            alt = pricing.price(small, None, t.tin[i], t.tout[i], t.tcr[i], t.tcw[i])
            if alt is None or alt >= costs[i]:
                continue
            chosen.append(i)
            current_cost += costs[i]
            small_cost += alt
            small_models[model] = small
        if len(chosen) < 3 or len(chosen) < 0.2 * ai_total:
            return None
        saving = current_cost - small_cost
        share = pct(saving, summary["totalCost"] or current_cost)
        suggested = max(set(small_models.values()), key=list(small_models.values()).count)
        return self._suggestion(
            "smaller_model", "model", "Use a smaller model for simple responses",
            f"{len(chosen)} of {ai_total} responses were short (at most {SIMPLE_RESPONSE_TOKENS} output tokens) "
            f"and could have used {suggested}: {fmt_usd(current_cost)} would have been {fmt_usd(small_cost)}.",
            f"-{share}% cost est. (-{fmt_usd(saving)})", chosen, savingUsd=saving,
            models=sorted(small_models), suggestedModel=suggested,
            guidance=f"Use a smaller, faster model ({suggested}) for simple steps such as short answers, "
                     "lookups and routine edits; keep the large model for planning and hard debugging.")

    def _incremental_output(self, by_file, summary):
        t = self.t
        big = [i for i in range(self.n) if t.type[i] == AI and t.tout[i] > LARGE_OUTPUT_TOKENS]
        if not big:
            return None
        # asked in pieces, the first useful part arrives after ~1,500 tokens instead of all of them
        saving = sum((self.ends[i] - t.start[i]) * (1 - 1500.0 / t.tout[i]) for i in big)
        return self._suggestion(
            "incremental_output", "prompting", "Request incremental outputs",
            f"{len(big)} responses had more than {LARGE_OUTPUT_TOKENS:,} output tokens "
            f"(largest {max(t.tout[i] for i in big):,}). Ask for the work in smaller steps.",
            f"-{pct(saving, summary['totalDuration'])}% wait est. ({fmt_ms(saving)})", big, savingMs=saving,
            guidance="Deliver large changes incrementally: one file or one step per response, "
                     "and confirm before continuing.")

    def _reread_file(self, by_file, summary):
        t = self.t
        writes: dict[int, list[float]] = defaultdict(list)
        reads: dict[int, list[int]] = defaultdict(list)
        for i in range(self.n):
            if t.file[i] < 0:
                continue
            if t.type[i] == FWRITE:
                writes[t.file[i]].append(t.start[i])
            elif t.type[i] == FREAD:
                reads[t.file[i]].append(i)
        wasted: list[int] = []
        tokens = 0
        ms = 0.0
        paths = []
        for f, idxs in reads.items():
            if len(idxs) < 2:
                continue
            idxs.sort(key=t.start.__getitem__)
            ws = sorted(writes.get(f, []))
            found = False
            for prev, cur in zip(idxs, idxs[1:]):
                # a read after the file was written is not a wasted re-read
                if bisect_right(ws, t.start[cur]) != bisect_right(ws, t.start[prev]):
                    continue
                wasted.append(cur)
                tokens += max(0, t.file_tokens[cur])
                ms += self.ends[cur] - t.start[cur]
                found = True
            if found:
                paths.append(t.strings.values[f])
        if not wasted:
            return None
        return self._suggestion(
            "reread_file", "context", "Stop re-reading the same files",
            f"{len(wasted)} reads fetched a file again that had not changed ({', '.join(paths[:3])}"
            f"{'…' if len(paths) > 3 else ''}), adding {tokens:,} tokens to the context.",
            f"-{tokens:,} tokens ({fmt_ms(ms)})", wasted, savingTokens=tokens, savingMs=ms, filePaths=paths,
            guidance="Do not re-read a file you already read in this session unless it changed since; "
                     "refer to what you read before.")

    def _large_tool_output(self, by_file, summary):
        t = self.t
        big = [i for i in range(self.n) if t.file_tokens[i] >= LARGE_TOOL_OUTPUT_TOKENS and t.type[i] != FWRITE]
        if not big:
            return None
        resent = {r["filePath"]: r for r in by_file}
        tokens = 0
        paths = []
        for i in big:
            ft = t.file_tokens[i]
            path = t.strings.get(t.file[i])
            carry = 1
            if path and path in resent and resent[path]["tokens"]:
                carry += resent[path]["resentTokens"] / resent[path]["tokens"]
            tokens += int((ft - 2000) * carry)
            if path:
                paths.append(path)
        paths = sorted(set(paths))
        return self._suggestion(
            "large_tool_output", "context", "Large tool outputs flood the context",
            f"{len(big)} tool results carried at least {LARGE_TOOL_OUTPUT_TOKENS:,} tokens each "
            f"({', '.join(paths[:3]) or 'command output'}); with the requests that re-sent them that is "
            f"{tokens:,} tokens that a narrower read would have saved.",
            f"-{tokens:,} tokens est.", big, savingTokens=tokens, filePaths=paths,
            guidance="Avoid dumping large outputs into the context: read line ranges, filter command output "
                     "(head, grep, --quiet), and skip generated or vendored files.")

    def _user_wait(self, by_file, summary):
        t = self.t
        waits = [i for i in range(self.n) if t.type[i] == USER and self.ends[i] - t.start[i] > 0]
        wait = summary["userWaitTime"]
        total = summary["totalDuration"]
        if not waits or wait < 30_000 and wait < 0.1 * total:
            return None
        prompted = sorted({t.strings.values[t.tool[t.parent[i]]] for i in waits
                           if t.parent[i] >= 0 and t.tool[t.parent[i]] >= 0})
        return self._suggestion(
            "user_wait", "workflow", "Time lost waiting on you or on permissions",
            f"The agent waited {fmt_ms(wait)} ({pct(wait, total)}% of the session) in {len(waits)} prompts"
            f"{' for ' + ', '.join(prompted) if prompted else ''}. Pre-approve routine tools and answer "
            "open questions up front.", f"-{pct(wait, total)}% time ({fmt_ms(wait)})", waits, savingMs=wait,
            guidance="Ask all clarifying questions in one message at the start of a task rather than "
                     "stopping repeatedly; batch actions that need approval.")

    def _new_session(self, summary, history_tokens, total_input):
        t = self.t
        share = pct(history_tokens, total_input)
        reqs = sorted((i for i in range(self.n) if t.type[i] == AI and t.flags[i] & F_TOKENS), key=t.start.__getitem__)
        if share < 60 or len(reqs) < 4:
            return None
        ctxs = [t.tin[i] + t.tcr[i] + t.tcw[i] for i in reqs]
        half = len(reqs) // 2
        base = ctxs[0]
        # starting afresh half-way, the second half would not have carried the first half's history
        carried = ctxs[half] - base
        saved = sum(min(carried, c - base) for c in ctxs[half:] if c > base)
        rates = [pricing.rates_for(t.strings.values[t.model[i]], t.provider.get(i)) if t.model[i] >= 0 else None for i in reqs[half:]]
        usd = sum(min(carried, c - base) * r.cache_read for c, r in zip(ctxs[half:], rates) if r and c > base) if any(rates) else None
        return self._suggestion(
            "new_session", "context", "Start a new session for unrelated tasks",
            f"{share}% of input tokens are conversation history. Starting a new session (or compacting) "
            f"half-way would have sent about {saved:,} fewer tokens.",
            f"-{saved:,} tokens est.", reqs[half:], savingTokens=saved, savingUsd=usd,
            guidance="Keep sessions focused: start a new session for an unrelated task, and compact long ones.")

    # ------------------------------------------------------------ all

    def performance(self, include_events: bool = True) -> dict:
        summary = self.summary()
        t = self.t
        total_input = summary["inputTokens"] + summary["cacheReadTokens"] + summary["cacheWriteTokens"]
        by_file = self.tokens_by_file(total_input)
        attributed = sum(r["tokens"] + r["resentTokens"] for r in by_file)
        history = max(0, total_input - attributed)
        data = dict(summary)
        data["events"] = self.events_tree() if include_events else []
        data["slowestOperations"] = self.slowest()
        data["suggestions"] = self.suggestions(by_file, summary, history, total_input)
        data["tokensByMessage"] = self.tokens_by_message()
        data["tokensByFile"] = by_file
        data["tokensByModel"] = self.tokens_by_model()
        data["historyTokens"] = history
        data["historyShare"] = pct(history, total_input)
        data["totalInputContext"] = total_input
        del t
        return data
