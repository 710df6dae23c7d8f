"""Prices from genai-prices, never a hand-written table.

Calling genai-prices per request costs tens of microseconds; a 100k-event session
would spend seconds on it. Prices are linear below the first tier threshold, so
each model's base rates are looked up once and a request is priced with them;
requests past a tier threshold (long contexts) go to genai-prices itself.
An unknown model has no price (None), never $0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

MTOK = 1_000_000.0


@dataclass(frozen=True)
class Rates:
    input: float  # USD per token
    output: float
    cache_read: float
    cache_write: float
    cache_write_1h: float
    tier_start: int  # total input tokens at which other prices apply (0 = none)
    model_ref: str
    provider_id: str | None
    provider: str | None


def _base(tiered) -> tuple[float, int]:
    if tiered is None:
        return 0.0, 0
    base = getattr(tiered, "base", tiered)
    tiers = getattr(tiered, "tiers", None) or []
    start = min((t.start for t in tiers), default=0)
    return float(base) / MTOK, int(start)


@lru_cache(maxsize=512)
def rates_for(model: str, provider: str | None = None) -> Rates | None:
    """Per-token base rates for a model, or None when genai-prices has no price."""
    try:
        from genai_prices import Usage, calc_price

        calc = calc_price(Usage(input_tokens=1, output_tokens=1), model_ref=model, provider_id=provider)
    except Exception:
        if provider is not None:
            return rates_for(model, None)
        return None
    mp = calc.model_price
    inp, t1 = _base(mp.input_mtok)
    out, t2 = _base(mp.output_mtok)
    cr, t3 = _base(mp.cache_read_mtok)
    cw, t4 = _base(mp.cache_write_mtok)
    if mp.cache_read_mtok is None:
        cr = inp
    if mp.cache_write_mtok is None:
        cw = inp
    cw1h, _ = _base(getattr(mp, "cache_write_1h_mtok", None))
    tier = min([t for t in (t1, t2, t3, t4) if t] or [0])
    return Rates(inp, out, cr, cw, cw1h or cw, tier, model, provider, calc.provider.id)


def price(model: str | None, provider: str | None, tin: int, tout: int, tcr: int, tcw: int,
          tcw1h: int = 0) -> float | None:
    """Cost in USD of one request; `tin` is uncached input (the contract's `input`),
    `tcw1h` the part of the cache writes that went to the 1-hour cache."""
    if not model:
        return None
    rates = rates_for(model, provider)
    if rates is None:
        return None
    total_in = tin + tcr + tcw
    if rates.tier_start and total_in >= rates.tier_start:
        return _price_exact(rates.model_ref, rates.provider_id, tin, tout, tcr, tcw, tcw1h)
    return (tin * rates.input + tout * rates.output + tcr * rates.cache_read + (tcw - tcw1h) * rates.cache_write
            + tcw1h * rates.cache_write_1h)


@lru_cache(maxsize=4096)
def _price_exact(model: str, provider: str | None, tin: int, tout: int, tcr: int, tcw: int,
                 tcw1h: int = 0) -> float | None:
    from genai_prices import Usage, calc_price

    try:
        calc = calc_price(
            # genai-prices counts cache reads and writes inside input_tokens
            Usage(input_tokens=tin + tcr + tcw, output_tokens=tout, cache_read_tokens=tcr, cache_write_tokens=tcw,
                  **({"cache_write_1h_tokens": tcw1h, "cache_write_5m_tokens": tcw - tcw1h} if tcw1h else {})),
            model_ref=model,
            provider_id=provider,
        )
    except Exception:
        return None
    return float(calc.total_price)


def warm() -> None:
    """Load genai-prices' data now (about 0.3 s, once per process) rather than inside
    the first summary, where it would hold up the first events' analysis."""
    rates_for("claude-sonnet-4-5")


def provider_of(model: str) -> str | None:
    rates = rates_for(model)
    return rates.provider if rates else None
