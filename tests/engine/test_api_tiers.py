"""Real offers' prices in the engine: cache writes, service tiers, context-length tiers.

The offer below is Claude Sonnet 4.5 on Bedrock as LiteLLM 1.110.2 prices it (per 1M
tokens): input $3, output $15, cache read $0.30, cache write $3.75; batch $1.50 / $7.50
(cache prices not restated); above 200K input tokens $6 / $22.50 / $0.60 / $7.50.
Every expected figure is derived by hand in the comments.
"""

from __future__ import annotations

import math

import pytest

from planner.engine.api import (
    API_PARTS,
    STANDARD_TRAFFIC,
    ApiOffer,
    ApiTraffic,
    ContextShare,
    ContextTier,
    PriceTier,
    ServiceTier,
    api_bill,
    api_monthly_cost,
    api_tokens_for_spend,
    blended_price_per_mtok,
    price_parts_per_mtok,
)
from planner.engine.errors import ScenarioError

SONNET = ApiOffer(
    name="Claude Sonnet 4.5 (Bedrock)",
    input_per_mtok=3.0,
    output_per_mtok=15.0,
    cached_input_per_mtok=0.3,
    cache_write_per_mtok=3.75,
    service_tiers=(ServiceTier("batch", input_per_mtok=1.5, output_per_mtok=7.5),),
    context_tiers=(
        ContextTier(
            200_000,
            input_per_mtok=6.0,
            output_per_mtok=22.5,
            cached_input_per_mtok=0.6,
            cache_write_per_mtok=7.5,
        ),
    ),
)
# 10% of input written to the cache, 40% batch, 25% of tokens in requests above 200K.
TRAFFIC = ApiTraffic(
    cache_write_share=0.1,
    batch_share=0.4,
    long_context_shares=(ContextShare(200_000, 0.25),),
)
MIX = {"input_share": 0.8, "cached_share": 0.5}


def test_the_worked_figure_of_the_module_docstring() -> None:
    """Per 1M tokens: 0.8 x 0.4 = 0.32 uncached input, 0.8 x 0.5 = 0.40 cache reads,
    0.8 x 0.1 = 0.08 cache writes, 0.20 output.

    standard, short: 0.32 x 3 + 0.40 x 0.3 + 0.08 x 3.75 + 0.20 x 15 = 0.96 + 0.12 + 0.3 + 3 = 4.38
    batch, short: 0.32 x 1.5 + 0.12 + 0.3 + 0.20 x 7.5 = 0.48 + 0.12 + 0.3 + 1.5 = 2.40
      (batch restates no cache price: the standard 0.30 and 3.75)
    standard, long: 0.32 x 6 + 0.40 x 0.6 + 0.08 x 7.5 + 0.20 x 22.5 = 1.92 + 0.24 + 0.6 + 4.5 = 7.26
    batch, long: input 6 x 1.5 / 3 = 3, output 22.5 x 7.5 / 15 = 11.25, cache prices the
      long ones (ratio 1): 0.96 + 0.24 + 0.6 + 2.25 = 4.05
    weights: 0.6 x 0.75 = 0.45, 0.4 x 0.75 = 0.30, 0.6 x 0.25 = 0.15, 0.4 x 0.25 = 0.10
    blended: 1.971 + 0.72 + 1.089 + 0.405 = 4.185; 100M tokens: $418.50.
    """
    assert blended_price_per_mtok(SONNET, **MIX, traffic=TRAFFIC) == pytest.approx(4.185)
    bill = api_bill(SONNET, tokens_per_month=100e6, **MIX, traffic=TRAFFIC)
    assert round(bill.monthly, 2) == 418.50
    assert bill.monthly == api_monthly_cost(SONNET, tokens_per_month=100e6, **MIX, traffic=TRAFFIC)
    # standard: 0.6 x (0.96 + 3) = 2.376 -> $237.60; batch: 0.4 x (0.48 + 1.5) = 0.792 ->
    # $79.20; cache reads 0.40 x 0.30 = 0.12 -> $12.00 (both tiers at 0.30); cache writes
    # 0.08 x 3.75 = 0.30 -> $30.00; long-context surcharge 0.15 x (7.26 - 4.38) +
    # 0.10 x (4.05 - 2.40) = 0.432 + 0.165 = 0.597 -> $59.70.
    assert {k: round(v, 2) for k, v in bill.parts.items()} == {
        "api_standard": 237.60,
        "api_batch": 79.20,
        "api_priority": 0.0,
        "api_flex": 0.0,
        "api_cache_read": 12.00,
        "api_cache_write": 30.00,
        "api_long_context": 59.70,
    }
    assert math.fsum(bill.parts.values()) == pytest.approx(bill.monthly)
    assert tuple(bill.parts) == API_PARTS


