/**
 * The extension's log: one "SessionProf" LogOutputChannel (levels, timestamps), shared
 * with the language client. The client writes the server's log messages as
 * `[Error - 10:02:03] text` and the server's stderr as Python logging lines
 * (`2026-... sessionprof WARNING text`) through plain appendLine, which a LogOutputChannel
 * would file as [info]; `serverOutput()` gives the client a channel that files each line
 * at its own level instead.
 */
import * as vscode from "vscode";
import { classify, type Level } from "./loglevels";

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

/** An OutputChannel for the language client that files every line at its level. */
export function serverOutput(): vscode.OutputChannel {
  const log = logChannel();
  let pending = "";
  let last: Level = "info";
  const emit = (line: string) => {
    if (line.trim() === "") {
      return;
    }
    const { level, text } = classify(line, last);
    last = level;
    log[level](text);
  };
  const append = (value: string) => {
    pending += value;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? "";
    lines.forEach(emit);
  };
  return {
    name: log.name,
    append,
    appendLine: (value: string) => append(value + "\n"),
    replace: (value: string) => append(value + "\n"),
    clear: () => log.clear(),
    show: (a?: unknown, b?: boolean) => log.show(typeof a === "boolean" ? a : b),
    hide: () => log.hide(),
    dispose: () => undefined,
  } as vscode.OutputChannel;
}
