from __future__ import annotations

import pytest

from planner.engine.api import (
    ApiOffer,
    PriceTier,
    api_monthly_cost,
    api_tokens_for_spend,
    blended_price_per_mtok,
)
from planner.engine.errors import ScenarioError
from planner.engine.tokens import monthly_tokens, split_tokens

GPT5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0)


def test_blended_price_follows_input_share() -> None:
    assert blended_price_per_mtok(GPT5, input_share=1.0) == 1.25
    assert blended_price_per_mtok(GPT5, input_share=0.0) == 10.0
    assert blended_price_per_mtok(GPT5, input_share=0.8) == pytest.approx(0.8 * 1.25 + 0.2 * 10)


def test_cached_share_is_a_fraction_of_input_tokens() -> None:
    offer = ApiOffer(input_per_mtok=1.0, output_per_mtok=4.0, cached_input_per_mtok=0.1)
    # input side: 0.5 x 1.0 + 0.5 x 0.1 = 0.55; blended at s=0.5: 0.275 + 2.0
    assert blended_price_per_mtok(offer, input_share=0.5, cached_share=0.5) == pytest.approx(2.275)
    split = split_tokens(1e6, input_share=0.5, cached_share=0.5)
    assert (split.input_uncached, split.input_cached, split.output) == (2.5e5, 2.5e5, 5e5)


def test_output_only_offer_prices_all_tokens_at_output_rate() -> None:
    offer = ApiOffer(output_per_mtok=0.25)
    assert offer.output_only
    for share in (0.0, 0.3, 1.0):
        assert api_monthly_cost(offer, tokens_per_month=4e6, input_share=share) == 1.0


def test_graduated_tiers() -> None:
    offer = ApiOffer(
        input_per_mtok=1.0,
        output_per_mtok=1.0,
        tiers=(
            PriceTier(100e6, multiplier=0.5),
            PriceTier(1e9, output_per_mtok=0.1, input_per_mtok=0.1),
        ),
    )
    assert api_monthly_cost(offer, tokens_per_month=50e6) == pytest.approx(50)
    assert api_monthly_cost(offer, tokens_per_month=200e6) == pytest.approx(100 + 50)
    assert api_monthly_cost(offer, tokens_per_month=2e9) == pytest.approx(100 + 450 + 100)
    assert api_tokens_for_spend(offer, monthly_spend=150) == pytest.approx(200e6)
    assert api_tokens_for_spend(offer, monthly_spend=650) == pytest.approx(2e9)


def test_tiers_must_increase() -> None:
    with pytest.raises(ScenarioError) as error:
        ApiOffer(output_per_mtok=1, tiers=(PriceTier(2e6), PriceTier(1e6)))
    assert error.value.field == "api.tiers"


def test_monthly_tokens_rules() -> None:
    assert monthly_tokens(tokens_per_day=2e6, days_per_month=31) == 62e6
    with pytest.raises(ScenarioError, match="not both"):
        monthly_tokens(tokens_per_month=1, tokens_per_day=1)
    with pytest.raises(ScenarioError) as error:
        monthly_tokens()
    assert error.value.field == "tokens_per_month"


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_negative_or_nan_price_names_the_field(bad: float) -> None:
    with pytest.raises(ScenarioError) as error:
        ApiOffer(output_per_mtok=bad)
    assert error.value.field == "api.output_per_mtok"
    assert isinstance(error.value, ValueError)


def test_cached_price_needs_an_input_price() -> None:
    with pytest.raises(ScenarioError) as error:
        ApiOffer(output_per_mtok=1.0, cached_input_per_mtok=0.1)
    assert error.value.field == "api.cached_input_per_mtok"
