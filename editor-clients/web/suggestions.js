// Suggestion cards, the preview before anything is written, and the measured effect of
// suggestions applied earlier (issue 14).
//
// In VS Code's webview, Apply asks the extension, which shows VS Code's refactor preview
// (apply.ts). In a browser page, Apply shows the diff of every file with copy buttons;
// when an editor is connected, "Send to the editor" asks it to apply (it confirms first).
// Session text reaches the page through textContent only.
import { CMD_APPLY_SUGGESTION, PREVIEW_SUGGESTION, SUGGESTION_EFFECTS } from "./protocol.js";
import { lazyNumberFormat } from "./format.js";

const NF = lazyNumberFormat();

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return node;
}

// outcomes and open previews outlive a live refresh that redraws the cards
const statusText = new Map();
const previews = new Map();

/**
 * @param {HTMLElement} container
 * @param {object[]} list  the session's suggestions
 * @param {boolean} full   the Suggestions tab (method, evidence, guidance, effects)
 * @param {{transport: object, sessionId: string}} ctx
 */
export function renderSuggestionCards(container, list, full, ctx) {
  container.replaceChildren();
  if (!list.length) container.appendChild(el("p", { class: "muted", text: "No suggestions for this session." }));
  for (const s of list) container.appendChild(card(s, full, ctx));
  if (full) {
    const effects = el("div", { class: "sugg-effects", "aria-live": "polite" });
    container.appendChild(effects);
    void renderEffects(effects, ctx);
  }
}

function card(s, full, ctx) {
  const key = `${ctx.sessionId}\u0000${s.id}`;
  const status = el("span", { class: "apply-status", "aria-live": "polite", text: statusText.get(key) || "" });
  const preview = el("div", { class: "sugg-preview" });
  const setStatus = (text) => {
    statusText.set(key, text);
    for (const node of document.querySelectorAll(`.suggestion[data-id="${CSS.escape(s.id)}"] .apply-status`)) {
      node.textContent = text;
    }
  };
  const vscode = ctx.transport.kind === "vscode";
  const button = el("button", {
    class: "apply",
    "data-suggestion": s.id,
    text: vscode ? "Apply…" : "Preview change",
    title: vscode ? "Shows every file in VS Code's refactor preview before anything is written" : "Shows the diff; nothing is written",
    onclick: async () => {
      button.disabled = true;
      try {
        if (vscode) {
          setStatus("Opening the preview in VS Code…");
          await ctx.transport.executeCommand(CMD_APPLY_SUGGESTION, [ctx.sessionId, s.id]);
        } else {
          setStatus("Preparing the preview…");
          const plan = await ctx.transport.request(PREVIEW_SUGGESTION, { sessionId: ctx.sessionId, suggestionId: s.id });
          previews.set(key, plan);
          for (const node of document.querySelectorAll(`.suggestion[data-id="${CSS.escape(s.id)}"] .sugg-preview`)) {
            showPreview(node, plan, ctx, setStatus);
          }
          setStatus(plan.files.length ? "Preview below: nothing was written." : plan.message);
        }
      } catch (e) {
        setStatus(`Could not prepare it: ${e.message}`);
      } finally {
        button.disabled = false;
      }
    },
  });
  if (previews.has(key)) showPreview(preview, previews.get(key), ctx, setStatus);
  const extra = [];
  if (full) {
    if (s.method) extra.push(el("div", { class: "sugg-method muted", text: `How: ${s.method}` }));
    if (s.filePaths && s.filePaths.length) extra.push(el("div", { class: "sugg-files", text: `Files: ${s.filePaths.join(", ")}` }));
    if (s.models && s.models.length) extra.push(el("div", { class: "sugg-files", text: `Models: ${s.models.join(", ")}${s.suggestedModel ? ` → ${s.suggestedModel}` : ""}` }));
    if (s.evidence && s.evidence.length) extra.push(evidence(s));
    if (s.guidance) extra.push(el("div", { class: "sugg-guidance", text: s.guidance }));
  }
  return el(
    "div",
    { class: "suggestion", "data-id": s.id },
    el("span", { class: "sugg-icon", "aria-hidden": "true", text: "⚡" }),
    el(
      "div",
      { class: "sugg-body" },
      el("div", { class: "sugg-title", text: s.title }),
      el("div", { class: "sugg-desc", text: s.description }),
      s.estimatedSaving ? el("div", { class: "sugg-saving", text: s.estimatedSaving }) : null,
      ...extra,
      preview,
    ),
    el("div", { class: "sugg-actions" }, button, status),
  );
}

