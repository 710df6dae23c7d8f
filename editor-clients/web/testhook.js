// window.__sessionprof: the read-only test hook of the panel, for the tests and
// bench/bench_flame_ui.py (which reads it at the first paint, so it is loaded statically).
import { MIN_FRAME_PX, ROW_HEIGHT } from "./flame.js";

/** Read-only view of the renderer `v` (a FlameGraphView) and the panel `state`. */
export function exposeTestHook(v, state) {
  const frameInfo = (i) => {
    const d = v.data;
    if (!d || i < 0) return null;
    return { index: i, name: d.strings[d.name[i]], type: d.types[d.type[i]], id: d.ids ? d.ids[i] : null, depth: d.depth[i], row: d.row[i], start: d.start[i], value: d.value[i], count: d.count ? d.count[i] : 1 };
  };
  // every drawn rectangle of one paint, [x, y, w, h, frame] (tests: nothing overlaps)
  const drawnRects = () => {
    v.rects = [];
    v.draw();
    const r = v.rects;
    v.rects = null;
    return r;
  };
  window.__sessionprof = Object.freeze({
    minFrameWidth: MIN_FRAME_PX,
    rowHeight: ROW_HEIGHT,
    visibleFrameCount: () => v.stats.visible,
    mergedColumnCount: () => v.stats.merged,
    labelCount: () => v.stats.labels,
    frameCount: () => (v.data ? v.data.n : 0),
    rowsShown: () => v.rowsShown,
    canvasWidth: () => v.cssWidth,
    viewRange: () => [v.vs, v.ve],
    selected: () => frameInfo(v.selected),
    frameAt: (x, y) => frameInfo(v.frameAt(x, y)),
    frameBox: (i) => v.frameBox(i),
    frameRow: (i) => (v.data ? v.data.row[i] : -1),
    frame: (i) => frameInfo(i),
    rowCount: () => (v.data ? v.data.maxRow + 1 : 0),
    canvasHeight: () => v.cssHeight,
    scrollTop: () => v.scrollTop,
    scrollToRow: (r) => v.scrollToRow(r),
    drawnRects,
    labelColors: () => [...v.labelColors.keys()],
    drawnLabels: () => {
      v.labelsOut = [];
      v.draw();
      const out = v.labelsOut;
      v.labelsOut = null;
      return out;
    },
    axisLabels: () => (v.axisLabels || []).map((t) => ({ x: t.x, label: t.label })),
    idleGaps: () => (v.data ? v.data.idle.map((g) => ({ ...g })) : []),
    laneFrames: () => (v.data ? v.data.laneFrames : 0),
    history: () => v.history.map((z) => ({ vs: z.vs, ve: z.ve, label: z.label })),
    zoomToFrame: (i) => v.zoomToFrame(i),
    hoverAt: (x, y) => {
      const t0 = performance.now();
      v.hover(v.frameAt(x, y));
      return performance.now() - t0;
    },
    lastOverlayMs: () => v.lastOverlayMs,
    zoomTo: (s, e) => v.zoomTo(s, e),
    zoomAt: (x, f) => v.zoomAt(x, f),
    drawNow: () => v.draw(),
    paintCount: () => v.paintCount,
    warmed: () => Boolean(v.warmed), // paint.js warmUp ran
    lastPaintMs: () => v.lastPaintMs,
    firstPaintAt: () => v.firstPaintAt,
    pending: () => v.pending,
    // the last load drew the graph and rendered the analysis and the message table (tests)
    loaded: () => (state.loadDone || 0) === state.loadSeq && !state.messagesLoading,
    mode: () => state.mode,
    sessionId: () => state.sessionId,
  });
}
