// The interpreter the Python extension selected, with the extension absent, present, or failing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PYTHON_EXTENSION_ID, selectedInterpreter, type ExtensionLike, type PythonApi } from "../common/python";

function ext(api: PythonApi, isActive = true): ExtensionLike<PythonApi> & { activations: number } {
  const e = {
    isActive,
    exports: api,
    activations: 0,
    async activate() {
      e.activations++;
      return api;
    },
  };
  return e;
}

test("no Python extension installed: undefined, no error", async () => {
  assert.equal(await selectedInterpreter(() => undefined), undefined);
});

test("asks for ms-python.python", async () => {
  const asked: string[] = [];
  await selectedInterpreter((id) => {
    asked.push(id);
    return undefined;
  });
  assert.deepEqual(asked, [PYTHON_EXTENSION_ID]);
  assert.equal(PYTHON_EXTENSION_ID, "ms-python.python");
});

test("environments API: the resolved executable of the active environment, for the resource", async () => {
  const seen: unknown[] = [];
  const api: PythonApi = {
    environments: {
      getActiveEnvironmentPath: (resource) => {
        seen.push(resource);
        return { id: "venv", path: "/ws/.venv" };
      },
      resolveEnvironment: async (env) => {
        assert.deepEqual(env, { id: "venv", path: "/ws/.venv" });
        return { executable: { uri: { fsPath: "/ws/.venv/bin/python" } } };
      },
    },
  };
  assert.equal(await selectedInterpreter(() => ext(api), "file:///ws"), "/ws/.venv/bin/python");
  assert.deepEqual(seen, ["file:///ws"]);
});

test("an inactive extension is activated first", async () => {
  const e = ext(
    {
      environments: {
        getActiveEnvironmentPath: () => ({ id: "x", path: "/usr/bin/python3" }),
        resolveEnvironment: async () => undefined,
      },
    },
    false,
  );
  // Unresolvable environment: the active path itself is the interpreter.
  assert.equal(await selectedInterpreter(() => e), "/usr/bin/python3");
  assert.equal(e.activations, 1);
});

test("the older settings API is used when there is no environments API", async () => {
  const api: PythonApi = { settings: { getExecutionDetails: () => ({ execCommand: ["/opt/py/bin/python"] }) } };
  assert.equal(await selectedInterpreter(() => ext(api)), "/opt/py/bin/python");
  const multi: PythonApi = { settings: { getExecutionDetails: () => ({ execCommand: ["conda", "run", "python"] }) } };
  assert.equal(await selectedInterpreter(() => ext(multi)), undefined);
});

test("an extension that fails to activate or throws is treated as absent", async () => {
  const failing: ExtensionLike<PythonApi> = {
    isActive: false,
    exports: {},
    activate: () => Promise.reject(new Error("boom")),
  };
  assert.equal(await selectedInterpreter(() => failing), undefined);
  const throwing: PythonApi = {
    environments: {
      getActiveEnvironmentPath: () => {
        throw new Error("no workspace");
      },
      resolveEnvironment: async () => undefined,
    },
  };
  assert.equal(await selectedInterpreter(() => ext(throwing)), undefined);
});
