// Navigation of the flame graph view (flameview.js): zoom, pan, Back, scrolling to a row, search
// and hit testing (the view's methods of those names call these), and the mouse, wheel, keyboard
// and minimap input that drives them.

import { ROW_HEIGHT, lowerBound, upperBound } from "./flame.js";

export function bindInput(view) {
  const { canvas: c, wrap, minimap } = view.el;
  const pos = (ev, el = c) => {
    const r = el.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  };
  wrap.addEventListener("scroll", () => view.onScroll(), { passive: true });
  c.addEventListener(
    "wheel",
    (ev) => {
      if (!view.data) return;
      const p = pos(ev);
      const dx = ev.shiftKey ? ev.deltaY : ev.deltaX;
      if (Math.abs(dx) > Math.abs(ev.deltaY) || ev.shiftKey) {
        ev.preventDefault();
        view.panBy(dx);
      } else if (ev.ctrlKey || ev.metaKey || !ev.altKey) {
        // plain wheel zooms (as in speedscope); alt+wheel scrolls the rows natively
        ev.preventDefault();
        const unitScale = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
        view.zoomAt(p.x, Math.exp(ev.deltaY * unitScale * 0.002));
      }
    },
    { passive: false },
  );
  let drag = null;
  c.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    const p = pos(ev);
    drag = { x: p.x, y: p.y, lastX: p.x, lastY: p.y, moved: false };
    c.setPointerCapture(ev.pointerId);
  });
  c.addEventListener("pointermove", (ev) => {
    const p = pos(ev);
    if (drag) {
      if (Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 3) drag.moved = true;
      if (drag.moved) {
        view.panBy(drag.lastX - p.x);
        if (p.y !== drag.lastY) wrap.scrollTop += drag.lastY - p.y;
        drag.lastX = p.x;
        drag.lastY = p.y;
        hover(-1, ev);
        return;
      }
    }
    hover(view.frameAt(p.x, p.y), ev);
  });
  c.addEventListener("pointerup", (ev) => {
    const d = drag;
    drag = null;
    if (d && !d.moved) {
      const p = pos(ev);
      view.select(view.frameAt(p.x, p.y));
    }
  });
  c.addEventListener("pointerleave", (ev) => {
    if (!drag) hover(-1, ev);
  });
  c.addEventListener("dblclick", (ev) => {
    const p = pos(ev);
    const i = view.frameAt(p.x, p.y);
    if (i >= 0) view.zoomToFrame(i);
  });
  c.addEventListener("keydown", (ev) => key(view, ev));

  // Minimap: drag the viewport (or press anywhere to centre it there, then drag).
  let mdrag = null;
  minimap.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0 || !view.data) return;
    const D = view.data.domainEnd;
    const W = view.cssWidth;
    const u = (pos(ev, minimap).x / W) * D;
    const span = view.ve - view.vs;
    if (u < view.vs || u > view.ve) view.zoomTo(u - span / 2, u + span / 2);
    mdrag = { u, vs: view.vs };
    minimap.setPointerCapture(ev.pointerId);
  });
  minimap.addEventListener("pointermove", (ev) => {
    if (!mdrag) return;
    const D = view.data.domainEnd;
    const du = (pos(ev, minimap).x / view.cssWidth) * D - mdrag.u;
    const span = view.ve - view.vs;
    const s = Math.max(0, Math.min(D - span, mdrag.vs + du));
    view.zoomTo(s, s + span);
  });
  minimap.addEventListener("pointerup", () => {
    mdrag = null;
  });

  function hover(i, ev) {
    view.hover(i);
    if (view.cb.onHover) view.cb.onHover(i, ev);
  }
}

function key(view, ev) {
  const d = view.data;
  if (!d) return;
  const sel = view.selected;
  const mid = view.cssWidth / 2;
  const center = (i) => {
    const b = view.frameBox(i);
    return Math.min(view.cssWidth, Math.max(0, b.x + b.w / 2));
  };
  let handled = true;
  switch (ev.key) {
    case "+":
    case "=":
      view.zoomAt(sel >= 0 ? center(sel) : mid, 0.8);
      break;
    case "-":
    case "_":
      view.zoomAt(sel >= 0 ? center(sel) : mid, 1.25);
      break;
    case "0":
    case "Escape":
      view.reset();
      break;
    case "Backspace":
      view.back();
      break;
    case "Enter":
      if (sel >= 0) view.zoomToFrame(sel);
      break;
    case "ArrowUp":
      view.select(sel >= 0 ? Math.max(0, d.parent[sel]) : 0);
      ensureVisible(view);
      break;
    case "ArrowDown":
      view.select(sel < 0 ? 0 : firstChild(d, sel));
      ensureVisible(view);
      break;
    case "ArrowLeft":
    case "ArrowRight":
      if (sel < 0) {
        view.panBy((ev.key === "ArrowLeft" ? -0.1 : 0.1) * view.cssWidth);
      } else {
        view.select(sibling(d, sel, ev.key === "ArrowLeft" ? -1 : 1));
        ensureVisible(view);
      }
      break;
    default:
      handled = false;
  }
  if (handled) ev.preventDefault();
}

function firstChild(d, i) {
  // Pre-order: a first child, when there is one, directly follows its parent.
  return i + 1 < d.n && d.parent[i + 1] === i ? i + 1 : i;
}

function sibling(d, i, dir) {
  const row = d.rows[d.row[i]];
  let k = lowerBound(row.s, d.start[i], 0, row.s.length);
  while (k < row.idx.length && row.idx[k] !== i) k++;
  const k2 = k + dir;
  return k2 >= 0 && k2 < row.idx.length ? row.idx[k2] : i;
}

