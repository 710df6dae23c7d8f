// Colour arithmetic for the canvas: label text that keeps WCAG 4.5:1 on every fill, and
// the faded fills of frames a search does not match.

/** [r, g, b] of "#rgb", "#rrggbb[aa]" or "rgb(r, g, b)"; null when it is neither. */
export function parseColor(c) {
  if (typeof c !== "string") return null;
  const s = c.trim();
  let m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(s); // VS Code may add an alpha byte
  if (m) return [0, 2, 4].map((k) => parseInt(m[1].slice(k, k + 2), 16));
  m = /^#([0-9a-f]{3})$/i.exec(s);
  if (m) return [0, 1, 2].map((k) => parseInt(m[1][k] + m[1][k], 16));
  m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/i.exec(s);
  return m ? [+m[1], +m[2], +m[3]] : null;
}

export function luminance([r, g, b]) {
  const f = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

export function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const DARK = "#111827";
const LIGHT = "#ffffff";

/** The label colour (near black or white) with the higher contrast on `fill`. */
export function textOn(fill) {
  const rgb = parseColor(fill) || [128, 128, 128];
  return contrast(rgb, parseColor(DARK)) >= contrast(rgb, parseColor(LIGHT)) ? DARK : LIGHT;
}

export function hex([r, g, b]) {
  return `#${[r, g, b].map((v) => Math.round(Math.max(0, Math.min(255, v))).toString(16).padStart(2, "0")).join("")}`;
}

/** `fill` mixed toward `bg` (share of bg), for frames a search leaves out. */
export function fade(fill, bg, share = 0.7) {
  const a = parseColor(fill) || [128, 128, 128];
  const b = parseColor(bg) || [255, 255, 255];
  return hex(a.map((v, k) => v * (1 - share) + b[k] * share));
}
