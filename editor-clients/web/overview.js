// The time axis above the flame graph and the minimap (the whole session with the
// current view as a draggable window) of a FlameGraphView (flameview.js).
import { OTHER_COLOR, formatValue } from "./flame.js";
import { ticks } from "./axis.js";
import { afterPaint } from "./paint.js";

/** The 2D context of one of the view's canvases, scaled to CSS pixels. */
function context(view, canvas) {
  const ctx = canvas.getContext("2d");
  const dpr = view.dpr || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { d: view.data, ctx, dpr, W: view.cssWidth };
}

export function drawAxis(view) {
  const { d, ctx, W } = context(view, view.el.axis);
  ctx.fillStyle = view.colors.bg;
  ctx.fillRect(0, 0, W, 20);
  view.axisLabels = [];
  if (!d) return;
  const scale = W / (view.ve - view.vs);
  if (ctx.font !== view.font) ctx.font = view.font; // setting it resolves the page's style
  ctx.textBaseline = "middle";
  let free = -Infinity; // labels never overlap: the next one starts right of this
  const widths = new Map(); // each label is measured once (measureText shapes it: 2-8 ms cold)
  const width = (t) => widths.get(t) ?? widths.set(t, ctx.measureText(t).width).get(t);
  for (let k = 0; k < d.idle.length; k++) {
    const g = d.idle[k];
    const x0 = (g.at - view.vs) * scale;
    const x1 = (g.at + g.width - view.vs) * scale;
    if (x1 < 0 || x0 > W) continue;
    ctx.fillStyle = view.colors.idle;
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), 20);
    // "idle 10m 00s", else "10m 00s" when that is what fits before the next gap; else none
    const next = k + 1 < d.idle.length ? (d.idle[k + 1].at - view.vs) * scale : Infinity;
    const x = Math.max(x0, 0) + 2;
    const time = formatValue(g.end - g.start, "ms");
    const room = Math.min(Math.max(next, x1), W);
    const label = [`idle ${time}`, time].find((t) => x >= free && x + width(t) + 4 <= room);
    if (!label) continue;
    ctx.fillStyle = view.colors.fg;
    ctx.fillText(label, x, 10);
    free = x + width(label) + 6;
    view.axisLabels.push({ x: x0, label });
  }
  ctx.strokeStyle = view.colors.muted;
  ctx.fillStyle = view.colors.fg;
  const taken = view.axisLabels.map((g) => [g.x, g.x + width(g.label) + 6]);
  for (const t of ticks(view.vs, view.ve, W, d.unit, d.toReal, d.toDisplay, d.idle)) {
    const w = width(t.label);
    if (taken.some(([a, b]) => t.x + w + 3 > a && t.x < b)) continue; // an idle label is there

    ctx.fillRect(Math.round(t.x), 12, 1, 8);
    ctx.fillText(t.label, t.x + 3, 8);
    view.axisLabels.push(t);
  }
}

export function drawMinimap(view) {
  const { d, ctx, dpr, W } = context(view, view.el.minimap);
  const MH = 36;
  if (!d) return;
  if (!view._minimapBase) {
    // the overview walks every frame: drawn just after the graph's first paint, not before
    ctx.fillStyle = view.colors.bg;
    ctx.fillRect(0, 0, W, MH);
    if (!view._minimapPending) {
      view._minimapPending = true;
      afterPaint(() => {
        view._minimapPending = false;
        if (!view.data) return;
        view._minimapBase = minimapImage(view, view.cssWidth, MH, view.dpr || 1);
        drawMinimap(view);
      }, 500);
    }
  } else {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(view._minimapBase, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  const x0 = (view.vs / d.domainEnd) * W;
  const x1 = Math.max(x0 + 2, (view.ve / d.domainEnd) * W);
  ctx.fillStyle = "rgba(127,127,127,0.25)";
  ctx.fillRect(x0, 0, x1 - x0, MH);
  ctx.strokeStyle = view.colors.fg;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(x0 + 0.75, 0.75, x1 - x0 - 1.5, MH - 1.5);
}

/** The whole session, every row squeezed into 36 px, drawn once per data/size/theme. */
function minimapImage(view, W, MH, dpr) {
  const d = view.data;
  const img = document.createElement("canvas");
  img.width = Math.round(W * dpr);
  img.height = Math.round(MH * dpr);
  const ctx = img.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = view.colors.bg;
  ctx.fillRect(0, 0, W, MH);
  const rows = d.rows.length;
  const rh = Math.max(0.5, MH / Math.max(rows, 1));
  const scale = W / d.domainEnd;
  for (let r = 0; r < rows && r * rh < MH; r++) {
    const row = d.rows[r];
    let lastCol = -1;
    for (let k = 0; k < row.idx.length; k++) {
      const i = row.idx[k];
      const x0 = row.s[k] * scale;
      const x1 = x0 + d.value[i] * scale;
      if (x1 - x0 < 1 && Math.floor(x0) === lastCol) continue;
      lastCol = Math.floor(x0);
      ctx.fillStyle = view.fills[d.type[i]] || OTHER_COLOR;
      ctx.fillRect(x0, r * rh, Math.max(1, x1 - x0), rh);
    }
  }
  return img;
}
