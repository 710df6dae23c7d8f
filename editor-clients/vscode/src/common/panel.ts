/**
 * The flame graph panel: a webview hosting the web UI bundle (editor-clients/web/,
 * copied to dist/web/ at build time), with a nonce-based CSP, resources limited to the
 * bundle, the editor's theme, and its state kept while hidden. The webview talks to the
 * language server only through this host (see the message protocol in the brief).
 */
import * as fs from "fs";
import * as vscode from "vscode";
import { escapeAttr, makeNonce, renderTemplate, type WebviewConfig } from "./html";
import * as log from "./log";
import { EVENT, FLAME_GRAPH, PERFORMANCE, SERVER_COMMANDS, SESSIONS, type Summary } from "./protocol";

export const VIEW_TYPE = "sessionprof.flameGraph";

/** Requests the webview may forward to the server: read-only ones. */
const ALLOWED_REQUESTS: ReadonlySet<string> = new Set([SESSIONS, PERFORMANCE, FLAME_GRAPH, EVENT]);

/** What the panel needs from the extension. */
export interface PanelHost {
  request(method: string, params: unknown): Promise<unknown>;
  executeCommand(command: string, args: unknown[]): Promise<unknown>;
  openFile(filePath: string, line: unknown): Promise<void>;
  summary(): Summary | undefined;
  /** The current summary once the server sent one (after a reload it takes a moment), else undefined after `ms`. */
  firstSummary(ms: number): Promise<Summary | undefined>;
}

type Outgoing =
  | { type: "response"; id: unknown; result?: unknown; error?: string }
  | { type: "summary"; summary: Summary }
  | { type: "showEvent"; sessionId: string; eventId: string }
  | { type: "selectSession"; sessionId: string };

