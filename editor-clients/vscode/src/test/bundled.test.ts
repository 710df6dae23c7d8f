// Issue 15: the server inside the .vsix (bundled/libs/cpXY), run by a Python >= 3.11.
import assert from "node:assert/strict";
import { test } from "node:test";
import { discoverServer, type DiscoveryDeps } from "../common/server";

function bundled(over: {
  executables?: string[];
  versions?: Record<string, [number, number]>;
  libs?: string[];
  interpreter?: string;
  modules?: Record<string, boolean>;
  settingPath?: string;
}): DiscoveryDeps {
  const executables = new Set(over.executables ?? []);
  return {
    settingPath: over.settingPath ?? "",
    env: { PATH: "/usr/local/bin:/usr/bin" },
    platform: "linux",
    isExecutable: (f) => executables.has(f),
    interpreter: async () => over.interpreter,
    hasModule: async (python) => over.modules?.[python] ?? false,
    bundledLibs: "/ext/bundled/libs",
    pythonVersion: async (python) => over.versions?.[python],
    isDirectory: (dir) => (over.libs ?? ["cp311", "cp312", "cp313"]).some((v) => dir === `/ext/bundled/libs/${v}`),
  };
}

test("python3 >= 3.11 on PATH runs the bundled server with its version's libs", async () => {
  const r = await discoverServer(
    bundled({ executables: ["/usr/bin/python3"], versions: { "/usr/bin/python3": [3, 12] } }),
  );
  assert.deepEqual(r, {
    ok: true,
    server: {
      command: "/usr/bin/python3",
      args: ["-m", "sessionprof_ls"],
      source: "bundled",
      env: { PYTHONPATH: "/ext/bundled/libs/cp312", PYTHONNOUSERSITE: "1", PYTHONDONTWRITEBYTECODE: "1" },
    },
  });
});

test("the Python extension's interpreter comes first; a too old one is passed over", async () => {
  const cases: [version: [number, number], runs: string][] = [
    [[3, 13], "/venv/bin/python"],
    [[3, 9], "/usr/bin/python3.11"],
  ];
  for (const [version, runs] of cases) {
    const r = await discoverServer(
      bundled({
        interpreter: "/venv/bin/python",
        executables: ["/usr/bin/python3.11"],
        versions: { "/venv/bin/python": version, "/usr/bin/python3.11": [3, 11] },
      }),
    );
    assert.equal(r.ok && r.server.command, runs, `interpreter ${version.join(".")}`);
  }
});

test("no usable Python: one message that says exactly what to install", async () => {
  const r = await discoverServer(
    bundled({ executables: ["/usr/bin/python3"], versions: { "/usr/bin/python3": [3, 9] } }),
  );
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.match(r.message, /needs Python 3\.11 or newer/);
    assert.match(r.message, /found only \/usr\/bin\/python3 \(3\.9\)/);
    assert.match(r.message, /sudo apt install python3/);
    assert.doesNotMatch(r.message, /pipx/);
  }
});

test("the setting and sessionprof-ls on PATH still win over the bundled server", async () => {
  const setting = await discoverServer(
    bundled({ settingPath: "/opt/sessionprof-ls", executables: ["/opt/sessionprof-ls", "/usr/bin/python3"],
              versions: { "/usr/bin/python3": [3, 12] } }),
  );
  assert.equal(setting.ok && setting.server.source, "setting");
  const onPath = await discoverServer(
    bundled({ executables: ["/usr/bin/sessionprof-ls", "/usr/bin/python3"], versions: { "/usr/bin/python3": [3, 12] } }),
  );
  assert.equal(onPath.ok && onPath.server.source, "path");
});

test("a version the .vsix has no libs for is passed over", async () => {
  const r = await discoverServer(
    bundled({ libs: ["cp311"], executables: ["/usr/bin/python3.13", "/usr/bin/python3.11"],
              versions: { "/usr/bin/python3.13": [3, 13], "/usr/bin/python3.11": [3, 11] } }),
  );
  assert.equal(r.ok && r.server.env?.PYTHONPATH, "/ext/bundled/libs/cp311");
});
