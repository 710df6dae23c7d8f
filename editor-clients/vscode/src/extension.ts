/**
 * SessionProf for VS Code: starts the sessionprof-ls language server (which gives the
 * inlay hints and code lenses by itself), shows the live summary in the status bar, hosts
 * the flame graph panel, gives terminals the server's endpoint, and adds the client-side
 * commands (ids distinct from the server's, which vscode-languageclient registers).
 */
import { spawn } from "child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { CrashPolicy, crashCause, crashMessage, StderrTail } from "./common/crash";
import { formatCost, formatInt } from "./common/format";
import * as log from "./common/log";
import { FlameGraphPanel, VIEW_TYPE, type PanelHost } from "./common/panel";
import { applySuggestion } from "./common/apply";
import { resolveInWorkspace, zeroBasedLine } from "./common/paths";
import * as P from "./common/protocol";
import { selectedInterpreter, PYTHON_EXTENSION_ID, type GetExtension, type PythonApi } from "./common/python";
import { bundledDeps, discoverServer, isExecutableFile, pythonHasModule, type ServerExecutable } from "./common/server";
import { serverSettings, SERVER_PATH, TERMINAL_OTEL } from "./common/settings";
import { StatusItem } from "./common/status";
import { BASE_VARS, OTEL_VARS, terminalEnvironment } from "./common/terminal";

let client: LanguageClient | undefined;
let server: ServerExecutable | undefined;
let endpoint: P.Endpoint | undefined;
let status: StatusItem;
let context: vscode.ExtensionContext;
let starting: Promise<LanguageClient | undefined> | undefined;
/** Set while the extension itself stops the client (restart, settings): not a failure. */
let stoppingOnPurpose = false;
/** Waiting for the first summary (a panel revived after a reload). */
const summaryWaiters: Array<(s: P.Summary) => void> = [];

/** The built-in profile viewer's custom editor (ms-vscode.vscode-js-profile-table). */
const CPUPROFILE_VIEW = "jsProfileVisualizer.cpuprofile.table";

const EXPORT_EXTENSIONS: Record<string, string> = {
  speedscope: ".speedscope.json",
  cpuprofile: ".cpuprofile",
  "chrome-trace": ".trace.json",
  json: ".json",
};

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(P.CONFIG_SECTION);
}

function workspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function currentServerSettings(): Record<string, unknown> {
  const cfg = config();
  return serverSettings((name) => cfg.get(name), workspaceFolder());
}

const getPythonExtension: GetExtension = (id) => vscode.extensions.getExtension<PythonApi>(id);

// ------------------------------------------------------------------ the language client

