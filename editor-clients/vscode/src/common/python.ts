/**
 * The Python interpreter the Python extension (ms-python.python) selected, when that
 * extension is installed. Only the parts of its API used here are typed, so the
 * extension works (and is tested) without it.
 */

export const PYTHON_EXTENSION_ID = "ms-python.python";

/** The slice of `vscode.Extension<T>` used here. */
export interface ExtensionLike<T> {
  readonly isActive: boolean;
  readonly exports: T;
  activate(): Thenable<T> | Promise<T>;
}

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable: { readonly uri?: { readonly fsPath: string } | undefined };
}

/** The Python extension's public API (the `environments` API, and the older `settings` one). */
export interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: unknown): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: (listener: () => void) => { dispose(): void };
  };
  settings?: {
    getExecutionDetails(resource?: unknown): { execCommand: string[] | undefined };
  };
}

export type GetExtension = (id: string) => ExtensionLike<PythonApi> | undefined;

/** The activated Python extension's API, or undefined when it is not installed or fails. */
export async function pythonApi(getExtension: GetExtension): Promise<PythonApi | undefined> {
  const ext = getExtension(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/**
 * The selected interpreter's executable for `resource` (a workspace folder URI), or
 * undefined when the Python extension is absent, has none selected, or its API fails.
 */
export async function selectedInterpreter(
  getExtension: GetExtension,
  resource?: unknown,
): Promise<string | undefined> {
  const api = await pythonApi(getExtension);
  if (!api) {
    return undefined;
  }
  try {
    if (api.environments) {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(envPath);
      const exe = env?.executable.uri?.fsPath ?? envPath?.path;
      if (exe) {
        return exe;
      }
    }
    const cmd = api.settings?.getExecutionDetails(resource).execCommand;
    if (cmd && cmd.length === 1 && cmd[0]) {
      return cmd[0];
    }
  } catch {
    // An API failure is the same as "no interpreter": discovery goes on to the message.
  }
  return undefined;
}