function themeKind(): WebviewConfig["theme"] {
  switch (vscode.window.activeColorTheme.kind) {
    case vscode.ColorThemeKind.Light:
      return "light";
    case vscode.ColorThemeKind.HighContrast:
      return "high-contrast";
    case vscode.ColorThemeKind.HighContrastLight:
      return "high-contrast-light";
    default:
      return "dark";
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class FlameGraphPanel implements vscode.Disposable {
  private static current: FlameGraphPanel | undefined;

  private ready = false;
  private queue: Outgoing[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  /** Open (or reveal) the panel; with an event, focus the flame graph on it. */
  static show(extensionUri: vscode.Uri, host: PanelHost, focus: { sessionId?: string; eventId?: string } = {}): FlameGraphPanel {
    const existing = FlameGraphPanel.current;
    if (existing) {
      existing.panel.reveal(undefined, false);
      if (focus.sessionId && focus.eventId) {
        existing.post({ type: "showEvent", sessionId: focus.sessionId, eventId: focus.eventId });
      } else if (focus.sessionId) {
        existing.post({ type: "selectSession", sessionId: focus.sessionId });
      }
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPE,
      "SessionProf",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      FlameGraphPanel.options(extensionUri),
    );
    FlameGraphPanel.current = new FlameGraphPanel(panel, extensionUri, host, focus);
    return FlameGraphPanel.current;
  }

  /** Re-attach a panel VS Code restored after a reload: the web UI puts its saved tab, zoom and
   * selection back from the webview state (editor-clients/web/panelstate.js). */
  static async revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, host: PanelHost): Promise<void> {
    panel.webview.options = FlameGraphPanel.options(extensionUri);
    FlameGraphPanel.current?.dispose();
    // after a reload the server is just starting: wait for its session (or for none) before
    // the page decides between the status bar's session and "no session"
    const summary = await host.firstSummary(10_000);
    log.info(`Restoring the flame graph panel (${summary ? `session ${summary.sessionId}` : "no session"})`);
    FlameGraphPanel.current = new FlameGraphPanel(panel, extensionUri, host, {});
  }

  /** Send a message to the open panel, if any (queued until the web UI says it is ready). */
  static post(message: Outgoing): void {
    FlameGraphPanel.current?.post(message);
  }

  static get isOpen(): boolean {
    return FlameGraphPanel.current !== undefined;
  }

  private static webRoot(extensionUri: vscode.Uri): vscode.Uri {
    return vscode.Uri.joinPath(extensionUri, "dist", "web");
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      enableFindWidget: true,
      retainContextWhenHidden: true,
      localResourceRoots: [FlameGraphPanel.webRoot(extensionUri)],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly host: PanelHost,
    focus: { sessionId?: string; eventId?: string },
  ) {
    panel.webview.html = this.html(focus);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => void this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private html(focus: { sessionId?: string; eventId?: string }): string {
    const webRoot = FlameGraphPanel.webRoot(this.extensionUri);
    const indexPath = vscode.Uri.joinPath(webRoot, "index.html").fsPath;
    const nonce = makeNonce();
    let template: string;
    try {
      template = fs.readFileSync(indexPath, "utf8");
    } catch (err) {
      log.error(`The web UI bundle is missing (${indexPath})`, err);
      return (
        `<!DOCTYPE html><html><head><meta charset="utf-8">` +
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head>` +
        `<body><p>SessionProf: the flame graph files are missing from the extension: ${escapeAttr(indexPath)}. ` +
        `Rebuild it with scripts/build-vscode-extension.sh.</p></body></html>`
      );
    }
    const config: WebviewConfig = { mode: "vscode", theme: themeKind() };
    // The panel shows the status bar's session (or the one asked for), else says there is none.
    const sessionId = focus.sessionId ?? this.host.summary()?.sessionId;
    if (sessionId) {
      config.sessionId = sessionId;
    } else {
      config.noSession = true;
    }
    if (focus.eventId) {
      config.eventId = focus.eventId;
    }
    return renderTemplate(template, {
      cspSource: this.panel.webview.cspSource,
      nonce,
      base: this.panel.webview.asWebviewUri(webRoot).toString(),
      config,
    });
  }

  private post(message: Outgoing): void {
    if (!this.ready) {
      // Summaries are not queued: the latest one is sent when the web UI is ready.
      if (message.type !== "summary") {
        this.queue.push(message);
      }
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** Messages from the web UI; anything malformed is logged and answered with an error. */
  private async receive(message: unknown): Promise<void> {
    if (typeof message !== "object" || message === null || typeof (message as { type?: unknown }).type !== "string") {
      log.warn(`Ignored a malformed message from the flame graph panel: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    const m = message as Record<string, unknown>;
    switch (m.type) {
      case "ready": {
        this.ready = true;
        const summary = this.host.summary();
        if (summary) {
          void this.panel.webview.postMessage({ type: "summary", summary });
        }
        for (const queued of this.queue.splice(0)) {
          void this.panel.webview.postMessage(queued);
        }
        return;
      }
      case "request": {
        const method = m.method;
        if (typeof method !== "string" || !ALLOWED_REQUESTS.has(method)) {
          this.respond(m.id, undefined, `Request not allowed from the panel: ${String(method)}`);
          return;
        }
        try {
          this.respond(m.id, await this.host.request(method, m.params ?? {}));
        } catch (err) {
          this.respond(m.id, undefined, errorText(err));
        }
        return;
      }
      case "executeCommand": {
        const command = m.command;
        const args = Array.isArray(m.arguments) ? m.arguments : [];
        if (typeof command !== "string" || !SERVER_COMMANDS.includes(command)) {
          this.respond(m.id, undefined, `Command not allowed from the panel: ${String(command)}`);
          return;
        }
        try {
          this.respond(m.id, await this.host.executeCommand(command, args));
        } catch (err) {
          this.respond(m.id, undefined, errorText(err));
        }
        return;
      }
      case "openFile": {
        if (typeof m.filePath !== "string") {
          this.respond(m.id, undefined, "openFile needs a filePath string");
          return;
        }
        try {
          await this.host.openFile(m.filePath, m.line);
          this.respond(m.id, { opened: true });
        } catch (err) {
          this.respond(m.id, undefined, errorText(err));
        }
        return;
      }
      default:
        log.warn(`Ignored an unknown message type from the flame graph panel: ${String(m.type).slice(0, 100)}`);
    }
  }

  /** Answer a message that carried an id (requests always do; commands may). */
  private respond(id: unknown, result?: unknown, error?: string): void {
    if (id === undefined || id === null) {
      if (error) {
        log.warn(`Flame graph panel: ${error}`);
      }
      return;
    }
    const message: Outgoing = error !== undefined ? { type: "response", id, error } : { type: "response", id, result };
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (FlameGraphPanel.current === this) {
      FlameGraphPanel.current = undefined;
    }
    for (const d of this.disposables.splice(0)) {
      d.dispose();
    }
    this.panel.dispose();
  }
}