async function startClient(): Promise<LanguageClient | undefined> {
  status.starting();
  const found = await discoverServer({
    settingPath: config().get<string>(SERVER_PATH) ?? "",
    env: process.env,
    platform: process.platform,
    workspaceFolder: workspaceFolder(),
    isExecutable: isExecutableFile,
    interpreter: () => selectedInterpreter(getPythonExtension, vscode.workspace.workspaceFolders?.[0]?.uri),
    hasModule: pythonHasModule,
    ...bundledDeps(), // issue 15: the server inside the .vsix
  });
  if (!found.ok) {
    log.error(found.message);
    status.failed("language server not found");
    void vscode.window
      .showErrorMessage(found.message, "Copy Install Command", "Open Settings")
      .then((choice) => {
        if (choice === "Copy Install Command") {
          void vscode.env.clipboard.writeText(found.installCommand);
        } else if (choice === "Open Settings") {
          void openOurSettings();
        }
      });
    return undefined;
  }
  server = found.server;
  log.info(`Starting ${server.command} ${server.args.join(" ")} (found via ${server.source})`);

  // issue 15: spawned here so its stderr is kept for the crash message (crash.ts); the
  // client still copies stderr to the log.
  const spawned = server;
  const policy = new CrashPolicy();
  const stderr = new StderrTail();
  /** The client is restarting a server that crashed after start-up (silently). */
  let crashRestart = false;
  let exited: Promise<{ code: number | null; signal: string | null }> = Promise.resolve({ code: null, signal: null });
  const serverOptions: ServerOptions = async () => {
    stderr.reset();
    policy.started();
    const cp = spawn(spawned.command, spawned.args, {
      cwd: workspaceFolder(),
      env: { ...process.env, ...(spawned.env ?? {}) }, // issue 15: bundled libs
      stdio: "pipe",
      windowsHide: true,
    });
    cp.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    exited = new Promise((resolve) => {
      cp.on("exit", (code, signal) => resolve({ code, signal }));
      cp.on("error", (err) => {
        stderr.push(`${err.message}\n`);
        resolve({ code: null, signal: null });
      });
    });
    return cp;
  };
  let lc: LanguageClient | undefined = undefined;
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }],
    // every line at its own level in the SessionProf log (log.ts)
    outputChannel: log.serverOutput(),
    // hovers link to the flame graph (sessionprof.showEvent); no other command runs from Markdown
    markdown: { isTrusted: { enabledCommands: [P.CMD_SHOW_EVENT, P.CMD_OPEN_FLAME_GRAPH] }, supportHtml: false },
    initializationOptions: { [P.CONFIG_SECTION]: currentServerSettings() },
    // issue 15: one message with the cause instead of the client's toast per restart
    initializationFailedHandler: (err) => {
      log.error("The language server's initialize failed", err);
      return false;
    },
    errorHandler: {
      error: (_err, _msg, count) => ({ action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true }),
      closed: async () => {
        // stderr's last lines arrive with the exit, shortly after stdout closed
        const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
        const cause = crashCause(stderr.value, exit?.code, exit?.signal);
        const decision = policy.closed();
        log.warn(`${decision.log}: ${cause}`);
        crashRestart = decision.restart;
        if (decision.restart) {
          status.restarting();
        }
        if (decision.notify) {
          status.failed("the language server stopped (see the log)");
          void vscode.window
            .showErrorMessage(crashMessage(decision.kind, cause), "Open Log", "Open Settings")
            .then((choice) => {
              if (choice === "Open Log") {
                log.logChannel().show(true);
              } else if (choice === "Open Settings") {
                void openOurSettings();
              }
            });
        }
        return { action: decision.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    },
    middleware: {
      workspace: {
        // Answer workspace/configuration for our section with the cleaned settings
        // (no empty strings, expanded paths), the same object as initializationOptions.
        // The server registers for didChangeConfiguration of our section: send it the same
        // cleaned object instead of the raw section (which holds client-only settings).
        didChangeConfiguration: async () => {
          if (lc?.isRunning()) {
            await lc.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { [P.CONFIG_SECTION]: currentServerSettings() },
            });
          }
        },
        configuration: async (params, token, next) => {
          const raw = await next(params, token);
          if (!Array.isArray(raw)) {
            return raw;
          }
          return params.items.map((item, i) =>
            item.section === P.CONFIG_SECTION ? currentServerSettings() : raw[i],
          );
        },
      },
    },
  };

  lc = new QuietStartClient("sessionprof", "SessionProf", serverOptions, clientOptions);
  lc.onNotification(P.READY, (params: P.ReadyParams) => onReady(params));
  lc.onNotification(P.SUMMARY, (summary: unknown) => onSummary(summary));
  lc.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      policy.running();
      if (crashRestart) {
        crashRestart = false;
        if (status.summary) {
          status.update(status.summary); // the new server's summary follows, if it knows one
        } else {
          status.idle();
        }
      }
    }
    if (e.newState === State.Stopped) {
      if (stoppingOnPurpose || crashRestart) {
        log.info("The language server stopped (restart)");
      } else {
        log.error("The language server stopped unexpectedly");
        status.failed("the language server stopped (see the log)");
      }
    }
  });
  try {
    await lc.start();
  } catch (err) {
    // a server that died at start-up is reported by errorHandler.closed above, once
    log.error("The language server failed to start", err);
    status.failed("the language server failed to start");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2500))]);
    await new Promise((r) => setTimeout(r, 100));
    if (!policy.hasReported) {
      void vscode.window.showErrorMessage(`SessionProf: the language server failed to start: ${String(err)}`, "Open Log")
        .then((choice) => choice && log.logChannel().show(true));
    }
    return undefined;
  }
  client = lc;
  status.idle();
  return lc;
}

/** Our settings in the Settings editor, in any window, filtered by extension id. In a remote
 * window (SSH, code-server, Codespaces) the User tab hides machine-overridable settings (the
 * server path, folders, store): open the Remote tab, where all of ours show. */
