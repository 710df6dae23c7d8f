/**
 * Launching the sessionprof-ls language client: the server spawned with its stderr kept for
 * the crash message (crash.ts), the client's options (settings middleware, error handler) and
 * its state changes shown in the status bar. extension.ts decides when to start and restart.
 */
import { spawn } from "child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { CrashPolicy, crashCause, crashMessage, StderrTail } from "./crash";
import * as log from "./log";
import * as P from "./protocol";
import type { ServerExecutable } from "./server";
import type { StatusItem } from "./status";

/** What the launched client needs from the extension. */
export interface ClientHooks {
  status: StatusItem;
  /** The server's working directory (the first workspace folder). */
  cwd: () => string | undefined;
  /** The cleaned settings sent to the server (settings.ts). */
  settings: () => Record<string, unknown>;
  openSettings: () => Promise<void>;
  onReady: (params: P.ReadyParams) => void;
  onSummary: (summary: unknown) => void;
  /** Set while the extension itself stops the client (restart, settings): not a failure. */
  stoppingOnPurpose: () => boolean;
}

/** Start a client for the server found; undefined (reported once) if it failed to start. */
export async function launchClient(spawned: ServerExecutable, hooks: ClientHooks): Promise<LanguageClient | undefined> {
  // issue 15: spawned here so its stderr is kept for the crash message (crash.ts); the
  // client still copies stderr to the log.
  const policy = new CrashPolicy();
  const stderr = new StderrTail();
  /** The client is restarting a server that crashed after start-up (silently). */
  let crashRestart = false;
  let exited: Promise<{ code: number | null; signal: string | null }> = Promise.resolve({ code: null, signal: null });
  const serverOptions: ServerOptions = async () => {
    stderr.reset();
    policy.started();
    const cp = spawn(spawned.command, spawned.args, {
      cwd: hooks.cwd(),
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
    initializationOptions: { [P.CONFIG_SECTION]: hooks.settings() },
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
          hooks.status.restarting();
        }
        if (decision.notify) {
          hooks.status.failed("the language server stopped (see the log)");
          void vscode.window
            .showErrorMessage(crashMessage(decision.kind, cause), "Open Log", "Open Settings")
            .then((choice) => {
              if (choice === "Open Log") {
                log.logChannel().show(true);
              } else if (choice === "Open Settings") {
                void hooks.openSettings();
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
              settings: { [P.CONFIG_SECTION]: hooks.settings() },
            });
          }
        },
        configuration: async (params, token, next) => {
          const raw = await next(params, token);
          if (!Array.isArray(raw)) {
            return raw;
          }
          return params.items.map((item, i) =>
            item.section === P.CONFIG_SECTION ? hooks.settings() : raw[i],
          );
        },
      },
    },
  };

  lc = new QuietStartClient("sessionprof", "SessionProf", serverOptions, clientOptions);
  lc.onNotification(P.READY, (params: P.ReadyParams) => hooks.onReady(params));
  lc.onNotification(P.SUMMARY, (summary: unknown) => hooks.onSummary(summary));
  lc.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      policy.running();
      if (crashRestart) {
        crashRestart = false;
        if (hooks.status.summary) {
          hooks.status.update(hooks.status.summary); // the new server's summary follows, if it knows one
        } else {
          hooks.status.idle();
        }
      }
    }
    if (e.newState === State.Stopped) {
      if (hooks.stoppingOnPurpose() || crashRestart) {
        log.info("The language server stopped (restart)");
      } else {
        log.error("The language server stopped unexpectedly");
        hooks.status.failed("the language server stopped (see the log)");
      }
    }
  });
  try {
    await lc.start();
  } catch (err) {
    // a server that died at start-up is reported by errorHandler.closed above, once
    log.error("The language server failed to start", err);
    hooks.status.failed("the language server failed to start");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2500))]);
    await new Promise((r) => setTimeout(r, 100));
    if (!policy.hasReported) {
      void vscode.window.showErrorMessage(`SessionProf: the language server failed to start: ${String(err)}`, "Open Log")
        .then((choice) => choice && log.logChannel().show(true));
    }
    return undefined;
  }
  return lc;
}

/** The client's own "couldn't create connection" toast goes to the log only: startClient
 * reports a failed start once, with the cause (issue 15). */
class QuietStartClient extends LanguageClient {
  override error(message: string, data?: any, showNotification: boolean | "force" = true): void {
    super.error(message, data, /couldn't create connection to server/.test(message) ? false : showNotification);
  }
}
