// The sessionprof performance panel: Overview, Tokens, Timeline and Suggestions tabs.
//
// Every string that comes from a session (names, file paths, tool arguments, agent text)
// reaches the page through textContent / createTextNode only, never as HTML.
import {
  EVENT,
  FLAME_GRAPH,
  PERFORMANCE,
  SESSIONS,
} from "./protocol.js";
import { createTransport } from "./transport.js";
import { trackPanelState } from "./panelstate.js"; // issue 16: VS Code panel state across reloads
import { MIN_FRAME_PX, ROW_HEIGHT, OTHER_COLOR, buildFlameData, formatMs } from "./flame.js";
import { FlameGraphView } from "./flameview.js";
import { flameCard } from "./flamecard.js";
import { afterPaint } from "./paint.js";
import { NOT_RECORDED, PRICE_UNKNOWN, formatCost, lazyNumberFormat, summaryCost } from "./format.js";

const NF = lazyNumberFormat();
const fmtInt = (n) => (Number.isFinite(n) ? NF.format(Math.round(n)) : "–");
const fmtCost = formatCost; // the shared format table (format.js): "price unknown" when no price is known
const fmtPct = (p, digits = 0) => (Number.isFinite(p) ? `${p.toFixed(digits)}%` : "–");
const MAX_TIMELINE_ROWS = 20000;

const FLAME_MODES = {
  time: { view: "time", weight: "time", label: "Time" },
  aggregate: { view: "aggregate", weight: "time", label: "Aggregated" },
  tokens: { view: "time", weight: "tokens", label: "Tokens" },
};

// ------------------------------------------------------------------ DOM helpers

