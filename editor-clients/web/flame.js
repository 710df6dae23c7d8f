// Canvas flame graph for the columnar FlameGraph JSON (sessionprof_ls/models.py).
//
// Why it is fast: the columns become typed arrays once; frames are grouped per depth and
// sorted by start with a prefix maximum of their ends, so each paint binary-searches the
// first frame in view and walks only frames that intersect it. Runs of frames narrower
// than a pixel are merged into one pixel column by jumping (binary search) to the next
// column, so a paint costs O(rows x pixels x log n), not O(n).

export const ROW_HEIGHT = 18;
export const MIN_FRAME_PX = 1; // narrower frames are merged into pixel columns
export const MIN_LABEL_PX = 28;
export const MAX_ROWS = 64;

export const TYPE_COLORS = {
  session: "#3b82f6",
  ai_response: "#8b5cf6",
  tool_execution: "#f59e0b",
  file_read: "#22c55e",
  file_write: "#ef4444",
  network_request: "#06b6d4",
  user_input: "#71717a",
  agent: "#ec4899",
};
export const OTHER_COLOR = "#71717a";
// Light fills get dark text, for contrast.
const DARK_TEXT = new Set(["#f59e0b", "#22c55e", "#06b6d4"]);

/** Turns FlameGraph JSON into typed arrays and per-depth indexes; throws naming what is wrong. */
// Typed array per column of a {"encoding": "base64"} graph (sessionprof_ls/flame.py BASE64_TYPES).
const BASE64_COLUMNS = {
  name: Int32Array, type: Uint8Array, depth: Int32Array, start: Float64Array, value: Float64Array,
  parent: Int32Array, count: Int32Array,
};

function decodeColumns(frames) {
  const out = { ...frames };
  for (const [key, Ctor] of Object.entries(BASE64_COLUMNS)) {
    const text = frames[key];
    if (typeof text !== "string") continue;
    let bin;
    try {
      bin = atob(text);
    } catch (_) {
      throw new Error(`flame graph: column '${key}' is not valid base64`);
    }
    if (bin.length % Ctor.BYTES_PER_ELEMENT) {
      throw new Error(`flame graph: column '${key}' has ${bin.length} bytes, not a whole number of values`);
    }
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    out[key] = new Ctor(bytes.buffer); // little-endian, as the server writes it
  }
  return out;
}