export async function openOurSettings(): Promise<void> {
  const query = `@ext:${context.extension.id}`;
  if (vscode.env.remoteName) {
    try {
      await vscode.commands.executeCommand("workbench.action.openRemoteSettings", { query });
      return;
    } catch (err) {
      log.warn(`Opening the Remote settings: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await vscode.commands.executeCommand("workbench.action.openSettings", query);
}

/** The client's own "couldn't create connection" toast goes to the log only: startClient
 * reports a failed start once, with the cause (issue 15). */
class QuietStartClient extends LanguageClient {
  override error(message: string, data?: any, showNotification: boolean | "force" = true): void {
    super.error(message, data, /couldn't create connection to server/.test(message) ? false : showNotification);
  }
}

/** The running client, starting it first if needed; undefined (with a message) if it cannot run. */
async function runningClient(): Promise<LanguageClient | undefined> {
  if (client?.isRunning()) {
    return client;
  }
  if (!starting) {
    starting = startClient().finally(() => {
      starting = undefined;
    });
  }
  return starting;
}

async function requireClient(): Promise<LanguageClient> {
  const lc = await runningClient();
  if (!lc) {
    throw new Error("the SessionProf language server is not running (see SessionProf: Show Log)");
  }
  return lc;
}

async function restartClient(): Promise<void> {
  const old = client;
  client = undefined;
  if (old) {
    log.info("Restarting the language server");
    status.restarting();
    // a terminal opened while the server restarts gets no endpoint rather than the dying one;
    // the new server's arrives with its sessionprof/ready
    endpoint = undefined;
    applyTerminalEnvironment();
    stoppingOnPurpose = true;
    try {
      await old.stop();
    } catch (err) {
      log.warn(`Stopping the language server: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      stoppingOnPurpose = false;
    }
  }
  await runningClient();
}

function onReady(params: P.ReadyParams): void {
  log.info(`Server ready: sessionprof-ls ${params?.version ?? "?"}`);
  const ep = params?.endpoint;
  if (ep && typeof ep.url === "string" && typeof ep.token === "string") {
    endpoint = { url: ep.url, token: ep.token };
    log.info(`HTTP endpoint ${endpoint.url}`);
  } else {
    endpoint = undefined;
  }
  applyTerminalEnvironment();
}

function isSummary(value: unknown): value is P.Summary {
  const s = value as P.Summary;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.sessionId === "string" &&
    typeof s.totalTokens === "number" &&
    (s.totalCost === null || s.totalCost === undefined || typeof s.totalCost === "number")
  );
}

function onSummary(summary: unknown): void {
  if (!isSummary(summary)) {
    log.warn(`Ignored a malformed ${P.SUMMARY}: ${JSON.stringify(summary)?.slice(0, 200)}`);
    return;
  }
  if (summary.sessionId !== status.summary?.sessionId) {
    log.info(`Current session: ${summary.title} (${summary.sessionId})`);
  }
  status.update(summary);
  for (const wake of summaryWaiters.splice(0)) {
    wake(summary);
  }
  FlameGraphPanel.post({ type: "summary", summary });
}

// ------------------------------------------------------------------ terminals

function applyTerminalEnvironment(): void {
  const coll = context.environmentVariableCollection;
  // Not persisted: the token changes with every server start.
  coll.persistent = false;
  for (const name of [...BASE_VARS, ...OTEL_VARS]) {
    coll.delete(name);
  }
  if (!endpoint) {
    return;
  }
  const otel = config().get<boolean>(TERMINAL_OTEL) ?? false;
  coll.description = otel
    ? "SessionProf: the server's endpoint, and OpenTelemetry export to it for agents started here"
    : "SessionProf: the server's endpoint (SESSIONPROF_URL, SESSIONPROF_TOKEN)";
  for (const [name, value] of Object.entries(terminalEnvironment(endpoint, otel))) {
    coll.replace(name, value);
  }
}

// ------------------------------------------------------------------ the panel's host

async function openFileInEditor(filePath: string, line: unknown): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const abs = resolveInWorkspace(filePath, folders);
  if (!abs) {
    throw new Error(`Not opening ${filePath}: it is outside the workspace`);
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(abs));
  const pos = new vscode.Position(Math.min(zeroBasedLine(line), Math.max(doc.lineCount - 1, 0)), 0);
  await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.One,
    selection: new vscode.Range(pos, pos),
    preview: true,
  });
}

const panelHost: PanelHost = {
  request: async (method, params) => (await requireClient()).sendRequest(method, params),
  executeCommand: (command, args) => runServerCommand(command, args),
  openFile: openFileInEditor,
  summary: () => status.summary,
  firstSummary: (ms) =>
    status.summary
      ? Promise.resolve(status.summary)
      : new Promise((resolve) => {
          const timer = setTimeout(() => resolve(undefined), ms);
          summaryWaiters.push((s) => {
            clearTimeout(timer);
            resolve(s);
          });
        }),
};

// ------------------------------------------------------------------ commands

