// Canvas flame graph for the columnar FlameGraph JSON (sessionprof_ls/models.py).
//
// Why it is fast: the columns become typed arrays once; frames are grouped per depth and
// sorted by start with a prefix maximum of their ends, so each paint binary-searches the
// first frame in view and walks only frames that intersect it. Runs of frames narrower
// than a pixel are merged into one pixel column by jumping (binary search) to the next
// column, so a paint costs O(rows x pixels x log n), not O(n).

import { idleGaps, laneRows } from "./lanes.js";
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
    out[key] = new Ctor(bytes.buffer, bytes.byteOffset, bytes.length / Ctor.BYTES_PER_ELEMENT); // little-endian, as the server writes it
  }
  return out;
}

/**
 * The id column: a JSON array, or (base64 answers) one string of the ids joined by "\n",
 * "" for none (sessionprof_ls/flame.py join_ids: one string parses far faster than 100k).
 * Returns a function giving the array (split once, when first asked) or null.
 */
function eventIds(col, n) {
  if (Array.isArray(col)) {
    const ids = col.length === n ? col : null;
    return () => ids;
  }
  if (typeof col !== "string") return () => null;
  let count = n ? 1 : 0;
  for (let k = col.indexOf("\n"); k >= 0; k = col.indexOf("\n", k + 1)) count++;
  if (count !== n) throw new Error(`flame graph: column 'id' has ${count} ids, expected ${n}`);
  let ids = null;
  return () => {
    if (ids === null) {
      ids = n ? col.split("\n") : [];
      for (let i = 0; i < ids.length; i++) if (ids[i] === "") ids[i] = null;
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
  // decoded base64 columns are used as they are (no copy of 1M-entry arrays)
  const as = (col, Ctor) => (col instanceof Ctor ? col : Ctor.from(col));
  const start = as(f.start, Float64Array);
  const value = as(f.value, Float64Array);
  const depth = as(f.depth, Int32Array);
  const name = as(f.name, Int32Array);
  const type = as(f.type, Uint8Array);
  const parent = as(f.parent, Int32Array);
  const idsOf = eventIds(f.id, n);
  const members = Array.isArray(f.members) && f.members.length === n ? f.members : null;
  // base64 columns arrive as typed arrays: the merge count must survive them too
  const count = (Array.isArray(f.count) || ArrayBuffer.isView(f.count)) && f.count.length === n ? Int32Array.from(f.count) : null;

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

  // Real times stay for tooltips; drawing uses display units with idle gaps collapsed.
  const rstart = start;
  const rvalue = value;
  let idle = null;
  if (json.view !== "aggregate" && json.unit !== "tokens") idle = idleGaps(start, value, depth, n, maxEnd);
  let dstart = start;
  let dvalue = value;
  if (idle) {
    dstart = new Float64Array(n);
    dvalue = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = idle.map(start[i]);
      dstart[i] = a;
      dvalue[i] = idle.map(start[i] + value[i]) - a;
    }
    maxEnd -= idle.removed;
  }
  // Parallel siblings in lanes: the row of a frame is no longer its depth.
  const { row, laneFrames } = laneRows(dstart, dvalue, parent, n, Math.max(1e-9, maxEnd * 1e-12));
  let maxRow = 0;
  for (let i = 0; i < n; i++) if (row[i] > maxRow) maxRow = row[i];

  // Group frame indexes by row (stable: pre-order), then sort each group by start.
  const rowCount = n ? maxRow + 1 : 0;
  const offsets = new Int32Array(rowCount + 1);
  for (let i = 0; i < n; i++) offsets[row[i] + 1]++;
  for (let d = 0; d < rowCount; d++) offsets[d + 1] += offsets[d];
  const order = new Int32Array(n);
  const fill = offsets.slice(0, rowCount);
  for (let i = 0; i < n; i++) order[fill[row[i]]++] = i;
  const rowStart = new Float64Array(n);
  const rowMaxEnd = new Float64Array(n);
  const rows = [];
  for (let d = 0; d < rowCount; d++) {
    const a = offsets[d];
    const b = offsets[d + 1];
    let idx = order.subarray(a, b);
    let sorted = true;
    for (let k = 1; k < idx.length; k++) {
      if (dstart[idx[k]] < dstart[idx[k - 1]]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const tmp = Array.from(idx).sort((x, y) => dstart[x] - dstart[y]);
      idx.set(tmp);
    }
    const s = rowStart.subarray(a, b);
    const me = rowMaxEnd.subarray(a, b);
    let m = -Infinity;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      s[k] = dstart[i];
      const e = dstart[i] + dvalue[i];
      if (e > m) m = e;
      me[k] = m;
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
    row,
    maxRow,
    laneFrames,
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
