"""OTLP/JSON's value encoding, read once for spans, logs and Claude Code's spans.

Attributes are `[{key, value: {stringValue | intValue | ...}}]`; 64-bit integers
(`intValue`, `*UnixNano`) arrive as strings; ids are hex, or base64 from exporters that
follow the protobuf JSON mapping: both become lowercase hex."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from .common import json_loads, short_args

_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


def any_value(v: Any) -> Any:
    """An OTLP AnyValue as the plain value it holds (None for an unknown or broken one)."""
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in v:
        try:
            return float(v["doubleValue"])
        except (TypeError, ValueError):
            return None
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [any_value(x) for x in (v["arrayValue"] or {}).get("values") or ()]
    if "kvlistValue" in v:
        return attrs((v["kvlistValue"] or {}).get("values"))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attrs(items: Any) -> dict[str, Any]:
    """An attribute list as a dict (entries without a string key are skipped)."""
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for kv in items:
            if isinstance(kv, dict) and isinstance(kv.get("key"), str):
                out[kv["key"]] = any_value(kv.get("value"))
    return out


def normalize_id(value: Any, nbytes: int) -> str | None:
    """A trace/span id as lowercase hex, from hex or base64 (None if empty/invalid)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == nbytes * 2 and _HEX_RE.match(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == nbytes:
        return raw.hex()
    if _HEX_RE.match(value):
        return value.lower()
    return None


def nanos_to_ms(v: Any) -> float | None:
    """`*UnixNano` (a number or a decimal string) in epoch milliseconds; 0 or empty is unset."""
    if v is None or v == "" or v == 0 or v == "0":
        return None
    try:
        return int(v) / 1e6
    except (TypeError, ValueError):
        try:
            return float(v) / 1e6
        except (TypeError, ValueError):
            return None


def to_int(v: Any) -> int | None:
    """A count from an int, a float or a numeric string (a bool is no count)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v)
    if isinstance(v, str):
        try:
            return int(float(v))
        except ValueError:
            return None
    return None


def first(a: dict[str, Any], *keys: str) -> Any:
    """The first of `keys` set (not None, not empty) in `a`."""
    for k in keys:
        v = a.get(k)
        if v is not None and v != "":
            return v
    return None


def json_args(value: Any) -> Any:
    """Tool arguments, decoded when they are a JSON object's text, long strings cut."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json_loads(value)
        except ValueError:
            pass
    return short_args(value)


def anthropic_tokens(a: dict[str, Any]) -> dict[str, int]:
    """Claude Code's counts (Anthropic semantics: `input_tokens` excludes cache reads and writes)."""
    return {
        "input": to_int(a.get("input_tokens")) or 0,
        "output": to_int(a.get("output_tokens")) or 0,
        "cacheRead": to_int(a.get("cache_read_tokens")) or 0,
        "cacheWrite": to_int(a.get("cache_creation_tokens")) or 0,
    }


def split_ttft(a: dict[str, Any], meta: dict[str, Any]) -> None:
    """duration_ms and ttft_ms split a response into time to first token and generation."""
    dur, ttft = a.get("duration_ms"), a.get("ttft_ms")
    try:
        dur_f = float(dur) if dur is not None else None
        ttft_f = float(ttft) if ttft is not None else None
    except (TypeError, ValueError):
        return
    if ttft_f is not None and ttft_f >= 0:
        meta["ttftMs"] = ttft_f
        if dur_f is not None and dur_f >= ttft_f:
            meta["generationMs"] = dur_f - ttft_f
