// The flame graph view: data, canvas painting and the overlay; zoom, pan, search, hit testing
// and their input are in flameinput.js.
//
// Why it is fast: rows (lanes, see lanes.js) are sorted by start with a prefix maximum
// of their ends, so a paint binary-searches the first frame in view and walks only frames
// that intersect it; runs of frames narrower than a pixel merge into one pixel column.
// Only rows scrolled into view are painted. Hover and selection are drawn on an overlay
// canvas, so moving the mouse never repaints the graph.
import { MIN_FRAME_PX, MIN_LABEL_PX, OTHER_COLOR, ROW_HEIGHT, formatValue, lowerBound, upperBound } from "./flame.js";
import { fade, textOn } from "./colors.js";
import { drawAxis, drawMinimap } from "./overview.js";
import { back, bindInput, frameAt, frameBox, panBy, reset, scrollToRow, search, zoomAt, zoomTo, zoomToFrame } from "./flameinput.js";
import { canvasPainter } from "./paint.js";

export class FlameGraphView {
  /**
   * @param {{canvas, overlay, wrap, sizer, axis, minimap}} el  canvases and their scroller
   * @param {{onSelect?, onHover?, onView?}} callbacks
   */
  constructor(el, callbacks = {}) {
    this.el = el;
    this.canvas = el.canvas;
    this.ctx = el.canvas.getContext("2d", { alpha: false });
    this.octx = el.overlay.getContext("2d");
    this.cb = callbacks;
    this.data = null;
    this.vs = 0;
    this.ve = 1;
    this.selected = -1;
    this.hovered = -1;
    this.cssWidth = 0;
    this.cssHeight = 0;
    this.rowsShown = 0;
    this.scrollTop = 0;
    this.history = []; // zooms to go Back to: {vs, ve, label}
    this.match = null; // Uint8Array of frames the search matches, or null
    this.stats = { visible: 0, merged: 0, labels: 0 };
    this.rects = null; // set to [] to record drawn rectangles (tests)
    this.labelColors = new Map(); // "fill|text" pairs used, for contrast checks
    this.paintCount = 0;
    this.lastPaintMs = 0;
    this.lastOverlayMs = 0;
    this.firstPaintAt = 0;
    this.pending = false;
    this.colors = { bg: "#ffffff", fg: "#1f2328", select: "#111111", muted: "#57606a", idle: "#e5e7eb" };
    this.font = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    this.charW = 7;
    bindInput(this);
  }

  // ------------------------------------------------------------ data and view

  /** Replaces the data; `keepView` keeps the zoom window (live updates). */
  setData(data, keepView = false) {
    const prev = this.data;
    const wasFull = !prev || (this.vs <= 0 && this.ve >= prev.domainEnd);
    const selectedId = prev && this.selected >= 0 && prev.ids ? prev.ids[this.selected] : null;
    this.data = data;
    this.hovered = -1;
    this.match = null;
    this.selected = selectedId ? this.indexOfId(selectedId) : -1;
    this._palette();
    if (!keepView || wasFull) {
      this.vs = 0;
      this.ve = data.domainEnd;
      this.history = [];
    } else {
      this.ve = Math.min(this.ve, data.domainEnd);
      if (this.ve <= this.vs) {
        this.vs = 0;
        this.ve = data.domainEnd;
      }
    }
    this._minimapBase = null;
    this.resize();
    if (this.cb.onView) this.cb.onView(this.vs, this.ve);
    if (this.cssWidth > 1) this.drawNow(); // a hidden panel (width 0) draws when shown
  }

  indexOfId(id) {
    const ids = this.data && this.data.ids;
    if (!ids || id == null) return -1;
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return -1;
  }

  setTheme(colors) {
    Object.assign(this.colors, colors);
    this._palette();
    this._minimapBase = null;
    this.requestDraw();
  }

  _palette() {
    const d = this.data;
    if (!d) return;
    this.fills = d.typeColor;
    this.texts = d.typeColor.map(textOn);
    this.faded = d.typeColor.map((c) => fade(c, this.colors.bg));
    this.fadedTexts = this.faded.map(textOn);
  }

