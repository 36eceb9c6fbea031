"""API offers and rented fleets: the refusals a form shows beside a field, and the
figures the mutation run found unpinned (issue 19): tiers below their start, a tier's
cached rate and name, default shares, reserved commitments over a custom month, and
fleets spread over regions.
"""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, PriceTier, api_monthly_cost, blended_price_per_mtok
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.reserve import AvailabilityTarget
from planner.engine.selfhost import Billing, BillingMode, OnDemandRate, ReservedRate


@pytest.mark.parametrize(
    ("build", "field", "message"),
    [
        (lambda: PriceTier(from_tokens=-1.0), "tiers.from_tokens", None),
        (lambda: PriceTier(from_tokens=0.0, multiplier=-1.0), "tiers.multiplier", None),
        (lambda: PriceTier(from_tokens=0.0, input_per_mtok=-1.0), "tiers.input_per_mtok", None),
        (lambda: PriceTier(from_tokens=0.0, output_per_mtok=-1.0), "tiers.output_per_mtok", None),
        (
            lambda: PriceTier(from_tokens=0.0, cached_input_per_mtok=-1.0),
            "tiers.cached_input_per_mtok",
            None,
        ),
        (lambda: ApiOffer(output_per_mtok=-1.0), "api.output_per_mtok", None),
        (
            lambda: ApiOffer(output_per_mtok=1.0, input_per_mtok=-1.0),
            "api.input_per_mtok",
            None,
        ),
        (
            lambda: ApiOffer(output_per_mtok=1.0, input_per_mtok=1.0, cached_input_per_mtok=-1.0),
            "api.cached_input_per_mtok",
            None,
        ),
        (
            lambda: ApiOffer(output_per_mtok=1.0, cached_input_per_mtok=0.1),
            "api.cached_input_per_mtok",
            "needs api.input_per_mtok (output-only offer)",
        ),
        (
            lambda: ApiOffer(
                output_per_mtok=1.0,
                tiers=(PriceTier(from_tokens=2e6), PriceTier(from_tokens=1e6)),
            ),
            "api.tiers",
            "tiers must have strictly increasing from_tokens",
        ),
        (
            lambda: ApiOffer(
                output_per_mtok=1.0,
                tiers=(PriceTier(from_tokens=1e6), PriceTier(from_tokens=1e6)),
            ),
            "api.tiers",
            "tiers must have strictly increasing from_tokens",
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), gpus_per_instance=0),
            "selfhost.gpus_per_instance",
            None,
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), hidden_multiplier=0.9),
            "selfhost.hidden_multiplier",
            "must be a number >= 1",
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), hidden_multiplier=float("inf")),
            "selfhost.hidden_multiplier",
            "must be a number >= 1",
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), other_monthly=-1.0),
            "selfhost.other_monthly",
            None,
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), ops_fte=-1.0),
            "selfhost.ops_fte",
            None,
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), ops_fte_monthly_cost=-1.0),
            "selfhost.ops_fte_monthly_cost",
            None,
        ),
        (
            lambda: RentedCapacity(OnDemandRate(1.0), Serving(1.0), implementation_one_off=-1.0),
            "selfhost.implementation_one_off",
            None,
        ),
        (
            lambda: RentedCapacity(
                OnDemandRate(1.0), Serving(1.0, gpus_per_replica=2), gpus_per_instance=1
            ),
            "selfhost.gpus_per_instance",
            None,
        ),
        (
            lambda: rented_cost(
                RentedCapacity(
                    OnDemandRate(1.0), Serving(1.0), billing=Billing(BillingMode.SCALE_TO_ZERO)
                ),
                tokens_per_month=1.0,
                availability=AvailabilityTarget(0.9, replica_availability=0.9),
            ),
            "availability_target",
            "scale-to-zero keeps no standing replicas to hold in reserve: "
            "use always_on or window billing",
        ),
        (
            lambda: api_monthly_cost(ApiOffer(output_per_mtok=1.0), tokens_per_month=-1.0),
            "tokens_per_month",
            None,
        ),
        (
            lambda: blended_price_per_mtok(ApiOffer(output_per_mtok=1.0), input_share=1.5),
            "input_share",
            None,
        ),
        (
            lambda: blended_price_per_mtok(ApiOffer(output_per_mtok=1.0), cached_share=-0.5),
            "cached_share",
            None,
        ),
    ],
)
def test_refusals_name_the_field(build, field: str, message: str | None) -> None:
    with pytest.raises(ScenarioError) as error:
        build()
    assert error.value.field == field
    if message is not None:
        assert error.value.message == message


