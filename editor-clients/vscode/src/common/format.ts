/** Number, cost and duration formatting shared by the status bar and the quick picks. */
import type { Summary } from "./protocol";

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 23955 -> "23,955" (the thousands separator PROTOCOL.md uses in hints). */
export function formatInt(n: number): string {
  return INT.format(Math.round(n));
}

/** Cost in USD: "$0.014"; small costs keep two significant digits; null -> "" (no price known). */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) {
    return "";
  }
  if (usd >= 100) {
    return `$${usd.toFixed(0)}`;
  }
  if (usd === 0) {
    return "$0.00";
  }
  if (usd >= 0.01) {
    return `$${usd.toFixed(usd >= 10 ? 2 : 3)}`;
  }
  if (usd < 0.0001) {
    return "<$0.0001";
  }
  return `$${Number(usd.toPrecision(2))}`;
}

/** 252000 -> "4m 12s", 950 -> "950ms", 3723000 -> "1h 2m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return "";
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  const s = Math.round(ms / 1000);
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${s % 60}s`;
  }
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The status bar text: "$(pulse) 23,955 tk · $0.014". */
export function statusText(summary: Summary): string {
  const cost = formatCost(summary.totalCost);
  return `$(pulse) ${formatInt(summary.totalTokens)} tk${cost ? ` · ${cost}` : ""}`;
}

/** The status bar tooltip (plain text lines; the title is agent-controlled, so never markdown). */
export function statusTooltip(summary: Summary): string {
  const cost = formatCost(summary.totalCost);
  const lines = [
    `SessionProf: ${summary.title}${summary.running ? " (running)" : ""}`,
    `${formatInt(summary.totalTokens)} tokens` +
      ` (input ${formatInt(summary.inputTokens)}, output ${formatInt(summary.outputTokens)},` +
      ` cache read ${formatInt(summary.cacheReadTokens)}, cache write ${formatInt(summary.cacheWriteTokens)})`,
    `Cost: ${cost || "unknown (no price for this model)"}${summary.costComplete === false ? " (incomplete)" : ""}`,
    `Time: ${formatDuration(summary.totalDuration)}${wallSplit(summary)} · AI ${formatDuration(summary.aiThinkingTime)}` +
      ` · tools ${formatDuration(summary.toolExecutionTime)} · network ${timeOrNotRecorded(summary, "networkTime")}`,
    `${summary.messageCount} messages · ${summary.toolCallCount} tool calls`,
    "Click to open the flame graph",
  ];
  return lines.join("\n");
}

/** Issue 12: " (2m 10s active · 41m idle)" beside the wall time; "" from an older server. */
function wallSplit(summary: Summary): string {
  if (summary.activeTime == null) {
    return "";
  }
  const interrupted = summary.interrupted ? " · interrupted" : "";
  return ` (${formatDuration(summary.activeTime)} active · ${formatDuration(summary.idleTime ?? 0)} idle${interrupted})`;
}

/** A bucket the source cannot measure is "not recorded (why)", never 0. */
function timeOrNotRecorded(summary: Summary, field: "networkTime" | "hookTime"): string {
  const ms = summary[field];
  if (ms != null) {
    return formatDuration(ms);
  }
  const why = summary.notRecorded?.[field];
  return why ? `not recorded (${why})` : "not recorded";
}