export function buildFlameData(json) {
  if (!json || typeof json !== "object" || !json.frames) {
    throw new Error("flame graph: missing 'frames'");
  }
  const f = json.encoding === "base64" ? decodeColumns(json.frames) : json.frames;
  const strings = Array.isArray(json.strings) ? json.strings : [];
  const types = Array.isArray(json.types) ? json.types : [];
  const cols = ["name", "type", "depth", "start", "value", "parent"];
  for (const c of cols) {
    if (!Array.isArray(f[c]) && !ArrayBuffer.isView(f[c])) {
      throw new Error(`flame graph: column '${c}' is missing or not an array`);
    }
  }
  const n = f.start.length;
  for (const c of cols) {
    if (f[c].length !== n) {
      throw new Error(`flame graph: column '${c}' has ${f[c].length} entries, expected ${n}`);
    }
  }
  const start = Float64Array.from(f.start);
  const value = Float64Array.from(f.value);
  const depth = Int32Array.from(f.depth);
  const name = Int32Array.from(f.name);
  const type = Int32Array.from(f.type);
  const parent = Int32Array.from(f.parent);
  const ids = Array.isArray(f.id) && f.id.length === n ? f.id : null;
  const count = Array.isArray(f.count) && f.count.length === n ? Int32Array.from(f.count) : null;

  let maxDepth = 0;
  let maxEnd = Number.isFinite(json.total) ? json.total : 0;
  for (let i = 0; i < n; i++) {
    const d = depth[i];
    if (d < 0) throw new Error(`flame graph: frame ${i} has negative depth ${d}`);
    if (d > maxDepth) maxDepth = d;
    if (!(value[i] >= 0)) value[i] = 0;
    const e = start[i] + value[i];
    if (e > maxEnd) maxEnd = e;
  }

  // Group frame indexes by depth (stable: pre-order), then sort each group by start.
  const rowCount = n ? maxDepth + 1 : 0;
  const offsets = new Int32Array(rowCount + 1);
  for (let i = 0; i < n; i++) offsets[depth[i] + 1]++;
  for (let d = 0; d < rowCount; d++) offsets[d + 1] += offsets[d];
  const order = new Int32Array(n);
  const fill = offsets.slice(0, rowCount);
  for (let i = 0; i < n; i++) order[fill[depth[i]]++] = i;
  const rowStart = new Float64Array(n);
  const rowMaxEnd = new Float64Array(n);
  const rows = [];
  for (let d = 0; d < rowCount; d++) {
    const a = offsets[d];
    const b = offsets[d + 1];
    let idx = order.subarray(a, b);
    let sorted = true;
    for (let k = 1; k < idx.length; k++) {
      if (start[idx[k]] < start[idx[k - 1]]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const tmp = Array.from(idx).sort((x, y) => start[x] - start[y]);
      idx.set(tmp);
    }
    const s = rowStart.subarray(a, b);
    const me = rowMaxEnd.subarray(a, b);
    let m = -Infinity;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      s[k] = start[i];
      const e = start[i] + value[i];
      if (e > m) m = e;
      me[k] = m;
    }
    rows.push({ idx, s, me });
  }

  const typeColor = types.map((t) => TYPE_COLORS[t] || OTHER_COLOR);
  return {
    n,
    start,
    value,
    depth,
    name,
    type,
    parent,
    ids,
    count,
    strings,
    types,
    typeColor,
    rows,
    maxDepth,
    total: Number.isFinite(json.total) ? json.total : maxEnd,
    domainEnd: maxEnd > 0 ? maxEnd : 1,
    unit: json.unit === "tokens" ? "tokens" : "ms",
    view: json.view,
    weight: json.weight,
  };
}

/** First k in [lo, hi) with a[k] >= x. */
function lowerBound(a, x, lo, hi) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First k in [lo, hi) with a[k] > x. */
function upperBound(a, x, lo, hi) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NF = new Intl.NumberFormat("en-US");

/** Duration in ms as the spec shows it: 450ms, 12.3s, 5:23, 1:02:03. */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export function formatValue(v, unit) {
  return unit === "tokens" ? `${NF.format(Math.round(v))} tk` : formatMs(v);
}

