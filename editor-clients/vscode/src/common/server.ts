/**
 * Finding the language server, in the order the extension promises:
 * 1. the `sessionprof.server.path` setting (an executable, or a Python interpreter);
 * 2. `sessionprof-ls` on PATH;
 * 3. `python -m sessionprof_ls` in the interpreter the Python extension selected;
 * else a message that says how to install it.
 * Everything that touches the machine is injected, so the order is unit-tested.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { expandPath } from "./settings";

export const SERVER_EXECUTABLE = "sessionprof-ls";
export const SERVER_MODULE = "sessionprof_ls";
export const PACKAGE_NAME = "sessionprof-ls";
export const INSTALL_COMMAND = `pipx install ${PACKAGE_NAME}`;

export type ServerSource = "setting" | "path" | "python";

export interface ServerExecutable {
  command: string;
  args: string[];
  source: ServerSource;
}

export type Discovery =
  | { ok: true; server: ServerExecutable }
  | { ok: false; message: string; installCommand: string };

export interface DiscoveryDeps {
  /** The `sessionprof.server.path` setting ("" when unset). */
  settingPath: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  workspaceFolder?: string;
  isExecutable(file: string): boolean;
  /** The interpreter the Python extension selected, if any. */
  interpreter(): Promise<string | undefined>;
  /** Whether `python` can import `module`. */
  hasModule(python: string, module: string): Promise<boolean>;
}

/** `python`, `python3`, `python3.11`, `python.exe`, `pythonw.exe`: run as `-m sessionprof_ls`. */
export function isPythonInterpreter(file: string): boolean {
  const base = file.split(/[\\/]/).pop() ?? "";
  return /^python(w)?(\d+(\.\d+)*)?(\.exe)?$/i.test(base);
}

/** The first `name` on PATH that is executable (with PATHEXT on Windows), like `which`. */
export function which(
  name: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => boolean,
): string | undefined {
  const win = platform === "win32";
  const pathVar = (win ? env.Path ?? env.PATH : env.PATH) ?? "";
  const sep = win ? ";" : ":";
  const join = win ? path.win32.join : path.posix.join;
  const exts = win ? ["", ...(env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean)] : [""];
  for (const dir of pathVar.split(sep)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function fromFile(file: string, source: ServerSource): ServerExecutable {
  return isPythonInterpreter(file)
    ? { command: file, args: ["-m", SERVER_MODULE], source }
    : { command: file, args: [], source };
}

/** Find the server; never throws for a missing server, it returns the message instead. */
export async function discoverServer(deps: DiscoveryDeps): Promise<Discovery> {
  const setting = deps.settingPath.trim();
  if (setting) {
    let file = expandPath(setting, deps.workspaceFolder);
    if (!path.isAbsolute(file) && deps.workspaceFolder) {
      file = path.resolve(deps.workspaceFolder, file);
    }
    if (!deps.isExecutable(file)) {
      return {
        ok: false,
        message:
          `The setting sessionprof.server.path is "${setting}", which is not an executable file. ` +
          `Fix or clear the setting, or install the server with: ${INSTALL_COMMAND}`,
        installCommand: INSTALL_COMMAND,
      };
    }
    return { ok: true, server: fromFile(file, "setting") };
  }

  const onPath = which(SERVER_EXECUTABLE, deps.env, deps.platform, deps.isExecutable);
  if (onPath) {
    return { ok: true, server: { command: onPath, args: [], source: "path" } };
  }

  const python = await deps.interpreter();
  if (python) {
    if (await deps.hasModule(python, SERVER_MODULE)) {
      return { ok: true, server: { command: python, args: ["-m", SERVER_MODULE], source: "python" } };
    }
    const install = `"${python}" -m pip install ${PACKAGE_NAME}`;
    return {
      ok: false,
      message:
        `The SessionProf language server was not found: no sessionprof.server.path setting, ` +
        `no ${SERVER_EXECUTABLE} on PATH, and the selected Python interpreter (${python}) ` +
        `cannot import ${SERVER_MODULE}. Install it with: ${install}`,
      installCommand: install,
    };
  }
  return {
    ok: false,
    message:
      `The SessionProf language server was not found: no sessionprof.server.path setting, ` +
      `no ${SERVER_EXECUTABLE} on PATH, and no Python interpreter selected in the Python ` +
      `extension. Install it with: ${INSTALL_COMMAND} (or pip install ${PACKAGE_NAME}), ` +
      `or set sessionprof.server.path.`,
    installCommand: INSTALL_COMMAND,
  };
}

/** A regular file the current user may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    fs.accessSync(file, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `python` can import `module` (a short child process, 15 s at most). */
export function pythonHasModule(python: string, module: string): Promise<boolean> {
  const code = `import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(${JSON.stringify(module)}) else 1)`;
  return new Promise((resolve) => {
    execFile(python, ["-c", code], { timeout: 15000, windowsHide: true }, (err) => resolve(!err));
  });
}
