"""Per-event cost: the agent's reported cost, else a price from genai-prices."""

from __future__ import annotations

import numpy as np

from .. import pricing
from ..tree import AI, F_TOKENS
from .base import F64, AnalysisBase


class CostsMixin(AnalysisBase):
    """Costs per event; mixed into Analysis."""

    def cost_array(self) -> F64:
        """Per-event cost (NaN: none). The agent's costUsd wins, else a price from
        genai-prices: base rates per model, vectorised; long-context requests past a
        price tier are priced one by one."""
        if self._cost_arr is not None:
            return self._cost_arr
        t = self.t
        n = self.n
        out = np.full(n, np.nan)
        req = (self.a_flags & F_TOKENS) != 0
        if req.any():
            model = self._col("model")
            tin, tout, tcr, tcw = (self._col(c) for c in ("tin", "tout", "tcr", "tcw"))
            tcw1h = self._col("tcw1h")
            codes = np.unique(model[req])
            table = np.full((len(t.strings.values) + 1, 5), np.nan)
            tiers = np.zeros(len(t.strings.values) + 1)
            provider_of = self.model_provider
            for code in codes:
                if code < 0:
                    continue
                rates = pricing.rates_for(t.strings.values[code], provider_of.get(code))
                if rates is not None:
                    table[code] = (rates.input, rates.output, rates.cache_read, rates.cache_write, rates.cache_write_1h)
                    tiers[code] = rates.tier_start or np.inf
            r = table[model]  # model -1 picks the last row: NaN
            out = tin * r[:, 0] + tout * r[:, 1] + tcr * r[:, 2] + (tcw - tcw1h) * r[:, 3] + tcw1h * r[:, 4]
            out[~req] = np.nan
            over = np.flatnonzero(req & (tin + tcr + tcw >= tiers[model]) & ~np.isnan(out))
            for i in over.tolist():
                out[i] = pricing.price(
                    t.strings.values[t.model[i]], t.provider.get(i), t.tin[i], t.tout[i], t.tcr[i], t.tcw[i], t.tcw1h[i]
                )
        reported = self.a_cost
        has = ~np.isnan(reported)
        out[has] = reported[has]
        self._cost_arr = out
        return out

    def costs(self) -> list[float | None]:
        if self._costs is None:
            self._costs = [None if c != c else c for c in self.cost_array().tolist()]
        return self._costs

    def _is_request(self, i: int) -> bool:
        return bool(self.t.flags[i] & F_TOKENS) or self.t.type[i] == AI
