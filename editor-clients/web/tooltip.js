// What a frame's tooltip says, by type: a response's model, tokens, cost and time to
// first token; a tool's command or file and status; a subagent's task; a merged frame's
// count. The event behind a frame is fetched once (sessionprof/event) and cached, so
// the tooltip fills in a moment after the pointer arrives.
import { formatMs, formatValue } from "./flame.js";
import { lazyNumberFormat } from "./format.js";

const NF = lazyNumberFormat();
const int = (n) => (Number.isFinite(n) ? NF.format(Math.round(n)) : "not recorded");
const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

/** Lines [text, class] every frame has, from the flame columns alone. */
export function frameLines(d, i) {
  const type = d.types[d.type[i]] || "";
  const pct = (100 * d.rvalue[i]) / (d.total || 1);
  const lines = [
    [d.strings[d.name[i]] ?? "", "tt-name"],
    [`${type.replace("_", " ")} • ${formatValue(d.rvalue[i], d.unit)} (${pct.toFixed(1)}% of session)`, ""],
  ];
  if (d.view === "time" && d.unit === "ms") lines.push([`starts at ${formatMs(d.rstart[i])}`, ""]);
  if (d.count && d.count[i] > 1) lines.push([`${NF.format(d.count[i])} calls merged`, "tt-count"]);
  return lines;
}

/** Lines from the event itself ([label, value] pairs), by type. */
export function eventLines(ev) {
  if (!ev) return [];
  const m = ev.metadata || {};
  const out = [];
  const args = m.args && typeof m.args === "object" ? m.args : {};
  if (ev.type === "ai_response") {
    out.push(["Model", m.model ? String(m.model) : "not recorded"]);
    const t = m.tokens;
    if (t) out.push(["Tokens", `in ${int(t.input)} • out ${int(t.output)} • cache read ${int(t.cacheRead)} • cache write ${int(t.cacheWrite)}`]);
    else out.push(["Tokens", "not recorded"]);
    out.push(["Cost", ev.cost == null ? "not recorded" : `$${ev.cost.toFixed(4)}`]);
    const ttft = m.ttftMs ?? m.ttft ?? m.timeToFirstToken; // ttftMs: OTLP ttft_ms (issue 12)
    const gen = Number.isFinite(m.generationMs) ? ` · then ${formatMs(m.generationMs)} generating` : "";
    if (Number.isFinite(ttft)) out.push(["Time to first token", `${formatMs(ttft)}${gen}`]);
  } else if (ev.type === "tool_execution" || ev.type === "file_read" || ev.type === "file_write" || ev.type === "network_request") {
    if (m.toolName) out.push(["Tool", String(m.toolName)]);
    const cmd = args.command ?? args.cmd;
    if (cmd != null) out.push(["Command", cut(Array.isArray(cmd) ? cmd.join(" ") : String(cmd), 200)]);
    const file = m.filePath ?? args.file_path ?? args.path;
    if (file) out.push(["File", String(file)]);
    const url = m.url ?? args.url;
    if (url) out.push(["URL", String(url)]);
    if (args.pattern) out.push(["Pattern", cut(String(args.pattern), 120)]);
    out.push(["Status", m.status ? `${m.status}${m.error ? `: ${cut(String(m.error), 160)}` : ""}` : "not recorded"]);
  } else if (ev.type === "agent") {
    const task = args.description ?? args.prompt ?? m.task ?? m.text;
    if (task) out.push(["Task", cut(String(task), 240)]);
    if (m.model) out.push(["Model", String(m.model)]);
  }
  if (ev.running) out.push(["State", "running"]);
  return out;
}

/** Fetches events once per (session, id); `request` is transport.request. */
export function eventCache(request, method) {
  const cache = new Map();
  return (sessionId, id) => {
    const key = `${sessionId}\u0000${id}`;
    if (!cache.has(key)) {
      if (cache.size > 2000) cache.clear();
      cache.set(key, request(method, { sessionId, eventId: id }).catch(() => null));
    }
    return cache.get(key);
  };
}
