// What the server is sent, and that package.json contributes every setting the server reads.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import * as P from "../common/protocol";
import { expandPath, OTLP_SETTINGS, SERVER_PATH, SERVER_SETTINGS, serverSettings, TERMINAL_OTEL } from "../common/settings";

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));

test("empty strings are dropped, paths expanded, wrong types dropped", () => {
  const values: Record<string, unknown> = {
    slowThresholdMs: 2500,
    slowestCount: "7",
    followTranscripts: false,
    claudeConfigDir: "~/claude",
    codexHome: "",
    port: Number.NaN,
    inlayHints: true,
    codeLens: false,
    store: "${workspaceFolder}/.sessionprof.db",
    "server.path": "/x",
  };
  const out = serverSettings((n) => values[n], "/ws");
  assert.deepEqual(out, {
    slowThresholdMs: 2500,
    followTranscripts: false,
    claudeConfigDir: path.join(os.homedir(), "claude"),
    inlayHints: true,
    codeLens: false,
    store: "/ws/.sessionprof.db",
  });
});

test("expandPath", () => {
  assert.equal(expandPath("~", undefined, "/home/u"), "/home/u");
  assert.equal(expandPath(" ~/a ", undefined, "/home/u"), "/home/u/a");
  assert.equal(expandPath("${userHome}/b", undefined, "/home/u"), "/home/u/b");
  assert.equal(expandPath("a~b", "/w", "/home/u"), "a~b");
});

test("package.json contributes every server setting with the same default and a description", () => {
  const props = pkg.contributes.configuration.properties;
  for (const [name, def] of Object.entries(SERVER_SETTINGS)) {
    const p = props[`${P.CONFIG_SECTION}.${name}`];
    assert.ok(p, `missing setting sessionprof.${name}`);
    assert.deepEqual(p.default, def, name);
    assert.equal(p.type, typeof def === "number" ? (Number.isInteger(def) && name !== "slowThresholdMs" && !name.endsWith("Share") ? "integer" : "number") : Array.isArray(def) ? "array" : typeof def, name);
    assert.ok((p.markdownDescription ?? p.description ?? "").length > 20, `sessionprof.${name} has no description`);
  }
  for (const name of [SERVER_PATH, TERMINAL_OTEL]) {
    assert.ok(props[`${P.CONFIG_SECTION}.${name}`], name);
  }
  for (const [name, def] of Object.entries(OTLP_SETTINGS)) {
    assert.deepEqual(props[`${P.CONFIG_SECTION}.${name}`].default, def, name);
  }
  assert.deepEqual(
    Object.keys(props).sort(),
    [...Object.keys(SERVER_SETTINGS), ...Object.keys(OTLP_SETTINGS), SERVER_PATH, TERMINAL_OTEL]
      .map((n) => `${P.CONFIG_SECTION}.${n}`)
      .sort(),
  );
});

test("the otlp settings go to the server as one object; wrong header values dropped", () => {
  const values: Record<string, unknown> = {
    "otlp.endpoint": " http://collector:4318 ",
    "otlp.headers": { Authorization: "Bearer x", bad: 3 },
    "otlp.content": true,
  };
  assert.deepEqual(serverSettings((n) => values[n]).otlp, {
    endpoint: "http://collector:4318",
    headers: { Authorization: "Bearer x" },
    content: true,
  });
  assert.deepEqual(serverSettings((n) => (n === "otlp.endpoint" ? "" : undefined)).otlp, {
    endpoint: "",
    headers: {},
    content: false,
  });
});

test("client command ids are contributed and distinct from the server's", () => {
  const ids: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of [
    P.CMD_OPEN_FLAME_GRAPH,
    P.CMD_SHOW_EVENT,
    P.CMD_PICK_SESSION,
    P.CMD_EXPORT_SESSION,
    P.CMD_PICK_SUGGESTION,
    P.CMD_RESTART_SERVER,
    P.CMD_SHOW_LOG,
    P.CMD_TOGGLE_INLAY_HINTS,
    P.CMD_TOGGLE_CODE_LENS,
    P.CMD_STATUS_MENU,
  ]) {
    assert.ok(ids.includes(id), id);
  }
  for (const id of P.SERVER_COMMANDS) {
    assert.ok(!ids.includes(id), `${id} is the server's; vscode-languageclient registers it`);
  }
  assert.equal(new Set(ids).size, ids.length);
});
