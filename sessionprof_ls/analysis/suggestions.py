"""Suggestions: each rule looks at the whole session and proposes one change.
Owned by issue 14 (moved here as-is from analysis.py)."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict

import numpy as np

from .. import pricing
from ..tree import AI, F_TOKENS, FREAD, FWRITE, NET, TOOL, USER
from .formatting import fmt_ms, fmt_usd, pct
from .limits import LARGE_OUTPUT_TOKENS, LARGE_TOOL_OUTPUT_TOKENS, SIMPLE_RESPONSE_TOKENS, SMALLER_MODEL


class SuggestionsMixin:
    """Suggestion rules; mixed into Analysis."""

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
        typ = self.a_type
        sel = np.flatnonzero(np.isin(typ, (AI, TOOL, FREAD, FWRITE, NET)))
        sel = sel[np.lexsort((self.a_start[sel], ctx[sel]))]
        read_tools = np.array([k for k, v in enumerate(t.strings.values) if v.lower() in ("read", "read_file", "view")]
                              or [-2])
        # a tool call that read a file (its file_read child carries the read) does not break a run
        reading_tool = (typ[sel] == TOOL) & (self._col("file")[sel] >= 0) & np.isin(self._col("tool")[sel], read_tools)
        runs = []
        run: list[int] = []
        ais: list[int] = []
        last_end = -math.inf
        prev_ctx = None
        starts, ends = self.a_start, self.a_end
        for i, c, ty, rt in zip(sel.tolist(), ctx[sel].tolist(), typ[sel].tolist(), reading_tool.tolist()):
            if c != prev_ctx:
                if len(run) >= 3:
                    runs.append((run, ais))
                run, ais, last_end, prev_ctx = [], [], -math.inf, c
            if ty == FREAD:
                if starts[i] >= last_end - 1:  # sequential: starts after the previous read ended
                    run.append(i)
                else:  # parallel with the previous read: already batched
                    if len(run) >= 3:
                        runs.append((run, ais))
                    run, ais = [i], []
                last_end = ends[i]
            elif ty == AI:
                if run:
                    ais.append(i)
            elif not rt:
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
            durs = [ends[i] - starts[i] for i in run]
            # the AI round trips between the first and the last read disappear too
            between = [a for a in ais if starts[a] < starts[run[-1]]]
            saving += sum(durs) - max(durs) + sum(ends[a] - starts[a] for a in between)
            reads.extend(run)
        saving = float(saving)
        share = pct(saving, total)
        return self._suggestion(
            "batch_reads", "batching", "Batch file reads",
            f"{len(reads)} sequential reads in {len(runs)} run(s) could be batched into parallel reads in one step.",
            f"-{share}% time est. ({fmt_ms(saving)})", reads, savingMs=saving,
            filePaths=sorted({t.strings.values[t.file[i]] for i in reads if t.file[i] >= 0})[:200],
            guidance="When you need several files, read them all in one step with parallel tool calls "
                     "instead of one read per turn.")

    def _smaller_model(self, by_file, summary):
        t = self.t
        cost = self.cost_array()
        is_req = (self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0)
        ai_total = int(is_req.sum())
        model = self._col("model")
        cand = np.flatnonzero(is_req & (self._col("tout") <= SIMPLE_RESPONSE_TOKENS) & ~np.isnan(cost) & (model >= 0))
        chosen: list[int] = []
        current_cost = small_cost = 0.0
        small_models: dict[str, str] = {}
        tin, tout, tcr, tcw = (self._col(c) for c in ("tin", "tout", "tcr", "tcw"))
        for code in np.unique(model[cand]).tolist():
            name = t.strings.values[code]
            low = name.lower()
            small = next((sm for key, sm in SMALLER_MODEL if key in low), None)
            if small is None or small.split("-")[1] in low and "mini" in low:
                continue
            rates = pricing.rates_for(small)
            if rates is None:
                continue
            idx = cand[model[cand] == code]
            alt = (tin[idx] * rates.input + tout[idx] * rates.output + tcr[idx] * rates.cache_read
                   + tcw[idx] * rates.cache_write)
            cheaper = alt < cost[idx]
            if not cheaper.any():
                continue
            chosen.extend(idx[cheaper].tolist())
            current_cost += float(cost[idx][cheaper].sum())
            small_cost += float(alt[cheaper].sum())
            small_models[name] = small
        if len(chosen) < 3 or len(chosen) < 0.2 * ai_total:
            return None
        chosen.sort(key=t.start.__getitem__)
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
        tout = self._col("tout")
        big = np.flatnonzero((self.a_type == AI) & (tout > LARGE_OUTPUT_TOKENS))
        if not big.size:
            return None
        big = big[np.argsort(self.a_start[big], kind="stable")]
        # asked in pieces, the first useful part arrives after ~1,500 tokens instead of all of them
        saving = float(np.sum((self.a_end[big] - self.a_start[big]) * (1 - 1500.0 / tout[big])))
        return self._suggestion(
            "incremental_output", "prompting", "Request incremental outputs",
            f"{big.size} responses had more than {LARGE_OUTPUT_TOKENS:,} output tokens "
            f"(largest {int(tout[big].max()):,}). Ask for the work in smaller steps.",
            f"-{pct(saving, summary['totalDuration'])}% wait est. ({fmt_ms(saving)})", big.tolist(), savingMs=saving,
            guidance="Deliver large changes incrementally: one file or one step per response, "
                     "and confirm before continuing.")

    def _reread_file(self, by_file, summary):
        t = self.t
        fcol = self._col("file")
        typ = self.a_type
        reads = np.flatnonzero((typ == FREAD) & (fcol >= 0))
        codes, counts = np.unique(fcol[reads], return_counts=True)
        again = set(codes[counts >= 2].tolist())
        if not again:
            return None
        writes: dict[int, list[float]] = defaultdict(list)
        for i in np.flatnonzero((typ == FWRITE) & np.isin(fcol, list(again))).tolist():
            writes[t.file[i]].append(t.start[i])
        per_file: dict[int, list[int]] = defaultdict(list)
        for i in reads[np.isin(fcol[reads], list(again))].tolist():
            per_file[t.file[i]].append(i)
        wasted: list[int] = []
        tokens = 0
        ms = 0.0
        paths = []
        for f, idxs in per_file.items():
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
        paths.sort()
        return self._suggestion(
            "reread_file", "context", "Stop re-reading the same files",
            f"{len(wasted)} reads fetched a file again that had not changed ({', '.join(paths[:3])}"
            f"{'…' if len(paths) > 3 else ''}), adding {tokens:,} tokens to the context.",
            f"-{tokens:,} tokens ({fmt_ms(ms)})", wasted, savingTokens=tokens, savingMs=ms, filePaths=paths[:200],
            guidance="Do not re-read a file you already read in this session unless it changed since; "
                     "refer to what you read before.")

    def _large_tool_output(self, by_file, summary):
        t = self.t
        ftok = self._col("file_tokens")
        big = np.flatnonzero((ftok >= LARGE_TOOL_OUTPUT_TOKENS) & (self.a_type != FWRITE))
        if not big.size:
            return None
        big = big[np.argsort(self.a_start[big], kind="stable")].tolist()
        resent = {r["filePath"]: r for r in by_file}
        tokens = 0
        paths = set()
        for i in big:
            ft = t.file_tokens[i]
            path = t.strings.get(t.file[i])
            carry = 1
            if path and path in resent and resent[path]["tokens"]:
                carry += resent[path]["resentTokens"] / resent[path]["tokens"]
            tokens += int((ft - 2000) * carry)
            if path:
                paths.add(path)
        paths = sorted(paths)
        return self._suggestion(
            "large_tool_output", "context", "Large tool outputs flood the context",
            f"{len(big)} tool results carried at least {LARGE_TOOL_OUTPUT_TOKENS:,} tokens each "
            f"({', '.join(paths[:3]) or 'command output'}); with the requests that re-sent them that is "
            f"{tokens:,} tokens that a narrower read would have saved.",
            f"-{tokens:,} tokens est.", big, savingTokens=tokens, filePaths=paths[:200],
            guidance="Avoid dumping large outputs into the context: read line ranges, filter command output "
                     "(head, grep, --quiet), and skip generated or vendored files.")

    def _user_wait(self, by_file, summary):
        t = self.t
        waits = np.flatnonzero((self.a_type == USER) & (self.a_end > self.a_start)).tolist()
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
        reqs = np.flatnonzero((self.a_type == AI) & ((self.a_flags & F_TOKENS) != 0))
        if share < 60 or reqs.size < 4:
            return None
        reqs = reqs[np.argsort(self.a_start[reqs], kind="stable")]
        ctxs = self._col("tin")[reqs] + self._col("tcr")[reqs] + self._col("tcw")[reqs]
        half = reqs.size // 2
        base = ctxs[0]
        # starting afresh half-way, the second half would not have carried the first half's history
        carried = ctxs[half] - base
        later = ctxs[half:]
        cut = np.where(later > base, np.minimum(carried, later - base), 0)
        saved = int(cut.sum())
        rate = np.full(later.size, np.nan)
        models = self._col("model")[reqs[half:]]
        for code in np.unique(models).tolist():
            r = pricing.rates_for(t.strings.values[code]) if code >= 0 else None
            if r is not None:
                rate[models == code] = r.cache_read
        usd = float(np.nansum(cut * rate)) if not np.isnan(rate).all() else None
        return self._suggestion(
            "new_session", "context", "Start a new session for unrelated tasks",
            f"{share}% of input tokens are conversation history. Starting a new session (or compacting) "
            f"half-way would have sent about {saved:,} fewer tokens.",
            f"-{saved:,} tokens est.", reqs[half:].tolist(), savingTokens=saved, savingUsd=usd,
            guidance="Keep sessions focused: start a new session for an unrelated task, and compact long ones.")