@pytest.mark.parametrize(
    "offer",
    [
        SONNET,
        ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0),
        ApiOffer(output_per_mtok=0.25),
        ApiOffer(
            input_per_mtok=2.0,
            output_per_mtok=10.0,
            cached_input_per_mtok=0.2,
            tiers=(PriceTier(100e6, multiplier=0.5), PriceTier(1e9, output_per_mtok=1.0)),
        ),
    ],
)
def test_no_traffic_stated_is_todays_price_bit_for_bit(offer: ApiOffer) -> None:
    """Without shares every offer is read at its standard prices below every context
    threshold, exactly as before: s x ((1 - c) x input + c x cached) + (1 - s) x output."""
    for share, cached in ((0.5, 0.0), (0.7, 0.5), (1.0, 0.3)):
        cached = cached if offer.cached_input_per_mtok is not None else 0.0
        if offer.input_per_mtok is None:
            expected = offer.output_per_mtok
        else:
            cached_price = offer.cached_input_per_mtok or offer.input_per_mtok
            input_price = (1.0 - cached) * offer.input_per_mtok + cached * cached_price
            expected = share * input_price + (1.0 - share) * offer.output_per_mtok
        assert blended_price_per_mtok(offer, input_share=share, cached_share=cached) == expected
        # An explicit ApiTraffic() is the same thing.
        for volume in (0.0, 5e7, 3e8, 2e9):
            assert api_monthly_cost(
                offer, tokens_per_month=volume, input_share=share, cached_share=cached
            ) == api_monthly_cost(
                offer,
                tokens_per_month=volume,
                input_share=share,
                cached_share=cached,
                traffic=ApiTraffic(),
            )
    assert ApiTraffic() == STANDARD_TRAFFIC


def test_the_sonnet_with_no_traffic_costs_what_it_did() -> None:
    """100M at 80% input, no cache: 0.8 x 3 + 0.2 x 15 = $5.40 per 1M -> $540, all standard."""
    bill = api_bill(SONNET, tokens_per_month=100e6, input_share=0.8)
    assert bill.monthly == pytest.approx(540.0)
    assert {k: v for k, v in bill.parts.items() if v} == {"api_standard": pytest.approx(540.0)}


def test_a_cache_write_without_a_write_price_is_plain_input() -> None:
    """GPT-5 style (no write price): writes cost input. 1M tokens, 50% input, 20% of it
    written: 0.5 x (0.8 x 1.25 + 0.2 x 1.25) + 0.5 x 10 = $5.625, the same as no writes;
    the write part is 0.5 x 0.2 x 1.25 = $0.125 of it."""
    offer = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, cached_input_per_mtok=0.125)
    writes = ApiTraffic(cache_write_share=0.2)
    assert blended_price_per_mtok(offer, traffic=writes) == pytest.approx(5.625)
    parts = price_parts_per_mtok(offer, traffic=writes)
    assert parts["api_cache_write"] == pytest.approx(0.125)
    assert parts["api_standard"] == pytest.approx(0.5 * 0.8 * 1.25 + 5.0)


