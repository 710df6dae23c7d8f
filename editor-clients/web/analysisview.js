// The analysis beside the flame graph: summary, time breakdown, slowest operations, suggestion
// cards, the Tokens tab's tables and the Timeline tab. Not needed for the graph's first paint:
// app.js loads it after that paint (loadLater, issue 13) and hands it its DOM helpers, state and
// transport. Session strings reach the page as text only (h: textContent / text nodes).
import { FLAME_GRAPH, PERFORMANCE } from "./protocol.js";
import { OTHER_COLOR, buildFlameData, formatMs } from "./flame.js";
import { NOT_RECORDED, PRICE_UNKNOWN, formatCost, lazyNumberFormat, summaryCost } from "./format.js";
import { commonRoot, dataTable, relativePath } from "./tables.js";
import { renderSuggestionCards } from "./suggestions.js";

const NF = lazyNumberFormat();
export const fmtInt = (n) => (Number.isFinite(n) ? NF.format(Math.round(n)) : "–");
const fmtCost = formatCost; // the shared format table (format.js): "price unknown" when no price is known
const fmtPct = (p, digits = 0) => (Number.isFinite(p) ? `${p.toFixed(digits)}%` : "–");
const MAX_TIMELINE_ROWS = 20000;

export function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

/** ctx: app.js's h, clear, $, state, transport, showError, showEventLocal. */
export function analysisView({ h, clear, $, state, transport, showError, showEventLocal }) {
  /** The tokens-by-message table (100k rows at 100k events), asked for after the first paint. */
  async function loadMessages(sid, seq) {
    if (!state.perf || Array.isArray(state.perf.tokensByMessage)) return;
    state.messagesLoading = true;
    try {
      const full = await transport.request(PERFORMANCE, { sessionId: sid, includeEvents: false, includeMessages: true });
      if (seq !== state.loadSeq || !state.perf || !full) return;
      state.perf.tokensByMessage = Array.isArray(full.tokensByMessage) ? full.tokensByMessage : [];
      renderTokensByMessage(state.perf.tokensByMessage);
    } catch (e) {
      if (seq === state.loadSeq) showError(`Could not load the tokens by message: ${e.message}`);
    } finally {
      if (seq === state.loadSeq) state.messagesLoading = false;
    }
  }

  function renderPerformance(p) {
    renderSummary(p);
    renderSlowest(p.slowestOperations || []);
    renderSuggestions($("suggestions-overview"), p.suggestions || [], false);
    renderSuggestions($("suggestions-full"), p.suggestions || [], true);
    if (Array.isArray(p.tokensByMessage)) renderTokensByMessage(p.tokensByMessage);
    // a live update keeps the session's table until loadMessages brings the new one
    else if (state.messagesOf !== p.sessionId) clear($("tokens-by-message")).appendChild(h("p", { class: "muted", text: "Loading the tokens of every message…" }));
    renderTokensByFile(p);
    renderTokensByModel(p.tokensByModel || []);
  }

  function stat(label, value, sub) {
    return h("div", { class: "stat" }, h("div", { class: "stat-label", text: label }), h("div", { class: "stat-value", text: value }), sub ? h("div", { class: "stat-sub", text: sub }) : null);
  }

  // issue 12: the time model. Shares are of the active time; wall and idle beside them; a bucket the
  // source cannot measure is "not recorded" (why in the tooltip), never 0ms.
  const EXTRA_BUCKETS = [["Hooks", "hooks", "hook"], ["Compaction", "compaction", "compaction"], ["Agent overhead", "agent", "agentOverhead"], ["Unexplained", "other", "other"]];
  const timeOrNotRecorded = (ms) => (ms == null ? "not recorded" : formatMs(ms));
  const wallSplit = (p) => (p.activeTime == null ? null : `${formatMs(p.activeTime)} active · ${formatMs(p.idleTime || 0)} idle${p.interrupted ? " · interrupted" : ""}`);
  function notRecordedOr(el, p, field) {
    const why = (p.notRecorded || {})[field];
    if (p[field] == null && why) el.setAttribute("title", `Not recorded: ${why}`);
    return el;
  }

  function renderSummary(p) {
    $("session-title").textContent = `Session: ${p.title || p.sessionId} (${formatMs(p.totalDuration)})${p.running ? " • live" : ""}`;
    const cost = p.totalCost == null ? summaryCost(p) : `${summaryCost(p)}${p.costComplete === false ? "+" : ""}`;
    clear($("summary")).append(
      stat("Total time", formatMs(p.totalDuration), wallSplit(p)),
      stat("AI thinking", formatMs(p.aiThinkingTime), fmtPct(p.aiThinkingPercent)),
      stat("Tool execution", formatMs(p.toolExecutionTime), fmtPct(p.toolExecutionPercent)),
      notRecordedOr(stat("Network", timeOrNotRecorded(p.networkTime), p.networkTime == null ? null : fmtPct(p.networkPercent)), p, "networkTime"),
      stat("Total tokens", (p.notRecorded || {}).totalTokens ? NOT_RECORDED : fmtInt(p.totalTokens), cost),
      stat("Avg response", `${fmtInt(p.avgResponseTokens)} tk`, p.avgContextTokens == null ? null : `output · ${fmtInt(p.avgContextTokens)} tk context per request`),
      stat("Messages", fmtInt(p.messageCount)),
      stat("Tool calls", fmtInt(p.toolCallCount)),
    );
    const bars = [
      ["AI", "ai", p.aiThinkingTime, p.aiThinkingPercent],
      ["Tools", "tools", p.toolExecutionTime, p.toolExecutionPercent],
      ["Network", "network", p.networkTime, p.networkPercent],
      ["Waiting on user", "user", p.userWaitTime, p.userWaitPercent],
      ...EXTRA_BUCKETS.filter(([, , key]) => p[`${key}Time`]).map(([label, cls, key]) => [label, cls, p[`${key}Time`], p[`${key}Percent`]]),
    ];
    clear($("breakdown")).append(
      ...bars.map(([label, cls, ms, pct]) => {
        const fill = h("div", { class: `bar-fill bar-${cls}` });
        fill.style.width = `${Math.max(0, Math.min(100, pct || 0))}%`;
        const value = ms == null ? "not recorded" : `${formatMs(ms)} (${fmtPct(pct)})`;
        const bar = h("div", { class: "bar", "data-kind": cls }, h("span", { class: "bar-label", text: label }), h("div", { class: "bar-track" }, fill), h("span", { class: "bar-value", text: value }));
        return cls === "network" ? notRecordedOr(bar, p, "networkTime") : bar;
      }),
    );
  }

  function excerptOf(ev) {
    const m = ev.metadata || {};
    if (m.text) return `"${truncate(String(m.text), 80)}"`;
    if (m.filePath) return `${m.filePath}${m.fileSize != null ? ` (${fmtInt(m.fileSize)} bytes)` : ""}`;
    if (m.url) return String(m.url);
    if (m.args != null) return truncate(typeof m.args === "string" ? m.args : JSON.stringify(m.args), 80);
    return "";
  }


  function renderSlowest(list) {
    const ol = clear($("slowest"));
    if (!list.length) ol.appendChild(h("li", { class: "muted", text: "No operations yet." }));
    for (const op of list) {
      const ev = op.event || {};
      ol.appendChild(
        h(
          "li",
          { class: "slow-op" },
          h("span", { class: "rank", text: String(op.rank) }),
          h(
            "div",
            { class: "slow-body" },
            h(
              "div",
              { class: "slow-head" },
              h("button", { class: "link slow-name", text: ev.name || ev.id, title: "Show in the flame graph", onclick: () => showEventLocal(ev.id) }),
              h("span", { class: "slow-duration", text: formatMs(ev.duration) }),
              h("span", { class: "slow-excerpt", text: excerptOf(ev) }),
            ),
            op.suggestion ? h("div", { class: "slow-hint", text: `💡 ${op.suggestion}${op.detail ? ` ${op.detail}` : ""}` }) : null,
          ),
        ),
      );
    }
  }

  // Suggestion cards, previews and measured effects live in suggestions.js (issue 14).
  function renderSuggestions(container, list, full) {
    renderSuggestionCards(container, list, full, { transport, sessionId: state.sessionId });
  }

  const td = (text, num) => h("td", { class: num ? "num" : null, text });

  /** The workspace files are shown relative to: the session's, else their common folder. */
  function workspaceRoot(paths) {
    const info = state.sessions.find((x) => x.sessionId === state.sessionId);
    return (info && info.workspace) || (state.perf && state.perf.workspace) || commonRoot(paths);
  }

  function renderTokensByMessage(list) {
    state.messagesOf = state.sessionId;
    const wrap = clear($("tokens-by-message"));
    const sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0, cost: 0, priced: true };
    for (const m of list) {
      sum.input += m.input || 0;
      sum.output += m.output || 0;
      sum.cacheRead += m.cacheRead || 0;
      sum.cacheWrite += m.cacheWrite || 0;
      sum.total += m.total || 0;
      if (m.cost == null) sum.priced = sum.priced && m.role !== "assistant";
      else sum.cost += m.cost;
    }
    const foot = [td("TOTAL"), td(""), td(""), td(fmtInt(sum.input), 1), td(fmtInt(sum.output), 1), td(fmtInt(sum.cacheRead), 1), td(fmtInt(sum.cacheWrite), 1), td(fmtInt(sum.total), 1), td(list.length ? `${fmtCost(sum.cost)}${sum.priced ? "" : "+"}` : "–", 1), td("")];
    // a response whose usage the source did not record: "not recorded", never 0 (issue 12/18)
    const num = (key, fmt = fmtInt) => ({ label: key[0], num: 1, sort: (m) => m[key[1]], cell: (m) => (m.usageRecorded === false ? NOT_RECORDED : fmt(m[key[1]])) });
    wrap.appendChild(
      dataTable({
        h,
        label: "Tokens by message",
        rows: list,
        footer: foot,
        attrs: (m) => ({ "data-event": m.eventId }),
        columns: [
          { label: "MSG", num: 1, sort: (m) => m.index, cell: (m) => m.label || `#${m.index}` },
          { label: "ROLE", sort: (m) => m.role, cell: (m) => m.role || "" },
          { label: "MODEL", sort: (m) => m.model || "", cell: (m) => m.model || "" },
          num(["INPUT", "input"]),
          num(["OUTPUT", "output"]),
          num(["CACHE READ", "cacheRead"]),
          num(["CACHE WRITE", "cacheWrite"]),
          num(["TOTAL", "total"]),
          { label: "COST", num: 1, sort: (m) => m.cost, cell: (m) => (m.usageRecorded === false ? NOT_RECORDED : m.cost == null && m.role !== "assistant" ? "" : fmtCost(m.cost)) },
          { label: "CONTENT", sort: (m) => m.excerpt || "", cell: (m) => (m.excerpt ? `"${truncate(m.excerpt, 60)}"` : ""), title: (m) => m.excerpt || null },
        ],
      }),
    );
  }

  function renderTokensByFile(p) {
    const wrap = clear($("tokens-by-file"));
    const list = p.tokensByFile || [];
    const root = workspaceRoot(list.map((f) => f.filePath));
    const foot = [td("(conversation history)"), td(fmtInt(p.historyTokens), 1), td(fmtPct(p.historyShare, 1), 1), td(""), td("")];
    wrap.appendChild(
      dataTable({
        h,
        label: "Tokens by file in context",
        rows: list,
        footer: foot,
        attrs: (f) => ({ "data-file": f.filePath }),
        columns: [
          { label: "FILE", sort: (f) => relativePath(f.filePath, root), title: (f) => f.filePath, cell: (f) => h("button", { class: "link file-link", title: `${f.filePath} (open in the editor)`, text: relativePath(f.filePath, root), onclick: () => transport.openFile(f.filePath, 1) }) },
          { label: "TOKENS", num: 1, sort: (f) => f.contextTokens ?? f.tokens, cell: (f) => fmtInt(f.contextTokens ?? f.tokens), title: (f) => (f.contextTokens == null ? null : `in context: ${fmtInt(f.contextTokens - f.resentTokens)} first read + ${fmtInt(f.resentTokens)} re-sent as history`) },
          { label: "% OF INPUT", num: 1, sort: (f) => f.shareOfInput, cell: (f) => fmtPct(f.shareOfInput, 1) },
          { label: "READS", num: 1, sort: (f) => f.timesRead, cell: (f) => fmtInt(f.timesRead) },
          { label: "RE-SENT TOKENS", num: 1, sort: (f) => f.resentTokens, cell: (f) => fmtInt(f.resentTokens) },
        ],
      }),
    );
    if (p.historyShare >= 50) {
      wrap.appendChild(h("p", { class: "tip", text: `💡 ${fmtPct(p.historyShare)} of input tokens are conversation history. Consider starting a new session for unrelated tasks.` }));
    }
  }

  function renderTokensByModel(list) {
    const wrap = clear($("tokens-by-model"));
    if (!list.length) wrap.appendChild(h("p", { class: "muted", text: "No model calls." }));
    for (const m of list) {
      const fill = h("div", { class: "bar-fill bar-ai" });
      fill.style.width = `${Math.max(0, Math.min(100, m.share || 0))}%`;
      wrap.appendChild(
        h(
          "div",
          { class: "model-row", "data-model": m.model },
          h("div", { class: "model-name", text: m.model }),
          h("div", { class: "bar-track" }, fill),
          h("div", { class: "model-numbers", text: `${fmtInt(m.total)} tk (${fmtPct(m.share)}) • ${fmtInt(m.requests)} requests • in ${fmtInt(m.input)} / out ${fmtInt(m.output)} / cache read ${fmtInt(m.cacheRead)} / cache write ${fmtInt(m.cacheWrite)} • ${m.priced ? fmtCost(m.cost) : PRICE_UNKNOWN}` }),
        ),
      );
    }
  }

  /** The Timeline tab (app.js renderTimeline checks the session and loads this module first). */
  async function renderTimeline() {
    const wrap = $("timeline");
    if (!state.timeFlame) {
      try {
        state.timeFlame = buildFlameData(await transport.request(FLAME_GRAPH, { sessionId: state.sessionId, view: "time", weight: "time", encoding: "base64" }));
      } catch (e) {
        showError(`Could not load the timeline: ${e.message}`);
        return;
      }
    }
    const d = state.timeFlame;
    const picked = [];
    for (let i = 0; i < d.n && picked.length < MAX_TIMELINE_ROWS; i++) if (d.depth[i] === 1 || d.depth[i] === 2) picked.push(i);
    picked.sort((a, b) => d.rstart[a] - d.rstart[b] || d.depth[a] - d.depth[b]);
    clear(wrap).appendChild(
      dataTable({
        h,
        label: "Timeline",
        rows: picked,
        columns: [
          { label: "START", num: 1, sort: (i) => d.rstart[i], cell: (i) => formatMs(d.rstart[i]) },
          { label: "DURATION", num: 1, sort: (i) => d.rvalue[i], cell: (i) => formatMs(d.rvalue[i]) },
          {
            label: "TYPE",
            sort: (i) => d.types[d.type[i]] || "",
            cell: (i) => {
              const sw = h("span", { class: "swatch" });
              sw.style.background = d.typeColor[d.type[i]] || OTHER_COLOR;
              return h("span", null, sw, d.types[d.type[i]] || "");
            },
          },
          { label: "NAME", sort: (i) => d.strings[d.name[i]] ?? "", title: (i) => d.strings[d.name[i]] ?? "", cell: (i) => h("button", { class: d.depth[i] > 1 ? "link indent" : "link", text: d.strings[d.name[i]] ?? "", onclick: () => showEventLocal(d.ids ? d.ids[i] : null) }) },
        ],
      }),
    );
    if (picked.length >= MAX_TIMELINE_ROWS) wrap.appendChild(h("p", { class: "muted", text: `Showing the first ${fmtInt(picked.length)} events.` }));
  }

  return { loadMessages, renderPerformance, renderSummary, renderTokensByMessage, renderTimeline };
}
