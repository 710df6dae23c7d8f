/**
 * Finding the language server, in the order the extension promises:
 * 1. the `sessionprof.server.path` setting (an executable, or a Python interpreter);
 * 2. `sessionprof-ls` on PATH;
 * 3. the server bundled in the .vsix (`bundled/libs/cpXY`, the way the Python tools
 *    extension template ships its server), run by the Python extension's interpreter or a
 *    `python3` >= 3.11 on PATH, with PYTHONPATH pointing at the libs of its version;
 * 4. `python -m sessionprof_ls` in the interpreter the Python extension selected;
 * else a message that says exactly what to install.
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

export type ServerSource = "setting" | "path" | "bundled" | "python";

export interface ServerExecutable {
  command: string;
  args: string[];
  source: ServerSource;
  /** Extra environment for the server process (the bundled libs). */
  env?: Record<string, string>;
}

/** Interpreter names tried on PATH for the bundled server, newest first. */
export const PYTHON_NAMES = ["python3.13", "python3.12", "python3.11", "python3", "python"];
export const MIN_PYTHON: [number, number] = [3, 11];
export const PYTHON_INSTALL_HINT =
  "Python 3.11 or newer (Debian/Ubuntu: sudo apt install python3; macOS: brew install python@3.12; " +
  "Windows: winget install Python.Python.3.12)";

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
  /** The extension's `bundled/libs` folder when the .vsix brings the server. */
  bundledLibs?: string;
  /** `python`'s [major, minor], or undefined when it does not run. */
  pythonVersion?(python: string): Promise<[number, number] | undefined>;
  /** Whether a folder exists. */
  isDirectory?(dir: string): boolean;
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
  if (deps.bundledLibs && deps.pythonVersion && deps.isDirectory) {
    const bundled = await bundledServer(deps, python);
    if (bundled.ok || !python || !(await deps.hasModule(python, SERVER_MODULE))) {
      return bundled; // without a usable Python the message says which Python to install
    }
    return { ok: true, server: { command: python, args: ["-m", SERVER_MODULE], source: "python" } };
  }
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

/** The bundled server with the first Python >= 3.11 whose version the .vsix has libs for. */
async function bundledServer(deps: DiscoveryDeps, selected: string | undefined): Promise<Discovery> {
  const candidates: string[] = [];
  if (selected) {
    candidates.push(selected);
  }
  for (const name of PYTHON_NAMES) {
    const found = which(name, deps.env, deps.platform, deps.isExecutable);
    if (found && !candidates.includes(found)) {
      candidates.push(found);
    }
  }
  const seen: string[] = [];
  for (const python of candidates) {
    const version = await deps.pythonVersion!(python);
    if (!version) {
      continue;
    }
    const [major, minor] = version;
    const libs = path.join(deps.bundledLibs!, `cp${major}${minor}`);
    if ((major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) && deps.isDirectory!(libs)) {
      return {
        ok: true,
        server: {
          command: python,
          args: ["-m", SERVER_MODULE],
          source: "bundled",
          env: { PYTHONPATH: libs, PYTHONNOUSERSITE: "1", PYTHONDONTWRITEBYTECODE: "1" },
        },
      };
    }
    seen.push(`${python} (${major}.${minor})`);
  }
  const found = seen.length ? `found only ${seen.join(", ")}` : "found no python3";
  return {
    ok: false,
    message:
      `SessionProf brings its language server but needs ${PYTHON_INSTALL_HINT} to run it (${found}). ` +
      `Install it, then reload the window; or set sessionprof.server.path.`,
    installCommand: "sudo apt install python3",
  };
}

/** [major, minor] of `python` (a short child process), or undefined. */
export function pythonVersionOf(python: string): Promise<[number, number] | undefined> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import sys; print(*sys.version_info[:2])"], { timeout: 15000, windowsHide: true },
      (err, stdout) => {
        const m = /^(\d+) (\d+)/.exec(String(stdout).trim());
        resolve(err || !m ? undefined : [Number(m[1]), Number(m[2])]);
      });
  });
}

/** The bundled-server part of the discovery deps (the .vsix's `bundled/libs`, next to dist/). */
export function bundledDeps(): Pick<DiscoveryDeps, "bundledLibs" | "pythonVersion" | "isDirectory"> {
  const libs = path.join(__dirname, "..", "bundled", "libs");
  return { bundledLibs: isDirectory(libs) ? libs : undefined, pythonVersion: pythonVersionOf, isDirectory };
}

export function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
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
