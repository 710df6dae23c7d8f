// Durations, costs, counts and shares as the page writes them. The cases every client
// agrees on live in sessionprof_ls/format_cases.json (tests/test_format_cases.py runs
// them against this module); the Python reference is sessionprof_ls/analysis/formatting.py.

export const NOT_RECORDED = "not recorded";
export const INTERRUPTED = "interrupted";
export const PRICE_UNKNOWN = "price unknown";

/**
 * An Intl.NumberFormat made on its first use. Why: the first one a fresh page makes costs
 * 15-130 ms (ICU data), and the flame graph's first paint formats no number with it.
 */
export function lazyNumberFormat(options) {
  let nf = null;
  return { format: (n) => (nf ||= new Intl.NumberFormat("en-US", options)).format(n) };
}

const NF = lazyNumberFormat({ maximumFractionDigits: 0 });
const missing = (v) => v == null || !Number.isFinite(v);

/** 450ms, 12.3s, 4m 12s, 1h 02m; a duration the source does not record is "not recorded". */
export function formatDuration(ms) {
  if (missing(ms)) return NOT_RECORDED;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** $0.014, $1,234; "<$0.001" for a tiny cost; "price unknown" when no price is known. */
export function formatCost(usd) {
  if (missing(usd)) return PRICE_UNKNOWN;
  if (usd > 0 && usd < 0.0005) return "<$0.001";
  return usd < 100 ? `$${usd.toFixed(3)}` : `$${NF.format(Math.round(usd))}`;
}

/** 1234567 -> "1,234,567". */
export function formatInt(n) {
  return missing(n) ? NOT_RECORDED : NF.format(Math.round(n));
}

/** Token counts in short: 548, 1,234, 24.3k, 1.04M. */
export function formatTokens(n) {
  if (missing(n)) return NOT_RECORDED;
  if (n < 10000) return NF.format(Math.round(n));
  if (n < 1000000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1000000).toFixed(2)}M`;
}

/** 61.6 -> "62%". */
export function formatPercent(p) {
  return missing(p) ? NOT_RECORDED : `${p.toFixed(0)}%`;
}

/** A session's cost (Python: analysis/formatting.py summary_cost): "not recorded" when its
 * responses carry no usage; the agent's own cost beside ours when they differ. */
export function summaryCost(p) {
  if ((p.notRecorded || {}).totalCost) return NOT_RECORDED;
  let text = formatCost(p.totalCost);
  if (p.costDiffers && p.agentCost != null) text += ` (agent ${formatCost(p.agentCost)} · priced ${formatCost(p.pricedCost)})`;
  return text;
}