/** Creates an element; string children become text nodes, `text` sets textContent. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = String(v);
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return el;
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const $ = (id) => document.getElementById(id);

function readConfig() {
  const meta = document.querySelector('meta[name="sessionprof-config"]');
  if (!meta) return {};
  try {
    const c = JSON.parse(meta.getAttribute("content") || "{}");
    return c && typeof c === "object" ? c : {};
  } catch (e) {
    return { configError: `invalid sessionprof-config: ${e.message}` };
  }
}

// ------------------------------------------------------------------ state

const config = readConfig();
const state = {
  sessions: [],
  sessionId: config.sessionId || null,
  perf: null,
  mode: "time",
  flame: null, // built FlameData of the current mode
  timeFlame: null, // time view, for the Timeline tab
  tab: "overview",
  pendingEventId: config.eventId || null,
  refreshTimer: 0,
  loadSeq: 0,
};

const transport = createTransport(config, onHostMessage);
let flameView;
let flameUi; // toolbar hooks of flamecard.js

// Modules the first paint does not need (tables, tooltips, suggestion cards): loaded just after
// it, so fewer requests queue before it (issue 13). Every caller awaits loadLater() first.
let dataTable, commonRoot, relativePath, eventLines, frameLines, renderSuggestionCards, fetchEvent;
let laterReq = null;
function loadLater() {
  laterReq ||= Promise.all([import("./tables.js"), import("./tooltip.js"), import("./suggestions.js")]).then(([t, tt, sg]) => {
    ({ dataTable, commonRoot, relativePath } = t);
    ({ eventLines, frameLines } = tt);
    ({ renderSuggestionCards } = sg);
    fetchEvent = tt.eventCache((m, p) => transport.request(m, p), EVENT);
  });
  return laterReq;
}

// ------------------------------------------------------------------ theme

function applyTheme() {
  const root = document.documentElement;
  // In VS Code the body class follows the theme live (vscode-light, vscode-dark,
  // vscode-high-contrast[-light]); config.theme is only the theme the panel opened with.
  const cls = document.body.classList;
  const live = cls.contains("vscode-high-contrast-light") || cls.contains("vscode-light") ? "light" : cls.contains("vscode-dark") || cls.contains("vscode-high-contrast") ? "dark" : null;
  const fixed = config.theme === "light" || config.theme === "high-contrast-light" ? "light" : config.theme === "dark" || config.theme === "high-contrast" ? "dark" : null;
  const theme = live || fixed || (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  if (theme && root.dataset.theme !== theme) root.dataset.theme = theme;
  const cs = getComputedStyle(root);
  const v = (name, dflt) => cs.getPropertyValue(name).trim() || dflt;
  if (flameView) {
    flameView.setTheme({
      bg: v("--sp-canvas-bg", "#ffffff"),
      fg: v("--sp-fg", "#1f2328"),
      select: v("--sp-select", "#111111"),
      muted: v("--sp-muted", "#57606a"),
      idle: v("--sp-idle", "#e5e7eb"),
    });
  }
}

// ------------------------------------------------------------------ layout

function buildLayout() {
  const app = $("app");
  clear(app);
  const tabs = [
    ["overview", "Overview"],
    ["tokens", "Tokens"],
    ["timeline", "Timeline"],
    ["suggestions", "Suggestions"],
  ];
  app.append(
    h(
      "header",
      { class: "topbar" },
      h("h1", { text: "PERFORMANCE" }),
      h("label", { class: "picker" }, "Session ", h("select", { id: "session-picker", "aria-label": "Session", onchange: (e) => loadSession(e.target.value) })),
      h("span", { id: "session-title", class: "session-title" }),
    ),
    h("div", { id: "error", class: "error", role: "alert", hidden: true }),
    h(
      "nav",
      { class: "tabs", role: "tablist", "aria-label": "Views", onkeydown: onTabKey },
      tabs.map(([id, label]) =>
        h("button", { id: `tab-${id}`, class: "tab", role: "tab", "aria-controls": `panel-${id}`, "data-tab": id, text: label, onclick: () => setTab(id) }),
      ),
    ),
    h(
      "section",
      { id: "panel-overview", class: "panel", role: "tabpanel", "aria-labelledby": "tab-overview" },
      buildFlameCard(),
      h("div", { class: "card" }, h("h2", { text: "Summary" }), h("div", { id: "summary", class: "summary" })),
      h("div", { class: "card" }, h("h2", { text: "Time breakdown" }), h("div", { id: "breakdown", class: "breakdown" })),
      h("div", { class: "card" }, h("h2", { text: "Slowest operations" }), h("ol", { id: "slowest", class: "slowest" })),
      h("div", { class: "card" }, h("h2", { text: "Optimization suggestions" }), h("div", { id: "suggestions-overview" })),
    ),
    h(
      "section",
      { id: "panel-tokens", class: "panel", role: "tabpanel", "aria-labelledby": "tab-tokens", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "By message" }), h("div", { id: "tokens-by-message", class: "table-wrap" })),
      h("div", { class: "card" }, h("h2", { text: "By file in context" }), h("div", { id: "tokens-by-file", class: "table-wrap" })),
      h("div", { class: "card" }, h("h2", { text: "By model" }), h("div", { id: "tokens-by-model" })),
    ),
    h(
      "section",
      { id: "panel-timeline", class: "panel", role: "tabpanel", "aria-labelledby": "tab-timeline", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "Timeline" }), h("div", { id: "timeline", class: "table-wrap" })),
    ),
    h(
      "section",
      { id: "panel-suggestions", class: "panel", role: "tabpanel", "aria-labelledby": "tab-suggestions", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "Optimization suggestions" }), h("div", { id: "suggestions-full" })),
    ),
  );
  setTab("overview");
}

function buildFlameCard() {
  const fc = flameCard({ h, modes: FLAME_MODES, mode: state.mode, onMode: setMode, onReset: () => flameView.reset() });
  state.flameElements = fc.elements;
  state.wireFlame = fc.wire;
  return fc.card;
}

/** WAI-ARIA tabs: arrows, Home and End move between tabs and show them. */
function onTabKey(ev) {
  const tabs = [...document.querySelectorAll(".tab")];
  const k = tabs.indexOf(document.activeElement);
  if (k < 0) return;
  const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: tabs.length - 1 }[ev.key];
  if (to == null) return;
  ev.preventDefault();
  const t = tabs[(to + tabs.length) % tabs.length];
  t.focus();
  setTab(t.dataset.tab);
}

