/**
 * What to do when the language server dies (issue 15). vscode-languageclient's default
 * handler restarts a server that dies at start-up five times and shows a toast for each
 * ("crashed 5 times…") with the cause only in the log. Here a server that dies before it
 * answered `initialize` (or within STARTUP_MS of its start) is not restarted and the user
 * gets ONE message naming the cause read from its stderr; a server that crashes later is
 * restarted silently (logged) at most MAX_RESTARTS times in WINDOW_MS, then one message.
 * No vscode import: the policy and the cause extraction are unit-tested under node --test.
 */

export const STARTUP_MS = 10_000;
export const MAX_RESTARTS = 3;
export const WINDOW_MS = 3 * 60_000;
/** Bytes of the server's stderr kept for the cause. */
const TAIL_BYTES = 8_000;

export type CrashDecision =
  | { restart: true; notify: false; log: string }
  | { restart: false; notify: true; log: string; kind: "startup" | "repeated" }
  /** Already told the user about this server: stop, say nothing more. */
  | { restart: false; notify: false; log: string };

/** The last few kilobytes the server wrote to stderr. */
export class StderrTail {
  private text = "";

  push(chunk: string | Buffer): void {
    this.text = (this.text + chunk.toString()).slice(-TAIL_BYTES);
  }

  /** Forget what an earlier (restarted) process wrote. */
  reset(): void {
    this.text = "";
  }

  get value(): string {
    return this.text;
  }
}

/** The line of the server's stderr that says why it died, or a plain fallback. */
export function crashCause(stderr: string, exitCode?: number | null, signal?: string | null): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[(Trace|Debug|Info|Warn|Error)\s*-\s*[^\]]*\]\s*/, "").trim())
    .filter((l) => l && !/^(Traceback \(most recent call last\)|File "|\^+$|~+$)/.test(l));
  // Python's own last word: "ModuleNotFoundError: No module named 'x'", "/usr/bin/python3: No
  // module named sessionprof_ls", "SyntaxError: …", "sessionprof-ls needs Python >= 3.11 …".
  const named = [...lines].reverse().find((l) => /^[\w.]*(Error|Exception|Exit)\b.*:/.test(l) || /: No module named /.test(l));
  const cause = named ?? lines[lines.length - 1];
  if (cause) {
    return cause.length > 300 ? cause.slice(0, 299) + "…" : cause;
  }
  if (signal) {
    return `it was killed by ${signal} and wrote nothing to stderr`;
  }
  return exitCode === undefined || exitCode === null
    ? "it exited and wrote nothing to stderr"
    : `it exited with code ${exitCode} and wrote nothing to stderr`;
}

/** Decides, for one LanguageClient, whether a closed connection is restarted or reported. */
export class CrashPolicy {
  private startedAt = 0;
  private answered = false;
  private restarts: number[] = [];
  private reported = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** A server process was spawned (the first or a restarted one). */
  started(): void {
    this.startedAt = this.now();
    this.answered = false;
  }

  /** The server answered `initialize`. */
  running(): void {
    this.answered = true;
  }

  /** The extension started a fresh client on purpose (restart command, settings). */
  reset(): void {
    this.restarts = [];
    this.reported = false;
  }

  /** Whether the user was told about this client's server already. */
  get hasReported(): boolean {
    return this.reported;
  }

  closed(): CrashDecision {
    const t = this.now();
    const atStartup = !this.answered || t - this.startedAt < STARTUP_MS;
    if (this.reported) {
      return { restart: false, notify: false, log: "The language server stopped again; not restarted" };
    }
    if (atStartup) {
      this.reported = true;
      return { restart: false, notify: true, kind: "startup", log: "The language server stopped at start-up; not restarted" };
    }
    this.restarts = this.restarts.filter((r) => t - r < WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      this.reported = true;
      return {
        restart: false,
        notify: true,
        kind: "repeated",
        log: `The language server crashed ${MAX_RESTARTS + 1} times in ${WINDOW_MS / 60_000} minutes; not restarted`,
      };
    }
    this.restarts.push(t);
    return {
      restart: true,
      notify: false,
      log: `The language server crashed; restarting it (${this.restarts.length} of ${MAX_RESTARTS} in ${WINDOW_MS / 60_000} minutes)`,
    };
  }
}

/** The one message the user sees. */
export function crashMessage(kind: "startup" | "repeated", cause: string): string {
  return kind === "startup"
    ? `SessionProf: the language server stopped at start-up: ${cause}`
    : `SessionProf: the language server keeps crashing (${MAX_RESTARTS + 1} times in ${WINDOW_MS / 60_000} minutes), not restarted: ${cause}`;
}
