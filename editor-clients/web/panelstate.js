// Issue 16: in VS Code the panel keeps its session, tab, zoom and selected frame across a
// window reload. The webview's state (transport.getState/setState, VS Code's
// acquireVsCodeApi().setState) survives the reload; the extension's WebviewPanelSerializer
// revives the panel and this puts the view back. In a browser nothing is kept (no-op).

/**
 * @param {{getState?: () => any, setState?: (s: any) => void}} transport
 * @param {{snapshot: () => object, restoreTab: (tab: string) => void,
 *          viewReady: () => boolean, zoomTo: (s: number, e: number) => void}} hooks
 * @returns {{sessionId: string|null, eventId: string|null}} what to load first
 */
export function trackPanelState(transport, hooks) {
  if (typeof transport.getState !== "function" || typeof transport.setState !== "function") {
    return { sessionId: null, eventId: null };
  }
  const saved = transport.getState() || {};
  let last = JSON.stringify(saved);
  const save = () => {
    const now = JSON.stringify(hooks.snapshot());
    if (now !== last) {
      last = now;
      transport.setState(JSON.parse(now));
    }
  };
  setInterval(save, 400);
  window.addEventListener("pagehide", save);
  // once the session's flame graph is drawn (and a restored selection has focused it):
  // the saved zoom, then the saved tab (focusing an event shows the overview)
  const view = Array.isArray(saved.view) && saved.view.length === 2 ? saved.view : null;
  if (view || typeof saved.tab === "string") {
    const started = Date.now();
    const timer = setInterval(() => {
      const ready = hooks.viewReady();
      if (ready || Date.now() - started > 30000) {
        clearInterval(timer);
        if (ready && view) hooks.zoomTo(view[0], view[1]);
        if (typeof saved.tab === "string") hooks.restoreTab(saved.tab);
      }
    }, 150);
  }
  return {
    sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
    eventId: typeof saved.eventId === "string" ? saved.eventId : null,
  };
}