def test_a_tier_the_offer_does_not_sell_is_bought_at_standard_prices() -> None:
    """Half the tokens asked on flex from an offer without flex: all $5.625 standard."""
    offer = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0)
    flex = ApiTraffic(flex_share=0.5)
    assert blended_price_per_mtok(offer, traffic=flex) == pytest.approx(5.625)
    parts = price_parts_per_mtok(offer, traffic=flex)
    assert parts["api_flex"] == 0.0
    assert parts["api_standard"] == pytest.approx(5.625)


def test_priority_and_flex_tiers_each_take_their_share() -> None:
    """GPT-5 as LiteLLM prices it: standard 1.25 / 10, priority 2.5 / 20, flex 0.625 / 5.
    50% input, 20% priority, 30% flex, 50% standard:
    standard 0.5 x (0.625 + 5) = 2.8125, priority 0.2 x (1.25 + 10) = 2.25,
    flex 0.3 x (0.3125 + 2.5) = 0.84375; total $5.90625 per 1M."""
    offer = ApiOffer(
        input_per_mtok=1.25,
        output_per_mtok=10.0,
        service_tiers=(
            ServiceTier("priority", input_per_mtok=2.5, output_per_mtok=20.0),
            ServiceTier("flex", input_per_mtok=0.625, output_per_mtok=5.0),
        ),
    )
    traffic = ApiTraffic(priority_share=0.2, flex_share=0.3)
    parts = price_parts_per_mtok(offer, traffic=traffic)
    assert parts["api_standard"] == pytest.approx(2.8125)
    assert parts["api_priority"] == pytest.approx(2.25)
    assert parts["api_flex"] == pytest.approx(0.84375)
    assert blended_price_per_mtok(offer, traffic=traffic) == pytest.approx(5.90625)


def test_a_context_tier_reads_the_share_at_the_smallest_stated_length_at_or_above_it() -> None:
    """Tiers at 128K ($2 flat) and 1M ($4 flat) over a $1 flat base (output-only prices).
    The workload says 30% of tokens are above 200K and 10% above 1M.
    128K tier: the smallest stated length >= 128K is 200K -> 30% above 128K;
    1M tier: 10%. Bands: below 128K 70%, 128K-1M 20%, above 1M 10%:
    0.7 x 1 + 0.2 x 2 + 0.1 x 4 = $1.50; the surcharge 0.2 x 1 + 0.1 x 3 = $0.50."""
    offer = ApiOffer(
        output_per_mtok=1.0,
        context_tiers=(
            ContextTier(128_000, output_per_mtok=2.0),
            ContextTier(1_000_000, output_per_mtok=4.0),
        ),
    )
    traffic = ApiTraffic(
        long_context_shares=(ContextShare(200_000, 0.3), ContextShare(1_000_000, 0.1))
    )
    assert traffic.share_above(128_000) == 0.3
    assert traffic.share_above(1_000_000) == 0.1
    assert traffic.share_above(1_000_001) == 0.0  # never counted above what was not stated
    assert blended_price_per_mtok(offer, traffic=traffic) == pytest.approx(1.5)
    parts = price_parts_per_mtok(offer, traffic=traffic)
    assert parts["api_standard"] == pytest.approx(1.0)
    assert parts["api_long_context"] == pytest.approx(0.5)
    # Stated only below the tier: 30% above 100K says nothing about 128K -> no surcharge.
    low = ApiTraffic(long_context_shares=(ContextShare(100_000, 0.3),))
    assert blended_price_per_mtok(offer, traffic=low) == 1.0


