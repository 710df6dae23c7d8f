// The webview page: template filling, escaping, the CSP; and the openFile path confinement.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { contentSecurityPolicy, escapeAttr, makeNonce, renderTemplate } from "../common/html";
import { resolveInWorkspace, zeroBasedLine } from "../common/paths";

const CSP_SOURCE = "https://file+.vscode-resource.vscode-cdn.net";

test("every placeholder is replaced, the config is escaped JSON", () => {
  const tpl =
    '<meta http-equiv="Content-Security-Policy" content="{{csp}}"><meta name="sessionprof-config" content="{{config}}">' +
    '<script type="module" src="{{base}}/app.js" nonce="{{nonce}}"></script><link href="{{base}}/style.css" nonce="{{nonce}}">';
  const evil = 'x"><script>alert(1)</script>&\'';
  const html = renderTemplate(tpl, {
    cspSource: CSP_SOURCE,
    nonce: "abc123",
    base: "https://webview/dist/web/",
    config: { mode: "vscode", sessionId: evil, eventId: "e1" },
  });
  assert.ok(!html.includes("{{"), html);
  assert.ok(!html.includes("<script>alert"), "agent text never becomes markup");
  assert.equal((html.match(/nonce="abc123"/g) ?? []).length, 2);
  assert.ok(html.includes('src="https://webview/dist/web/app.js"'));
  const content = /name="sessionprof-config" content="([^"]*)"/.exec(html)![1];
  const unescaped = content.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&#96;/g, "`").replace(/&amp;/g, "&");
  assert.deepEqual(JSON.parse(unescaped), { mode: "vscode", sessionId: evil, eventId: "e1" });
});

test("the real web UI template fills completely", () => {
  const index = path.join(__dirname, "..", "..", "..", "web", "index.html");
  const html = renderTemplate(fs.readFileSync(index, "utf8"), {
    cspSource: CSP_SOURCE,
    nonce: "n0nce",
    base: "https://webview/web",
    config: { mode: "vscode" },
  });
  assert.ok(!/\{\{\w+\}\}/.test(html));
  assert.ok(html.includes("script-src &#39;nonce-n0nce&#39;"));
  for (const m of html.matchAll(/<script\b[^>]*>/g)) {
    assert.ok(m[0].includes('nonce="n0nce"'), `script without nonce: ${m[0]}`);
  }
});

test("the CSP allows no inline code and no network", () => {
  const csp = contentSecurityPolicy(CSP_SOURCE, "N");
  assert.ok(csp.startsWith("default-src 'none'"));
  assert.ok(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"));
  assert.match(csp, /script-src 'nonce-N' https:\/\/file\+\.vscode-resource/);
  assert.match(csp, /connect-src 'none'/);
});

test("nonces are fresh and attribute-safe", () => {
  const a = makeNonce();
  assert.notEqual(a, makeNonce());
  assert.match(a, /^[A-Za-z0-9]{16,}$/);
  assert.equal(escapeAttr(`<a href="x" onload='y'>&\``), "&lt;a href=&quot;x&quot; onload=&#39;y&#39;&gt;&amp;&#96;");
});

test("openFile: inside the workspace only", () => {
  const folders = ["/ws/project", "/other/root"];
  assert.equal(resolveInWorkspace("src/a.ts", folders), "/ws/project/src/a.ts");
  assert.equal(resolveInWorkspace("/other/root/b.py", folders), "/other/root/b.py");
  assert.equal(resolveInWorkspace("../secret", folders), undefined);
  assert.equal(resolveInWorkspace("/etc/passwd", folders), undefined);
  assert.equal(resolveInWorkspace("/ws/project/../project2/x", folders), undefined);
  assert.equal(resolveInWorkspace("/ws/projectX/x", folders), undefined);
  assert.equal(resolveInWorkspace("a\0b", folders), undefined);
  assert.equal(resolveInWorkspace("a.ts", []), undefined);
  assert.equal(zeroBasedLine(12), 11);
  assert.equal(zeroBasedLine(0), 0);
  assert.equal(zeroBasedLine("3"), 0);
});