function evidence(s) {
  const n = s.affectedEvents ? s.affectedEvents.length : s.evidence.length;
  const items = s.evidence.slice(0, 5).map((e) => el("li", { text: `${e.what}: ${e.filePath || e.name}` }));
  return el(
    "details",
    { class: "sugg-evidence" },
    el("summary", { text: `Evidence: ${NF.format(n)} event${n === 1 ? "" : "s"}` }),
    el("ul", null, items),
    n > items.length ? el("div", { class: "muted", text: `and ${NF.format(n - items.length)} more` }) : null,
  );
}

function showPreview(node, plan, ctx, setStatus) {
  node.replaceChildren();
  if (!plan.files.length) return;
  node.appendChild(el("div", { class: "sugg-preview-head", text: `${plan.message}. Nothing is written from this page.` }));
  for (const f of plan.files) {
    const lines = f.diff.split("\n").filter((l, i, a) => l || i < a.length - 1);
    const pre = el(
      "pre",
      { class: "sugg-diff", "data-file": f.relPath, tabindex: "0" },
      lines.map((l) => el("span", { class: l.startsWith("+") && !l.startsWith("+++") ? "add" : l.startsWith("-") && !l.startsWith("---") ? "del" : "ctx", text: `${l}\n` })),
    );
    node.appendChild(
      el(
        "div",
        { class: "sugg-file" },
        el(
          "div",
          { class: "sugg-file-head" },
          el("span", { class: "sugg-file-name", text: f.create ? `${f.relPath} (new file)` : f.relPath }),
          copyButton("Copy diff", f.diff, setStatus, `diff of ${f.relPath}`),
          copyButton(`Copy new ${f.relPath.split("/").pop()}`, f.newText, setStatus, `new ${f.relPath}`),
        ),
        pre,
      ),
    );
  }
  if (plan.editor) {
    const send = el("button", {
      class: "send-to-editor",
      text: "Send to the editor",
      title: "The editor asks you to confirm before it changes anything",
      onclick: async () => {
        send.disabled = true;
        try {
          const r = await ctx.transport.executeCommand(CMD_APPLY_SUGGESTION, [plan.sessionId, plan.suggestionId]);
          setStatus(r && typeof r.message === "string" ? r.message : "Sent to the editor.");
        } catch (e) {
          setStatus(`Not applied: ${e.message}`);
        } finally {
          send.disabled = false;
        }
      },
    });
    node.appendChild(send);
  }
}

function copyButton(label, text, setStatus, what) {
  return el("button", {
    class: "copy",
    text: label,
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(text);
      } catch (_) {
        // no clipboard permission: select the text in a hidden textarea and copy it
        const area = el("textarea", { class: "copy-buffer", "aria-hidden": "true" });
        area.value = text;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      setStatus(`Copied the ${what}.`);
    },
  });
}

/** The suggestions applied earlier in this workspace: the metric before vs after. */
export async function renderEffects(node, ctx) {
  let data;
  try {
    data = await ctx.transport.request(SUGGESTION_EFFECTS, { sessionId: ctx.sessionId });
  } catch (_) {
    return; // a host without the request (an older server): the cards stay as they are
  }
  node.replaceChildren();
  if (!data || !data.effects || !data.effects.length) return;
  node.appendChild(el("h3", { text: "Applied earlier in this workspace: the measured effect" }));
  const heads = ["Suggestion", "Applied", "Metric", "Before", "After", "Effect"];
  const sessions = (side) => `${side.text} (${side.sessions} session${side.sessions === 1 ? "" : "s"})`;
  const rows = data.effects.map((e) => {
    const cells = [
      [e.title, ""],
      [new Date(e.appliedAt).toLocaleString(), "when"],
      [e.metric, ""],
      [sessions(e.before), "num"],
      [sessions(e.after), "num"],
      [`${e.message}${e.estimate ? ` Estimated: ${e.estimate}.` : ""}`, ""],
    ];
    // data-label: a narrow page stacks each row's cells under their column's name (style.css)
    return el("tr", { class: `effect ${e.verdict}`, "data-kind": e.kind }, cells.map(([text, cls], i) => el("td", { class: cls, "data-label": heads[i], text })));
  });
  // its text cells wrap at spaces (the verdict is the point of the row); the wrap scrolls
  // sideways only when even that does not fit, never the page
  node.appendChild(
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "data effects" },
        el("thead", null, el("tr", null, heads.map((t) => el("th", { scope: "col", text: t })))),
        el("tbody", null, rows),
      ),
    ),
  );
}