function setTab(id) {
  state.tab = id;
  for (const b of document.querySelectorAll(".tab")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === id));
    b.tabIndex = b.dataset.tab === id ? 0 : -1;
  }
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${id}`;
  if (id === "overview" && flameView) flameView.resize();
  if (id === "timeline") renderTimeline();
}

function showError(msg) {
  const el = $("error");
  if (!el) return;
  el.textContent = msg || "";
  el.hidden = !msg;
}

// ------------------------------------------------------------------ loading

/** One sessions request at a time (a summary arriving while the list loads waits for it). */
function loadSessions() {
  state.sessionsReq ||= listSessions().finally(() => {
    state.sessionsReq = null;
  });
  return state.sessionsReq;
}

async function listSessions() {
  try {
    const list = await transport.request(SESSIONS, {});
    state.sessions = Array.isArray(list) ? list : [];
  } catch (e) {
    showError(`Could not list sessions: ${e.message}`);
  }
  renderPicker();
  // issue 16: in VS Code the panel shows the status bar's session, or none (never another project's)
  if (!state.sessionId && state.sessions.length && !config.noSession) state.sessionId = state.sessions[0].sessionId;
}

function renderPicker() {
  const sel = $("session-picker");
  clear(sel);
  const known = new Set();
  for (const s of state.sessions) {
    known.add(s.sessionId);
    const label = `${s.title || s.sessionId}${s.source ? ` (${s.source})` : ""}`;
    sel.appendChild(h("option", { value: s.sessionId, text: label }));
  }
  if (state.sessionId && !known.has(state.sessionId)) {
    sel.appendChild(h("option", { value: state.sessionId, text: state.sessionId }));
  }
  if (state.sessionId) sel.value = state.sessionId;
  // issue 16: a workspace with no session of its own: the picker says so, nothing is chosen for it
  else if (config.noSession) sel.insertBefore(h("option", { value: "", text: "No session for this workspace", selected: true }), sel.firstChild);
}

async function loadSession(sessionId) {
  if (!sessionId) return;
  const changed = sessionId !== state.sessionId;
  state.sessionId = sessionId;
  state.timeFlame = null;
  renderPicker();
  await refresh(!changed ? true : false);
}

/**
 * Asks for the flame graph and the analysis without its per-message table (tokensByMessage
 * comes after the first paint: loadMessages). In the browser page the boot script in
 * index.html has usually asked already, while the modules loaded.
 */
function fetchSession(sid) {
  const mode = FLAME_MODES[state.mode];
  const boot = window.__sessionprofBoot;
  window.__sessionprofBoot = null;
  let req;
  if (boot && boot.sessionId === sid && mode.view === "time" && mode.weight === "time" && transport.adopt) {
    req = { flame: transport.adopt(FLAME_GRAPH, boot.flame), data: boot.data, perf: transport.adopt(PERFORMANCE, boot.perf) };
  } else {
    // the flame graph first: the server answers in order, and the graph is what paints first
    req = {
      flame: transport.request(FLAME_GRAPH, { sessionId: sid, view: mode.view, weight: mode.weight, encoding: "base64" }),
      perf: transport.request(PERFORMANCE, { sessionId: sid, includeEvents: false, includeMessages: false }),
    };
  }
  req.perf.catch(() => {}); // reported by refresh()
  req.flame.catch(() => {});
  return req;
}

/** Resolves once the frame with the new graph is on screen (work after it never delays it). */
const painted = () =>
  new Promise((r) => {
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)));
    setTimeout(r, 250); // a hidden page gets no frames: the analysis still shows
  });

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

/** `prefetched`: the fetchSession() requests when the caller started them early. */
async function refresh(keepView, prefetched = null) {
  const sid = state.sessionId;
  if (!sid) {
    renderEmpty();
    return;
  }
  const seq = ++state.loadSeq;
  const mode = FLAME_MODES[state.mode];
  const req = prefetched || fetchSession(sid);
  state.messagesLoading = false;
  state.inFlight = sid;
  state.lateSummary = null;
  // the flame graph paints as soon as it arrives; the analysis fills in when it does
  let flameError = "";
  try {
    const flame = await req.flame;
    if (seq !== state.loadSeq) return; // a newer load superseded this one
    performance.mark("sessionprof:fetched");
    // built by the boot script (index.html) while the modules loaded, else here
    const data = (req.data && (await req.data.catch(() => null))) || buildFlameData(flame);
    if (seq !== state.loadSeq) return;
    performance.mark("sessionprof:built");
    state.flame = data;
    if (mode.view === "time" && mode.weight === "time") state.timeFlame = data;
    else if (!keepView) state.timeFlame = null;
    flameView.setData(data, keepView);
    afterFlameData();
    await painted();
    loadLater();
    if (seq !== state.loadSeq) return;
  } catch (e) {
    flameError = `Could not load session ${sid}: ${e.message}`;
  }
  try {
    const perf = await req.perf;
    await loadLater();
    if (seq !== state.loadSeq) return;
    state.perf = perf;
    state.inFlight = null;
    const late = state.lateSummary;
    state.lateSummary = null;
    if (late && late.sessionId === sid && !sameData(perf, late)) scheduleRefresh();
    renderPerformance(perf);
    loadMessages(sid, seq);
    showError(flameError);
    if (state.pendingEventId && !flameError) {
      const id = state.pendingEventId;
      state.pendingEventId = null;
      selectEventById(id);
    }
    if (state.tab === "timeline") renderTimeline();
    state.loadDone = seq;
  } catch (e) {
    if (seq === state.loadSeq) {
      state.inFlight = null;
      state.loadDone = seq;
      showError(flameError || `Could not load session ${sid}: ${e.message}`);
    }
  }
}

async function setMode(mode) {
  if (!FLAME_MODES[mode] || mode === state.mode) return;
  state.mode = mode;
  for (const b of document.querySelectorAll(".mode")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
  const m = FLAME_MODES[mode];
  try {
    const flame = await transport.request(FLAME_GRAPH, { sessionId: state.sessionId, view: m.view, weight: m.weight, encoding: "base64" });
    if (state.mode !== mode) return;
    state.flame = buildFlameData(flame);
    if (m.view === "time" && m.weight === "time") state.timeFlame = state.flame;
    flameView.setData(state.flame, false);
    afterFlameData();
    renderDetails(-1);
  } catch (e) {
    showError(`Could not load the ${m.label} view: ${e.message}`);
  }
}

/** Search, top frames and sandwich follow new flame data. */
function afterFlameData() {
  if (!flameUi) return;
  flameUi.rerunSearch();
  flameUi.renderCrumbs();
  // the top-frames table walks every frame: after the graph's first paint
  const ui = flameUi;
  afterPaint(() => ui.renderNames());
}

/** A merged frame of the aggregated view lists the events it merged (up to what the server sent). */
function renderMembers(dl, d, i) {
  const ids = d.members[i];
  const list = h("ol", { class: "members" });
  for (const id of ids.slice(0, 200)) {
    const b = h("button", { class: "link", type: "button", text: String(id), onclick: () => showEventLocal(id) });
    list.appendChild(h("li", null, b));
    fetchEvent(state.sessionId, id).then((ev) => {
      if (ev) b.textContent = `${ev.name} (${formatMs(ev.duration)})`;
    });
  }
  const more = d.count[i] > ids.length ? ` (first ${fmtInt(ids.length)})` : "";
  dl.append(h("dt", { text: `Members${more}` }), h("dd", null, list));
}

/** The same data again (a stream's first message, a repeated summary): nothing to redraw. */
function sameData(p, s) {
  return Boolean(p && !s.running && p.eventCount === s.eventCount && p.endTime === s.endTime &&
    p.totalTokens === s.totalTokens && p.totalDuration === s.totalDuration);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => refresh(true), 250);
}

function onHostMessage(msg) {
  switch (msg.type) {
    case "summary": {
      const s = msg.summary;
      if (!s || typeof s.sessionId !== "string") return;
      if (!state.sessionId) {
        loadSession(s.sessionId);
      } else if (s.sessionId === state.sessionId) {
        const p = state.perf;
        if (state.inFlight === s.sessionId) {
          // a load is on its way (the stream's first message comes before its answers): compared
          // with them when they arrive, so they are not thrown away for a second round trip
          state.lateSummary = s;
        } else if (!sameData(p, s)) {
          if (p) renderSummary({ ...p, ...s });
          scheduleRefresh();
        }
      }
      // a list on its way may predate this session: asked again only when it lacks it
      const known = () => state.sessions.some((x) => x.sessionId === s.sessionId);
      if (!known()) loadSessions().then(() => (known() ? null : loadSessions())).then(renderPicker);
      break;
    }
    case "showEvent":
      if (typeof msg.sessionId === "string" && msg.sessionId !== state.sessionId) {
        state.pendingEventId = msg.eventId;
        if (state.mode !== "time") setModeQuiet("time");
        loadSession(msg.sessionId);
      } else {
        showEventLocal(msg.eventId);
      }
      break;
    case "selectSession":
      if (typeof msg.sessionId === "string") loadSession(msg.sessionId);
      break;
    default:
      break;
  }
}

function setModeQuiet(mode) {
  state.mode = mode;
  for (const b of document.querySelectorAll(".mode")) b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
}

async function showEventLocal(eventId) {
  setTab("overview");
  if (state.mode !== "time") {
    state.pendingEventId = eventId;
    setModeQuiet("time");
    await refresh(false);
    return;
  }
  selectEventById(eventId);
}

function selectEventById(eventId) {
  const i = flameView.indexOfId(eventId);
  if (i >= 0) {
    flameView.zoomToFrame(i);
    $("flame-canvas").focus({ preventScroll: true });
  }
}

// ------------------------------------------------------------------ rendering

function renderEmpty() {
  clear($("summary")).appendChild(h("p", { class: "muted", text: "No session yet. Events appear here as the agent works." }));
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

function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
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

async function renderTimeline() {
  const wrap = $("timeline");
  if (!state.sessionId) return;
  await loadLater();
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

// ------------------------------------------------------------------ flame details

let hoverSeq = 0;
function onHover(i, ev) {
  const tip = $("flame-tooltip");
  const d = state.flame;
  if (i < 0 || !d) {
    tip.hidden = true;
    hoverSeq++;
    return;
  }
  if (!frameLines) {
    loadLater().then(() => flameView.hovered === i && onHover(i, ev)); // a hover before it loaded
    return;
  }
  if (tip.dataset.frame !== String(i) || tip.hidden) {
    const seq = ++hoverSeq;
    tip.dataset.frame = String(i);
    clear(tip);
    for (const [text, cls] of frameLines(d, i)) tip.appendChild(h("div", { class: cls || null, text }));
    const id = d.ids ? d.ids[i] : null;
    if (id && state.sessionId) {
      eventDetails(id, d, i).then((lines) => {
        if (seq !== hoverSeq || !lines.length) return;
        const dl = h("dl", { class: "tt-fields" });
        for (const [k, v] of lines) dl.append(h("dt", { text: k }), h("dd", { text: v }));
        tip.appendChild(dl);
        placeTip(tip, tip._at);
      });
    }
  }
  tip.hidden = false;
  tip._at = { x: ev.clientX, y: ev.clientY };
  placeTip(tip, tip._at);
}

/** The type-specific lines of frame i; a subagent's task comes from the call that started it. */
async function eventDetails(id, d, i) {
  const ev = await fetchEvent(state.sessionId, id);
  const lines = eventLines(ev);
  if (ev && ev.type === "agent" && !lines.some(([k]) => k === "Task")) {
    const p = d.parent[i];
    const pid = p >= 0 && d.ids ? d.ids[p] : null;
    const pev = pid ? await fetchEvent(state.sessionId, pid) : null;
    const a = pev && pev.metadata && pev.metadata.args;
    const task = a && typeof a === "object" ? a.description || a.prompt : null;
    if (task) lines.unshift(["Task", truncate(String(task), 240)]);
  }
  return lines;
}

function placeTip(tip, at) {
  if (!at) return;
  const pad = 12;
  const w = tip.offsetWidth;
  const hgt = tip.offsetHeight;
  let x = at.x + pad;
  let y = at.y + pad;
  if (x + w > window.innerWidth) x = Math.max(0, at.x - w - pad);
  if (y + hgt > window.innerHeight) y = Math.max(0, at.y - hgt - pad);
  tip.style.left = `${x}px`;
  tip.style.top = `${y}px`;
}

let detailsSeq = 0;
async function renderDetails(i) {
  const box = clear($("flame-details"));
  const d = state.flame;
  const seq = ++detailsSeq;
  if (i < 0 || !d) return;
  await loadLater();
  if (seq !== detailsSeq) return;
  const id = d.ids ? d.ids[i] : null;
  box.appendChild(h("h3", { text: d.strings[d.name[i]] ?? "" }));
  const dl = h("dl");
  box.appendChild(dl);
  for (const [text] of frameLines(d, i).slice(1)) dl.appendChild(h("div", { class: "muted", text }));
  if (d.count && d.count[i] > 1 && d.members && d.members[i]) renderMembers(dl, d, i);
  if (!id || !state.sessionId) return;
  try {
    const ev = await transport.request(EVENT, { sessionId: state.sessionId, eventId: id });
    if (seq !== detailsSeq || !ev) return;
    const add = (k, v) => dl.append(h("dt", { text: k }), h("dd", null, v));
    add("Event", `${ev.type} ${ev.id}`);
    add("Time", `${formatMs(ev.startTime)} → ${formatMs(ev.endTime)} (${formatMs(ev.duration)})${ev.running ? ", running" : ""}`);
    const m = ev.metadata || {};
    if (m.model) add("Model", String(m.model));
    if (m.tokens) add("Tokens", `in ${fmtInt(m.tokens.input)} • out ${fmtInt(m.tokens.output)} • cache read ${fmtInt(m.tokens.cacheRead || 0)} • cache write ${fmtInt(m.tokens.cacheWrite || 0)}`);
    if (ev.cost != null) add("Cost", fmtCost(ev.cost));
    if (m.toolName) add("Tool", String(m.toolName));
    if (m.filePath) {
      const line = Number.isInteger(m.startLine) ? m.startLine : 1;
      add("File", h("button", { class: "link file-link", text: String(m.filePath), onclick: () => transport.openFile(String(m.filePath), line) }));
    }
    if (m.url) add("URL", String(m.url));
    if (m.args != null) add("Arguments", h("pre", { text: truncate(typeof m.args === "string" ? m.args : JSON.stringify(m.args, null, 2), 4000) }));
    if (m.status) add("Status", `${m.status}${m.error ? `: ${m.error}` : ""}`);
    if (m.text) add("Text", h("pre", { text: truncate(String(m.text), 4000) }));
  } catch (e) {
    if (seq === detailsSeq) box.appendChild(h("p", { class: "muted", text: `Details unavailable: ${e.message}` }));
  }
}

// ------------------------------------------------------------------ start

function exposeTestHook() {
  // Read-only view of the renderer for tests and the benchmark.
  const v = flameView;
  const frameInfo = (i) => {
    const d = v.data;
    if (!d || i < 0) return null;
    return { index: i, name: d.strings[d.name[i]], type: d.types[d.type[i]], id: d.ids ? d.ids[i] : null, depth: d.depth[i], row: d.row[i], start: d.start[i], value: d.value[i], count: d.count ? d.count[i] : 1 };
  };
  // every drawn rectangle of one paint, [x, y, w, h, frame] (tests: nothing overlaps)
  const drawnRects = () => {
    v.rects = [];
    v.draw();
    const r = v.rects;
    v.rects = null;
    return r;
  };
  window.__sessionprof = Object.freeze({
    minFrameWidth: MIN_FRAME_PX,
    rowHeight: ROW_HEIGHT,
    visibleFrameCount: () => v.stats.visible,
    mergedColumnCount: () => v.stats.merged,
    labelCount: () => v.stats.labels,
    frameCount: () => (v.data ? v.data.n : 0),
    rowsShown: () => v.rowsShown,
    canvasWidth: () => v.cssWidth,
    viewRange: () => [v.vs, v.ve],
    selected: () => frameInfo(v.selected),
    frameAt: (x, y) => frameInfo(v.frameAt(x, y)),
    frameBox: (i) => v.frameBox(i),
    frameRow: (i) => (v.data ? v.data.row[i] : -1),
    frame: (i) => frameInfo(i),
    rowCount: () => (v.data ? v.data.maxRow + 1 : 0),
    canvasHeight: () => v.cssHeight,
    scrollTop: () => v.scrollTop,
    scrollToRow: (r) => v.scrollToRow(r),
    drawnRects,
    labelColors: () => [...v.labelColors.keys()],
    drawnLabels: () => {
      v.labelsOut = [];
      v.draw();
      const out = v.labelsOut;
      v.labelsOut = null;
      return out;
    },
    axisLabels: () => (v.axisLabels || []).map((t) => ({ x: t.x, label: t.label })),
    idleGaps: () => (v.data ? v.data.idle.map((g) => ({ ...g })) : []),
    laneFrames: () => (v.data ? v.data.laneFrames : 0),
    history: () => v.history.map((z) => ({ vs: z.vs, ve: z.ve, label: z.label })),
    zoomToFrame: (i) => v.zoomToFrame(i),
    hoverAt: (x, y) => {
      const t0 = performance.now();
      v.hover(v.frameAt(x, y));
      return performance.now() - t0;
    },
    lastOverlayMs: () => v.lastOverlayMs,
    zoomTo: (s, e) => v.zoomTo(s, e),
    zoomAt: (x, f) => v.zoomAt(x, f),
    drawNow: () => v.draw(),
    paintCount: () => v.paintCount,
    lastPaintMs: () => v.lastPaintMs,
    firstPaintAt: () => v.firstPaintAt,
    pending: () => v.pending,
    // the last load drew the graph and rendered the analysis and the message table (tests)
    loaded: () => (state.loadDone || 0) === state.loadSeq && !state.messagesLoading,
    mode: () => state.mode,
    sessionId: () => state.sessionId,
  });
}

async function main() {
  // issue 16: the session, tab, zoom and selection a reloaded VS Code panel had (panelstate.js)
  const restored = trackPanelState(transport, {
    snapshot: () => {
      const v = flameView;
      const sel = v && v.data && v.selected >= 0 && v.data.ids ? v.data.ids[v.selected] : null;
      return { sessionId: state.sessionId, tab: state.tab, view: v && v.data ? [v.vs, v.ve] : null, eventId: sel };
    },
    restoreTab: (tab) => document.getElementById(`tab-${tab}`) && setTab(tab),
    viewReady: () => Boolean(flameView && flameView.data && state.perf && !state.pendingEventId),
    zoomTo: (vs, ve) => flameView.zoomTo(vs, ve),
  });
  if (!state.sessionId && !config.noSession && restored.sessionId) state.sessionId = restored.sessionId;
  if (!state.pendingEventId && state.sessionId === restored.sessionId && restored.eventId) state.pendingEventId = restored.eventId;
  // When the host named the session, its data is requested before the page is built.
  transport.start();
  const early = state.sessionId ? fetchSession(state.sessionId) : null;
  buildLayout();
  flameView = new FlameGraphView(state.flameElements, {
    onHover,
    onSelect: (i) => renderDetails(i),
    onView: () => flameUi && flameUi.renderCrumbs(),
  });
  flameUi = state.wireFlame(flameView);
  exposeTestHook();
  applyTheme();
  if (config.noSession && !state.sessionId) $("session-title").textContent = "No agent session for this workspace yet"; // issue 16
  if (config.configError) showError(config.configError);
  new ResizeObserver(() => {
    const w = $("flame-wrap");
    const [ww, wh] = flameView.wrapSize || [-1, -1];
    if (w.clientWidth > 0 && (w.clientWidth !== ww || w.clientHeight !== wh)) flameView.resize();
  }).observe($("flame-wrap"));
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", applyTheme);
  // On a theme change VS Code swaps the body class (vscode-light / vscode-dark) and
  // rewrites the --vscode-* variables in the <html> element's style.
  const themeObserver = new MutationObserver(applyTheme);
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class"] });
  themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });
  if (early) {
    await Promise.all([refresh(false, early), loadSessions()]);
  } else {
    await loadSessions();
    await refresh(false);
  }
  renderPicker();
}

main().catch((e) => showError(`sessionprof UI failed to start: ${e.message}`));
