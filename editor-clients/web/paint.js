// How a paint puts rectangles and labels on the flame canvas. Zoomed out, a paint has
// thousands of merged one-pixel columns: a fillRect each was most of its time. A
// whole-canvas pixel buffer (ImageData + putImageData) was no faster; a strip of one
// pixel row per flame row, stretched with drawImage, is.
import { parseColor } from "./colors.js";

const packed = new Map(); // colour -> little-endian RGBA as one uint32
function pack(c) {
  let v = packed.get(c);
  if (v === undefined) {
    const [r, g, b] = parseColor(c) || [128, 128, 128];
    v = (0xff000000 | (b << 16) | (g << 8) | r) >>> 0;
    packed.set(c, v);
  }
  return v;
}

/**
 * Painter drawing straight to the context (fillStyle set only when it changes), except
 * merged pixel columns: those go into a strip of one pixel row per flame row, put once
 * and stretched onto each row with one drawImage (thousands of 1-px fillRects were
 * most of a zoomed-out paint). `cache` keeps the strip between paints.
 */
export function canvasPainter(ctx, cache, cssW, rows, dpr) {
  let fill = "";
  const setFill = (c) => {
    if (c !== fill) {
      ctx.fillStyle = c;
      fill = c;
    }
  };
  const pw = Math.max(1, Math.round(cssW * dpr));
  const ph = Math.max(1, rows);
  if (!cache.strip || cache.strip.width !== pw || cache.strip.height < ph) {
    cache.strip = document.createElement("canvas");
    cache.strip.width = pw;
    cache.strip.height = ph;
    cache.img = cache.strip.getContext("2d").createImageData(pw, ph);
    cache.u32 = new Uint32Array(cache.img.data.buffer);
  }
  const { u32 } = cache;
  u32.fill(0);
  const used = []; // [slot, y, h] of rows with merged columns
  return {
    rect(x, y, w, h, c) {
      setFill(c);
      ctx.fillRect(x, y, w, h);
    },
    text(s, x, y, c) {
      setFill(c);
      ctx.fillText(s, x, y);
    },
    /** Merged columns [x0, x1) (CSS px) of the row in strip slot `slot`, drawn at y. */
    columns(x0, x1, slot, y, h, c) {
      const a = Math.max(0, Math.round(x0 * dpr));
      const b = Math.min(pw, Math.round(x1 * dpr));
      if (b <= a || slot < 0 || slot >= ph) return;
      if (!used.length || used[used.length - 1][0] !== slot) used.push([slot, y, h]);
      u32.fill(pack(c), slot * pw + a, slot * pw + b);
    },
    finish() {
      if (!used.length) return;
      cache.strip.getContext("2d").putImageData(cache.img, 0, 0);
      const smooth = ctx.imageSmoothingEnabled;
      ctx.imageSmoothingEnabled = false;
      for (const [slot, y, h] of used) ctx.drawImage(cache.strip, 0, slot, pw, 1, 0, y, cssW, h);
      ctx.imageSmoothingEnabled = smooth;
    },
  };
}

/** Runs `fn` once the current paint is on screen and the page is idle (work a user is
 * not waiting for: the minimap, the top-frames table). */
export function afterPaint(fn, timeout = 1000) {
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 50));
  requestAnimationFrame(() => requestAnimationFrame(() => idle(fn, { timeout })));
}

/**
 * Paints the view's rows at three zoom levels into a canvas off the page, once, after the
 * first paint. Why: the first zooms ran the row painter unoptimised, 5-15 ms a frame on
 * 100k frames (issue 13: hover and zoom frames <= 4 ms); after these its code is hot. Nothing
 * of the view changes (FlameGraphView.paintRows takes the window and collects nothing here).
 */
export function warmUp(view) {
  const d = view.data;
  if (!d || !d.n || view.cssWidth < 2) return;
  const ctx = document.createElement("canvas").getContext("2d");
  const cache = {};
  for (const share of [0.6, 0.36, 0.2]) {
    const vs = d.domainEnd * 0.37 * (1 - share);
    view.paintRows(canvasPainter(ctx, cache, view.cssWidth, d.rows.length, 1), 0, d.rows.length, 0, vs, vs + d.domainEnd * share);
  }
  view.warmed = true;
}
