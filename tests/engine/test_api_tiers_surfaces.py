"""The workload's API traffic through every surface: the composition, the crossings, a
hybrid's premium route, the forecast, sweeps and the quote contract price it alike.

Offer and traffic: tests/engine/test_api_tiers.py (Claude Sonnet 4.5 on Bedrock; 80%
input, half cached, 10% written, 40% batch, 25% above 200K: $4.185 per 1M tokens).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

from planner.engine import compose as eng
from planner.engine.api import api_monthly_cost
from planner.engine.contract import compute_quote, parse_quote, parse_sweep
from planner.engine.errors import ScenarioError
from planner.engine.forecast import forecast
from planner.engine.selfhost import FlatMonthly, SelfHostConfig
from planner.engine.sweep import SweepSpec, evaluate_chunk
from tests.engine.test_api_tiers import MIX, SONNET, TRAFFIC
from tests.engine.test_compose import rented

WORKLOAD = eng.Workload(100e6, **MIX, traffic=TRAFFIC)


def test_the_composition_prices_the_traffic_and_keeps_the_parts() -> None:
    """Sonnet at $4.185 per 1M: $418.50 for 100M; a rented A100 ($2/h x 720 = $1,440,
    one replica carries 1,500 x 3,600 x 720 = 3.888B) crosses it at 1,440 / 4.185e-6 =
    344,086,021.5 tokens: from 344,086,022 self-hosting costs no more."""
    found = eng.compose(eng.Scenario(WORKLOAD, (eng.ApiChoice("Sonnet", SONNET), rented())))
    api = found.option("Sonnet")
    assert api.monthly.expected == pytest.approx(418.5)
    assert api.lines == {"api": api.monthly}
    assert api.api_parts is not None
    assert round(api.api_parts["api_long_context"], 2) == 59.70
    assert sum(api.api_parts.values()) == pytest.approx(418.5)
    assert api.cost_per_mtok == pytest.approx(4.185)
    assert eng.blended_per_mtok(eng.ApiChoice("Sonnet", SONNET), WORKLOAD) == pytest.approx(4.185)
    # Every other volume is priced by the same rule.
    assert found.cost_at("Sonnet", 1e9) == api_monthly_cost(
        SONNET, tokens_per_month=1e9, **MIX, traffic=TRAFFIC
    )
    (pair,) = found.pairs
    assert [c.volume for c in pair.crossings] == [344_086_022]


def test_without_traffic_the_same_offer_costs_its_standard_prices() -> None:
    """80% input, half cached, no shares: 0.8 x (0.5 x 3 + 0.5 x 0.3) + 0.2 x 15 = $4.32."""
    found = eng.compose(
        eng.Scenario(eng.Workload(100e6, **MIX), (eng.ApiChoice("Sonnet", SONNET), rented()))
    )
    api = found.option("Sonnet")
    assert api.monthly.expected == pytest.approx(432.0)
    assert api.api_parts is not None
    # standard: 0.4 x 3 + 0.2 x 15 = 4.2 -> $420; cache reads 0.4 x 0.3 -> $12
    assert api.api_parts["api_standard"] == pytest.approx(420.0)
    assert api.api_parts["api_cache_read"] == pytest.approx(12.0)


def test_a_hybrid_premium_route_is_bought_with_the_same_traffic() -> None:
    """60% routed to the rented fleet, 10% of it escalated: premium 40M + 6M = 46M tokens
    at $4.185 = $192.51; the cheap route is one replica, $1,440."""
    scenario = eng.Scenario(
        WORKLOAD,
        (
            rented(),
            eng.HybridChoice(
                "Mix", premium=SONNET, cheap="Rented", routed_share=0.6, escalation_rate=0.1
            ),
        ),
    )
    mix = eng.compose(scenario).option("Mix")
    assert mix.lines["premium_api"].expected == pytest.approx(192.51)
    assert mix.lines["cheap_route"].expected == pytest.approx(1440.0)


def test_the_forecast_month_one_is_the_plan_figure() -> None:
    """Month 1: $418.50; month 2 at 10% growth: 110M x $4.185 = $460.35."""
    result = forecast(
        api=SONNET,
        selfhost=SelfHostConfig(FlatMonthly(1440), 1500),
        tokens_per_month=100e6,
        monthly_growth=0.1,
        months=2,
        **MIX,
        traffic=TRAFFIC,
    )
    assert [round(m.api_monthly, 2) for m in result.months] == [418.50, 460.35]


def test_a_workload_cannot_cache_more_input_than_it_has() -> None:
    with pytest.raises(ScenarioError) as error:
        eng.Workload(1e6, cached_share=0.95, traffic=TRAFFIC)
    assert error.value.field == "cache_write_share"


# --- the quote contract -----------------------------------------------------------------

QUOTE: dict[str, Any] = {
    "tokens_per_month": 1e8,
    "input_share": 0.8,
    "cached_share": 0.5,
    "cache_write_share": 0.1,
    "batch_share": 0.4,
    "long_context_shares": [{"above_tokens": 200_000, "share": 0.25}],
    "api": {
        "input_per_mtok": 3,
        "output_per_mtok": 15,
        "cached_input_per_mtok": 0.3,
        "cache_write_per_mtok": 3.75,
        "service_tiers": {"batch": {"input_per_mtok": 1.5, "output_per_mtok": 7.5}},
        "context_tiers": [
            {
                "above_tokens": 200_000,
                "input_per_mtok": 6,
                "output_per_mtok": 22.5,
                "cached_input_per_mtok": 0.6,
                "cache_write_per_mtok": 7.5,
            }
        ],
    },
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def test_the_quote_prices_the_real_offer_and_reports_its_parts() -> None:
    result = quote(QUOTE)
    json.dumps(result, allow_nan=False)
    assert result["api_monthly"] == 418.50
    assert result["api_parts"] == {
        "standard": 237.60,
        "batch": 79.20,
        "priority": 0.0,
        "flex": 0.0,
        "cache_read": 12.00,
        "cache_write": 30.00,
        "long_context": 59.70,
    }
    assert result["breakeven_tokens_per_month"] == 344_086_022
    assert result["cheaper"] == "api"


def test_a_quote_without_the_new_fields_is_unchanged() -> None:
    """GPT-5 1.25 / 10 at 50/50: $5.625 per 1M, 1B tokens = $5,625 (case 4), no new key."""
    result = quote(
        {
            "tokens_per_month": 1e9,
            "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
            "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
        }
    )
    assert result["api_monthly"] == 5625.0
    assert "api_parts" not in result


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda q: q["api"]["service_tiers"].update(bulk={"input_per_mtok": 1}),
            "api.service_tiers.bulk",
        ),
        (lambda q: q["api"]["service_tiers"].update(flex={}), "api.service_tiers.flex"),
        (
            lambda q: q["api"]["service_tiers"]["batch"].update(speed=2),
            "api.service_tiers.batch.speed",
        ),
        (
            lambda q: q["api"]["context_tiers"].append(
                {"above_tokens": 128_000, "input_per_mtok": 5}
            ),
            "api.context_tiers[1].above_tokens",
        ),
        (
            lambda q: q["api"]["context_tiers"][0].pop("above_tokens"),
            "api.context_tiers[0].above_tokens",
        ),
        (lambda q: q["api"].update(context_tiers={}), "api.context_tiers"),
        (lambda q: q["api"].pop("input_per_mtok"), "api.cached_input_per_mtok"),
        (lambda q: q.update(batch_share=0.7, priority_share=0.4), "batch_share"),
        (lambda q: q.update(flex_share=1.5), "flex_share"),
        (lambda q: q.update(cache_write_share=0.6), "cache_write_share"),
        (lambda q: q["long_context_shares"][0].update(share=2), "long_context_shares[0].share"),
        (lambda q: q["long_context_shares"][0].pop("share"), "long_context_shares[0].share"),
        (
            lambda q: q["long_context_shares"].append({"above_tokens": 100_000, "share": 0.1}),
            "long_context_shares",
        ),
    ],
)
def test_bad_quote_fields_are_named(change, field: str) -> None:
    data = copy.deepcopy(QUOTE)
    change(data)
    with pytest.raises(ScenarioError) as error:
        parse_quote(data)
    assert error.value.field == field


# --- sweeps -------------------------------------------------------------------------------


def test_a_sweep_prices_every_point_with_the_traffic() -> None:
    """The sweep's API column at (100M, 0.8) is the quote's $418.50; at input share 0.5:
    per 1M 0.5 x 0.4 = 0.2 uncached, 0.25 cached, 0.05 written, 0.5 output:
    standard short 0.6 + 0.075 + 0.1875 + 7.5 = 8.3625; batch short 0.3 + 0.075 + 0.1875
    + 3.75 = 4.3125; standard long 1.2 + 0.15 + 0.375 + 11.25 = 12.975; batch long
    0.6 + 0.15 + 0.375 + 5.625 = 6.75; 0.45 x 8.3625 + 0.3 x 4.3125 + 0.15 x 12.975 +
    0.1 x 6.75 = 3.763125 + 1.29375 + 1.94625 + 0.675 = 7.678125 -> $767.81."""
    spec_json = {
        "volumes": [1e8],
        "input_shares": [0.8, 0.5],
        "cached_share": 0.5,
        **{k: QUOTE[k] for k in ("cache_write_share", "batch_share", "long_context_shares")},
        "api": [{"name": "sonnet", **QUOTE["api"]}],
        "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}],
    }
    request = parse_sweep(spec_json)
    chunk = evaluate_chunk(request.spec, 0, request.spec.size)
    assert [round(float(x), 2) for x in chunk.api_monthly[:, 0]] == [418.50, 767.81]
    # The engine's spec, built directly, agrees.
    spec = SweepSpec(
        np.array([1e8]),
        np.array([0.8]),
        np.array([1.0]),
        (SONNET,),
        (SelfHostConfig(FlatMonthly(1440), 1500),),
        cached_share=0.5,
        traffic=TRAFFIC,
    )
    assert float(evaluate_chunk(spec, 0, 1).api_monthly[0, 0]) == pytest.approx(418.5)