def tiered() -> ApiOffer:
    # built inside the tests: a mutant that breaks construction must fail a test, not
    # the collection of this module (which mutmut does not count as a kill)
    return ApiOffer(
        input_per_mtok=2.0,
        cached_input_per_mtok=0.2,
        output_per_mtok=10.0,
        name="tiered",
        tiers=(PriceTier(from_tokens=100e6, multiplier=0.5, cached_input_per_mtok=0.05),),
    )


def test_a_volume_below_a_tier_is_billed_at_the_base_price_only() -> None:
    # 50M at 0.5 x 2 + 0.5 x 10 = $6 -> $300 (the 100M tier not reached)
    assert api_monthly_cost(tiered(), tokens_per_month=50e6) == pytest.approx(300.0)
    assert api_monthly_cost(tiered(), tokens_per_month=0.0) == 0.0


def test_a_tier_keeps_its_own_cached_rate_and_the_offer_name() -> None:
    """Above 100M: input $1 (half of $2), cached $0.05 (the tier's own), output $5; at 70%
    input, half cached: 0.7 x (0.5 x 1 + 0.5 x 0.05) + 0.3 x 5 = $1.8675 per 1M.
    Below: 0.7 x (0.5 x 2 + 0.5 x 0.2) + 0.3 x 10 = $3.77. 200M: $377 + $186.75."""
    segments = tiered().tier_prices()
    assert [start for start, _ in segments] == [0.0, 100e6]
    assert [flat.name for _, flat in segments] == ["tiered", "tiered"]
    assert segments[1][1].cached_input_per_mtok == 0.05
    cost = api_monthly_cost(tiered(), tokens_per_month=200e6, input_share=0.7, cached_share=0.5)
    assert cost == pytest.approx(377.0 + 186.75)


def test_a_tier_from_zero_replaces_the_base_prices() -> None:
    offer = ApiOffer(output_per_mtok=10.0, tiers=(PriceTier(from_tokens=0.0, multiplier=0.5),))
    assert [start for start, _ in offer.tier_prices()] == [0.0]
    assert api_monthly_cost(offer, tokens_per_month=1e6) == pytest.approx(5.0)
    half = ApiOffer(output_per_mtok=10.0, tiers=(PriceTier(from_tokens=0.5, multiplier=0.5),))
    assert [start for start, _ in half.tier_prices()] == [0.0, 0.5]


def test_blend_and_monthly_cost_default_to_50_50_without_cache() -> None:
    offer = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
    assert blended_price_per_mtok(offer) == pytest.approx(6.0)
    assert api_monthly_cost(offer, tokens_per_month=1e6) == pytest.approx(6.0)


def test_reserved_commitment_is_owed_for_the_month_asked_for() -> None:
    """ReservedRate $1.50/h over a 100-hour month: $150 a replica, in every billing mode."""
    for billing in (Billing(), Billing(BillingMode.SCALE_TO_ZERO)):
        rented = RentedCapacity(ReservedRate(1.5), Serving(1e6), billing=billing)
        assert rented_cost(rented, tokens_per_month=1.0, hours_per_month=100.0).monthly == (
            pytest.approx(150.0)
        )


