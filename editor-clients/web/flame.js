// Canvas flame graph for the columnar FlameGraph JSON (sessionprof_ls/models.py).
//
// Why it is fast: the columns become typed arrays once; frames are grouped per depth and
// sorted by start with a prefix maximum of their ends, so each paint binary-searches the
// first frame in view and walks only frames that intersect it. Runs of frames narrower
// than a pixel are merged into one pixel column by jumping (binary search) to the next
// column, so a paint costs O(rows x pixels x log n), not O(n).

import { BASE64_COLUMNS } from "./columns.js";
import { collapseGaps, idleGaps, laneRows } from "./lanes.js";
import { formatDuration, lazyNumberFormat } from "./format.js";

export const ROW_HEIGHT = 18;
export const MIN_FRAME_PX = 1; // narrower frames are merged into pixel columns
export const MIN_LABEL_PX = 28;
export const MAX_ROWS = 64;

export const TYPE_COLORS = {
  session: "#3b82f6",
  ai_response: "#7c3aed",
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
/** A typed array from base64 of its little-endian bytes; throws naming `key` when it is not one. */
function fromBase64(text, Ctor, key) {
  let bytes;
  try {
    if (typeof Uint8Array.fromBase64 === "function") {
      bytes = Uint8Array.fromBase64(text); // native: no string of bytes in between
    } else {
      const bin = atob(text);
      bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    }
  } catch (_) {
    throw new Error(`flame graph: column '${key}' is not valid base64`);
  }
  if (bytes.length % Ctor.BYTES_PER_ELEMENT) {
    throw new Error(`flame graph: column '${key}' has ${bytes.length} bytes, not a whole number of values`);
  }
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.length / Ctor.BYTES_PER_ELEMENT); // little-endian, as the server writes it
}

function decodeColumns(frames) {
  const out = { ...frames };
  for (const [key, Ctor] of Object.entries(BASE64_COLUMNS)) {
    if (typeof frames[key] === "string") out[key] = fromBase64(frames[key], Ctor, key);
  }
  return out;
}

/**
 * The layout the server made (sessionprof_ls/flame_layout.py, issue 13: the same rows as
 * laneRows and the grouping below, its idle gaps and end, made with numpy before the page
 * asks), or null when the answer has none or it does not fit this graph (the page then lays
 * the graph out itself). The server sends one only for frames in pre-order with finite,
 * non-negative times, so the checks of the page's own path are not repeated per frame.
 */
function givenLayout(layout, n) {
  if (!layout || !Array.isArray(layout.rowCounts) || !Array.isArray(layout.idle) || !Number.isFinite(layout.end)) return null;
  const order = typeof layout.order === "string" ? fromBase64(layout.order, Int32Array, "layout.order") : layout.order;
  if (!(order instanceof Int32Array) || order.length !== n) return null;
  const counts = layout.rowCounts;
  let rowCount = counts.length;
  while (rowCount > 0 && counts[rowCount - 1] === 0) rowCount--;
  const offsets = new Int32Array(rowCount + 1);
  for (let r = 0; r < rowCount; r++) {
    if (!Number.isInteger(counts[r]) || counts[r] < 0) return null;
    offsets[r + 1] = offsets[r] + counts[r];
  }
  if (offsets[rowCount] !== n) return null;
  for (const g of layout.idle) if (!Array.isArray(g) || !(g[0] <= g[1])) return null;
  return { order, offsets, rowCount, idle: layout.idle, end: layout.end };
}

/** Row of every frame from the rows' frame lists (made when first asked: not needed to paint). */
function rowsOf(order, offsets, rowCount, n) {
  const row = new Int32Array(n);
  for (let r = 0; r < rowCount; r++) for (let k = offsets[r]; k < offsets[r + 1]; k++) row[order[k]] = r;
  return row;
}

/**
 * The id column: a JSON array, or (base64 answers) one string of the ids joined by "\n"
 * (its UTF-8 bytes in a columns body),
 * "" for none (sessionprof_ls/flame.py join_ids: one string parses far faster than 100k).
 * Returns a function giving the array (split once, when first asked) or null; a string
 * that does not hold n ids gives null (counted when split: not on the first paint's path).
 */
