// Time axis ticks that adapt to the zoom: a round step (1-2-5 ms, then seconds, minutes,
// hours) giving labels at least ~90 px apart, in real time across collapsed idle gaps.

const STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  1e3, 2e3, 5e3, 10e3, 15e3, 30e3,
  60e3, 120e3, 300e3, 600e3, 900e3, 1800e3,
  3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3,
];

export function niceStep(span, px, minPx = 90, unit = "ms") {
  const want = (span * minPx) / Math.max(1, px);
  if (unit === "ms") {
    for (const s of STEPS_MS) if (s >= want) return s;
    return Math.ceil(want / 86400e3) * 86400e3;
  }
  const p = 10 ** Math.floor(Math.log10(Math.max(want, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= want) return m * p;
  return 10 * p;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** A tick label whose precision follows the step: 450ms, 1.25s, 12s, 4:05, 1:02:00. */
export function tickLabel(t, step, unit = "ms") {
  if (unit !== "ms") return t >= 1e6 ? `${+(t / 1e6).toFixed(2)}M tk` : t >= 1e3 ? `${+(t / 1e3).toFixed(1)}k tk` : `${Math.round(t)} tk`;
  if (t < 1000 && step < 1000) return `${Math.round(t)}ms`;
  const frac = step < 10 ? 3 : step < 100 ? 2 : step < 1000 ? 1 : 0;
  if (t < 60000) return `${(t / 1000).toFixed(frac)}s`;
  const s = Math.floor(t / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = frac ? ((t / 1000) % 60).toFixed(frac).padStart(3 + frac, "0") : pad(s % 60);
  return h ? `${h}:${pad(m)}:${sec}` : `${m}:${sec}`;
}

/**
 * Ticks in view: [{x (css px), label}] for display range [vs, ve] on `width` px.
 * `toReal`/`toDisplay` map across collapsed gaps; each stretch between gaps gets its own
 * ticks, none inside a gap.
 */
export function ticks(vs, ve, width, unit, toReal, toDisplay, gaps = []) {
  const step = niceStep(ve - vs, width, 90, unit);
  const scale = width / (ve - vs);
  const rs = toReal(vs);
  const re = toReal(ve);
  const segs = [];
  let a = rs;
  for (const g of gaps) {
    if (g.end <= a || g.start >= re) continue;
    if (g.start > a) segs.push([a, g.start]);
    a = Math.max(a, g.end);
  }
  if (a < re) segs.push([a, re]);
  const out = [];
  let last = -Infinity;
  for (const [s, e] of segs) {
    for (let t = Math.ceil(s / step) * step, k = 0; t <= e && k < 400; t += step, k++) {
      const x = (toDisplay(t) - vs) * scale;
      if (x - last < 60) continue;
      out.push({ x, label: tickLabel(t, step, unit) });
      last = x;
    }
  }
  return out;
}