/** Run a server command; applySuggestion also shows the document the edit changed. */
async function runServerCommand(command: string, args: unknown[]): Promise<unknown> {
  const lc = await requireClient();
  if (command !== P.CMD_APPLY_SUGGESTION) {
    const result = await lc.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    if (command === P.CMD_SELECT_SESSION && typeof args[0] === "string") {
      FlameGraphPanel.post({ type: "selectSession", sessionId: args[0] });
    }
    return result;
  }
  // issue 14: the refactor preview shows every file first; nothing is saved by us (apply.ts)
  return applySuggestion(lc, String(args[0] ?? status.summary?.sessionId ?? ""), String(args[1]), context.subscriptions);
}

function openFlameGraph(focus: { sessionId?: string; eventId?: string } = {}): void {
  FlameGraphPanel.show(context.extensionUri, panelHost, focus);
}

async function pickSession(placeHolder: string): Promise<P.SessionInfo | undefined> {
  const lc = await requireClient();
  const sessions = (await lc.sendRequest(P.SESSIONS, {})) as P.SessionInfo[] | null;
  if (!Array.isArray(sessions) || sessions.length === 0) {
    void vscode.window.showInformationMessage("SessionProf: no agent sessions recorded yet.");
    return undefined;
  }
  const current = status.summary?.sessionId;
  type Item = vscode.QuickPickItem & { session: P.SessionInfo };
  const items: Item[] = sessions.map((s) => {
    const cost = formatCost(s.totalCost ?? null);
    const started = typeof s.startTime === "number" ? new Date(s.startTime).toLocaleString() : "";
    return {
      label: (s.sessionId === current ? "$(check) " : "") + (s.title || s.sessionId),
      description: `${formatInt(s.totalTokens ?? 0)} tk${cost ? ` · ${cost}` : ""}`,
      detail: [s.source, started, s.sessionId].filter(Boolean).join(" · "),
      session: s,
    };
  });
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true });
  return picked?.session;
}

async function pickSessionCommand(): Promise<void> {
  const session = await pickSession("Session to show");
  if (session) {
    await runServerCommand(P.CMD_SELECT_SESSION, [session.sessionId]);
  }
}

async function exportSessionCommand(): Promise<void> {
  const session = await pickSession("Session to export");
  if (!session) {
    return;
  }
  const format = await vscode.window.showQuickPick(
    P.EXPORT_FORMATS.map((f) => ({ label: f, description: EXPORT_EXTENSIONS[f] })),
    { placeHolder: "Export format (speedscope and cpuprofile open in speedscope / Chrome DevTools)" },
  );
  if (!format) {
    return;
  }
  const safeName = session.sessionId.replace(/[^A-Za-z0-9._-]/g, "_");
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, safeName + EXPORT_EXTENSIONS[format.label]) : undefined,
    saveLabel: "Export",
  });
  if (!target) {
    return;
  }
  await runServerCommand(P.CMD_EXPORT, [session.sessionId, format.label, target.fsPath]);
  const choice = await vscode.window.showInformationMessage(`SessionProf: exported to ${target.fsPath}`, "Open");
  if (choice === "Open") {
    await openExport(target, format.label);
  }
}

