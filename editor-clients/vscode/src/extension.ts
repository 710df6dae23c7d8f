/**
 * SessionProf for VS Code: starts the sessionprof-ls language server (which gives the
 * inlay hints and code lenses by itself), shows the live summary in the status bar, hosts
 * the flame graph panel, gives terminals the server's endpoint, and adds the client-side
 * commands (ids distinct from the server's, which vscode-languageclient registers).
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { launchClient } from "./common/client";
import { command, exportSessionCommand, pickSessionCommand, pickSuggestionCommand, toggleSetting, type CommandHost } from "./common/commands";
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

  const lc = await launchClient(server, {
    status,
    cwd: workspaceFolder,
    settings: currentServerSettings,
    openSettings: openOurSettings,
    onReady,
    onSummary,
    stoppingOnPurpose: () => stoppingOnPurpose,
  });
  if (!lc) {
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
const commandHost: CommandHost = {
  requireClient,
  runServerCommand,
  summary: () => status.summary,
};

// ------------------------------------------------------------------ toggles and the status menu


/** The status bar's menu, as the Python extension offers one. */
async function statusMenu(): Promise<void> {
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const hints = config().get<boolean>("inlayHints") ?? true;
  const lenses = config().get<boolean>("codeLens") ?? true;
  const summary = status.summary;
  const items: Item[] = [
    { label: "$(flame) Open Flame Graph", description: summary ? summary.title : "no session", run: () => openFlameGraph() },
    { label: "$(list-selection) Switch Session…", run: () => pickSessionCommand(commandHost) },
    { label: "$(export) Export Session…", run: () => exportSessionCommand(commandHost) },
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
    command(P.CMD_PICK_SESSION, () => pickSessionCommand(commandHost)),
    command(P.CMD_EXPORT_SESSION, () => exportSessionCommand(commandHost)),
    command(P.CMD_PICK_SUGGESTION, () => pickSuggestionCommand(commandHost)),
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
