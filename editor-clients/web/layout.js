// The panel's page layout (top bar, tabs, panels), its DOM helpers and its theme: first paint.
//
// Every string that comes from a session reaches the page through textContent /
// createTextNode only (h() below), never as HTML.

// ------------------------------------------------------------------ DOM helpers

/** Creates an element; string children become text nodes, `text` sets textContent. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k === "text") el.textContent = String(v);
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export const $ = (id) => document.getElementById(id);

/** The host's settings: the page's sessionprof-config meta tag. */
export function readConfig() {
  const meta = document.querySelector('meta[name="sessionprof-config"]');
  if (!meta) return {};
  try {
    const c = JSON.parse(meta.getAttribute("content") || "{}");
    return c && typeof c === "object" ? c : {};
  } catch (e) {
    return { configError: `invalid sessionprof-config: ${e.message}` };
  }
}

/** Shows (or, given nothing, hides) the error line. */
export function showError(msg) {
  const el = $("error");
  if (!el) return;
  el.textContent = msg || "";
  el.hidden = !msg;
}

/** The summary card with no session yet. */
export function renderEmpty() {
  clear($("summary")).appendChild(h("p", { class: "muted", text: "No session yet. Events appear here as the agent works." }));
}

// ------------------------------------------------------------------ theme

/** Follows the VS Code / OS theme; `config.theme` is the theme the panel opened with. */
export function applyTheme(config, flameView) {
  const root = document.documentElement;
  // In VS Code the body class follows the theme live (vscode-light, vscode-dark,
  // vscode-high-contrast[-light]); config.theme is only the theme the panel opened with.
  const cls = document.body.classList;
  const live = cls.contains("vscode-high-contrast-light") || cls.contains("vscode-light") ? "light" : cls.contains("vscode-dark") || cls.contains("vscode-high-contrast") ? "dark" : null;
  const fixed = config.theme === "light" || config.theme === "high-contrast-light" ? "light" : config.theme === "dark" || config.theme === "high-contrast" ? "dark" : null;
  const theme = live || fixed || (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  if (theme && root.dataset.theme !== theme) root.dataset.theme = theme;
  const cs = getComputedStyle(root);
  const v = (name, dflt) => cs.getPropertyValue(name).trim() || dflt;
  if (flameView) {
    flameView.setTheme({
      bg: v("--sp-canvas-bg", "#ffffff"),
      fg: v("--sp-fg", "#1f2328"),
      select: v("--sp-select", "#111111"),
      muted: v("--sp-muted", "#57606a"),
      idle: v("--sp-idle", "#e5e7eb"),
    });
  }
}

/** Re-applies the theme when the OS scheme or VS Code's theme changes. */
export function watchTheme(apply) {
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", apply);
  // On a theme change VS Code swaps the body class (vscode-light / vscode-dark) and
  // rewrites the --vscode-* variables in the <html> element's style.
  const themeObserver = new MutationObserver(apply);
  themeObserver.observe(document.body, { attributes: true, attributeFilter: ["class"] });
  themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["style", "class"] });
}

// ------------------------------------------------------------------ layout

/** The page: top bar, tabs and their panels; `flameCard()` builds the flame graph card. */
export function buildLayout({ flameCard, loadSession, setTab }) {
  const app = $("app");
  clear(app);
  const tabs = [
    ["overview", "Overview"],
    ["tokens", "Tokens"],
    ["timeline", "Timeline"],
    ["suggestions", "Suggestions"],
  ];
  app.append(
    h(
      "header",
      { class: "topbar" },
      h("h1", { text: "PERFORMANCE" }),
      h("label", { class: "picker" }, "Session ", h("select", { id: "session-picker", "aria-label": "Session", onchange: (e) => loadSession(e.target.value) })),
      h("span", { id: "session-title", class: "session-title" }),
    ),
    h("div", { id: "error", class: "error", role: "alert", hidden: true }),
    h(
      "nav",
      { class: "tabs", role: "tablist", "aria-label": "Views", onkeydown: (ev) => onTabKey(ev, setTab) },
      tabs.map(([id, label]) =>
        h("button", { id: `tab-${id}`, class: "tab", role: "tab", "aria-controls": `panel-${id}`, "data-tab": id, text: label, onclick: () => setTab(id) }),
      ),
    ),
    h(
      "section",
      { id: "panel-overview", class: "panel", role: "tabpanel", "aria-labelledby": "tab-overview" },
      flameCard(),
      h("div", { class: "card" }, h("h2", { text: "Summary" }), h("div", { id: "summary", class: "summary" })),
      h("div", { class: "card" }, h("h2", { text: "Time breakdown" }), h("div", { id: "breakdown", class: "breakdown" })),
      h("div", { class: "card" }, h("h2", { text: "Slowest operations" }), h("ol", { id: "slowest", class: "slowest" })),
      h("div", { class: "card" }, h("h2", { text: "Optimization suggestions" }), h("div", { id: "suggestions-overview" })),
    ),
    h(
      "section",
      { id: "panel-tokens", class: "panel", role: "tabpanel", "aria-labelledby": "tab-tokens", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "By message" }), h("div", { id: "tokens-by-message", class: "table-wrap" })),
      h("div", { class: "card" }, h("h2", { text: "By file in context" }), h("div", { id: "tokens-by-file", class: "table-wrap" })),
      h("div", { class: "card" }, h("h2", { text: "By model" }), h("div", { id: "tokens-by-model" })),
    ),
    h(
      "section",
      { id: "panel-timeline", class: "panel", role: "tabpanel", "aria-labelledby": "tab-timeline", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "Timeline" }), h("div", { id: "timeline", class: "table-wrap" })),
    ),
    h(
      "section",
      { id: "panel-suggestions", class: "panel", role: "tabpanel", "aria-labelledby": "tab-suggestions", hidden: true },
      h("div", { class: "card" }, h("h2", { text: "Optimization suggestions" }), h("div", { id: "suggestions-full" })),
    ),
  );
  setTab("overview");
}

/** WAI-ARIA tabs: arrows, Home and End move between tabs and show them. */
function onTabKey(ev, setTab) {
  const tabs = [...document.querySelectorAll(".tab")];
  const k = tabs.indexOf(document.activeElement);
  if (k < 0) return;
  const to = { ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: tabs.length - 1 }[ev.key];
  if (to == null) return;
  ev.preventDefault();
  const t = tabs[(to + tabs.length) % tabs.length];
  t.focus();
  setTab(t.dataset.tab);
}