export class FlameGraphView {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onSelect?: Function, onHover?: Function, onView?: Function}} callbacks
   */
  constructor(canvas, callbacks = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { alpha: false });
    this.cb = callbacks;
    this.data = null;
    this.vs = 0;
    this.ve = 1;
    this.selected = -1;
    this.hovered = -1;
    this.cssWidth = 0;
    this.rowsShown = 0;
    this.stats = { visible: 0, merged: 0, labels: 0 };
    this.paintCount = 0;
    this.lastPaintMs = 0;
    this.firstPaintAt = 0;
    this.pending = false;
    this.colors = { bg: "#ffffff", fg: "#1f2328", select: "#111111" };
    this.font = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    this.charW = 7;
    this._drag = null;
    this._bind();
  }

  // ------------------------------------------------------------ data and view

  /** Replaces the data; `keepView` keeps the zoom window (live updates). */
  setData(data, keepView = false) {
    const prev = this.data;
    const wasFull = !prev || (this.vs <= 0 && this.ve >= prev.domainEnd);
    const selectedId = prev && this.selected >= 0 && prev.ids ? prev.ids[this.selected] : null;
    this.data = data;
    this.hovered = -1;
    this.selected = selectedId ? this.indexOfId(selectedId) : -1;
    if (!keepView || wasFull) {
      this.vs = 0;
      this.ve = data.domainEnd;
    } else {
      this.ve = Math.min(this.ve, data.domainEnd);
      if (this.ve <= this.vs) {
        this.vs = 0;
        this.ve = data.domainEnd;
      }
    }
    this.resize();
  }

  indexOfId(id) {
    const ids = this.data && this.data.ids;
    if (!ids || id == null) return -1;
    for (let i = 0; i < ids.length; i++) if (ids[i] === id) return i;
    return -1;
  }

  setTheme(colors) {
    Object.assign(this.colors, colors);
    this.requestDraw();
  }

  resize() {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.floor(c.parentElement ? c.parentElement.clientWidth : c.clientWidth));
    const rows = this.data ? Math.min(this.data.maxDepth + 1, MAX_ROWS) : 1;
    const h = Math.max(1, rows) * ROW_HEIGHT;
    this.cssWidth = w;
    this.rowsShown = this.data ? rows : 0;
    c.style.width = `${w}px`;
    c.style.height = `${h}px`;
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    this.dpr = dpr;
    this.ctx.font = this.font;
    this.charW = this.ctx.measureText("MMMMMMMMMM").width / 10 || 7;
    this.requestDraw();
  }

  /** Zooms to [start, end] in units (clamped to the data). */
  zoomTo(start, end) {
    if (!this.data) return;
    const D = this.data.domainEnd;
    const minSpan = Math.max(D * 1e-9, 1e-6);
    let s = Math.max(0, Math.min(start, D));
    let e = Math.max(s + minSpan, Math.min(end, D));
    if (e > D) {
      e = D;
      s = Math.max(0, D - minSpan);
    }
    this.vs = s;
    this.ve = e;
    this.requestDraw();
    if (this.cb.onView) this.cb.onView(this.vs, this.ve);
  }

  reset() {
    if (this.data) this.zoomTo(0, this.data.domainEnd);
  }

  zoomToFrame(i) {
    if (!this.data || i < 0) return;
    const s = this.data.start[i];
    const v = this.data.value[i];
    this.select(i);
    this.zoomTo(s, s + (v > 0 ? v : this.data.domainEnd * 1e-6));
  }

  /** Zooms by `factor` (< 1 zooms in) keeping the unit under pixel x in place. */
  zoomAt(x, factor) {
    if (!this.data) return;
    const span = this.ve - this.vs;
    const D = this.data.domainEnd;
    const u = this.vs + (x / this.cssWidth) * span;
    const newSpan = Math.min(D, Math.max(D * 1e-9, span * factor));
    let s = u - (x / this.cssWidth) * newSpan;
    s = Math.max(0, Math.min(s, D - newSpan));
    this.zoomTo(s, s + newSpan);
  }

  panBy(dx) {
    if (!this.data) return;
    const span = this.ve - this.vs;
    const du = (dx / this.cssWidth) * span;
    const s = Math.max(0, Math.min(this.vs + du, this.data.domainEnd - span));
    this.zoomTo(s, s + span);
  }

  select(i) {
    this.selected = i;
    this.requestDraw();
    if (this.cb.onSelect) this.cb.onSelect(i);
  }

  // ------------------------------------------------------------ hit testing

  /** Frame index under CSS pixel (x, y) of the canvas, or -1. */
  frameAt(x, y) {
    const d = this.data;
    if (!d || x < 0 || x > this.cssWidth) return -1;
    const depth = Math.floor(y / ROW_HEIGHT);
    if (depth < 0 || depth >= this.rowsShown || depth >= d.rows.length) return -1;
    const row = d.rows[depth];
    const perPx = (this.ve - this.vs) / this.cssWidth;
    const u = this.vs + x * perPx;
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

  /** The CSS-pixel box of frame i in the current view (for tests and keyboard focus). */
  frameBox(i) {
    const d = this.data;
    const scale = this.cssWidth / (this.ve - this.vs);
    const x0 = (d.start[i] - this.vs) * scale;
    const x1 = (d.start[i] + d.value[i] - this.vs) * scale;
    return { x: x0, y: d.depth[i] * ROW_HEIGHT, w: x1 - x0, h: ROW_HEIGHT };
  }

  // ------------------------------------------------------------ painting

  requestDraw() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  draw() {
    const t0 = performance.now();
    const ctx = this.ctx;
    const d = this.data;
    const W = this.cssWidth;
    const dpr = this.dpr || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.colors.bg;
    ctx.fillRect(0, 0, W, this.canvas.height / dpr);
    let visible = 0;
    let merged = 0;
    let labels = 0;
    if (d && d.n) {
      const vs = this.vs;
      const ve = this.ve;
      const scale = W / (ve - vs);
      const { start, value, type, typeColor, name, strings } = d;
      const charW = this.charW;
      ctx.font = this.font;
      ctx.textBaseline = "middle";
      const H = ROW_HEIGHT - 1;
      for (let dep = 0; dep < this.rowsShown; dep++) {
        const row = d.rows[dep];
        const n = row.idx.length;
        const y = dep * ROW_HEIGHT;
        let k = upperBound(row.me, vs, 0, n);
        while (k < n) {
          const s = row.s[k];
          if (s >= ve) break;
          const i = row.idx[k];
          const e = s + value[i];
          const x0 = (s - vs) * scale;
          const x1 = (e - vs) * scale;
          if (x1 - x0 >= MIN_FRAME_PX) {
            if (e > vs) {
              visible++;
              const cx0 = x0 < -1 ? -1 : x0;
              const cx1 = x1 > W + 1 ? W + 1 : x1;
              const color = typeColor[type[i]] || OTHER_COLOR;
              ctx.fillStyle = color;
              const w = cx1 - cx0;
              ctx.fillRect(cx0, y, w > 1.5 ? w - 0.5 : w, H);
              if (w >= MIN_LABEL_PX) {
                const maxChars = Math.floor((w - 6) / charW);
                if (maxChars >= 2) {
                  const text = this._label(strings[name[i]] ?? "", value[i], maxChars);
                  ctx.fillStyle = DARK_TEXT.has(color) ? "#111827" : "#ffffff";
                  ctx.fillText(text, cx0 + 3, y + H / 2 + 0.5);
                  labels++;
                }
              }
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
          let j = lowerBound(row.s, u, k + 1, n);
          const last = j - 1;
          if (last > k && row.me[last] > u) j = row.me[last - 1] <= u ? last : k + 1;
          ctx.fillStyle = typeColor[type[i]] || OTHER_COLOR;
          ctx.fillRect(col, y, 1, H);
          merged++;
          k = j;
        }
      }
      this._outline(this.hovered, this.colors.fg, 1);
      this._outline(this.selected, this.colors.select, 2);
    }
    this.stats = { visible, merged, labels };
    this.paintCount++;
    this.lastPaintMs = performance.now() - t0;
    if (d && !this.firstPaintAt) this.firstPaintAt = performance.now();
  }

  _outline(i, color, width) {
    const d = this.data;
    if (i < 0 || !d || i >= d.n || d.depth[i] >= this.rowsShown) return;
    const b = this.frameBox(i);
    if (b.x + b.w < 0 || b.x > this.cssWidth) return;
    const x0 = Math.max(b.x, 0);
    const x1 = Math.min(b.x + b.w, this.cssWidth);
    const ctx = this.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(x0 + width / 2, b.y + width / 2, Math.max(1, x1 - x0 - width), ROW_HEIGHT - 1 - width);
  }

  _label(name, value, maxChars) {
    const full = `${name} (${formatValue(value, this.data.unit)})`;
    if (full.length <= maxChars) return full;
    if (name.length <= maxChars) return name;
    return name.slice(0, maxChars - 1) + "…";
  }

  // ------------------------------------------------------------ input

  _bind() {
    const c = this.canvas;
    const pos = (ev) => {
      const r = c.getBoundingClientRect();
      return { x: ev.clientX - r.left, y: ev.clientY - r.top };
    };
    c.addEventListener(
      "wheel",
      (ev) => {
        if (!this.data) return;
        ev.preventDefault();
        const p = pos(ev);
        const dx = ev.shiftKey ? ev.deltaY : ev.deltaX;
        if (Math.abs(dx) > Math.abs(ev.deltaY) || ev.shiftKey) {
          this.panBy(dx);
        } else {
          const unitScale = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
          this.zoomAt(p.x, Math.exp(ev.deltaY * unitScale * 0.002));
        }
      },
      { passive: false },
    );
    c.addEventListener("pointerdown", (ev) => {
      if (ev.button !== 0) return;
      const p = pos(ev);
      this._drag = { x: p.x, lastX: p.x, moved: false };
      c.setPointerCapture(ev.pointerId);
    });
    c.addEventListener("pointermove", (ev) => {
      const p = pos(ev);
      if (this._drag) {
        if (Math.abs(p.x - this._drag.x) > 3) this._drag.moved = true;
        if (this._drag.moved) {
          this.panBy(this._drag.lastX - p.x);
          this._drag.lastX = p.x;
          this._hover(-1, ev);
          return;
        }
      }
      this._hover(this.frameAt(p.x, p.y), ev);
    });
    c.addEventListener("pointerup", (ev) => {
      const drag = this._drag;
      this._drag = null;
      if (drag && !drag.moved) {
        const p = pos(ev);
        this.select(this.frameAt(p.x, p.y));
      }
    });
    c.addEventListener("pointerleave", (ev) => {
      if (!this._drag) this._hover(-1, ev);
    });
    c.addEventListener("dblclick", (ev) => {
      const p = pos(ev);
      const i = this.frameAt(p.x, p.y);
      if (i >= 0) this.zoomToFrame(i);
    });
    c.addEventListener("keydown", (ev) => this._key(ev));
  }

  _hover(i, ev) {
    if (i !== this.hovered) {
      this.hovered = i;
      this.requestDraw();
    }
    if (this.cb.onHover) this.cb.onHover(i, ev);
  }

  _key(ev) {
    const d = this.data;
    if (!d) return;
    const sel = this.selected;
    const mid = this.cssWidth / 2;
    let handled = true;
    switch (ev.key) {
      case "+":
      case "=":
        this.zoomAt(sel >= 0 ? this._center(sel) : mid, 0.8);
        break;
      case "-":
      case "_":
        this.zoomAt(sel >= 0 ? this._center(sel) : mid, 1.25);
        break;
      case "0":
      case "Escape":
        this.reset();
        break;
      case "Enter":
        if (sel >= 0) this.zoomToFrame(sel);
        break;
      case "ArrowUp":
        this.select(sel >= 0 ? Math.max(0, d.parent[sel]) : 0);
        this._ensureVisible();
        break;
      case "ArrowDown":
        this.select(sel < 0 ? 0 : this._firstChild(sel));
        this._ensureVisible();
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (sel < 0) {
          this.panBy((ev.key === "ArrowLeft" ? -0.1 : 0.1) * this.cssWidth);
        } else {
          this.select(this._sibling(sel, ev.key === "ArrowLeft" ? -1 : 1));
          this._ensureVisible();
        }
        break;
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  }

  _center(i) {
    const b = this.frameBox(i);
    return Math.min(this.cssWidth, Math.max(0, b.x + b.w / 2));
  }

  _firstChild(i) {
    const d = this.data;
    // Pre-order: a first child, when there is one, directly follows its parent.
    return i + 1 < d.n && d.parent[i + 1] === i ? i + 1 : i;
  }

  _sibling(i, dir) {
    const row = this.data.rows[this.data.depth[i]];
    let k = lowerBound(row.s, this.data.start[i], 0, row.s.length);
    while (k < row.idx.length && row.idx[k] !== i) k++;
    const k2 = k + dir;
    return k2 >= 0 && k2 < row.idx.length ? row.idx[k2] : i;
  }

  _ensureVisible() {
    const i = this.selected;
    if (i < 0) return;
    const s = this.data.start[i];
    const e = s + this.data.value[i];
    if (e < this.vs || s > this.ve) {
      const span = this.ve - this.vs;
      const c = (s + e) / 2;
      this.zoomTo(c - span / 2, c + span / 2);
    }
  }
}
