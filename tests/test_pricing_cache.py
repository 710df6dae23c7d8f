"""genai-prices' base rates are cached in a file keyed by its data module, so a process
that finds them there prices requests without loading genai-prices (0.3 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = r"""
import json, sys
from sessionprof_ls import pricing
out = {
    "sonnet": pricing.price("claude-sonnet-4-5", None, 1000, 200, 30000, 4000, 1000),
    "gpt": pricing.price("gpt-5", None, 5000, 700, 12000, 0),
    "unknown": pricing.price("no-such-model-xyz", None, 10, 10, 0, 0),
    "provider": pricing.provider_of("claude-sonnet-4-5"),
    "genai_prices_loaded": "genai_prices" in sys.modules,
}
if len(sys.argv) > 1:  # the same prices straight from genai-prices
    from genai_prices import Usage, calc_price
    def direct(model, tin, tout, tcr, tcw, tcw1h=0):
        extra = {"cache_write_1h_tokens": tcw1h, "cache_write_5m_tokens": tcw - tcw1h} if tcw1h else {}
        return float(calc_price(Usage(input_tokens=tin + tcr + tcw, output_tokens=tout, cache_read_tokens=tcr,
                                      cache_write_tokens=tcw, **extra), model_ref=model).total_price)
    out["direct"] = {"sonnet": direct("claude-sonnet-4-5", 1000, 200, 30000, 4000, 1000),
                     "gpt": direct("gpt-5", 5000, 700, 12000, 0)}
print(json.dumps(out))
"""


def probe(cache_dir, *args) -> dict:
    env = dict(os.environ, SESSIONPROF_CACHE_DIR=str(cache_dir))
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_second_process_prices_from_the_cache_without_genai_prices(tmp_path):
    first = probe(tmp_path, "direct")
    assert first["genai_prices_loaded"]
    doc = json.loads((tmp_path / "rates.json").read_text())
    assert set(doc["rates"]) == {"|claude-sonnet-4-5", "|gpt-5", "|no-such-model-xyz"}
    assert doc["rates"]["|no-such-model-xyz"] is None  # unknown stays unknown: no price, never $0

    second = probe(tmp_path)
    assert not second["genai_prices_loaded"]
    for model in ("sonnet", "gpt"):
        assert second[model] == first[model] == pytest.approx(first["direct"][model], rel=1e-12)
    assert second["unknown"] is None
    assert second["provider"] == first["provider"] == "anthropic"


@pytest.mark.parametrize("damage", ["other key", "not json", "wrong row shape"])
def test_a_stale_or_damaged_cache_is_ignored_and_rewritten(tmp_path, damage):
    probe(tmp_path)
    path = tmp_path / "rates.json"
    doc = json.loads(path.read_text())
    good_key = doc["key"]
    if damage == "other key":  # e.g. genai-prices was upgraded: its data module changed
        doc["key"] = good_key.replace(":", ":0", 1)
        doc["rates"]["|claude-sonnet-4-5"][0] = 1.0  # a stale rate that must not be used
        path.write_text(json.dumps(doc))
    elif damage == "not json":
        path.write_text('{"key": "1:/x", "rates": {')
    else:
        doc["rates"]["|claude-sonnet-4-5"] = [1.0, 2.0]
        path.write_text(json.dumps(doc))
    again = probe(tmp_path, "direct")
    assert again["genai_prices_loaded"]
    assert again["sonnet"] == pytest.approx(again["direct"]["sonnet"], rel=1e-12)
    rewritten = json.loads(path.read_text())
    assert rewritten["key"] == good_key
    assert len(rewritten["rates"]["|claude-sonnet-4-5"]) == 9


def test_an_unwritable_cache_directory_only_costs_speed(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = probe(blocker / "sub", "direct")
    assert out["sonnet"] == pytest.approx(out["direct"]["sonnet"], rel=1e-12)
