"""Model names as agents write them are priced through genai-prices' own lookup; an
unknown model stays "price unknown", never $0."""

from __future__ import annotations

import pytest

from sessionprof_ls import pricing


@pytest.fixture(autouse=True)
def _fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSIONPROF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(pricing, "_cache", pricing._RatesCache())
    pricing.rates_for.cache_clear()
    yield
    pricing.rates_for.cache_clear()


def _genai(model, provider=None):
    from genai_prices import Usage, calc_price

    return float(
        calc_price(
            Usage(input_tokens=1_000_000, output_tokens=1_000_000), model_ref=model, provider_id=provider
        ).total_price
    )


@pytest.mark.parametrize(
    "name, model, provider",
    [
        ("claude-sonnet-4.6", "claude-sonnet-4-6", "anthropic"),  # Copilot's dotted spelling
        ("claude-opus-4.6-1m", "claude-opus-4-6", "anthropic"),  # Copilot's 1M-context suffix
        ("converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0", "jp.anthropic.claude-haiku-4-5-20251001-v1:0", "aws"),
        ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "aws"),
        ("vertex_ai/gemini-2.5-pro", "gemini-2.5-pro", "google"),
        ("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5", "anthropic"),  # OpenCode's provider/model
    ],
)
def test_agent_spellings_price_as_genai_prices_prices_the_model(name, model, provider):
    assert pricing.price(name, None, 1_000_000, 1_000_000, 0, 0) == pytest.approx(_genai(model, provider))


def test_the_bedrock_id_is_not_priced_as_anthropic_direct():
    bedrock = pricing.price("converse/jp.anthropic.claude-haiku-4-5-20251001-v1:0", None, 1_000_000, 0, 0, 0)
    direct = pricing.price("claude-haiku-4-5", None, 1_000_000, 0, 0, 0)
    assert bedrock is not None and direct is not None and bedrock > direct  # regional endpoints cost 10% more


def test_unknown_model_stays_unpriced_not_zero(tmp_path):
    from sessionprof_ls.engine import Engine

    assert pricing.price("big-pickle", "opencode", 1000, 10, 0, 0) is None
    assert pricing.price("converse/jp.anthropic.no-such-model-v1:0", None, 1000, 10, 0, 0) is None
    engine = Engine(tmp_path / "s.db")
    tokens = {"input": 1000, "output": 10, "cacheRead": 0, "cacheWrite": 0}
    engine.ingest(
        [
            {
                "sessionId": "s",
                "id": "r",
                "type": "ai_response",
                "name": "Response #1",
                "startTime": 1000,
                "endTime": 2000,
                "metadata": {"model": "big-pickle", "provider": "opencode", "tokens": tokens},
            }
        ]
    )
    s = engine.summary("s")
    assert s["totalCost"] is None and s["costComplete"] is False and s["unpricedModels"] == ["big-pickle"]