  resize() {
    const { canvas, overlay, wrap, sizer, axis, minimap } = this.el;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.floor(wrap.clientWidth));
    const rows = this.data ? this.data.maxRow + 1 : 1;
    sizer.style.height = `${rows * ROW_HEIGHT}px`;
    const h = Math.max(ROW_HEIGHT, Math.min(wrap.clientHeight || rows * ROW_HEIGHT, rows * ROW_HEIGHT));
    this.cssWidth = w;
    this.cssHeight = h;
    this.rowsShown = this.data ? rows : 0;
    this.dpr = dpr;
    for (const [c, ch] of [[canvas, h], [overlay, h], [axis, 20], [minimap, 36]]) {
      c.style.width = `${w}px`;
      c.style.height = `${ch}px`;
      c.width = Math.round(w * dpr);
      c.height = Math.round(ch * dpr);
    }
    this.ctx.font = this.font;
    this.charW = this.ctx.measureText("MMMMMMMMMM").width / 10 || 7;
    this._minimapBase = null;
    this.scrollTop = wrap.scrollTop;
    // the box as this size left it: the ResizeObserver (app.js) resizes only when it changes
    this.wrapSize = [wrap.clientWidth, wrap.clientHeight];
    this.requestDraw();
  }

  onScroll() {
    this.scrollTop = this.el.wrap.scrollTop;
    this.requestDraw();
  }

  // zoom, pan, scroll, search and hit testing: flameinput.js (with the input that drives them)

  zoomTo(start, end) { return zoomTo(this, start, end); }
  reset() { return reset(this); }
  zoomToFrame(i) { return zoomToFrame(this, i); }
  back() { return back(this); }
  scrollToRow(row, ancestors = false) { return scrollToRow(this, row, ancestors); }
  zoomAt(x, factor) { return zoomAt(this, x, factor); }
  panBy(dx) { return panBy(this, dx); }
  search(query) { return search(this, query); }
  frameAt(x, y) { return frameAt(this, x, y); }
  frameBox(i) { return frameBox(this, i); }

  select(i) {
    this.selected = i;
    this.drawOverlay();
    if (this.cb.onSelect) this.cb.onSelect(i);
  }

  hover(i) {
    if (i === this.hovered) return;
    this.hovered = i;
    this.drawOverlay();
  }

  // ------------------------------------------------------------ painting

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    this._raf = requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** Draws at once, dropping a pending frame's draw: new data is on the next frame, not the one after. */
  drawNow() {
    if (this.pending) {
      cancelAnimationFrame(this._raf);
      this.pending = false;
    }
    this.draw();
  }

  draw() {
    const t0 = performance.now();
    const ctx = this.ctx;
    const d = this.data;
    const W = this.cssWidth;
    const H = this.cssHeight;
    const dpr = this.dpr || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.colors.bg;
    ctx.fillRect(0, 0, W, H);
    let visible = 0;
    let merged = 0;
    let labels = 0;
    const rects = this.rects ? [] : null;
    if (d && d.n) {
      const scale = W / (this.ve - this.vs);
      if (ctx.font !== this.font) ctx.font = this.font; // setting it resolves the page's style
      ctx.textBaseline = "middle";
      const r0 = Math.max(0, Math.floor(this.scrollTop / ROW_HEIGHT));
      const r1 = Math.min(d.rows.length, Math.ceil((this.scrollTop + H) / ROW_HEIGHT));
      const p = canvasPainter(ctx, (this._strip ||= {}), W, r1 - r0, dpr);
      this._drawIdle(p, scale, W, H);
      const out = { rects, labelsOut: this.labelsOut, labelColors: this.labelColors };
      const st = this.paintRows(p, r0, r1, this.scrollTop, this.vs, this.ve, out);
      p.finish();
      visible = st.visible;
      merged = st.merged;
      labels = st.labels;
    }
    this.stats = { visible, merged, labels };
    if (rects) this.rects = rects;
    this.paintCount++;
    this.drawAxis();
    this.drawMinimap();
    this.drawOverlay();
    this.lastPaintMs = performance.now() - t0;
    if (d && !this.firstPaintAt) this.firstPaintAt = performance.now();
  }

  /**
   * Rows r0 to r1 - 1 of the window [vs, ve) with painter `p` (row r at r * ROW_HEIGHT - top);
   * the paint's counts. `out` takes what tests read of a paint (the boxes drawn, the labels,
   * their colour pairs); paint.js warmUp paints off the page with none of it.
   */
  paintRows(p, r0, r1, top, vs, ve, { rects = null, labelsOut = null, labelColors = null } = {}) {
    const scale = this.cssWidth / (ve - vs);
    const st = { visible: 0, merged: 0, labels: 0, p, slot: 0, vs, ve, rects, labelsOut, labelColors };
    for (let r = r0; r < r1; r++) {
      st.slot = r - r0;
      this._paintRow(this.data.rows[r], r * ROW_HEIGHT - top, scale, st);
    }
    return st;
  }

  /**
   * One row: frames of a pixel or more each, narrower ones merged per pixel column, and
   * adjacent merged columns of one colour drawn as one rectangle (st.p: paint.js). Zoomed
   * out this loop runs ~15k times a paint, the first ones unoptimised: its state is in
   * plain locals (no closure over them) and the wide frames are drawn by _paintFrame.
   */
  _paintRow(row, y, scale, st) {
    const { value, type } = this.data;
    const { s: rs, me: rme, idx } = row;
    const { match, fills, faded } = this;
    const { rects, p, slot, vs, ve } = st;
    const RH = ROW_HEIGHT - 1;
    const n = idx.length;
    let run0 = 0; // pending run of merged columns: [run0, run1) in one colour
    let run1 = 0;
    let runFill = "";
    let runFrame = -1;
    let merged = 0;
    let k = upperBound(rme, vs, 0, n);
    let lastX = -Infinity; // right edge drawn so far: a rounded pixel column never overlaps
    while (k < n) {
      const s = rs[k];
      if (s >= ve) break;
      const i = idx[k];
      const e = s + value[i];
      const x0 = (s - vs) * scale;
      const x1 = (e - vs) * scale;
      const t = type[i];
      const dim = match !== null && !match[i];
      const fill = (dim ? faded[t] : fills[t]) || OTHER_COLOR;
      if (x1 - x0 >= MIN_FRAME_PX) {
        if (e > vs) {
          emitRun(p, rects, run0, run1, slot, y, RH, runFill, runFrame);
          run0 = run1 = 0;
          lastX = this._paintFrame(i, x0, x1, lastX, y, fill, dim, st);
        }
        k++;
        continue;
      }
      if (e <= vs) {
        k++;
        continue;
      }
      // Merge every frame that starts in this pixel column and ends inside it.
      const col = Math.floor(x0);
      const u = vs + (col + 1) / scale;
      // gallop from k: the next frame past this column is usually a few entries on
      let step = 1;
      while (k + step < n && rs[k + step] < u) step *= 2;
      let j = lowerBound(rs, u, k + (step >> 1) + 1, Math.min(n, k + step + 1));
      const last = j - 1;
      if (last > k && rme[last] > u) j = rme[last - 1] <= u ? last : k + 1;
      const c0 = Math.max(col, lastX);
      if (col + 1 > c0) {
        if (run1 > run0 && fill === runFill && c0 <= run1) {
          run1 = col + 1;
        } else {
          emitRun(p, rects, run0, run1, slot, y, RH, runFill, runFrame);
          run0 = c0;
          run1 = col + 1;
          runFill = fill;
          runFrame = i;
        }
        lastX = col + 1;
      }
      merged++;
      k = j;
    }
    emitRun(p, rects, run0, run1, slot, y, RH, runFill, runFrame);
    st.merged += merged;
  }

  /** Frame i of a pixel or more: its rectangle and, with room, its label; the right edge drawn. */
  _paintFrame(i, x0, x1, lastX, y, fill, dim, st) {
    const d = this.data;
    const W = this.cssWidth;
    const RH = ROW_HEIGHT - 1;
    const t = d.type[i];
    st.visible++;
    const cx0 = Math.max(x0 < -1 ? -1 : x0, lastX);
    const cx1 = x1 > W + 1 ? W + 1 : x1;
    const w = cx1 - cx0;
    const dw = w > 1.5 ? w - 0.5 : w;
    if (dw > 0) {
      st.p.rect(cx0, y, dw, RH, fill);
      lastX = cx0 + dw;
      if (st.rects) st.rects.push([cx0, y, dw, RH, i]);
    }
    if (w >= MIN_LABEL_PX) {
      const maxChars = Math.floor((w - 6) / this.charW);
      if (maxChars >= 2) {
        const tc = dim ? this.fadedTexts[t] : this.texts[t];
        const text = this._label(d.strings[d.name[i]] ?? "", d.rvalue[i], maxChars, d.count ? d.count[i] : 1);
        st.p.text(text, Math.max(cx0, 0) + 3, y + RH / 2 + 0.5, tc);
        if (st.labelsOut) st.labelsOut.push(text);
        if (st.labelColors) st.labelColors.set(`${fill}|${tc}`, 1);
        st.labels++;
      }
    }
    return lastX;
  }

  /** Collapsed idle gaps: a hatched band below the root row (nothing else runs there). */
  _drawIdle(p, scale, W, H) {
    const d = this.data;
    for (const g of d.idle) {
      const x0 = (g.at - this.vs) * scale;
      const x1 = (g.at + g.width - this.vs) * scale;
      if (x1 < 0 || x0 > W) continue;
      const y0 = ROW_HEIGHT - this.scrollTop;
      p.rect(x0, Math.max(0, y0), Math.max(1, x1 - x0), H, this.colors.idle);
    }
  }

  /** Hover and selection outlines only: the cheap repaint a mouse move needs. */
  drawOverlay() {
    const t0 = performance.now();
    const ctx = this.octx;
    const dpr = this.dpr || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssWidth, this.cssHeight);
    this._outline(this.hovered, this.colors.fg, 1);
    this._outline(this.selected, this.colors.select, 2);
    this.lastOverlayMs = performance.now() - t0;
  }

  drawAxis() {
    drawAxis(this);
  }

  drawMinimap() {
    drawMinimap(this);
  }

  _outline(i, color, width) {
    const d = this.data;
    if (i < 0 || !d || i >= d.n) return;
    const b = this.frameBox(i);
    if (b.x + b.w < 0 || b.x > this.cssWidth || b.y + b.h < 0 || b.y > this.cssHeight) return;
    const x0 = Math.max(b.x, 0);
    const x1 = Math.min(b.x + b.w, this.cssWidth);
    const ctx = this.octx;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(x0 + width / 2, b.y + width / 2, Math.max(1, x1 - x0 - width), ROW_HEIGHT - 1 - width);
  }

  /** "Read ×76 (1:02)": a merged frame says how many calls it stands for. */
  _label(name, value, maxChars, count = 1) {
    const times = count > 1 ? ` ×${count}` : "";
    const full = `${name}${times} (${formatValue(value, this.data.unit)})`;
    if (full.length <= maxChars) return full;
    if (times && name.length + times.length <= maxChars) return name + times;
    if (name.length <= maxChars) return name;
    return name.slice(0, maxChars - 1) + "…";
  }
}

/** A run of merged pixel columns [x0, x1) of one colour, if any, and its hit box when boxes are kept. */
function emitRun(p, rects, x0, x1, slot, y, h, fill, frame) {
  if (x1 <= x0) return;
  p.columns(x0, x1, slot, y, h, fill);
  if (rects) rects.push([x0, y, x1 - x0, h, frame]);
}
