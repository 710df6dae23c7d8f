"""Measured afterwards: for every suggestion applied in a workspace, the metric its rule
targets in the sessions before the edit and in the sessions after it.

Lower is better for every metric. Each side is the mean over at most MAX_SESSIONS of the
workspace's most recent sessions on that side (sessions where the metric does not apply,
such as a session without short responses for "cost per simple response", are left out
and not counted). A suggestion whose after-mean is not at least 5% lower says it did
not help; with no session after it, it says it is waiting for one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from ..analysis.base import JsonDict
from ..analysis.formatting import counted, fmt_ms, fmt_usd
from ..current_session import in_workspace
from . import RULES, applied
from .base import Context, Rule

if TYPE_CHECKING:
    from ..engine import Engine

MAX_SESSIONS = 10
HELPED_RATIO = 0.95


def fmt_metric(value: float | None, unit: str) -> str:
    if value is None:
        return "not recorded"
    if unit == "usd":
        return fmt_usd(value)
    if unit == "ms":
        return fmt_ms(value)
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.0f}"


class Side(TypedDict):
    """The metric on one side of an applied suggestion."""

    sessions: int  # sessions the metric applies to
    value: float | None  # their mean
    text: str


def _side(engine: Engine, rule: Rule, sids: list[str]) -> Side:
    values: list[float] = []
    for sid in sids:
        a = engine.analysis(sid)
        v = rule.metric(Context(a))
        if v is not None:
            values.append(v)
    mean = sum(values) / len(values) if values else None
    return {"sessions": len(values), "value": mean, "text": fmt_metric(mean, rule.metric_info.unit)}


def effects(engine: Engine, workspace: str) -> list[JsonDict]:
    """One row per applied suggestion of the workspace, newest first."""
    rows = applied.for_workspace(engine.store, workspace)
    if not rows:
        return []
    # the editor's own rule (current_session.in_workspace): a session run in a subfolder (the
    # agent reads the root's guidance file from there too) or through a symlink counts
    sessions = [
        s for s in engine.sessions() if in_workspace(s["workspace"], [workspace]) and s["startTime"] is not None
    ]
    out = []
    for row in rows:
        rule = RULES.get(row["kind"])
        if rule is None:
            continue
        at = row["appliedAt"]
        before = sorted((s for s in sessions if s["startTime"] < at), key=lambda s: -s["startTime"])[:MAX_SESSIONS]
        after = sorted((s for s in sessions if s["startTime"] >= at), key=lambda s: -s["startTime"])[:MAX_SESSIONS]
        b = _side(engine, rule, [s["sessionId"] for s in before])
        a = _side(engine, rule, [s["sessionId"] for s in after])
        av, bv = a["value"], b["value"]  # None exactly when no session counts
        if not a["sessions"] or av is None:
            verdict, text = "waiting", "No session since it was applied: the effect shows after the next one."
        elif not b["sessions"] or bv is None:
            verdict, text = "unknown", "No earlier session to compare with."
        elif av <= bv * HELPED_RATIO:
            change = 100.0 * (av - bv) / bv if bv else -100.0
            verdict, text = (
                "helped",
                f"It helped: {rule.metric_info.name} went from {b['text']} to {a['text']} ({change:+.0f}%).",
            )
        else:
            verdict, text = (
                "no_effect",
                (f"It did not help: {rule.metric_info.name} is {a['text']} after, {b['text']} before."),
            )
        if verdict in ("helped", "no_effect"):
            text += f" ({counted(b['sessions'], 'session')} before, {counted(a['sessions'], 'session')} after.)"
        out.append(
            {
                **row,
                "metric": rule.metric_info.name,
                "unit": rule.metric_info.unit,
                "before": b,
                "after": a,
                "verdict": verdict,
                "message": text,
            }
        )
    return out
