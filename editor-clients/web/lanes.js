// Row layout of a flame graph whose siblings may run in parallel, and idle-gap collapsing.
//
// Why: a plain flame graph puts every frame of depth d on row d, so two parallel tool calls
// (or a subagent running next to its caller's other work) are painted on top of each other
// and one of them can never be hovered. As Perfetto lays out async slices, siblings that
// overlap in time go into lanes stacked under their parent; each lane is as tall as the
// tallest subtree placed in it, so no two frames ever share a pixel of a row.

/** Gaps of at least this long between top-level work are collapsed (time view only). */
export const IDLE_GAP_MS = 120000;
/** A collapsed gap keeps this share of the active time as its width (at least 20 s). */
export const IDLE_SHOWN_SHARE = 0.01;

/**
 * Collapses idle gaps: stretches of time in which no depth-1 frame runs, longer than
 * IDLE_GAP_MS. Returns { gaps, map } where gaps are {at (display units), width (display
 * units), start, end (real ms)}, map(t) (real ms -> display units), mapFrames, mapRow and
 * unmap; null when there is nothing to collapse.
 */
export function idleGaps(start, value, depth, n, domainEnd) {
  const iv = [];
  for (let i = 0; i < n; i++) if (depth[i] === 1) iv.push([start[i], start[i] + value[i]]);
  iv.sort((a, b) => a[0] - b[0]);
  const real = [];
  let reach = iv.length ? iv[0][1] : 0;
  let lead = iv.length ? iv[0][0] : 0;
  if (lead >= IDLE_GAP_MS) real.push([0, lead]);
  for (let k = 1; k < iv.length; k++) {
    if (iv[k][0] - reach >= IDLE_GAP_MS) real.push([reach, iv[k][0]]);
    if (iv[k][1] > reach) reach = iv[k][1];
  }
  if (iv.length && domainEnd - reach >= IDLE_GAP_MS) real.push([reach, domainEnd]);
  return collapseGaps(real, domainEnd);
}

/**
 * idleGaps from the gaps found: [[start, end] real ms, ...] in time order (the server
 * sends them with its layout: sessionprof_ls/flame_layout.py); null when there are none.
 */
