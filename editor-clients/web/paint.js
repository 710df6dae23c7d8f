// How a paint puts rectangles and labels on the flame canvas: fillStyle is set only when
// the colour changes (a colour parse per rectangle showed in the profile at full view,
// where a paint has thousands of merged pixel columns). A pixel-buffer painter
// (ImageData + one putImageData) was measured too: no faster in Chromium, so not kept.

/** Painter drawing straight to the context (fillStyle set only when it changes). */
export function canvasPainter(ctx) {
  let fill = "";
  const setFill = (c) => {
    if (c !== fill) {
      ctx.fillStyle = c;
      fill = c;
    }
  };
  return {
    rect(x, y, w, h, c) {
      setFill(c);
      ctx.fillRect(x, y, w, h);
    },
    text(s, x, y, c) {
      setFill(c);
      ctx.fillText(s, x, y);
    },
    finish() {},
  };
}

/** Runs `fn` once the current paint is on screen and the page is idle (work a user is
 * not waiting for: the minimap, the top-frames table). */
export function afterPaint(fn, timeout = 1000) {
  const idle = window.requestIdleCallback || ((f) => setTimeout(f, 50));
  requestAnimationFrame(() => requestAnimationFrame(() => idle(fn, { timeout })));
}
