// The flame graph card: toolbar (views, search, Back, breadcrumb), minimap, time axis,
// the scrolling canvas with its overlay, and the DOM text a screen reader needs (top
// frames with the sandwich of the chosen one, the selected frame's details).
import { TYPE_COLORS, formatValue } from "./flame.js";
import { lazyNumberFormat } from "./format.js";

const NF = lazyNumberFormat();
// the top frames and the sandwich come after the first paint: their modules too (issue 13)
let later = null;
const laterModules = () => (later ||= Promise.all([import("./sandwich.js"), import("./tables.js")]));

/** Builds the card; returns {card, elements (for FlameGraphView), wire(view)}. */
export function flameCard({ h, modes, mode, onMode, onReset }) {
  const modeButtons = Object.entries(modes).map(([id, m]) =>
    h("button", { class: "mode", "data-mode": id, "aria-pressed": String(id === mode), text: m.label, onclick: () => onMode(id) }),
  );
  const legend = Object.entries(TYPE_COLORS).map(([t, c]) => {
    const sw = h("span", { class: "swatch" });
    sw.style.background = c;
    return h("span", { class: "legend-item" }, sw, t.replace("_", " "));
  });
  const canvas = h("canvas", {
    id: "flame-canvas",
    tabindex: "0",
    role: "img",
    "aria-label": "Flame graph. Arrow keys move the selection, Enter zooms to it, Backspace goes back, plus and minus zoom, 0 or Escape resets. The selected frame's details and the top frames follow as text.",
  });
  const overlay = h("canvas", { id: "flame-overlay", class: "flame-overlay", "aria-hidden": "true" });
  const sizer = h("div", { id: "flame-sizer", class: "flame-sizer" });
  const stack = h("div", { class: "flame-stack" }, canvas, overlay);
  const wrap = h("div", { id: "flame-wrap", class: "flame-wrap" }, stack, sizer);
  const axis = h("canvas", { id: "flame-axis", class: "flame-axis", "aria-hidden": "true" });
  const minimap = h("canvas", { id: "flame-minimap", class: "flame-minimap", role: "img", "aria-label": "Overview of the whole session; drag the highlighted window to move the view" });
  const search = h("input", { id: "flame-search", class: "search", type: "search", placeholder: "Search frames (Ctrl+F or /)", "aria-label": "Search frames", autocomplete: "off" });
  const count = h("span", { id: "flame-search-count", class: "search-count", "aria-live": "polite" });
  const prev = h("button", { class: "step", type: "button", "aria-label": "Previous match", text: "↑" });
  const next = h("button", { class: "step", type: "button", "aria-label": "Next match", text: "↓" });
  const back = h("button", { id: "flame-back", class: "reset", type: "button", text: "Back", disabled: true });
  const crumbs = h("nav", { id: "flame-crumbs", class: "crumbs", "aria-label": "Zoom history" });
  const path = h("nav", { id: "flame-path", class: "crumbs path", "aria-label": "Ancestors of the zoomed frame" });
  const topList = h("div", { id: "flame-top", class: "flame-top" });
  const sandwichBox = h("div", { id: "flame-sandwich", class: "sandwich", "aria-live": "polite" });
  const card = h(
    "div",
    { class: "card flame-card" },
    h(
      "div",
      { class: "flame-toolbar" },
      h("h2", { text: "Flame graph" }),
      h("div", { class: "modes", role: "group", "aria-label": "Flame graph view" }, modeButtons),
      h("div", { class: "searchbox", role: "search" }, search, count, prev, next),
      back,
      h("button", { id: "flame-reset", class: "reset", type: "button", text: "Reset zoom", onclick: onReset }),
    ),
    crumbs,
    path,
    minimap,
    axis,
    wrap,
    h("div", { class: "hint", text: "Hover for details • Click selects • Double-click zooms • Wheel zooms, drag pans • Backspace goes back" }),
    h("div", { class: "legend" }, legend),
    h("div", { id: "flame-tooltip", class: "tooltip", role: "tooltip", hidden: true }),
    h("div", { id: "flame-details", class: "details", "aria-live": "polite" }),
    h("details", { class: "flame-names", open: true }, h("summary", { text: "Top frames and sandwich (callers above, callees below)" }), h("div", { class: "names-grid" }, topList, sandwichBox)),
  );
  const elements = { canvas, overlay, wrap, sizer, axis, minimap };

  /** Connects the toolbar to a FlameGraphView; returns functions app.js calls on new data. */
  function wire(view) {
    let found = [];
    let at = -1;
    const show = () => {
      // no number to write without a query: the page's first NumberFormat costs 15-130 ms (issue 13)
      const n = () => NF.format(found.length);
      count.textContent = !search.value.trim() ? "" : !found.length ? "no match" : at < 0 ? `${n()} ${found.length === 1 ? "match" : "matches"}` : `${at + 1} of ${n()}`;
    };
    const step = (dir) => {
      if (!found.length) return;
      at = (at + dir + found.length) % found.length;
      const i = found[at];
      view.select(i);
      const d = view.data;
      const s = d.start[i];
      const e = s + d.value[i];
      if (e - s > view.ve - view.vs || s < view.vs || e > view.ve) {
        const pad = Math.max((e - s) * 0.25, (view.ve - view.vs) * 0.02);
        view.zoomTo(s - pad, e + pad);
      }
      view.scrollToRow(d.row[i]);
      show();
    };
    const run = () => {
      found = view.search(search.value);
      at = -1;
      show();
    };
    search.addEventListener("input", run);
    search.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === "F3") {
        ev.preventDefault();
        step(ev.shiftKey ? -1 : 1);
      } else if (ev.key === "Escape") {
        search.value = "";
        run();
        canvas.focus();
      }
    });
    prev.addEventListener("click", () => step(-1));
    next.addEventListener("click", () => step(1));
    back.addEventListener("click", () => view.back());
    document.addEventListener("keydown", (ev) => {
      const inField = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName || "");
      if (((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "f") || (ev.key === "/" && !inField)) {
        if (!card.offsetParent) return; // the Overview tab is hidden
        ev.preventDefault();
        search.focus();
        search.select();
      }
    });
    let shown = null; // [data, key] of the crumbs on the page
    const renderCrumbs = () => {
      // a wheel zoom calls this on every step: the page is left alone when nothing changed (a
      // DOM write there made the next paint recompute the page's style: 3-12 ms, issue 13)
      const key = view.history.map((z) => `${z.label}\u0000${z.next}\u0000${z.frame}`).join("\u0001");
      if (shown && shown[0] === view.data && shown[1] === key) return;
      shown = [view.data, key];
      back.disabled = !view.history.length;
      const items = view.history.map((z, k) =>
        h("button", { class: "crumb link", type: "button", text: z.label || "…", onclick: () => {
          view.history.length = k;
          view.zoomTo(z.vs, z.ve);
        } }),
      );
      if (view.history.length) items.push(h("span", { class: "crumb current", "aria-current": "true", text: view.history[view.history.length - 1].next }));
      crumbs.replaceChildren(...joined(items));
      // the zoomed frame's ancestors, each a click away (they also stay on the rows above it)
      const last = view.history[view.history.length - 1];
      const d = view.data;
      const chain = [];
      if (last && d && last.frame >= 0 && last.frame < d.n) {
        for (let p = d.parent[last.frame]; p >= 0; p = d.parent[p]) chain.unshift(p);
      }
      path.replaceChildren(
        ...(chain.length ? [h("span", { class: "muted", text: "In:" })] : []),
        ...joined(chain.map((p) => h("button", { class: "crumb link", type: "button", "data-frame": String(p), text: String(d.strings[d.name[p]] ?? ""), title: String(d.strings[d.name[p]] ?? ""), onclick: () => view.zoomToFrame(p) }))),
      );
    };
    const joined = (els) => els.flatMap((el, k) => (k ? [h("span", { class: "sep", "aria-hidden": "true", text: "›" }), el] : [el]));
    const renderNames = async () => {
      const [{ nameTotals }, { dataTable }] = await laterModules();
      const d = view.data;
      if (!d) return;
      const rows = nameTotals(d).slice(0, 2000);
      const unit = d.unit;
      const choose = (r) => renderSandwich(r.nameIdx);
      topList.replaceChildren(
        dataTable({
          h,
          label: "Top frames",
          rows,
          sort: [1, -1],
          columns: [
            { label: "NAME", sort: (r) => r.name, title: (r) => r.name, cell: (r) => h("button", { class: "link name-link", type: "button", text: r.name, onclick: () => choose(r) }) },
            { label: "TOTAL", num: 1, sort: (r) => r.total, cell: (r) => formatValue(r.total, unit) },
            { label: "SELF", num: 1, sort: (r) => r.self, cell: (r) => formatValue(r.self, unit) },
            { label: "FRAMES", num: 1, sort: (r) => r.count, cell: (r) => NF.format(r.count) },
          ],
        }),
      );
      if (rows.length) renderSandwich(rows.find((r) => r.nameIdx !== d.name[0])?.nameIdx ?? rows[0].nameIdx);
    };
    const renderSandwich = async (nameIdx) => {
      const [{ sandwich }] = await laterModules();
      const d = view.data;
      const sw = sandwich(d, nameIdx);
      const list = (title, items, cls) =>
        h(
          "div",
          { class: `sw-part ${cls}` },
          h("h3", { text: title }),
          items.length
            ? h("ul", null, items.slice(0, 50).map((c) => h("li", { "data-name": c.name, "data-total": String(c.total) }, h("span", { class: "sw-name", text: c.name }), h("span", { class: "sw-total", text: `${formatValue(c.total, d.unit)} · ${NF.format(c.count)}×` }))))
            : h("p", { class: "muted", text: "none" }),
        );
      sandwichBox.replaceChildren(
        list("Callers", sw.callers, "callers"),
        h("div", { class: "sw-self", "data-name": sw.name, "data-total": String(sw.total), "data-count": String(sw.count) }, h("span", { class: "sw-name", text: sw.name }), h("span", { class: "sw-total", text: `total ${formatValue(sw.total, d.unit)} · ${NF.format(sw.count)} frames` })),
        list("Callees", sw.callees, "callees"),
      );
    };
    return { renderCrumbs, renderNames, renderSandwich, rerunSearch: run };
  }
  return { card, elements, wire };
}