def test_a_fleet_over_regions_counts_instances_and_gpus_in_every_region() -> None:
    """One replica at 99.9% in regions that are each up 90%: a region serves with
    probability 0.9 x 0.999 = 0.8991 (a spare cannot lift it past 0.9 < 0.99); two
    regions give 1 - 0.1009^2 = 0.98982 < 0.99, three 1 - 0.1009^3 = 0.99897: 3 regions,
    3 instances, 3 GPUs, 3 x $2 x 720 h = $4,320."""
    rented = RentedCapacity(OnDemandRate(2.0), Serving(1e6), name="three regions")
    target = AvailabilityTarget(0.99, replica_availability=0.999, region_availability=0.9)
    cost = rented_cost(rented, tokens_per_month=1.0, availability=target, analysis_months=24)
    assert (cost.reserve.regions, cost.reserve.spares) == (3, 0)
    assert (cost.instances, cost.gpus) == (3, 3)
    assert cost.monthly == pytest.approx(4320.0)
    assert (cost.name, cost.analysis_months) == ("three regions", 24)


def test_explicit_tier_prices_win_and_missing_ones_follow_the_multiplier() -> None:
    offer = ApiOffer(
        input_per_mtok=2.0,
        cached_input_per_mtok=0.2,
        output_per_mtok=10.0,
        tiers=(
            PriceTier(from_tokens=1e6, multiplier=0.5, input_per_mtok=1.5, output_per_mtok=7.0),
        ),
    )
    flat = offer.tier_prices()[1][1]
    # explicit in and out; the cached rate is the base's x 0.5
    assert (flat.input_per_mtok, flat.output_per_mtok) == (1.5, 7.0)
    assert flat.cached_input_per_mtok == pytest.approx(0.1)


def test_three_tiers_bill_each_band_at_its_own_price() -> None:
    """$10 to 100M, $5 to 200M, $2.50 beyond: 150M costs 100 x 10 + 50 x 5 = $1,250."""
    offer = ApiOffer(
        output_per_mtok=10.0,
        tiers=(
            PriceTier(from_tokens=100e6, multiplier=0.5),
            PriceTier(from_tokens=200e6, multiplier=0.25),
        ),
    )
    assert api_monthly_cost(offer, tokens_per_month=150e6) == pytest.approx(1250.0)
    assert api_monthly_cost(offer, tokens_per_month=300e6) == pytest.approx(1750.0)


def test_tokens_for_spend_inverts_the_bill() -> None:
    from planner.engine.api import api_tokens_for_spend

    flat = ApiOffer(input_per_mtok=2.0, cached_input_per_mtok=0.2, output_per_mtok=10.0)
    # defaults 50/50, no cache: $6 per 1M -> $6 buys 1M, $1 buys 166,666.7, $0 buys 0
    assert api_tokens_for_spend(flat, monthly_spend=6.0) == pytest.approx(1e6)
    assert api_tokens_for_spend(flat, monthly_spend=1.0) == pytest.approx(1e6 / 6)
    assert api_tokens_for_spend(flat, monthly_spend=0.0) == 0.0
    # 70% input, half cached: $3.77 per 1M
    assert api_tokens_for_spend(
        flat, monthly_spend=3.77, input_share=0.7, cached_share=0.5
    ) == pytest.approx(1e6)
    with pytest.raises(ScenarioError) as error:
        api_tokens_for_spend(flat, monthly_spend=-1.0)
    assert error.value.field == "monthly_spend"


def test_tokens_for_spend_across_free_and_paid_tiers() -> None:
    from planner.engine.api import api_tokens_for_spend

    # free for the first 1M, then $10: $10 buys 1M + 1M = 2M
    free_first = ApiOffer(
        output_per_mtok=0.0, tiers=(PriceTier(from_tokens=1e6, output_per_mtok=10.0),)
    )
    assert api_tokens_for_spend(free_first, monthly_spend=10.0) == pytest.approx(2e6)
    # $10 for the first 1M, then free: exactly $10 is reached at 1M; more is never spent
    paid_first = ApiOffer(
        output_per_mtok=10.0, tiers=(PriceTier(from_tokens=1e6, output_per_mtok=0.0),)
    )
    assert api_tokens_for_spend(paid_first, monthly_spend=10.0) == pytest.approx(1e6)
    assert api_tokens_for_spend(paid_first, monthly_spend=11.0) is None
