// The flame graph's frame tooltip and details pane (event fields fetched on demand, a merged
// frame's members). Not needed for the first paint: app.js loads it after that paint (loadLater,
// issue 13). Session strings reach the page as text only.
import { EVENT } from "./protocol.js";
import { formatMs } from "./flame.js";
import { formatCost } from "./format.js";
import { eventCache, eventLines, frameLines } from "./tooltip.js";
import { fmtInt, truncate } from "./analysisview.js";

/** ctx: app.js's h, clear, $, state, transport, showEventLocal. */
export function frameDetails({ h, clear, $, state, transport, showEventLocal }) {
  const fetchEvent = eventCache((m, p) => transport.request(m, p), EVENT);
  const fmtCost = formatCost;

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

  let hoverSeq = 0;
  /** The tooltip of frame i at the pointer (app.js onHover until this module is loaded). */
  function onHover(i, ev) {
    const tip = $("flame-tooltip");
    const d = state.flame;
    if (i < 0 || !d) {
      tip.hidden = true;
      hoverSeq++;
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

  /** The details pane of frame i; app.js cleared `box`; d: the data frame i is of; current(): i is still the one to show. */
  async function renderDetails(box, d, i, current) {
    const id = d.ids ? d.ids[i] : null;
    box.appendChild(h("h3", { text: d.strings[d.name[i]] ?? "" }));
    const dl = h("dl");
    box.appendChild(dl);
    for (const [text] of frameLines(d, i).slice(1)) dl.appendChild(h("div", { class: "muted", text }));
    if (d.count && d.count[i] > 1 && d.members && d.members[i]) renderMembers(dl, d, i);
    if (!id || !state.sessionId) return;
    try {
      const ev = await transport.request(EVENT, { sessionId: state.sessionId, eventId: id });
      if (!current() || !ev) return;
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
      if (current()) box.appendChild(h("p", { class: "muted", text: `Details unavailable: ${e.message}` }));
    }
  }

  return { onHover, renderDetails };
}
