// Server discovery: setting, then PATH, then the Python extension's interpreter, then a message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { discoverServer, isPythonInterpreter, which, type DiscoveryDeps } from "../common/server";

function deps(over: Partial<DiscoveryDeps> & { executables?: string[]; modules?: Record<string, boolean> }): DiscoveryDeps {
  const executables = new Set(over.executables ?? []);
  const calls: string[] = [];
  return {
    settingPath: "",
    env: { PATH: "/usr/local/bin:/usr/bin" },
    platform: "linux",
    isExecutable: (f) => executables.has(f),
    interpreter: async () => undefined,
    hasModule: async (python, module) => {
      calls.push(`${python}:${module}`);
      return over.modules?.[python] ?? false;
    },
    ...over,
  };
}

test("the setting wins over PATH and the interpreter", async () => {
  const d = deps({
    settingPath: "/opt/sp/bin/sessionprof-ls",
    executables: ["/opt/sp/bin/sessionprof-ls", "/usr/bin/sessionprof-ls"],
    interpreter: async () => "/venv/bin/python",
    modules: { "/venv/bin/python": true },
  });
  assert.deepEqual(await discoverServer(d), {
    ok: true,
    server: { command: "/opt/sp/bin/sessionprof-ls", args: [], source: "setting" },
  });
});

test("a setting pointing at a Python interpreter runs the module", async () => {
  const r = await discoverServer(deps({ settingPath: "/venv/bin/python3.11", executables: ["/venv/bin/python3.11"] }));
  assert.deepEqual(r, { ok: true, server: { command: "/venv/bin/python3.11", args: ["-m", "sessionprof_ls"], source: "setting" } });
});

test("a relative setting resolves against the workspace folder; ~ expands", async () => {
  const r = await discoverServer(
    deps({ settingPath: ".venv/bin/sessionprof-ls", workspaceFolder: "/ws", executables: ["/ws/.venv/bin/sessionprof-ls"] }),
  );
  assert.equal(r.ok && r.server.command, "/ws/.venv/bin/sessionprof-ls");
  const home = (await import("node:os")).homedir();
  const r2 = await discoverServer(deps({ settingPath: "~/bin/sessionprof-ls", executables: [`${home}/bin/sessionprof-ls`] }));
  assert.equal(r2.ok && r2.server.command, `${home}/bin/sessionprof-ls`);
});

test("a setting that is not an executable is an error naming the setting, not a silent fallback", async () => {
  const r = await discoverServer(deps({ settingPath: "/nope/sessionprof-ls", executables: ["/usr/bin/sessionprof-ls"] }));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.message.includes("sessionprof.server.path"));
  assert.ok(!r.ok && r.message.includes("/nope/sessionprof-ls"));
});

test("PATH is searched in order when the setting is empty", async () => {
  const r = await discoverServer(
    deps({ settingPath: "  ", executables: ["/usr/bin/sessionprof-ls", "/usr/local/bin/sessionprof-ls"] }),
  );
  assert.deepEqual(r, { ok: true, server: { command: "/usr/local/bin/sessionprof-ls", args: [], source: "path" } });
});

test("PATH wins over the Python extension's interpreter", async () => {
  let asked = false;
  const r = await discoverServer(
    deps({
      executables: ["/usr/bin/sessionprof-ls"],
      interpreter: async () => {
        asked = true;
        return "/venv/bin/python";
      },
    }),
  );
  assert.equal(r.ok && r.server.source, "path");
  assert.equal(asked, false, "the Python extension is not consulted when PATH has the server");
});

test("the selected interpreter is used when it has the module", async () => {
  const r = await discoverServer(
    deps({ interpreter: async () => "/venv/bin/python", modules: { "/venv/bin/python": true } }),
  );
  assert.deepEqual(r, { ok: true, server: { command: "/venv/bin/python", args: ["-m", "sessionprof_ls"], source: "python" } });
});

test("an interpreter without the module gives the pip command for that interpreter", async () => {
  const r = await discoverServer(deps({ interpreter: async () => "/venv/bin/python" }));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.installCommand === '"/venv/bin/python" -m pip install sessionprof-ls');
  assert.ok(!r.ok && r.message.includes("/venv/bin/python"));
});

test("nothing found: a clear message with the install command", async () => {
  const r = await discoverServer(deps({}));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.message.includes("pipx install sessionprof-ls"));
  assert.ok(!r.ok && r.message.includes("sessionprof.server.path"));
  assert.equal(!r.ok && r.installCommand, "pipx install sessionprof-ls");
});

test("which() on Windows uses Path, ';' and PATHEXT", () => {
  const found = which(
    "sessionprof-ls",
    { Path: "C:\\Python\\Scripts;C:\\Windows", PATHEXT: ".COM;.EXE" },
    "win32",
    (f) => f === "C:\\Python\\Scripts\\sessionprof-ls.EXE",
  );
  assert.equal(found, "C:\\Python\\Scripts\\sessionprof-ls.EXE");
});

test("which() skips empty PATH entries and non-executables", () => {
  assert.equal(which("x", { PATH: "::/a:" }, "linux", (f) => f === "/a/x"), "/a/x");
  assert.equal(which("x", {}, "linux", () => true), undefined);
});

test("isPythonInterpreter", () => {
  for (const p of ["/usr/bin/python", "/usr/bin/python3", "/v/bin/python3.11", "C:\\P\\python.exe", "pythonw.exe"]) {
    assert.ok(isPythonInterpreter(p), p);
  }
  for (const p of ["/usr/bin/sessionprof-ls", "/usr/bin/python-config", "/usr/bin/ipython"]) {
    assert.ok(!isPythonInterpreter(p), p);
  }
});
