"""The Claude Code line parser: transcript lines -> the event tree described in
claude_code.py. Its state (claude_code_state.py) is kept in the cursor as JSON."""

from __future__ import annotations

from typing import Any

from .claude_code_state import Agent, ClaudeState, Compaction, Response, ToolCall
from .claude_code_text import (
    _MAX_RECENT_RESPONSES,
    AGENT_TOOLS,
    COMPACTION_NAME,
    MAIN,
    PROVIDER,
    REJECTED_PREFIX,
    SOURCE,
    USAGE_FIELDS,
    USER_WAIT_TOOLS,
    _agent_name,
    _arg_path,
    _clean_prompt,
    _measured_ms,
    _prompt_text,
    _what_ran,
    tool_child,
)
from .common import as_obj, block_text, excerpt, make_event, parse_ts, short_args, split_permission_wait
from .skeleton import TranscriptParser, Turn


class ClaudeParser(TranscriptParser[ClaudeState]):
    """Turns Claude Code transcript lines into events; `state` is JSON-serialisable.
    Lines of the main file run in context MAIN; a subagent's lines in its agent id."""

    SOURCE = SOURCE

    def __init__(self, state: dict[str, Any] | None, path: str, subagent_ids: set[str]):
        super().__init__(state, path, ClaudeState)
        self.subagent_ids = subagent_ids  # agents with their own file: skip agent_progress copies
        self._touched_agents: set[str] = set()

    # -- helpers -----------------------------------------------------------
    def _parent(self, ctx: str) -> str | None:
        if ctx == MAIN:
            turn = self.s.turn
            return turn.id if turn else None
        return "agent:" + ctx

    def _touch(self, ctx: str, ts: float | None) -> None:
        if ts is None:
            return
        if ctx == MAIN:
            self._touch_turn(ts)
        else:
            agent = self.s.agents.get(ctx)
            if agent is not None:
                if agent.start is None or ts < agent.start:
                    agent.start = ts
                if agent.end is None or ts > agent.end:
                    agent.end = ts
                self._touched_agents.add(ctx)

    def _ensure_agent(self, key: str, ts: float | None, prompt: str | None = None, tool: str | None = None) -> Agent:
        agents = self.s.agents
        agent = agents.get(key)
        if agent is None:
            turn = self.s.turn
            agent = agents[key] = Agent(
                tool or self.s.links.get(key), ts, ts, _agent_name(prompt, key), turn.id if turn else None
            )
        if prompt and agent.name.endswith(key):
            agent.name = _agent_name(prompt, key)
        if tool and not agent.tool:
            agent.tool = tool
        self._touched_agents.add(key)
        return agent

    def _emit_agent(self, key: str) -> None:
        agent = self.s.agents[key]
        parent = ("tool:" + agent.tool) if agent.tool else agent.fallback
        meta: dict[str, Any] = {"agentId": key, "source": SOURCE}
        if agent.name == COMPACTION_NAME:
            meta["compaction"] = True
        name, start, end = agent.name, agent.start, agent.end
        self.out.put(make_event(self._sid(), "agent:" + key, parent, "agent", name, start, end, meta))

    def finish(self) -> list[dict[str, Any]]:
        super().finish()
        for key in self._touched_agents:
            if key in self.s.agents:
                self._emit_agent(key)
        self._touched_agents.clear()
        return self.out.values()

    # -- lines -------------------------------------------------------------
    def _line(self, d: dict[str, Any], line_no: int, ctx_override: str | None = None, no_tokens: bool = False) -> None:
        t = d.get("type")
        s = self.s
        if t in ("user", "assistant"):
            if s.sid is None and isinstance(d.get("sessionId"), str):
                s.sid = d["sessionId"]
            if s.cwd is None and isinstance(d.get("cwd"), str):
                s.cwd = d["cwd"]
            ts = parse_ts(d.get("timestamp"))
            if ts is None:
                ts = s.lastTs
            else:
                s.lastTs = ts
            uuid = d.get("uuid") or f"L{line_no}"
            ctx = ctx_override or self._ctx_of(d, uuid)
            msg = d.get("message")
            if not isinstance(msg, dict):
                raise ValueError("'message' is not an object")
            if t == "assistant":
                self._assistant(d, msg, ctx, ts, uuid, no_tokens)
            else:
                self._user(d, msg, ctx, ts, uuid)
        elif t == "progress":
            data = d.get("data")
            if isinstance(data, dict) and data.get("type") == "agent_progress":
                self._agent_progress(d, data, line_no)
        elif t == "summary":
            if isinstance(d.get("summary"), str) and d["summary"].strip():
                s.title = excerpt(d["summary"], 120)
                self._touched_turn = self.s.turn is not None
        elif t == "system":
            if d.get("subtype") == "compact_boundary":
                self._compaction(d, line_no)
        # file-history-snapshot, queue-operation, ...: nothing to time

    def _ctx_of(self, d: dict[str, Any], uuid: str) -> str:
        if not d.get("isSidechain"):
            return MAIN
        agent_id = d.get("agentId")
        if isinstance(agent_id, str) and agent_id:
            self.s.sc[uuid] = agent_id
            return agent_id
        # Old inline sidechains: a chain of lines from a root user line.
        sc = self.s.sc
        parent = d.get("parentUuid")
        key = sc.get(parent) if parent else None
        if key is None:
            key = "sc-" + uuid
            msg = d.get("message")
            prompt = _prompt_text(msg.get("content")) if isinstance(msg, dict) else None
            tool = self._match_task(prompt)
            self._ensure_agent(key, parse_ts(d.get("timestamp")), prompt, tool)
        sc[uuid] = key
        return key

    def _match_task(self, prompt: str | None) -> str | None:
        tasks = self.s.tasks
        linked = {a.tool for a in self.s.agents.values()}
        free = [tid for tid in tasks if tid not in linked]
        for tid in free:
            if prompt is not None and tasks[tid] == excerpt(prompt, 300):
                return tid
        return free[-1] if free else None

    def _compaction(self, d: dict[str, Any], line_no: int) -> None:
        ts = parse_ts(d.get("timestamp")) or self.s.lastTs
        meta_in = as_obj(d.get("compactMetadata"))
        pre = meta_in.get("preTokens")
        trigger = meta_in.get("trigger")
        name = "Context compacted" + (f" ({trigger})" if trigger else "")
        meta = {"compaction": True, "trigger": trigger, "preTokens": pre, "source": SOURCE, "workspace": self.s.cwd}
        uuid = d.get("uuid") or f"L{line_no}"
        # the boundary is written when the summary is done: an automatic compaction ran from the
        # line before; a manual one from the `/compact` line, which is written after the boundary
        last = self.s.lastTs
        start = last if trigger != "manual" and last is not None and ts is not None and last <= ts else ts
        self.s.compact = Compaction("compact:" + uuid, name, ts, meta)
        self.out.put(make_event(self._sid(), "compact:" + uuid, None, "agent", name, start, ts, meta))

    def _compact_command(self, ts: float | None) -> None:
        """A `/compact` line written after its boundary: the compaction started when it was typed."""
        c = self.s.compact
        if not c or ts is None or c.end is None or not (0 <= c.end - ts <= 30 * 60_000):
            return
        self.s.compact = None
        self.out.put(make_event(self._sid(), c.id, None, "agent", c.name, ts, c.end, c.meta))

    def _agent_progress(self, d: dict[str, Any], data: dict[str, Any], line_no: int) -> None:
        agent_id = data.get("agentId")
        inner = data.get("message")
        if not isinstance(agent_id, str) or not isinstance(inner, dict):
            return
        tool = d.get("parentToolUseID")
        if isinstance(tool, str):
            self.s.links.setdefault(agent_id, tool)
        if agent_id in self.subagent_ids:
            return  # its own file is read instead, with complete usage
        link = tool if isinstance(tool, str) else None
        self._ensure_agent(agent_id, parse_ts(inner.get("timestamp")), data.get("prompt"), link)  # its name and link
        line = dict(inner)
        line.setdefault("sessionId", d.get("sessionId"))
        # Streaming copies carry partial usage (ccusage ignores them too): no tokens.
        self._line(line, line_no, agent_id, no_tokens=True)

    # -- user lines --------------------------------------------------------
    def _user(self, d: dict[str, Any], msg: dict[str, Any], ctx: str, ts: float | None, uuid: str) -> None:
        content = msg.get("content")
        tur = d.get("toolUseResult")
        if isinstance(content, list) and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    self._tool_result(block, tur, ts, ctx)
            self.s.trig[ctx] = ts
            self._touch(ctx, ts)
            return
        text = _prompt_text(content)
        if text is None:
            return
        if ctx != MAIN:
            agent = self._ensure_agent(ctx, ts, text)
            del agent
            self.s.trig[ctx] = ts
            self._touch(ctx, ts)
            return
        if d.get("isMeta") or d.get("isCompactSummary"):
            return
        prompt = _clean_prompt(text)
        if prompt is None:
            return
        if prompt.strip() == "/compact" or prompt.startswith("/compact "):
            self._compact_command(ts)
        s = self.s
        if s.turn is not None:
            self._emit_turn()
        s.turnNo += 1
        short = excerpt(prompt)
        if s.title is None and not (prompt.startswith("/") and " " not in prompt.strip()):
            s.title = excerpt(prompt, 120)  # a bare /clear or /compact is no title
        s.turn = Turn("turn:" + uuid, f"Turn {s.turnNo}: {excerpt(prompt, 60)}", ts, ts, short)
        self._touched_turn = True
        s.trig[MAIN] = ts
        meta = {"text": short, "sessionTitle": s.title, "source": SOURCE, "workspace": s.cwd}
        self.out.put(
            make_event(self._sid(), "prompt:" + uuid, "turn:" + uuid, "user_input", "User prompt", ts, ts, meta)
        )

    # -- assistant lines ---------------------------------------------------
    def _assistant(
        self, d: dict[str, Any], msg: dict[str, Any], ctx: str, ts: float | None, uuid: str, no_tokens: bool
    ) -> None:
        model = msg.get("model")
        if model == "<synthetic>":
            return
        s = self.s
        if ctx == MAIN:
            self._ensure_turn(ts, "turn:" + uuid)
        else:
            self._ensure_agent(ctx, ts)
        key = f"{msg.get('id') or uuid}:{d.get('requestId') or ''}"
        recent = s.resp
        r = recent.get(key)
        if r is None:
            s.respNo += 1
            trig = s.trig.get(ctx)
            start = trig if trig is not None and ts is not None and trig <= ts else ts
            r = Response("resp:" + key, s.respNo, self._parent(ctx), start, ts, model)
            recent[key] = r
            if len(recent) > _MAX_RECENT_RESPONSES:
                recent.pop(next(iter(recent)))
        if ts is not None and (r.end is None or ts > r.end):
            r.end = ts
        usage = msg.get("usage")
        if not no_tokens and isinstance(usage, dict):
            cur = r.usage or {}
            for src, dst in USAGE_FIELDS:
                v = usage.get(src)
                if isinstance(v, int) and v > cur.get(dst, -1):
                    cur[dst] = v
            for _, dst in USAGE_FIELDS:
                cur.setdefault(dst, 0)
            # 1-hour cache writes cost more than 5-minute ones: keep the split
            # (a subset of cacheWrite) so pricing can tell them apart.
            cc = usage.get("cache_creation")
            if isinstance(cc, dict):
                h1 = cc.get("ephemeral_1h_input_tokens")
                if isinstance(h1, int) and h1 > cur.get("cacheWrite1h", 0):
                    cur["cacheWrite1h"] = min(h1, cur["cacheWrite"])
            r.usage = cur
        cost = d.get("costUSD")
        if isinstance(cost, (int, float)) and cost >= 0:
            r.cost = max(cost, r.cost or 0)
        for block in msg.get("content") or ():
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "text" and not r.text and isinstance(block.get("text"), str) and block["text"].strip():
                r.text = excerpt(block["text"])
            elif btype == "tool_use":
                self._tool_use(block, ctx, ts)
        meta = {"model": r.model, "provider": PROVIDER, "tokens": r.usage, "costUsd": r.cost, "text": r.text}
        name = f"Response #{r.no}"
        self.out.put(make_event(self._sid(), r.id, r.parent, "ai_response", name, r.start, r.end, meta))
        self._touch(ctx, ts)

    def _tool_use(self, block: dict[str, Any], ctx: str, ts: float | None) -> None:
        tid = block.get("id")
        if not isinstance(tid, str):
            return
        name = block.get("name") or "tool"
        args = as_obj(block.get("input"))
        p = self.s.tools[tid] = ToolCall(name, ts, self._parent(ctx), short_args(args), ctx)
        if name in AGENT_TOOLS:
            self.s.tasks[tid] = excerpt(args.get("prompt"), 300)
        etype = "user_input" if name in USER_WAIT_TOOLS else "tool_execution"
        meta = {"toolName": name, "args": p.args, "filePath": _arg_path(args)}
        if etype == "tool_execution" and _what_ran(args):
            meta["text"] = _what_ran(args)
        self.out.put(make_event(self._sid(), "tool:" + tid, p.parent, etype, name, ts, None, meta))

    def _tool_result(self, block: dict[str, Any], tur: Any, ts: float | None, ctx: str) -> None:
        tid = block.get("tool_use_id")
        p = self.s.tools.pop(tid, None) if isinstance(tid, str) else None
        if p is None or not isinstance(tid, str):
            return  # its tool_use was never seen (cut file): nothing to time
        sid = self._sid()
        name, start, parent, args = p.name, p.start, p.parent, p.args
        end = ts if ts is not None else start
        if start is None:
            start = end
        text = block_text(block.get("content"))
        is_error = bool(block.get("is_error"))
        rejected = is_error and (text.startswith(REJECTED_PREFIX) or tur == "User rejected tool use")
        meta: dict[str, Any] = {"toolName": name, "args": args, "filePath": _arg_path(args)}
        if is_error:
            meta["status"] = "error"
            meta["error"] = excerpt(text or (tur if isinstance(tur, str) else ""))
        else:
            meta["status"] = "ok"
        self.s.tasks.pop(tid, None)
        if name in USER_WAIT_TOOLS or rejected:
            meta["text"] = excerpt(text)
            label = f"Permission denied: {name}" if rejected and name not in USER_WAIT_TOOLS else name
            self.out.put(make_event(sid, "tool:" + tid, parent, "user_input", label, start, end, meta))
            return
        if _what_ran(args):
            meta["text"] = _what_ran(args)
        real_start, wait_end = split_permission_wait(start, end, _measured_ms(tur))
        if wait_end is not None:
            wmeta = {"toolName": name, "text": f"waiting before {name} ran (permission prompt)"}
            label = f"Permission prompt: {name}"
            self.out.put(make_event(sid, "wait:" + tid, parent, "user_input", label, start, wait_end, wmeta))
        tur_d = tur if isinstance(tur, dict) else {}
        if name in AGENT_TOOLS:
            agent_id = tur_d.get("agentId")
            if isinstance(agent_id, str):
                self.s.links[agent_id] = tid
                agent = self.s.agents.get(agent_id)
                if agent is not None and agent.tool != tid:
                    agent.tool = tid
                    self._touched_agents.add(agent_id)
        child = tool_child(sid, name, args, tur_d, text, tid, real_start, end, meta, self.s.cwd)
        self.out.put(make_event(sid, "tool:" + tid, parent, "tool_execution", name, real_start, end, meta))
        if child is not None:
            self.out.put(child)
