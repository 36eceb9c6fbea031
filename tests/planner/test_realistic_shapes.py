"""Worked plans with realistic shapes: a 70/30 input share, cached input, a tiered offer,
a hidden-cost multiplier and a hybrid with escalations (issue 19).

A 50/50 share hides a swapped input/output price and no cache hides a dropped cached
rate; here each term moves a pinned figure. Every expected figure is worked by hand from
the reference catalog's prices in the comments, never by calling the engine.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from pricing.models import ApiOffer
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db


def shaped_version(reference_version, actor):
    """The reference catalog with two realistic extras, published as a new version:

    * GPT-5 (feb-2026, $1.25 in / $10 out) gets a cached-input rate of $0.125 (10% of
      input, the usual discount);
    * Claude Sonnet 4.5 (feb-2026, $3 in / $15 out) gets a graduated tier from 500M
      tokens a month at $2.40 in / $12 out (20% off).
    """
    from pricing.services import catalog_version_clone, catalog_version_publish

    draft = catalog_version_clone(version=reference_version, actor=actor)
    ApiOffer.objects.filter(version=draft, model_name="GPT-5", source__key="feb-2026").update(
        cached_input_per_mtok=Decimal("0.125")
    )
    ApiOffer.objects.filter(
        version=draft, model_name="Claude Sonnet 4.5", source__key="feb-2026"
    ).update(volume_tiers=[{"min_mtok": 500, "input": 2.4, "output": 12}])
    return catalog_version_publish(version=draft, actor=actor)


def shaped_options(version) -> list[dict]:
    return [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "Claude Sonnet 4.5", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026")},
        {
            "kind": "selfhost",
            "model_name": "Llama 3.3 70B",
            "gpu_offer": gpu_offer(version),  # 1x A100 80GB at $2/h
            "precision": "int4",
            "tokens_per_second": 1500,
            "hidden_multiplier": Decimal("1.3"),
        },
        {
            "kind": "hybrid",
            "api_offer": api_offer(version, "GPT-5", "feb-2026"),  # the premium route
            "cheap_ref": 2,  # DeepSeek V3.2
            "routed_share": Decimal("0.8"),
            "escalation_rate": Decimal("0.1"),
        },
    ]


@pytest.fixture
def shaped(cast, reference_version):
    """1B tokens a month, 70% of them input, 40% of the input cached."""
    version = shaped_version(reference_version, cast.owner)
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=shaped_options(version),
        name="Shaped",
        input_share=Decimal("0.7"),
        cached_share=Decimal("0.4"),
    )
    return services.plan_compute(plan=plan, actor=cast.owner)


def option(results: dict, prefix: str) -> dict:
    return next(o for o in results["options"] if o["name"].startswith(prefix))


def test_input_share_and_cached_input_price_the_api_blend(shaped):
    """GPT-5 at a 70/30 share with 40% of input cached: input and output are not swapped,
    and the cached rate applies to the cached part of the input only."""
    gpt5 = option(shaped.results, "GPT-5")
    # input: 0.6 x $1.25 + 0.4 x $0.125 = $0.75 + $0.05 = $0.80 per 1M input tokens
    # blend: 0.7 x $0.80 + 0.3 x $10 = $0.56 + $3.00 = $3.56 per 1M
    # (swapped shares: 0.3 x 0.80 + 0.7 x 10 = $7.24; cache ignored: 0.7 x 1.25 + 3 = $3.875)
    assert gpt5["blended_per_mtok"] == 3.56
    # 1,000M x $3.56 = $3,560.00
    assert gpt5["monthly"] == {"low": 3560.00, "expected": 3560.00, "high": 3560.00}


def test_no_cached_rate_prices_cached_input_at_the_input_rate(shaped):
    deepseek = option(shaped.results, "DeepSeek V3.2")
    # $0.27 in / $1.10 out, no cached rate: 0.7 x 0.27 + 0.3 x 1.10 = 0.189 + 0.33 = $0.519
    assert deepseek["blended_per_mtok"] == 0.519
    assert deepseek["monthly"]["expected"] == 519.00  # 1,000M x $0.519


def test_graduated_tier_prices_tokens_above_it_at_the_tier_rate(shaped):
    """Claude Sonnet 4.5's 500M tier: the first 500M at the base blend, the rest at the tier's."""
    claude = option(shaped.results, "Claude Sonnet 4.5")
    # base blend 0.7 x $3 + 0.3 x $15 = $6.60; tier blend 0.7 x $2.40 + 0.3 x $12 = $5.28
    # 500M x $6.60 + 500M x $5.28 = $3,300 + $2,640 = $5,940.00
    # (no tier: $6,600; whole volume at the tier rate: $5,280)
    assert claude["monthly"]["expected"] == 5940.00
    assert claude["blended_per_mtok"] == 6.6  # the base price, before the tier
    assert claude["cost_per_mtok"] == 5.94  # what the month averages out to


def test_hybrid_splits_tokens_and_pays_escalations_on_the_premium_route(shaped):
    hybrid = option(shaped.results, "Hybrid")
    # 80% of 1,000M routed to DeepSeek V3.2: 800M; premium gets the other 200M plus the
    # 10% of the routed 800M that escalate: 200M + 80M = 280M
    assert (hybrid["cheap_tokens"], hybrid["premium_tokens"]) == (800_000_000, 280_000_000)
    # cheap 800M x $0.519 = $415.20; premium 280M x $3.56 (GPT-5's shaped blend) = $996.80
    assert hybrid["breakdown"]["cheap_route"]["expected"] == 415.20
    assert hybrid["breakdown"]["premium_api"]["expected"] == 996.80
    # (without escalations the premium route would be 200M x $3.56 = $712.00)
    assert hybrid["monthly"]["expected"] == 1412.00


def test_hidden_multiplier_scales_the_rented_gpu_cost(shaped):
    """Self-host figure (may move with the unified cost model, issue 14; re-derive here):
    1 replica of Llama 3.3 70B on 1x A100 80GB at $2/h x 720 h = $1,440 a month (1,500
    tok/s x 720 h x 3,600 s = 3.888B tokens of capacity >= 1B), x 1.3 hidden = $1,872.00."""
    llama = option(shaped.results, "Llama 3.3 70B")
    assert llama["hidden_multiplier"] == 1.3
    assert llama["replicas"] == 1
    assert llama["monthly"]["expected"] == 1872.00


def test_breakevens_divide_the_multiplied_cost_by_each_shaped_blend(shaped):
    """Break-even = $1,872 / blend per 1M: the multiplier and each offer's 70/30 blend both
    show (self-host figure as in the test above). Volumes are rounded up to a whole token:
    the first volume at which self-hosting costs no more."""
    llama = option(shaped.results, "Llama 3.3 70B")
    volumes = {b["api_option"].split(" (")[0]: b["tokens_per_month"] for b in llama["breakevens"]}
    # GPT-5: 1,872 / 3.56 x 1M = 525,842,696.6 -> 525,842,697
    assert volumes["GPT-5"] == 525_842_697
    # Claude below its 500M tier: 1,872 / 6.60 x 1M = 283,636,363.6 -> 283,636,364
    assert volumes["Claude Sonnet 4.5"] == 283_636_364
    # DeepSeek: 1,872 / 0.519 x 1M = 3,606,936,416.2 -> ...417 (under the 3.888B capacity)
    assert volumes["DeepSeek V3.2"] == 3_606_936_417


def test_cheapest_and_recommendation_follow_the_shaped_figures(shaped):
    # $519 (DeepSeek) < $1,412 (hybrid) < $1,872 < $3,560 < $5,940
    assert shaped.cheapest_option.startswith("DeepSeek V3.2")
    assert shaped.cheapest_monthly == Decimal("519.00")
    # 1B / 30 days = 33.3M tokens a day: under the 50M/day API rule
    reasons = {r["code"]: r for r in shaped.results["recommendation"]["reasons"]}
    assert reasons["under_50m_per_day"]["figures"]["tokens_per_day"] == pytest.approx(1e9 / 30)
    assert reasons["volume_tier"]["figures"]["tier"] == "managed GPU platform"
    assert shaped.recommended_option.startswith("DeepSeek V3.2")