def test_a_volume_tier_moves_the_batch_and_long_context_prices_by_its_ratio() -> None:
    """From 100M tokens the volume tier halves every price: the batch input 1.5 -> 0.75,
    the long output 22.5 -> 11.25. All-output traffic (input share 0), all batch, all long:
    below 100M output 22.5 x 7.5 / 15 = 11.25; above, half of it, 5.625.
    200M tokens: 100 x 11.25 + 100 x 5.625 = $1,687.50, all of it batch + surcharge:
    batch 100 x 7.5 + 100 x 3.75 = 1,125, surcharge 100 x 3.75 + 100 x 1.875 = 562.50."""
    offer = ApiOffer(
        input_per_mtok=3.0,
        output_per_mtok=15.0,
        tiers=(PriceTier(100e6, multiplier=0.5),),
        service_tiers=SONNET.service_tiers,
        context_tiers=SONNET.context_tiers,
    )
    traffic = ApiTraffic(batch_share=1.0, long_context_shares=(ContextShare(200_000, 1.0),))
    bill = api_bill(offer, tokens_per_month=200e6, input_share=0.0, traffic=traffic)
    assert bill.monthly == pytest.approx(1687.5)
    assert bill.parts["api_batch"] == pytest.approx(1125.0)
    assert bill.parts["api_long_context"] == pytest.approx(562.5)
    assert bill.parts["api_standard"] == 0.0
    # The inverse: $1,687.50 buys 200M tokens.
    assert api_tokens_for_spend(
        offer, monthly_spend=1687.5, input_share=0.0, traffic=traffic
    ) == pytest.approx(200e6)


def test_output_only_offer_pays_its_long_context_output_price_on_all_tokens() -> None:
    """$0.25 flat, $0.50 above 256K: 40% long -> 0.6 x 0.25 + 0.4 x 0.5 = $0.35."""
    offer = ApiOffer(
        output_per_mtok=0.25, context_tiers=(ContextTier(256_000, output_per_mtok=0.5),)
    )
    traffic = ApiTraffic(cache_write_share=0.5, long_context_shares=(ContextShare(256_000, 0.4),))
    assert blended_price_per_mtok(offer, input_share=0.9, traffic=traffic) == pytest.approx(0.35)
    parts = price_parts_per_mtok(offer, input_share=0.9, traffic=traffic)
    assert parts["api_cache_write"] == 0.0  # no input price: no cache parts
    assert parts["api_long_context"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ApiTraffic(batch_share=0.7, flex_share=0.4), "batch_share"),
        (lambda: ApiTraffic(priority_share=1.2), "priority_share"),
        (lambda: ApiTraffic(cache_write_share=-0.1), "cache_write_share"),
        (
            lambda: ApiTraffic(
                long_context_shares=(ContextShare(200_000, 0.1), ContextShare(128_000, 0.05))
            ),
            "long_context_shares",
        ),
        (
            lambda: ApiTraffic(
                long_context_shares=(ContextShare(128_000, 0.1), ContextShare(200_000, 0.2))
            ),
            "long_context_shares",
        ),
        (lambda: ContextShare(0, 0.1), "long_context_shares.above_tokens"),
        (lambda: ServiceTier("bulk"), "api.service_tiers"),
        (
            lambda: ApiOffer(output_per_mtok=1, service_tiers=(ServiceTier("batch"),) * 2),
            "api.service_tiers",
        ),
        (
            lambda: ApiOffer(
                output_per_mtok=1,
                context_tiers=(ContextTier(200_000), ContextTier(128_000)),
            ),
            "api.context_tiers",
        ),
        (
            lambda: ApiOffer(output_per_mtok=1, cache_write_per_mtok=1.0),
            "api.cache_write_per_mtok",
        ),
        (
            lambda: ApiOffer(
                output_per_mtok=1, service_tiers=(ServiceTier("batch", input_per_mtok=-1),)
            ),
            "api.service_tiers.batch.input_per_mtok",
        ),
        (
            lambda: blended_price_per_mtok(
                SONNET, cached_share=0.95, traffic=ApiTraffic(cache_write_share=0.1)
            ),
            "cache_write_share",
        ),
    ],
)
def test_bad_traffic_or_tiers_name_the_field(build, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        build()
    assert error.value.field == field