/** A .cpuprofile opens in VS Code's profile viewer (the built-in js-profile-table), the rest as text. */
async function openExport(target: vscode.Uri, format: string): Promise<void> {
  if (format === "cpuprofile") {
    try {
      await vscode.commands.executeCommand("vscode.openWith", target, CPUPROFILE_VIEW);
      return;
    } catch (err) {
      log.warn(`The profile viewer could not open ${target.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  await vscode.commands.executeCommand("vscode.open", target);
}

// ------------------------------------------------------------------ toggles and the status menu

/** Flip a boolean setting where it is set (workspace if set there, else user); the server
 * hears it through didChangeConfiguration and asks the editor to refresh. */
async function toggleSetting(name: "inlayHints" | "codeLens", label: string): Promise<void> {
  const cfg = config();
  const inspect = cfg.inspect<boolean>(name);
  const now = cfg.get<boolean>(name) ?? true;
  const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update(name, !now, target);
  log.info(`${label} ${now ? "off" : "on"}`);
  vscode.window.setStatusBarMessage(`SessionProf: ${label} ${now ? "off" : "on"}`, 3000);
}

/** The status bar's menu, as the Python extension offers one. */
async function statusMenu(): Promise<void> {
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const hints = config().get<boolean>("inlayHints") ?? true;
  const lenses = config().get<boolean>("codeLens") ?? true;
  const summary = status.summary;
  const items: Item[] = [
    { label: "$(flame) Open Flame Graph", description: summary ? summary.title : "no session", run: () => openFlameGraph() },
    { label: "$(list-selection) Switch Session…", run: pickSessionCommand },
    { label: "$(export) Export Session…", run: exportSessionCommand },
    { label: `$(eye${hints ? "-closed" : ""}) ${hints ? "Hide" : "Show"} Inlay Hints`, run: () => toggleSetting("inlayHints", "inlay hints") },
    { label: `$(${lenses ? "eye-closed" : "eye"}) ${lenses ? "Hide" : "Show"} Code Lenses`, run: () => toggleSetting("codeLens", "code lenses") },
    { label: "$(debug-restart) Restart Language Server", run: restartClient },
    { label: "$(output) Open Log", run: () => log.logChannel().show(true) },
  ];
  const picked = await vscode.window.showQuickPick(items, { placeHolder: "SessionProf" });
  if (picked) {
    await picked.run();
  }
}

async function pickSuggestionCommand(): Promise<void> {
  const lc = await requireClient();
  const sessionId = status.summary?.sessionId;
  const perf = (await lc.sendRequest(P.PERFORMANCE, sessionId ? { sessionId } : {})) as P.PerformanceData | null;
  const suggestions = Array.isArray(perf?.suggestions) ? perf!.suggestions : [];
  if (!perf || suggestions.length === 0) {
    void vscode.window.showInformationMessage("SessionProf: no suggestions for the current session.");
    return;
  }
  type Item = vscode.QuickPickItem & { suggestion: P.OptimizationSuggestion };
  const picked = await vscode.window.showQuickPick(
    suggestions.map<Item>((s) => ({
      label: `$(lightbulb) ${s.title}`,
      description: s.estimatedSaving,
      detail: s.description,
      suggestion: s,
    })),
    { placeHolder: "Suggestion to apply (adds guidance to the agent's instruction file)", matchOnDetail: true },
  );
  if (picked) {
    await runServerCommand(P.CMD_APPLY_SUGGESTION, [perf.sessionId, picked.suggestion.id]);
  }
}

/** Wrap a command so a failure is a message and a log line, never an unhandled rejection. */
function command(id: string, run: (...args: any[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await run(...args);
    } catch (err) {
      log.error(`${id} failed`, err);
      void vscode.window.showErrorMessage(`SessionProf: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  });
}

// ------------------------------------------------------------------ activation

export async function activate(ctx: vscode.ExtensionContext): Promise<void> {
  context = ctx;
  status = new StatusItem();
  ctx.subscriptions.push(
    status,
    log.logChannel(),
    command(P.CMD_OPEN_FLAME_GRAPH, () => openFlameGraph()),
    command(P.CMD_SHOW_EVENT, (sessionId: unknown, eventId: unknown) => {
      if (typeof sessionId !== "string" || typeof eventId !== "string") {
        throw new Error(`${P.CMD_SHOW_EVENT} needs [sessionId, eventId] strings`);
      }
      openFlameGraph({ sessionId, eventId });
    }),
    command(P.CMD_PICK_SESSION, pickSessionCommand),
    command(P.CMD_EXPORT_SESSION, exportSessionCommand),
    command(P.CMD_PICK_SUGGESTION, pickSuggestionCommand),
    command(P.CMD_RESTART_SERVER, restartClient),
    command(P.CMD_SHOW_LOG, () => log.logChannel().show(true)),
    command(P.CMD_TOGGLE_INLAY_HINTS, () => toggleSetting("inlayHints", "inlay hints")),
    command(P.CMD_TOGGLE_CODE_LENS, () => toggleSetting("codeLens", "code lenses")),
    command(P.CMD_STATUS_MENU, statusMenu),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => FlameGraphPanel.revive(panel, ctx.extensionUri, panelHost),
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(P.CONFIG_SECTION)) {
        return;
      }
      if (e.affectsConfiguration(`${P.CONFIG_SECTION}.${TERMINAL_OTEL}`)) {
        applyTerminalEnvironment();
      }
      if (e.affectsConfiguration(`${P.CONFIG_SECTION}.${SERVER_PATH}`) || e.affectsConfiguration(`${P.CONFIG_SECTION}.port`)) {
        void restartClient();
      }
      // Other changes reach the server through its didChangeConfiguration registration
      // (the middleware above sends the cleaned settings).
    }),
  );
  watchInterpreter(ctx);
  // Not awaited: activation finishes at once; commands wait for the server themselves.
  void runningClient();
}

/** Restart when the selected Python interpreter changes and the server came from it. */
function watchInterpreter(ctx: vscode.ExtensionContext): void {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return;
  }
  void Promise.resolve(ext.isActive ? ext.exports : ext.activate()).then(
    (api) => {
      const sub = api?.environments?.onDidChangeActiveEnvironmentPath?.(() => {
        if (server?.source === "python") {
          void restartClient();
        }
      });
      if (sub) {
        ctx.subscriptions.push(sub);
      }
    },
    () => undefined,
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
