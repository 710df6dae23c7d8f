"""The agent's own cost beside ours: OpenCode, Cline, Roo Code and Claude Code's OTLP
report a cost per request (`costUsd`, which wins in `totalCost`); genai-prices prices the
same requests too, and a client shows both when they differ (another price table,
a discount, a proxy's markup)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import pricing
from .tree import F_TOKENS

if TYPE_CHECKING:  # types only: the analysis package (its core) imports this module
    from .analysis.base import AnalysisBase, JsonDict

# Differences below this share of the larger cost (or under a tenth of a cent) are rounding.
REL_TOLERANCE = 0.01
ABS_TOLERANCE = 0.001


def fields(a: AnalysisBase) -> JsonDict:
    """Summary fields of an analysis: `agentCost` (the sum the agent reported, null when it
    reported none), `pricedCost` (genai-prices' price of those same requests, null when a
    model has no price) and `costDiffers`."""
    reported = a.a_cost
    has = ~np.isnan(reported) & ((a.a_flags & F_TOKENS) != 0)
    if not has.any():
        return {"agentCost": None, "pricedCost": None, "costDiffers": False}
    t = a.t
    model = a._col("model")[has]
    tin, tout, tcr, tcw, tcw1h = (a._col(c)[has].astype(np.float64) for c in ("tin", "tout", "tcr", "tcw", "tcw1h"))
    out = np.zeros(len(model))
    for code in np.unique(model).tolist():
        rates = pricing.rates_for(t.strings.values[code], a.model_provider.get(code)) if code >= 0 else None
        if rates is None:  # a model with no price: ours is unknown, never $0
            return {"agentCost": float(reported[has].sum()), "pricedCost": None, "costDiffers": False}
        sel = model == code
        out[sel] = (
            tin[sel] * rates.input
            + tout[sel] * rates.output
            + tcr[sel] * rates.cache_read
            + (tcw[sel] - tcw1h[sel]) * rates.cache_write
            + tcw1h[sel] * rates.cache_write_1h
        )
        if rates.tier_start:  # long-context requests past a price tier: priced one by one
            for j in np.flatnonzero(sel & (tin + tcr + tcw >= rates.tier_start)).tolist():
                out[j] = (
                    pricing.price(
                        t.strings.values[code], None, int(tin[j]), int(tout[j]), int(tcr[j]), int(tcw[j]), int(tcw1h[j])
                    )
                    or 0.0
                )
    agent = float(reported[has].sum())
    priced = float(out.sum())
    differs = abs(agent - priced) > max(REL_TOLERANCE * max(agent, priced), ABS_TOLERANCE)
    return {"agentCost": agent, "pricedCost": priced, "costDiffers": bool(differs)}