export function ensureVisible(view) {
  const i = view.selected;
  if (i < 0) return;
  const s = view.data.start[i];
  const e = s + view.data.value[i];
  if (e < view.vs || s > view.ve) {
    const span = view.ve - view.vs;
    const c = (s + e) / 2;
    view.zoomTo(c - span / 2, c + span / 2);
  }
  view.scrollToRow(view.data.row[i]);
}

// ------------------------------------------------------------ zoom, pan and scroll

/** Zooms to [start, end] in display units (clamped to the data). */
export function zoomTo(view, start, end) {
  if (!view.data) return;
  const D = view.data.domainEnd;
  const minSpan = Math.max(D * 1e-9, 1e-6);
  let s = Math.max(0, Math.min(start, D));
  let e = Math.max(s + minSpan, Math.min(end, D));
  if (e > D) {
    e = D;
    s = Math.max(0, D - minSpan);
  }
  view.vs = s;
  view.ve = e;
  view.requestDraw();
  if (view.cb.onView) view.cb.onView(view.vs, view.ve);
}

export function reset(view) {
  if (!view.data) return;
  view.history = [];
  zoomTo(view, 0, view.data.domainEnd);
}

/** Zooms to a frame, remembering the view for Back; its ancestors' rows stay in view. */
export function zoomToFrame(view, i) {
  const d = view.data;
  if (!d || i < 0) return;
  const s = d.start[i];
  const v = d.value[i];
  view.history.push({ vs: view.vs, ve: view.ve, label: view.history.length ? view.history[view.history.length - 1].next : "Whole session", next: "" });
  view.history[view.history.length - 1].next = d.strings[d.name[i]] ?? "";
  view.history[view.history.length - 1].frame = i;
  view.select(i);
  zoomTo(view, s, s + (v > 0 ? v : d.domainEnd * 1e-6));
  scrollToRow(view, d.row[i], true);
}

export function back(view) {
  const h = view.history.pop();
  if (h) zoomTo(view, h.vs, h.ve);
  return !!h;
}

/** Scrolls vertically so `row` shows; with `ancestors`, as much above it as fits. */
export function scrollToRow(view, row, ancestors = false) {
  const wrap = view.el.wrap;
  const y = row * ROW_HEIGHT;
  const H = view.cssHeight;
  let top = wrap.scrollTop;
  if (ancestors) top = Math.max(0, y + ROW_HEIGHT - H);
  else if (y < top) top = y;
  else if (y + ROW_HEIGHT > top + H) top = y + ROW_HEIGHT - H;
  if (top !== wrap.scrollTop) {
    wrap.scrollTop = top;
    view.scrollTop = wrap.scrollTop;
    view.requestDraw();
  }
}

export function zoomAt(view, x, factor) {
  if (!view.data) return;
  const span = view.ve - view.vs;
  const D = view.data.domainEnd;
  const u = view.vs + (x / view.cssWidth) * span;
  const newSpan = Math.min(D, Math.max(D * 1e-9, span * factor));
  let s = u - (x / view.cssWidth) * newSpan;
  s = Math.max(0, Math.min(s, D - newSpan));
  zoomTo(view, s, s + newSpan);
}

export function panBy(view, dx) {
  if (!view.data) return;
  const span = view.ve - view.vs;
  const du = (dx / view.cssWidth) * span;
  const s = Math.max(0, Math.min(view.vs + du, view.data.domainEnd - span));
  zoomTo(view, s, s + span);
}

// ------------------------------------------------------------ search

/** Marks frames whose name contains `query` (case-insensitive); returns their indexes. */
export function search(view, query) {
  const d = view.data;
  const q = (query || "").trim().toLowerCase();
  if (!d || !q) {
    if (view.match !== null) view.requestDraw(); // nothing was faded: nothing to redraw
    view.match = null;
    return [];
  }
  const hitName = d.strings.map((s) => String(s).toLowerCase().includes(q));
  const mask = new Uint8Array(d.n);
  const found = [];
  for (let i = 0; i < d.n; i++) {
    if (hitName[d.name[i]]) {
      mask[i] = 1;
      found.push(i);
    }
  }
  found.sort((a, b) => d.start[a] - d.start[b] || d.row[a] - d.row[b]);
  view.match = mask;
  view.requestDraw();
  return found;
}

// ------------------------------------------------------------ hit testing

/** Frame index under CSS pixel (x, y) of the canvas, or -1. */
export function frameAt(view, x, y) {
  const d = view.data;
  if (!d || x < 0 || x > view.cssWidth || y < 0 || y > view.cssHeight) return -1;
  const r = Math.floor((y + view.scrollTop) / ROW_HEIGHT);
  if (r < 0 || r >= d.rows.length) return -1;
  const row = d.rows[r];
  const perPx = (view.ve - view.vs) / view.cssWidth;
  const u = view.vs + x * perPx;
  const k0 = upperBound(row.s, u, 0, row.s.length) - 1;
  for (let k = k0; k >= 0 && row.me[k] > u; k--) {
    const i = row.idx[k];
    if (row.s[k] + d.value[i] > u) return i;
  }
  // Sub-pixel frames: accept the nearest one within a pixel.
  const k = upperBound(row.s, u + perPx, 0, row.s.length) - 1;
  if (k >= 0) {
    const i = row.idx[k];
    if (row.s[k] + d.value[i] >= u - perPx) return i;
  }
  return -1;
}

/** The CSS-pixel box of frame i in the current view, relative to the canvas. */
export function frameBox(view, i) {
  const d = view.data;
  const scale = view.cssWidth / (view.ve - view.vs);
  const x0 = (d.start[i] - view.vs) * scale;
  const x1 = (d.start[i] + d.value[i] - view.vs) * scale;
  return { x: x0, y: d.row[i] * ROW_HEIGHT - view.scrollTop, w: x1 - x0, h: ROW_HEIGHT };
}
