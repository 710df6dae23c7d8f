// A flame graph answer sent as raw columns (Content-Type application/vnd.sessionprof.columns;
// sessionprof_ls/flame_columns.py, issue 13): a JSON head {"result": graph} whose base64
// columns are {at, bytes[, type]} references into the data after it. The page makes its
// typed arrays as views of one buffer: no 5 MB of text to decode, parse or base64-decode.

/** Typed array per column of a {"encoding": "base64"} graph (sessionprof_ls/flame.py BASE64_TYPES). */
export const BASE64_COLUMNS = {
  name: Int32Array, type: Uint8Array, depth: Int32Array, start: Float64Array, value: Float64Array,
  parent: Int32Array, count: Int32Array,
};
const NARROW = { u1: Uint8Array, u2: Uint16Array }; // name and depth when their values fit

/** The head's size and where the data starts; throws when `bytes` is no columns body. */
function headOf(bytes, got) {
  const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const base = 4 + size;
  if (base % 8) throw new Error("flame graph: not a columns body");
  return got >= base ? { base, body: JSON.parse(new TextDecoder().decode(bytes.subarray(4, base))) } : null;
}

/** Every reference of a head's graph: [holder, key, Ctor] (the ids last). */
function refsOf(g) {
  const out = [];
  const isRef = (r) => r && typeof r === "object" && !Array.isArray(r) && "at" in r;
  if (!g || !g.frames) return out;
  for (const [key, Ctor] of Object.entries(BASE64_COLUMNS)) if (isRef(g.frames[key])) out.push([g.frames, key, Ctor]);
  if (g.layout && isRef(g.layout.order)) out.push([g.layout, "order", Int32Array]);
  if (isRef(g.frames.id)) out.push([g.frames, "id", Uint8Array]);
  return out;
}

/** The views of `buf` the head's references name; `ids` (readColumns): the ids still arriving. */
function decode(buf, base, body, ids = null) {
  const g = body && body.result;
  for (const [holder, key, Ctor0] of refsOf(g)) {
    const ref = holder[key];
    const Ctor = ref.type === undefined ? Ctor0 : NARROW[ref.type];
    const ok = Ctor && Number.isInteger(ref.at) && Number.isInteger(ref.bytes) && ref.at >= 0 && ref.at % 8 === 0;
    if (!ok || base + ref.at + ref.bytes > buf.byteLength || ref.bytes % Ctor.BYTES_PER_ELEMENT) {
      throw new Error(`flame graph: column '${key}' is not in the columns body`);
    }
    const view = new Ctor(buf, base + ref.at, ref.bytes / Ctor.BYTES_PER_ELEMENT);
    holder[key] = key === "id" && ids ? { text: view, done: ids } : view;
  }
  if (g && g.frames) g.encoding = "columns"; // decoded already: buildFlameData takes the typed arrays as they are
  return body;
}

/** A whole columns body (an ArrayBuffer) as the `/v1/rpc` body {result: graph} it stands for. */
export function fromColumns(buf) {
  const bytes = new Uint8Array(buf);
  const head = bytes.length >= 4 ? headOf(bytes, bytes.length) : null;
  if (!head) throw new Error("flame graph: not a columns body");
  return decode(buf, head.base, head.body);
}

/**
 * A columns body read as it arrives: resolves with the body once every part but the ids is
 * in (the server sends them last: a third to half of a real session's bytes, and the graph
 * paints without them); the ids are there (`d.ids` not null) once the rest arrived.
 */
export function readColumns(response) {
  return new Promise((resolve, reject) => {
    const reader = response.body.getReader();
    let parts = [];
    let got = 0;
    let bytes = null; // the whole body, once the head says how long it is
    let head = null;
    let need = Infinity; // bytes in before the graph can be built
    let body = null;
    let complete = false;
    const take = (chunk) => {
      if (bytes) {
        if (got + chunk.length > bytes.length) throw new Error("flame graph: the columns body is longer than its head says");
        bytes.set(chunk, got);
      } else {
        parts.push(chunk);
      }
      got += chunk.length;
      if (!bytes && got >= 4) {
        const all = parts.length === 1 ? parts[0] : new Uint8Array(got);
        if (parts.length > 1) parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
        parts = [all];
        head = headOf(all, got);
        if (head) {
          const ends = refsOf(head.body.result).map(([holder, key]) => [key, head.base + holder[key].at + holder[key].bytes]);
          const total = Math.max(head.base, ...ends.map((e) => e[1]));
          need = Math.max(head.base, ...ends.filter((e) => e[0] !== "id").map((e) => e[1]));
          bytes = new Uint8Array(total);
          if (got > total) throw new Error("flame graph: the columns body is longer than its head says");
          bytes.set(all);
          parts = null;
        }
      }
      if (bytes && !body && got >= need) {
        body = decode(bytes.buffer, head.base, head.body, () => complete);
        resolve(body);
      }
    };
    const pump = () =>
      reader.read().then(({ done, value }) => {
        if (value) take(value);
        if (!done) return pump();
        if (!body || got !== bytes.length) throw new Error("flame graph: the columns body ended early");
        complete = true;
        return null;
      });
    pump().catch(reject); // once resolved, a later error leaves the ids missing (null)
  });
}
