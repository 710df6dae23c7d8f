/** Number, cost and duration formatting shared by the status bar and the quick picks. */
import type { Summary } from "./protocol";

const INT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 23955 -> "23,955" (the thousands separator PROTOCOL.md uses in hints). */
export function formatInt(n: number): string {
  return INT.format(Math.round(n));
}

/** Words every client shares (sessionprof_ls/format_cases.json). */
export const NOT_RECORDED = "not recorded";
export const INTERRUPTED = "interrupted";
export const PRICE_UNKNOWN = "price unknown";

const missing = (v: number | null | undefined): v is null | undefined => v === null || v === undefined || !Number.isFinite(v);

/** Cost in USD as every client writes it (sessionprof_ls/format_cases.json): "$0.014", "$1,234", "<$0.001"; null -> "price unknown". */
export function formatCost(usd: number | null | undefined): string {
  if (missing(usd)) {
    return PRICE_UNKNOWN;
  }
  if (usd > 0 && usd < 0.0005) {
    return "<$0.001";
  }
  return usd < 100 ? `$${usd.toFixed(3)}` : `$${INT.format(Math.round(usd))}`;
}

/** 252000 -> "4m 12s", 950 -> "950ms", 12340 -> "12.3s", 3723000 -> "1h 02m"; null -> "not recorded". */
export function formatDuration(ms: number | null | undefined): string {
  if (missing(ms)) {
    return NOT_RECORDED;
  }
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  if (ms < 60000) {
    return `${(ms / 1000).toFixed(1)}s`;
  }
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  }
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Token counts in short: 548, 1,234, 24.3k, 1.04M. */
export function formatTokens(n: number | null | undefined): string {
  if (missing(n)) {
    return NOT_RECORDED;
  }
  if (n < 10000) {
    return INT.format(Math.round(n));
  }
  return n < 1000000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1000000).toFixed(2)}M`;
}

/** 61.6 -> "62%". */
export function formatPercent(p: number | null | undefined): string {
  return missing(p) ? NOT_RECORDED : `${p.toFixed(0)}%`;
}

/** The status bar text: "$(pulse) 23,955 tk · $0.014". */
export function statusText(summary: Summary): string {
  const cost = summary.totalCost == null ? "" : formatCost(summary.totalCost);
  if (summary.notRecorded?.totalTokens) {
    return "$(pulse) tokens not recorded"; // never "0 tk": the source records no usage
  }
  return `$(pulse) ${formatInt(summary.totalTokens)} tk${cost ? ` · ${cost}` : ""}`;
}

/** The status bar tooltip (plain text lines; the title is agent-controlled, so never markdown). */
export function statusTooltip(summary: Summary): string {
  const cost = summary.totalCost == null ? "" : formatCost(summary.totalCost);
  const lines = [
    `SessionProf: ${summary.title}${summary.running ? " (running)" : ""}`,
    summary.notRecorded?.totalTokens ? `Tokens: not recorded (${summary.notRecorded.totalTokens})` :
    `${formatInt(summary.totalTokens)} tokens` +
      ` (input ${formatInt(summary.inputTokens)}, output ${formatInt(summary.outputTokens)},` +
      ` cache read ${formatInt(summary.cacheReadTokens)}, cache write ${formatInt(summary.cacheWriteTokens)})`,
    summary.notRecorded?.totalCost ? `Cost: not recorded (${summary.notRecorded.totalCost})` :
    `Cost: ${cost ? summaryCost(summary) : "unknown (no price for this model)"}${summary.costComplete === false ? " (incomplete)" : ""}`,
    `Time: ${formatDuration(summary.totalDuration)}${wallSplit(summary)} · AI ${formatDuration(summary.aiThinkingTime)}` +
      ` · tools ${formatDuration(summary.toolExecutionTime)} · network ${timeOrNotRecorded(summary, "networkTime")}`,
    `${summary.messageCount} messages · ${summary.toolCallCount} tool calls`,
    "Click for actions: flame graph, switch session, export, toggles, restart, log",
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

/** A session's cost (Python: analysis/formatting.py summary_cost): "not recorded" when its
 * responses carry no usage; the agent's own cost beside ours when they differ (issue 18). */
export function summaryCost(summary: Summary): string {
  if (summary.notRecorded?.totalCost) {
    return NOT_RECORDED;
  }
  let text = formatCost(summary.totalCost);
  if (summary.costDiffers && summary.agentCost != null) {
    text += ` (agent ${formatCost(summary.agentCost)} · priced ${formatCost(summary.pricedCost)})`;
  }
  return text;
}