function eventIds(col, n) {
  if (Array.isArray(col)) {
    const ids = col.length === n ? col : null;
    return () => ids;
  }
  // a columns body's UTF-8: null until all of it arrived (readColumns: the ids come last)
  const pending = col && col.text instanceof Uint8Array ? col : null;
  if (pending) col = pending.text;
  if (typeof col !== "string" && !(col instanceof Uint8Array)) return () => null;
  let ids;
  return () => {
    if (pending && !pending.done()) return null;
    if (ids === undefined) {
      const text = typeof col === "string" ? col : new TextDecoder().decode(col);
      ids = n ? text.split("\n") : [];
      if (ids.length !== n) ids = null;
      else for (let i = 0; i < ids.length; i++) if (ids[i] === "") ids[i] = null;
    }
    return ids;
  };
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
  // decoded base64 columns are used as they are (no copy of 1M-entry arrays); name and depth
  // may come narrower from a columns body
  const as = (col, Ctor, ...also) => (col instanceof Ctor || also.some((C) => col instanceof C) ? col : Ctor.from(col));
  const start = as(f.start, Float64Array);
  const value = as(f.value, Float64Array);
  const depth = as(f.depth, Int32Array, Uint8Array, Uint16Array);
  const name = as(f.name, Int32Array, Uint8Array, Uint16Array);
  const type = as(f.type, Uint8Array);
  const parent = as(f.parent, Int32Array);
  const idsOf = eventIds(f.id, n);
  const members = Array.isArray(f.members) && f.members.length === n ? f.members : null;
  // base64 columns arrive as typed arrays: the merge count must survive them too
  const count = (Array.isArray(f.count) || ArrayBuffer.isView(f.count)) && f.count.length === n ? Int32Array.from(f.count) : null;

  const given = givenLayout(json.layout, n);
  let maxDepth = 0;
  let maxEnd = Number.isFinite(json.total) ? json.total : 0;
  if (given) {
    maxDepth = Number.isInteger(json.maxDepth) ? json.maxDepth : 0;
    maxEnd = given.end;
  } else {
    for (let i = 0; i < n; i++) {
      const d = depth[i];
      if (d < 0) throw new Error(`flame graph: frame ${i} has negative depth ${d}`);
      if (d > maxDepth) maxDepth = d;
      if (!(value[i] >= 0)) value[i] = 0;
      const e = start[i] + value[i];
      if (e > maxEnd) maxEnd = e;
    }
  }

  // Real times stay for tooltips; drawing uses display units with idle gaps collapsed.
  const rstart = start;
  const rvalue = value;
  let idle = null;
  if (json.view !== "aggregate" && json.unit !== "tokens") {
    idle = given ? collapseGaps(given.idle, maxEnd) : idleGaps(start, value, depth, n, maxEnd);
  }
  let dstart = start;
  let dvalue = value;
  const rowStart = new Float64Array(n);
  const rowMaxEnd = new Float64Array(n);
  // the server's rows (in start order) with gaps: display times and row indexes in one pass
  let mapped = false;
  if (idle && given) {
    dstart = new Float64Array(n);
    dvalue = new Float64Array(n);
    const { offsets: o, order: idx } = given;
    mapped = true;
    for (let d = 0; d < given.rowCount && mapped; d++) {
      const [a, b] = [o[d], o[d + 1]];
      mapped = idle.mapRow(start, value, idx.subarray(a, b), dstart, dvalue, rowStart.subarray(a, b), rowMaxEnd.subarray(a, b));
    }
  }
  if (idle && !mapped) ({ dstart, dvalue } = idle.mapFrames(start, value, n));
  if (idle) maxEnd -= idle.removed;
  // Parallel siblings in lanes: the row of a frame is no longer its depth.
  let rowOf;
  let laneFrames;
  let rowCount;
  let offsets;
  let order;
  if (given) {
    ({ offsets, order, rowCount } = given);
    let row = null;
    rowOf = () => (row ||= rowsOf(order, offsets, rowCount, n));
    let lanes = -1; // frames in a lane below another (laneRows counts the same)
    laneFrames = () => {
      if (lanes < 0) {
        const r = rowOf();
        lanes = 0;
        for (let i = 0; i < n; i++) if (parent[i] >= 0 && r[i] - r[parent[i]] > 1) lanes++;
      }
      return lanes;
    };
  } else {
    const laid = laneRows(dstart, dvalue, parent, n, Math.max(1e-9, maxEnd * 1e-12));
    const row = laid.row;
    rowOf = () => row;
    laneFrames = () => laid.laneFrames;
    let maxRow = 0;
    for (let i = 0; i < n; i++) if (row[i] > maxRow) maxRow = row[i];
    rowCount = n ? maxRow + 1 : 0;
    // frame indexes grouped by row (stable: pre-order); each group sorted by start below
    offsets = new Int32Array(rowCount + 1);
    for (let i = 0; i < n; i++) offsets[row[i] + 1]++;
    for (let d = 0; d < rowCount; d++) offsets[d + 1] += offsets[d];
    order = new Int32Array(n);
    const fill = offsets.slice(0, rowCount);
    for (let i = 0; i < n; i++) order[fill[row[i]]++] = i;
  }
  const maxRow = rowCount ? rowCount - 1 : 0;
  const rows = [];
  for (let d = 0; d < rowCount; d++) {
    const a = offsets[d];
    const b = offsets[d + 1];
    const idx = order.subarray(a, b);
    const s = rowStart.subarray(a, b);
    const me = rowMaxEnd.subarray(a, b);
    if (mapped) {
      rows.push({ idx, s, me }); // filled by mapRow
      continue;
    }
    // starts and running maximum of ends, in one pass when the row is in start order (the
    // server's layout always is); else sorted first and filled again
    for (let pass = 0; pass < 2; pass++) {
      let m = -Infinity;
      let prev = -Infinity;
      let sorted = true;
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k];
        const x = dstart[i];
        if (x < prev) {
          sorted = false;
          break;
        }
        prev = x;
        s[k] = x;
        const e = x + dvalue[i];
        if (e > m) m = e;
        me[k] = m;
      }
      if (sorted) break;
      idx.set(Array.from(idx).sort((x, y) => dstart[x] - dstart[y]));
    }
    rows.push({ idx, s, me });
  }

  const typeColor = types.map((t) => TYPE_COLORS[t] || OTHER_COLOR);
  return {
    n,
    start: dstart,
    value: dvalue,
    rstart,
    rvalue,
    idle: idle ? idle.gaps : [],
    toReal: idle ? idle.unmap : (x) => x,
    toDisplay: idle ? idle.map : (t) => t,
    get row() {
      return rowOf();
    },
    maxRow,
    get laneFrames() {
      return laneFrames();
    },
    depth,
    name,
    type,
    parent,
    // split on first use: not on the first paint's path (issue 13)
    get ids() {
      return idsOf();
    },
    members,
    count,
    strings,
    types,
    typeColor,
    rows,
    maxDepth,
    total: Number.isFinite(json.total) ? json.total : rstart.length ? rstart[0] + rvalue[0] : 0,
    domainEnd: maxEnd > 0 ? maxEnd : 1,
    unit: json.unit === "tokens" ? "tokens" : "ms",
    view: json.view,
    weight: json.weight,
  };
}

/** First k in [lo, hi) with a[k] >= x. */
export function lowerBound(a, x, lo, hi) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First k in [lo, hi) with a[k] > x. */
export function upperBound(a, x, lo, hi) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NF = lazyNumberFormat(); // made on first use: the first NumberFormat of a page costs 14-130 ms (issue 13)

/** Duration in ms as every client writes it (format.js, sessionprof_ls/format_cases.json): 450ms, 12.3s, 4m 12s, 1h 02m. */
export const formatMs = formatDuration;

export function formatValue(v, unit) {
  return unit === "tokens" ? `${NF.format(Math.round(v))} tk` : formatMs(v);
}
