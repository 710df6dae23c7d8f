/** The extension's log: one "SessionProf" output channel, shared with the language client. */
import * as vscode from "vscode";

let channel: vscode.LogOutputChannel | undefined;

export function logChannel(): vscode.LogOutputChannel {
  if (!channel) {
    channel = vscode.window.createOutputChannel("SessionProf", { log: true });
  }
  return channel;
}

export function info(message: string): void {
  logChannel().info(message);
}

export function warn(message: string): void {
  logChannel().warn(message);
}

export function error(message: string, err?: unknown): void {
  const detail = err instanceof Error ? `: ${err.message}` : err !== undefined ? `: ${String(err)}` : "";
  logChannel().error(message + detail);
}
