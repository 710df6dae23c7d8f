// Mouse, wheel, keyboard and minimap input of the flame graph view (flameview.js).

import { lowerBound } from "./flame.js";

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
