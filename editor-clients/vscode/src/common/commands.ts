/**
 * The client-side commands that ask through quick picks: select or export a session, apply a
 * suggestion, toggle inlay hints and code lenses; and the wrapper that turns a failing command
 * into a message.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { formatCost, formatInt } from "./format";
import * as log from "./log";
import * as P from "./protocol";

/** What the commands need from the extension. */
export interface CommandHost {
  requireClient: () => Promise<LanguageClient>;
  runServerCommand: (command: string, args: unknown[]) => Promise<unknown>;
  summary: () => P.Summary | undefined;
}

/** The built-in profile viewer's custom editor (ms-vscode.vscode-js-profile-table). */
const CPUPROFILE_VIEW = "jsProfileVisualizer.cpuprofile.table";

const EXPORT_EXTENSIONS: Record<string, string> = {
  speedscope: ".speedscope.json",
  cpuprofile: ".cpuprofile",
  "chrome-trace": ".trace.json",
  json: ".json",
};

export async function pickSession(host: CommandHost, placeHolder: string): Promise<P.SessionInfo | undefined> {
  const lc = await host.requireClient();
  const sessions = (await lc.sendRequest(P.SESSIONS, {})) as P.SessionInfo[] | null;
  if (!Array.isArray(sessions) || sessions.length === 0) {
    void vscode.window.showInformationMessage("SessionProf: no agent sessions recorded yet.");
    return undefined;
  }
  const current = host.summary()?.sessionId;
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

export async function pickSessionCommand(host: CommandHost): Promise<void> {
  const session = await pickSession(host, "Session to show");
  if (session) {
    await host.runServerCommand(P.CMD_SELECT_SESSION, [session.sessionId]);
  }
}

export async function exportSessionCommand(host: CommandHost): Promise<void> {
  const session = await pickSession(host, "Session to export");
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
  await host.runServerCommand(P.CMD_EXPORT, [session.sessionId, format.label, target.fsPath]);
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

/** Flip a boolean setting where it is set (workspace if set there, else user); the server
 * hears it through didChangeConfiguration and asks the editor to refresh. */
export async function toggleSetting(name: "inlayHints" | "codeLens", label: string): Promise<void> {
  const cfg = vscode.workspace.getConfiguration(P.CONFIG_SECTION);
  const inspect = cfg.inspect<boolean>(name);
  const now = cfg.get<boolean>(name) ?? true;
  const target = inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await cfg.update(name, !now, target);
  log.info(`${label} ${now ? "off" : "on"}`);
  vscode.window.setStatusBarMessage(`SessionProf: ${label} ${now ? "off" : "on"}`, 3000);
}

export async function pickSuggestionCommand(host: CommandHost): Promise<void> {
  const lc = await host.requireClient();
  const sessionId = host.summary()?.sessionId;
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
    await host.runServerCommand(P.CMD_APPLY_SUGGESTION, [perf.sessionId, picked.suggestion.id]);
  }
}

/** Wrap a command so a failure is a message and a log line, never an unhandled rejection. */
export function command(id: string, run: (...args: any[]) => unknown): vscode.Disposable {
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