export function collapseGaps(real, domainEnd) {
  if (!real.length) return null;
  const idle = real.reduce((s, g) => s + (g[1] - g[0]), 0);
  const shown = Math.max(20000, IDLE_SHOWN_SHARE * (domainEnd - idle));
  const gaps = [];
  let removed = 0;
  for (const [a, b] of real) {
    const w = Math.min(shown, b - a);
    gaps.push({ at: a - removed, width: w, start: a, end: b });
    removed += b - a - w;
  }
  // binary search over the gaps: map() runs twice per frame (1M frames, hundreds of gaps)
  const gs = Float64Array.from(real, (g) => g[0]);
  const ge = Float64Array.from(real, (g) => g[1]);
  const before = new Float64Array(real.length); // time removed by the gaps before gap k
  for (let k = 1; k < real.length; k++) before[k] = before[k - 1] + (ge[k - 1] - gs[k - 1]) - gaps[k - 1].width;
  const len = Float64Array.from(real, (g) => g[1] - g[0]);
  const cut = Float64Array.from(gaps, (g, k) => len[k] - g.width); // time gap k removes
  const last = (t) => {
    // the last gap starting before t
    let lo = 0;
    let hi = gs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (gs[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  };
  const at = (t, k) => (k < 0 ? t : t < ge[k] ? t - before[k] - ((t - gs[k]) * cut[k]) / len[k] : t - before[k] - cut[k]);
  const map = (t) => at(t, last(t));
  /**
   * map() of every frame's start and end in one pass (issue 13: the binary searches cost
   * 17-60 ms at 100k frames). Frames in pre-order mostly lie after the same gap as the frame
   * before them: that gap is checked first and searched for only when it is not theirs.
   */
  const mapFrames = (start, value, n) => {
    const dstart = new Float64Array(n);
    const dvalue = new Float64Array(n);
    const G = gs.length;
    const owns = (k, t) => (k < 0 || gs[k] < t) && (k + 1 >= G || gs[k + 1] >= t); // k === last(t)
    let k = -1;
    for (let i = 0; i < n; i++) {
      const s = start[i];
      if (!owns(k, s)) k = last(s);
      const e = s + value[i];
      const j = owns(k, e) ? k : last(e);
      const a = at(s, k);
      dstart[i] = a;
      dvalue[i] = at(e, j) - a;
    }
    return { dstart, dvalue };
  };
  /**
   * mapFrames for one row of the server's layout (frames `idx` in start order), and the row's
   * display starts `s` and running maximum of display ends `me` (flame.js), in one pass: on
   * the first paint's path the two passes over 100k frames cost ~30 ms (issue 13). Along a
   * row the gap owning a start only moves on, so no search. Same arithmetic as map(), so the
   * same display times. False, with the row unfinished, where it is not in start order.
   */
  const mapRow = (start, value, idx, dstart, dvalue, s, me) => {
    const G = gs.length;
    let k = -1; // last gap starting before the frame's start
    let next = G ? gs[0] : Infinity;
    let prev = -Infinity;
    let m = -Infinity;
    for (let q = 0; q < idx.length; q++) {
      const i = idx[q];
      const t = start[i];
      if (t < prev) return false;
      prev = t;
      while (t > next) next = ++k + 1 < G ? gs[k + 1] : Infinity;
      const a = at(t, k);
      const e = t + value[i];
      let j = k;
      while (j + 1 < G && gs[j + 1] < e) j++;
      const v = at(e, j) - a;
      dstart[i] = a;
      dvalue[i] = v;
      s[q] = a;
      const x = a + v;
      if (x > m) m = x;
      me[q] = m;
    }
    return true;
  };
  const unmap = (x) => {
    let off = 0;
    for (const g of gaps) {
      if (x < g.at) return x + off;
      if (x < g.at + g.width) return g.start + ((x - g.at) * (g.end - g.start)) / g.width;
      off = g.end - (g.at + g.width);
    }
    return x + off;
  };
  return { gaps, map, mapFrames, mapRow, unmap, removed };
}

/**
 * Row of every frame. Frames are in pre-order (a parent's index is below its children's).
 * Siblings are placed first-fit into lanes by [start, end of their whole subtree); a lane's
 * height is its tallest subtree. `eps` makes zero-length frames occupy time, so two of
 * them at one instant get separate lanes and both stay hoverable.
 */
export function laneRows(start, value, parent, n, eps) {
  const ext = new Float64Array(n);
  for (let i = 0; i < n; i++) ext[i] = start[i] + Math.max(value[i], eps);
  for (let i = n - 1; i > 0; i--) {
    const p = parent[i];
    if (p >= 0 && ext[i] > ext[p]) ext[p] = ext[i];
  }
  // children of each frame (CSR), in start order
  const cnt = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) cnt[parent[i] + 1]++;
  for (let i = 0; i < n; i++) cnt[i + 1] += cnt[i];
  const kids = new Int32Array(cnt[n]);
  const fill = cnt.slice(0, n);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) kids[fill[parent[i]]++] = i;
  const height = new Int32Array(n).fill(1);
  const rel = new Int32Array(n); // row below the parent's row
  const laneOf = new Int32Array(n);
  // per-parent scratch, reused: a frame's lanes cannot outnumber its children
  let laneEnd = new Float64Array(16);
  let laneH = new Int32Array(16);
  for (let p = n - 1; p >= 0; p--) {
    const a = cnt[p];
    const b = cnt[p + 1];
    if (a === b) continue;
    if (b - a === 1) {
      // one child: directly below, as tall as it (most frames)
      rel[kids[a]] = 1;
      height[p] = 1 + height[kids[a]];
      continue;
    }
    // by start; at one instant the longest first, so a zero-length frame beside a long
    // one is the one that moves to the next lane
    let sorted = true;
    for (let k = a + 1; k < b; k++) {
      const x = kids[k - 1];
      const y = kids[k];
      if (start[y] < start[x] || (start[y] === start[x] && ext[y] > ext[x])) {
        sorted = false;
        break;
      }
    }
    if (!sorted) kids.subarray(a, b).set(Array.from(kids.subarray(a, b)).sort((x, y) => start[x] - start[y] || ext[y] - ext[x]));
    if (b - a > laneEnd.length) {
      laneEnd = new Float64Array(b - a);
      laneH = new Int32Array(b - a);
    }
    let lanes = 0;
    for (let k = a; k < b; k++) {
      const c = kids[k];
      const sc = start[c];
      let l = 0;
      while (l < lanes && laneEnd[l] > sc) l++;
      if (l === lanes) {
        lanes++;
        laneH[l] = height[c];
      } else if (height[c] > laneH[l]) {
        laneH[l] = height[c];
      }
      laneEnd[l] = ext[c];
      laneOf[c] = l;
    }
    // lane l's first row below the parent: 1 + the heights of the lanes above it
    let off = 1;
    for (let l = 0; l < lanes; l++) {
      const hgt = laneH[l];
      laneH[l] = off;
      off += hgt;
    }
    height[p] = off;
    for (let k = a; k < b; k++) rel[kids[k]] = laneH[laneOf[kids[k]]];
  }
  const row = new Int32Array(n);
  let lanes = 0;
  for (let i = 0; i < n; i++) {
    const p = parent[i];
    row[i] = p >= 0 ? row[p] + rel[i] : 0;
    if (laneOf[i] > 0) lanes++;
  }
  return { row, laneFrames: lanes };
}
