/**
 * The extension's settings: which ones the server reads, and how they are sent to it
 * (initializationOptions `{"sessionprof": {...}}` and the `workspace/configuration`
 * section `sessionprof`). Pure functions, so they are tested without VS Code.
 */
import * as os from "os";
import * as path from "path";

/** Settings the server reads (the brief's list), with the package.json defaults. */
export const SERVER_SETTINGS = {
  slowThresholdMs: 5000,
  slowestCount: 5,
  followTranscripts: true,
  claudeConfigDir: "",
  codexHome: "",
  port: 0,
  maxBodyBytes: 33554432,
  extraWorkspaces: [] as string[],
  inlayHints: true,
  codeLens: true,
  store: "",
  hintMidShare: 2,
  hintHighShare: 10,
} as const;

export type ServerSettingName = keyof typeof SERVER_SETTINGS;

/**
 * Live OpenTelemetry forwarding: three settings sent as one `otlp` object
 * `{endpoint, headers, content}` (an empty endpoint turns forwarding off).
 */
export const OTLP_SETTINGS = { "otlp.endpoint": "", "otlp.headers": {}, "otlp.content": false } as const;

/** Settings only the client reads. */
export const SERVER_PATH = "server.path";
export const TERMINAL_OTEL = "terminal.otel";

/** Settings that hold a path: `~` and `${workspaceFolder}` are expanded before sending. */
const PATH_SETTINGS: ReadonlySet<string> = new Set(["claudeConfigDir", "codexHome", "store"]);

/** Expand a leading `~` and `${workspaceFolder}`/`${userHome}` in a path setting. */
export function expandPath(value: string, workspaceFolder?: string, home: string = os.homedir()): string {
  let out = value.trim();
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = path.join(home, out.slice(1));
  }
  out = out.replace(/\$\{userHome\}/g, home);
  if (workspaceFolder !== undefined) {
    out = out.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }
  return out;
}

/**
 * The settings object the server gets: only the server's own keys, empty strings
 * dropped (so the server falls back to its environment defaults), paths expanded,
 * and values of the wrong type dropped rather than sent.
 */
export function serverSettings(
  get: (name: string) => unknown,
  workspaceFolder?: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, fallback] of Object.entries(SERVER_SETTINGS)) {
    const value = get(name);
    if (value === undefined || value === null || typeof value !== typeof fallback) {
      continue;
    }
    if (typeof value === "string") {
      if (value.trim() === "") {
        continue;
      }
      out[name] = PATH_SETTINGS.has(name) ? expandPath(value, workspaceFolder) : value.trim();
    } else if (typeof value === "number") {
      if (Number.isFinite(value)) {
        out[name] = value;
      }
    } else if (Array.isArray(fallback)) {
      // a list of paths (extraWorkspaces): strings only, each expanded; anything else dropped
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        out[name] = value.map((v: string) => expandPath(v, workspaceFolder)).filter((v: string) => v !== "");
      }
    } else {
      out[name] = value;
    }
  }
  const endpoint = get("otlp.endpoint");
  if (typeof endpoint === "string") {
    const headers = get("otlp.headers");
    const clean: Record<string, string> = {};
    if (headers && typeof headers === "object" && !Array.isArray(headers)) {
      for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
        if (typeof v === "string") {
          clean[k] = v;
        }
      }
    }
    out.otlp = { endpoint: endpoint.trim(), headers: clean, content: get("otlp.content") === true };
  }
  return out;
}
