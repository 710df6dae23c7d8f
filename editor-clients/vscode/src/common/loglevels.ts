/** The level of a line the language client writes (pure, so it is unit-tested without VS Code). */

export type Level = "error" | "warn" | "info" | "debug" | "trace";

const CLIENT_LINE = /^\[(Error|Warn|Info|Debug|Trace)\s*-\s*[^\]]*\]\s?(.*)$/;
const PYTHON_LINE = /^\d{4}-\d\d-\d\d[ T][\d:.,]+ \S+ (CRITICAL|ERROR|WARNING|INFO|DEBUG) (.*)$/;
const PYTHON_LEVEL: Record<string, Level> = { CRITICAL: "error", ERROR: "error", WARNING: "warn", INFO: "info", DEBUG: "debug" };

/** The level and text of one line of the client's output; `previous` continues a traceback. */
export function classify(line: string, previous: Level = "info"): { level: Level; text: string } {
  const c = CLIENT_LINE.exec(line);
  if (c) {
    // the client files every server exit as an error; a clean exit (stop, restart) is not one
    const level = /^Server process exited with code 0\b/.test(c[2]) ? "info" : (c[1].toLowerCase() as Level);
    return { level, text: c[2] };
  }
  const p = PYTHON_LINE.exec(line);
  if (p) {
    return { level: PYTHON_LEVEL[p[1]], text: p[2] };
  }
  if (/^Traceback \(most recent call last\)/.test(line) || /^\w*(Error|Exception)\b.*:/.test(line)) {
    return { level: "error", text: line };
  }
  // indented lines continue the entry before them (tracebacks, data dumps)
  return { level: /^\s/.test(line) ? previous : "info", text: line };
}

