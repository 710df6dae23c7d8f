// The sessionprof performance panel: Overview, Tokens, Timeline and Suggestions tabs.
//
// Every string that comes from a session (names, file paths, tool arguments, agent text)
// reaches the page through textContent / createTextNode only, never as HTML.
import { FLAME_GRAPH, PERFORMANCE, SESSIONS } from "./protocol.js";
import { createTransport } from "./transport.js";
import { trackPanelState } from "./panelstate.js"; // issue 16: VS Code panel state across reloads
import { buildFlameData } from "./flame.js";
import { FlameGraphView } from "./flameview.js";
import { flameCard } from "./flamecard.js";
import { afterPaint, warmUp } from "./paint.js";
import { $, applyTheme as applyThemeTo, buildLayout, clear, h, readConfig, renderEmpty, showError, watchTheme } from "./layout.js";
import { exposeTestHook } from "./testhook.js"; // window.__sessionprof

const FLAME_MODES = {
  time: { view: "time", weight: "time", label: "Time" },
  aggregate: { view: "aggregate", weight: "time", label: "Aggregated" },
  tokens: { view: "time", weight: "tokens", label: "Tokens" },
};

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

// Modules the first paint does not need (the analysis and its tables, tooltips and the details
// pane, suggestion cards): loaded just after it, so fewer requests queue before it (issue 13).
// Their own imports are asked for here too, so they load in one wave. Every caller awaits
// loadLater() first (or, for a hover, waits for it).
let analysis = null; // analysisview.js: summary, breakdown, slowest, tokens tables, timeline
let details = null; // framedetails.js: the frame tooltip and the details pane
let laterReq = null;
function loadLater() {
  laterReq ||= Promise.all([
    import("./analysisview.js"),
    import("./framedetails.js"),
    import("./tables.js"),
    import("./tooltip.js"),
    import("./suggestions.js"),
  ]).then(([a, f]) => {
    const ctx = { h, clear, $, state, transport, showError, showEventLocal };
    analysis = a.analysisView(ctx);
    details = f.frameDetails(ctx);
  });
  return laterReq;
}

const applyTheme = () => applyThemeTo(config, flameView);

function buildFlameCard() {
  const fc = flameCard({ h, modes: FLAME_MODES, mode: state.mode, onMode: setMode, onReset: () => flameView.reset() });
  state.flameElements = fc.elements;
  state.wireFlame = fc.wire;
  return fc.card;
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
    req = { flame: transport.adopt(FLAME_GRAPH, boot.flame), perf: transport.adopt(PERFORMANCE, boot.perf) };
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
    const data = buildFlameData(flame);
    performance.mark("sessionprof:built");
    state.flame = data;
    if (mode.view === "time" && mode.weight === "time") state.timeFlame = data;
    else if (!keepView) state.timeFlame = null;
    flameView.setData(data, keepView);
    afterFlameData();
    // the row painter made hot for the first zooms, once this frame is on screen (paint.js)
    if (!keepView && state.loadSeq === 1) requestAnimationFrame(() => setTimeout(() => warmUp(flameView), 0));
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
    analysis.renderPerformance(perf);
    analysis.loadMessages(sid, seq);
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
  setModeQuiet(mode);
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
          if (p) analysis.renderSummary({ ...p, ...s });
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

async function renderTimeline() {
  if (!state.sessionId) return;
  await loadLater();
  await analysis.renderTimeline();
}

function onHover(i, ev) {
  if (details) details.onHover(i, ev);
  else if (i < 0 || !state.flame) $("flame-tooltip").hidden = true;
  else loadLater().then(() => flameView.hovered === i && onHover(i, ev)); // a hover before it loaded
}

let detailsSeq = 0;
async function renderDetails(i) {
  const box = clear($("flame-details"));
  const d = state.flame;
  const seq = ++detailsSeq;
  if (i < 0 || !d) return;
  await loadLater();
  if (seq !== detailsSeq) return;
  await details.renderDetails(box, d, i, () => seq === detailsSeq);
}

// ------------------------------------------------------------------ start

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
  buildLayout({ flameCard: buildFlameCard, loadSession, setTab });
  flameView = new FlameGraphView(state.flameElements, {
    onHover,
    onSelect: (i) => renderDetails(i),
    onView: () => flameUi && flameUi.renderCrumbs(),
  });
  flameUi = state.wireFlame(flameView);
  exposeTestHook(flameView, state);
  applyTheme();
  if (config.noSession && !state.sessionId) $("session-title").textContent = "No agent session for this workspace yet"; // issue 16
  if (config.configError) showError(config.configError);
  new ResizeObserver(() => {
    const w = $("flame-wrap");
    const [ww, wh] = flameView.wrapSize || [-1, -1];
    if (w.clientWidth > 0 && (w.clientWidth !== ww || w.clientHeight !== wh)) flameView.resize();
  }).observe($("flame-wrap"));
  watchTheme(applyTheme);
  if (early) {
    await Promise.all([refresh(false, early), loadSessions()]);
  } else {
    await loadSessions();
    await refresh(false);
  }
  renderPicker();
}

main().catch((e) => showError(`sessionprof UI failed to start: ${e.message}`));
