// Data tables: sortable by every column (click or Enter on a header), rows beyond
// VIRTUAL_ROWS rendered virtually (only the rows in view exist in the DOM), paths shown
// relative to the workspace with the full path as the title.

export const VIRTUAL_ROWS = 500;
export const ROW_PX = 24;
const OVERSCAN = 20;

/**
 * @param {object} opts
 * @param {{label, num?, sort: (row) => number|string, cell: (row) => string|Node, title?: (row) => string}[]} opts.columns
 * @param {object[]} opts.rows
 * @param {HTMLElement[]} [opts.footer] cells of a footer row
 * @param {(row) => object} [opts.attrs] attributes of a row's <tr>
 * @param {Function} opts.h the DOM helper of app.js
 */
export function dataTable({ columns, rows, footer, attrs, h, sort = null, label = "" }) {
  const state = { col: sort ? sort[0] : -1, dir: sort ? sort[1] : 1, rows: rows.slice() };
  const virtual = rows.length > VIRTUAL_ROWS;
  const ths = columns.map((c, k) =>
    h(
      "th",
      { class: c.num ? "num" : null, scope: "col", "aria-sort": "none" },
      h("button", { class: "sort", type: "button", text: c.label, onclick: () => sortBy(k) }),
    ),
  );
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "data", "aria-label": label || null, "aria-rowcount": String(rows.length + 1) },
    h("thead", null, h("tr", null, ths)),
    tbody,
    footer ? h("tfoot", null, h("tr", { class: "total" }, footer)) : null,
  );
  const wrap = h("div", { class: virtual ? "table-scroll virtual" : "table-scroll" }, table);
  const rowEl = (r, index) => {
    const tr = h("tr", attrs ? attrs(r) : null);
    if (virtual) tr.setAttribute("aria-rowindex", String(index + 2));
    for (const c of columns) {
      const v = c.cell(r);
      const td = h("td", { class: c.num ? "num" : null, title: c.title ? c.title(r) : null });
      td.append(typeof v === "string" || typeof v === "number" ? document.createTextNode(String(v)) : v);
      tr.appendChild(td);
    }
    return tr;
  };
  const spacer = (px) => {
    const tr = h("tr", { class: "spacer", "aria-hidden": "true" }, h("td", { colspan: String(columns.length) }));
    tr.style.height = `${px}px`;
    return tr;
  };
  let shown = [-1, -1];
  const render = (force = false) => {
    if (!virtual) {
      tbody.replaceChildren(...state.rows.map(rowEl));
      return;
    }
    const top = wrap.scrollTop;
    const viewH = wrap.clientHeight || 480;
    const head = table.tHead ? table.tHead.offsetHeight : ROW_PX;
    const a = Math.max(0, Math.floor((top - head) / ROW_PX) - OVERSCAN);
    const b = Math.min(state.rows.length, Math.ceil((top + viewH) / ROW_PX) + OVERSCAN);
    if (!force && a === shown[0] && b === shown[1]) return;
    shown = [a, b];
    const out = [spacer(a * ROW_PX)];
    for (let k = a; k < b; k++) out.push(rowEl(state.rows[k], k));
    out.push(spacer((state.rows.length - b) * ROW_PX));
    tbody.replaceChildren(...out);
  };
  function sortBy(k) {
    state.dir = state.col === k ? -state.dir : columns[k].num ? -1 : 1;
    state.col = k;
    applySort();
    render(true);
  }
  function applySort() {
    if (state.col < 0) return;
    const key = columns[state.col].sort;
    const dir = state.dir;
    const keyed = state.rows.map((r, i) => [key(r), i, r]);
    keyed.sort((x, y) => {
      const a = x[0];
      const b = y[0];
      const an = a == null || (typeof a === "number" && !Number.isFinite(a));
      const bn = b == null || (typeof b === "number" && !Number.isFinite(b));
      if (an || bn) return an === bn ? x[1] - y[1] : an ? 1 : -1; // "not recorded" last
      const c = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
      return c ? c * dir : x[1] - y[1];
    });
    state.rows = keyed.map((e) => e[2]);
    ths.forEach((th, i) => th.setAttribute("aria-sort", i === state.col ? (dir > 0 ? "ascending" : "descending") : "none"));
  }
  if (virtual) wrap.addEventListener("scroll", () => render(), { passive: true });
  applySort();
  render(true);
  // a virtual table measures its viewport once it is in the document
  if (virtual) requestAnimationFrame(() => render(true));
  return wrap;
}

/** Longest common folder of absolute paths (the workspace when the host does not say). */
export function commonRoot(paths) {
  const abs = paths.filter((p) => typeof p === "string" && (p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p)));
  if (abs.length < 2) return abs.length === 1 ? abs[0].replace(/[\\/][^\\/]*$/, "") : "";
  let parts = abs[0].split(/[\\/]/).slice(0, -1);
  for (const p of abs.slice(1)) {
    const q = p.split(/[\\/]/);
    let k = 0;
    while (k < parts.length && k < q.length - 1 && parts[k] === q[k]) k++;
    parts = parts.slice(0, k);
  }
  return parts.length > 1 ? parts.join("/") : "";
}

/** `path` relative to `root` when inside it, else as given. */
export function relativePath(path, root) {
  if (!root || typeof path !== "string") return path;
  const r = root.replace(/[\\/]+$/, "");
  if (path.startsWith(r) && /[\\/]/.test(path[r.length] || "")) return path.slice(r.length + 1);
  return path;
}
