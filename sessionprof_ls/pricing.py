"""Prices from genai-prices, never a hand-written table.

Calling genai-prices per request costs tens of microseconds; a 100k-event session
would spend seconds on it. Prices are linear below the first tier threshold, so
each model's base rates are looked up once and a request is priced with them;
requests past a tier threshold (long contexts) go to genai-prices itself.
An unknown model has no price (None), never $0.

Loading genai-prices' data costs about 0.3 s of every process that prices anything,
more than a whole `sessionprof import` of a day's transcripts. The base rates it gives
are therefore kept in a small cache file (the user cache directory, or
SESSIONPROF_CACHE_DIR), keyed by the size and modification time of genai-prices' data
module: a genai-prices upgrade changes the key and empties the cache. Everything in
the file came from genai-prices; nothing is written by hand.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from decimal import Decimal

    from genai_prices.types import PriceCalculation, TieredPrices

MTOK = 1_000_000.0
CACHE_FORMAT = 2  # 2: names normalised by lookups(); misses cached before are asked again
CACHE_MAX_ENTRIES = 2048  # model names come from transcripts: bound what a hostile one can add


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


def _base(tiered: Decimal | TieredPrices | None) -> tuple[float, int]:
    """A price (Decimal, or TieredPrices with .base and .tiers) per token, and where its first tier starts."""
    if tiered is None:
        return 0.0, 0
    from decimal import Decimal  # loaded already by genai-prices, the only caller's source

    if isinstance(tiered, Decimal):
        return float(tiered) / MTOK, 0
    return float(tiered.base) / MTOK, min((t.start for t in tiered.tiers or ()), default=0)


@lru_cache(maxsize=512)
def rates_for(model: str, provider: str | None = None) -> Rates | None:
    """Per-token base rates for a model, or None when genai-prices has no price."""
    hit, rates = _cache.get(model, provider)
    if hit:
        return rates
    rates = _rates_from_genai_prices(model, provider)
    _cache.put(model, provider, rates)
    return rates


# Routing prefixes agents and proxies put before a model id (LiteLLM's and OpenCode's style)
_ROUTE_PREFIXES = ("converse/", "bedrock/", "invoke/")
_VERTEX_PREFIXES = ("vertex_ai/", "vertex/", "google-vertex/", "google-vertex-anthropic/")
_BEDROCK_ID = re.compile(
    r"^(?:[a-z]{2,6}\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen)\.[\w.:-]+$"
)
_COPILOT_SUFFIX = re.compile(r"-1m(?:-internal)?$")


def lookups(model: str, provider: str | None) -> list[tuple[str, str | None]]:
    """The (model, provider) pairs to ask genai-prices for, best first.

    Only the agents' spellings are undone here; the matching itself is genai-prices'
    own (its AWS provider knows Bedrock ids with region prefixes, its `litellm`
    provider id splits `provider/model`): `converse/jp.anthropic.claude-haiku-4-5-
    20251001-v1:0` is asked of provider `aws`, `vertex_ai/gemini-2.5-pro` of `google`,
    Copilot's `claude-opus-4.6-1m` as `claude-opus-4.6`, OpenCode's
    `anthropic/claude-sonnet-4-5` through `litellm`."""
    out: list[tuple[str, str | None]] = [(model, provider)]
    m = model.strip()
    for prefix in _ROUTE_PREFIXES:
        if m.lower().startswith(prefix):
            m = m[len(prefix) :]
            provider = "aws"
    if m.lower().startswith("bedrock/"):
        m = m[len("bedrock/") :]
    for prefix in _VERTEX_PREFIXES:
        if m.lower().startswith(prefix):
            m, provider = m[len(prefix) :], "google"
    if _BEDROCK_ID.match(m.lower()):
        out.append((m, "aws"))
    m = _COPILOT_SUFFIX.sub("", m)
    if "/" in m:
        out.append((m, "litellm"))  # genai-prices: "<provider>/<model>" when the prefix is a provider it knows
        out.append((m.rsplit("/", 1)[1], provider))
    out.append((m, provider))
    if provider is not None:
        out.append((m, None))
    return list(dict.fromkeys(out))  # first occurrence of each, in order


def _rates_from_genai_prices(model: str, provider: str | None) -> Rates | None:
    from genai_prices import Usage, calc_price

    for ref, prov in lookups(model, provider):
        try:
            calc = calc_price(Usage(input_tokens=1, output_tokens=1), model_ref=ref, provider_id=prov)
        except Exception:
            continue
        return _rates_of(calc, ref, prov)
    return None


def _rates_of(calc: PriceCalculation, model: str, provider: str | None) -> Rates:
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


def price(
    model: str | None, provider: str | None, tin: int, tout: int, tcr: int, tcw: int, tcw1h: int = 0
) -> float | None:
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
    return (
        tin * rates.input
        + tout * rates.output
        + tcr * rates.cache_read
        + (tcw - tcw1h) * rates.cache_write
        + tcw1h * rates.cache_write_1h
    )


@lru_cache(maxsize=4096)
def _price_exact(
    model: str, provider: str | None, tin: int, tout: int, tcr: int, tcw: int, tcw1h: int = 0
) -> float | None:
    from genai_prices import Usage, calc_price

    try:
        calc = calc_price(
            # genai-prices counts cache reads and writes inside input_tokens
            Usage(
                input_tokens=tin + tcr + tcw,
                output_tokens=tout,
                cache_read_tokens=tcr,
                cache_write_tokens=tcw,
                **({"cache_write_1h_tokens": tcw1h, "cache_write_5m_tokens": tcw - tcw1h} if tcw1h else {}),
            ),
            model_ref=model,
            provider_id=provider,
        )
    except Exception:
        return None
    return float(calc.total_price)


class _RatesCache:
    """The rates file: read once per process, rewritten (atomically) when a lookup missed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.key: str | None = None
        self.entries: dict[str, list[Any] | None] = {}  # "provider|model" -> Rates fields

    @staticmethod
    def path() -> Path:
        env = os.environ.get("SESSIONPROF_CACHE_DIR")
        if env:
            return Path(env).expanduser() / "rates.json"
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("sessionprof", appauthor=False)) / "rates.json"

    @staticmethod
    def data_key() -> str | None:
        """Which genai-prices data the rates came from, without importing it."""
        try:
            spec = importlib.util.find_spec("genai_prices")
            if spec is None or not spec.submodule_search_locations:
                return None
            folder = Path(next(iter(spec.submodule_search_locations)))
            st = (folder / "data.py").stat()
        except Exception:
            return None
        return f"{CACHE_FORMAT}:{folder}:{st.st_size}:{st.st_mtime_ns}"

    def _load(self) -> None:
        self.loaded = True
        self.key = self.data_key()
        try:
            doc = json.loads(self.path().read_text())
            if doc.get("key") == self.key and self.key is not None and isinstance(doc.get("rates"), dict):
                self.entries = doc["rates"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or unreadable: start empty, rewrite on the first miss

    def get(self, model: str, provider: str | None) -> tuple[bool, Rates | None]:
        with self.lock:
            if not self.loaded:
                self._load()
            name = f"{provider or ''}|{model}"
            if name not in self.entries:
                return False, None
            row = self.entries[name]
        if row is None:
            return True, None
        try:
            return True, Rates(*row)
        except TypeError:
            return False, None  # a row of another shape: ask genai-prices again

    def put(self, model: str, provider: str | None, rates: Rates | None) -> None:
        with self.lock:
            if self.key is None or len(self.entries) >= CACHE_MAX_ENTRIES:
                return
            self.entries[f"{provider or ''}|{model}"] = list(astuple(rates)) if rates else None
            path = self.path()
            tmp = path.with_name(f".rates.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(json.dumps({"key": self.key, "rates": self.entries}))
                os.replace(tmp, path)
            except OSError:  # an unwritable cache directory only costs speed
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass


_cache = _RatesCache()


def warm() -> None:
    """Load genai-prices' data now (about 0.3 s, once per process) rather than inside
    the first summary, where it would hold up the first events' analysis."""
    rates_for("claude-sonnet-4-5")


def provider_of(model: str) -> str | None:
    rates = rates_for(model)
    return rates.provider if rates else None
