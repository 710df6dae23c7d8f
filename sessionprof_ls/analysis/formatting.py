"""How the analysis writes numbers for people: durations, dollars, percentages."""

from __future__ import annotations


def fmt_ms(ms: float) -> str:
    """Durations as the spec writes them: 4m 12s, 12.3s, 450ms, 1h 02m."""
    if ms < 1000:
        return f"{ms:.0f}ms"
    s = ms / 1000.0
    if s < 60:
        return f"{s:.1f}s"
    m, s = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def fmt_usd(usd: float | None) -> str:
    if usd is None:
        return "price unknown"
    return f"${usd:.3f}" if usd < 100 else f"${usd:,.0f}"


def pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0
