"""A schema-2 snapshot's stored results, field by field, without a database (issue 19).

The plan below: 1B tokens a month at 50/50 input; GPT-5 at $1.25 / $10 per 1M (5.625 $/M
blended: $5,625 a month); Llama 3.3 70B on one rented A100 at $1.80-$2.20/h (expected
$2.00: $1,440 a month), 1,200-1,800 tok/s (1,500 planned), a hidden multiplier of 1.25,
one hidden item of $100-$300, 10 engineer hours at $50-$70 and $200 of other costs;
downtime costs $100 an hour.

Every figure is derived in the comments. Figures the results copy from the composition
(curves, milestones) are compared with an engine composition built in the test by hand,
a second path from the same plan to the same numbers.
"""

from __future__ import annotations

import pytest

from planner.bridge import composition
from planner.engine import compose as eng
from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Serving
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import OnDemandRate
from tests.bridge.snapshots import api_snap, by_name, hybrid_snap, selfhost_snap, snapshot

GPT = "GPT-5 (OpenAI) \u00b7 feb-2026"
LLAMA = "Llama on A100"


def plan(**changes: object) -> dict:
    fleet = selfhost_snap(
        hourly=(1.8, 2.2),
        tps=(1200.0, 1500.0, 1800.0),
        hidden_items=[(100.0, 300.0)],
        hidden_multiplier=1.25,
        labor_hours=10.0,
        labor_rate=(50.0, 70.0),
        other_monthly=200.0,
    )
    return snapshot([api_snap(), fleet], downtime_cost_per_hour=100.0, **changes)  # type: ignore[arg-type]


def test_the_api_option() -> None:
    api = by_name(composition.evaluate(plan()))[GPT]
    # 1e9 tokens x 5.625 $/M = $5,625 at every corner (an API price has no range).
    assert api["kind"] == "api"
    assert api["monthly"] == {"low": 5625.0, "expected": 5625.0, "high": 5625.0}
    assert api["breakdown"] == {"api": {"low": 5625.0, "expected": 5625.0, "high": 5625.0}}
    assert api["p99_latency_s"] == 1.2
    # The catalog's API availability, 99.9%: 0.1% of 720 h = 0.72 h down, x $100 = $72.
    assert api["availability"] == 0.999
    assert api["downtime_hours"] == 0.72
    assert api["downtime_cost"] == 72.0
    assert api["monthly_with_downtime"] == 5697.0
    assert api["cost_per_mtok"] == 5.625
    assert api["offer"] == GPT
    assert api["output_only"] is False
    assert api["private_price"] is False
    assert api["blended_per_mtok"] == 5.625
    assert api["outcome"] == {
        "success_rate": None,
        "known": False,
        "max_retries": 3,
        "cost_per_mtok": 5.625,
        "cost_per_successful_mtok": None,
        # An unknown success rate is not ranked per successful outcome.
        "rank": None,
    }


def test_the_rented_option_costs_and_breakdown() -> None:
    fleet = by_name(composition.evaluate(plan()))[LLAMA]
    # Compute: one replica x $2.00 x 720 h x 1.25 = $1,800 ($1,620 at $1.80, $1,980 at
    # $2.20). Flat: item $100-$300 + labor 10 x $50-$70 + $200 other = $800-$1,200
    # (expected the midpoint, $1,000). Monthly: 1,620 + 800 = 2,420; 2,800; 3,180.
    assert fleet["monthly"] == {"low": 2420.0, "expected": 2800.0, "high": 3180.0}
    # The compute line split into the GPU bill (/ 1.25) and what the multiplier adds
    # (x 0.25 / 1.25 = 20% of the line); the flat line into its three parts.
    breakdown = fleet["breakdown"]
    assert breakdown["gpu"] == {"low": 1296.0, "expected": 1440.0, "high": 1584.0}
    assert breakdown["hidden_multiplier"] == {"low": 324.0, "expected": 360.0, "high": 396.0}
    assert breakdown["hidden_items"] == {"low": 100.0, "expected": 200.0, "high": 300.0}
    assert breakdown["labor"] == {"low": 500.0, "expected": 600.0, "high": 700.0}
    assert breakdown["other"] == {"low": 200.0, "expected": 200.0, "high": 200.0}
    assert list(breakdown) == [
        "gpu",
        "hidden_multiplier",
        "hidden_items",
        "labor",
        "other",
        "staff",
        "implementation",
        "reserve",
    ]
    assert breakdown["staff"] == {"low": 0.0, "expected": 0.0, "high": 0.0}


def test_the_rented_option_fleet_and_reliability() -> None:
    fleet = by_name(composition.evaluate(plan()))[LLAMA]
    # One replica carries 1,500 tok/s x 3,600 x 720 = 3.888B tokens; 1B fills 25.72%.
    assert fleet["replicas"] == 1
    assert (fleet["spares"], fleet["regions"], fleet["total_replicas"]) == (0, 1, 1)
    assert (fleet["gpus"], fleet["machines"]) == (1, 1)
    assert fleet["capacity_tokens_per_month"] == 3_888_000_000
    assert fleet["served_utilization"] == 0.2572
    assert fleet["billed_hours"] == 720.0
    # One replica up 99% of the time: 7.2 h down a month, x $100 = $720.
    assert fleet["availability"] == 0.99
    assert fleet["downtime_hours"] == 7.2
    assert fleet["downtime_cost"] == 720.0
    assert fleet["monthly_with_downtime"] == 3520.0
    assert fleet["cost_per_mtok"] == 2.8  # $2,800 / 1,000M tokens
    assert fleet["model_name"] == "Llama 3.3 70B"
    assert fleet["machine"] == "1\u00d7 A100 80GB"
    assert (fleet["fleet_kind"], fleet["rent_mode"], fleet["billing_mode"]) == (
        "rented",
        "on_demand",
        "always_on",
    )
    assert fleet["precision"] == "bf16"
    assert fleet["throughput_source"] == "vLLM bf16 benchmark"
    assert fleet["tokens_per_second"] == 1500.0
    assert fleet["tokens_per_second_range"] == [1200.0, 1800.0]
    assert fleet["utilization"] == 1.0
    assert fleet["hidden_multiplier"] == 1.25
    assert fleet["lens"] == "full"


def test_the_rented_option_depth_view() -> None:
    depth = by_name(composition.evaluate(plan()))[LLAMA]["depth"]
    # Over 36 months: $2,800 x 36 = $100,800; compute $1,800 x 36 = $64,800.
    assert {k: depth[k] for k in ("kind", "lens", "analysis_months")} == {
        "kind": "rented",
        "lens": "full",
        "analysis_months": 36.0,
    }
    assert (depth["monthly"], depth["period_total"]) == (2800.0, 100800.0)
    assert (depth["replicas_needed"], depth["gpus"], depth["machines"]) == (1, 1, 1)
    assert depth["lines"][:2] == [
        {"key": "compute", "monthly": 1800.0, "period": 64800.0, "in_lens": True},
        {"key": "other", "monthly": 1000.0, "period": 36000.0, "in_lens": True},
    ]
    assert depth["reserve"] is None  # no availability target
    assert "reserve_skipped" not in depth
    assert depth["gpus_per_instance"] == 1
    assert depth["billed_instance_hours"] == 720.0


def test_the_break_even_against_each_api() -> None:
    (row,) = by_name(composition.evaluate(plan()))[LLAMA]["breakevens"]
    # The API reaches the fleet's $2,800 at 2,800 / 5.625 x 1M = 497,777,777.8 tokens:
    # from the next whole token self-hosting costs no more. 497,777,778 / 30 days =
    # 16,592,592.6 a day; one replica (3.888B) carries it.
    crossing = {
        "tokens_per_month": 497_777_778,
        "tokens_per_day": 16_592_593,
        "selfhost_cheaper_above": True,
        "replicas": 1,
    }
    assert row == {
        "api_option": GPT,
        "reachable": True,
        "tokens_per_month": 497_777_778,
        "tokens_per_day": 16_592_593,
        "one_deployment": True,
        "replicas": 1,
        "crossings": [crossing],
        "cheaper_at_start": GPT,
        "cheaper_at_limit": LLAMA,
        # 100 x 1e9 tokens; 1,000 steps of 3.888B would allow more.
        "limit": 100_000_000_000,
        "replica_capacity_tokens_per_month": 3_888_000_000,
        "error": None,
    }


def test_a_break_even_past_one_replica_names_the_replicas_there() -> None:
    # $3,000 of other costs: one replica costs 1,440 x 1.25 + 3,000 = $4,800, which the
    # API reaches at 853.3M tokens (inside one replica); with a 1,000 tok/s replica
    # (2.592B a month) and $20,000 of other costs the API reaches $21,800 (one replica)
    # only at 3.876B, past one replica: two replicas ($23,600) from 4,195,555,556.
    fleet = selfhost_snap(
        tps=(1000.0, 1000.0, 1000.0), hidden_multiplier=1.25, other_monthly=20_000.0
    )
    results = composition.evaluate(snapshot([api_snap(), fleet]))
    (row,) = by_name(results)[fleet["name"]]["breakevens"]
    assert row["reachable"] is True
    assert row["tokens_per_month"] == 4_195_555_556  # 23,600 / 5.625 x 1M, next token
    assert row["replicas"] == 2
    assert row["one_deployment"] is False
    assert row["replica_capacity_tokens_per_month"] == 2_592_000_000


def test_engineering_against_the_cheapest_api() -> None:
    fleet = by_name(composition.evaluate(plan()))[LLAMA]
    # Engineering: 10 h x $60 (the middle of $50-$70) = $600 a month. Without it the
    # fleet costs 2,800 - 600 = 2,200, saving 5,625 - 2,200 = $3,425 of API spend; net
    # of the engineers, $2,825. No one-off: paid back at once.
    assert fleet["engineering_vs_api"] == {
        "vs": GPT,
        "api_spend_saved_monthly": 3425.0,
        "engineering_monthly": 600.0,
        "net_monthly": 2825.0,
        "upfront": 0.0,
        "payback_months": 0.0,
    }


def test_engineering_payback_of_a_one_off() -> None:
    fleet = selfhost_snap(
        labor_hours=10.0, labor_rate=(60.0, 60.0), implementation_one_off=36_000.0
    )
    results = composition.evaluate(snapshot([api_snap(), fleet]))
    roi = by_name(results)[fleet["name"]]["engineering_vs_api"]
    # Fleet: $1,440 + $600 labor + $36,000 / 36 months = $1,000 implementation = $3,040.
    # Saved: 5,625 - (3,040 - 600) = 3,185; net 2,585; payback 36,000 / 2,585 = 13.93.
    assert roi["api_spend_saved_monthly"] == 3185.0
    assert roi["net_monthly"] == 2585.0
    assert roi["upfront"] == 36000.0
    assert roi["payback_months"] == 13.93


def test_top_level_results() -> None:
    results = composition.evaluate(plan())
    assert results["schema"] == 2
    assert results["tokens_per_month"] == 1e9
    assert results["tokens_per_day"] == pytest.approx(1e9 / 30)
    assert results["input_share"] == 0.5
    assert results["hours_per_month"] == 720.0
    assert [o["name"] for o in results["options"]] == [GPT, LLAMA]
    # The fleet's $2,800 is the cheapest.
    assert results["cheapest"] == {"name": LLAMA, "monthly": 2800.0}
    assert results["reliability"] == {"downtime_cost_per_hour": 100.0, "by_option": {}}
    assert (results["lens"], results["analysis_months"]) == ("full", 36.0)
    assert results["crossings"] == [
        {
            "a": GPT,
            "b": LLAMA,
            "a_kind": "api",
            "b_kind": "rented",
            "crossings": [{"volume": 497_777_778, "cheaper_above": LLAMA, "cheaper_below": GPT}],
            "cheaper_at_start": GPT,
            "cheaper_at_limit": LLAMA,
            "limit": 100_000_000_000,
            "error": None,
        }
    ]


def test_the_recommendation_and_its_reasons() -> None:
    rec = composition.evaluate(plan())["recommendation"]
    assert (rec["option"], rec["kind"], rec["excluded"]) == (LLAMA, "selfhost", [])
    codes = [r["code"] for r in rec["reasons"]]
    assert codes == [
        "volume_tier",
        "under_50m_per_day",
        "five_questions",
        "rules_outweighed_by_cost",
        "cheapest",
    ]
    # The sentence for the rules outweighed names the premium the rules may justify:
    # the engine's default 25%.
    outweighed = rec["reasons"][3]["figures"]
    assert outweighed == {
        "preferred_option": GPT,
        "preferred_monthly": 5625.0,
        "cheapest": LLAMA,
        "cheapest_monthly": 2800.0,
        "premium_allowed": 0.25,
    }
    # 1e9 / 30 = 33.3M a day, under the 50M threshold.
    assert rec["reasons"][1]["figures"]["threshold_per_day"] == 50_000_000.0
    assert "premium_allowed" not in rec["reasons"][4]["figures"]


def _engine_scenario() -> eng.Scenario:
    """The same plan built as engine objects by hand (see the module docstring)."""
    rented = RentedCapacity(
        pricing=OnDemandRate(2.0),
        serving=Serving(1500.0, 1, 1.0, 1.0),
        hidden_multiplier=1.25,
        other_monthly=1000.0,
        name=LLAMA,
    )
    return eng.Scenario(
        eng.Workload(1e9, downtime_cost_per_hour=100.0),
        (
            eng.ApiChoice(
                GPT,
                ApiOffer(output_per_mtok=10.0, input_per_mtok=1.25, name=GPT),
                p99_latency_s=1.2,
            ),
            eng.FleetChoice(
                LLAMA,
                rented,
                price=eng.Span(1.8, 2.2, 2.0),
                tokens_per_second=eng.Span(1200.0, 1800.0, 1500.0),
                other_monthly=eng.Span(800.0, 1200.0, 1000.0),
                engineering_monthly=600.0,
                p99_latency_s=2.0,
            ),
        ),
        monte_carlo_samples=0,
    )


def test_the_scenario_of_the_snapshot_is_the_plan() -> None:
    assert composition.scenario_of(plan()) == _engine_scenario()


def test_curves_are_the_composition_curves_in_cents() -> None:
    results = composition.evaluate(plan())
    found = eng.compose(_engine_scenario())
    curves = results["curves"]
    assert curves["workload_tokens_per_month"] == 1e9
    assert curves["volume"]["volumes"] == list(found.curve_volumes)
    # From 1e8 to 1e10: the API's $562.50 at 1e8; the fleet one replica ($2,800) there.
    gpt, llama = curves["volume"]["series"]
    assert (gpt["name"], gpt["kind"], gpt["step"]) == (GPT, "api", False)
    assert (llama["name"], llama["kind"], llama["step"]) == (LLAMA, "selfhost", True)
    assert gpt["values"][0] == 562.5
    assert llama["values"][0] == 2800.0
    assert gpt["values"] == [round(v, 2) for v in found.curves[GPT]]
    assert llama["values"] == [round(v, 2) for v in found.curves[LLAMA]]
    assert curves["volume"]["crossings"] == [
        {
            "a": GPT,
            "b": LLAMA,
            "volume": 497_777_778,
            "cheaper_above": LLAMA,
            "cheaper_below": GPT,
            "cost": 2800.0,
        }
    ]
    points = curves["utilization"]["points"]
    assert points == [round(0.05 * i, 2) for i in range(1, 21)]
    (series,) = curves["utilization"]["series"]
    # At 5% of 3.888B (194.4M tokens) the fleet's $2,800 is 14.4033 $/M; at 100%, 0.7202.
    assert series["name"] == LLAMA
    assert series["values"][0] == 14.4033
    assert series["values"][-1] == 0.7202


def test_milestones_are_the_composition_milestones() -> None:
    milestones = composition.evaluate(plan())["milestones"]
    assert milestones["limit"] == 100_000_000_000
    won = {
        "volume": 497_777_778,
        "holds_to_limit": True,
        "lost_at": None,
        "wins_for_good_from": 497_777_778,
        "limit": 100_000_000_000,
    }
    assert milestones["items"] == [
        {"key": "rented_beats_api", "challenger": "rented", "incumbent": "api", **won},
        {
            "key": "rented_cheapest_overall",
            "challenger": "rented",
            "incumbent": "every other option",
            **won,
        },
    ]
    assert milestones["pairs"] == [
        {
            "key": "pair",
            "challenger": GPT,
            "incumbent": LLAMA,
            "volume": 0,
            "holds_to_limit": False,
            "lost_at": 497_777_778,
            "wins_for_good_from": None,
            "limit": 100_000_000_000,
            "challenger_kind": "api",
            "incumbent_kind": "rented",
        },
        {
            "key": "pair",
            "challenger": LLAMA,
            "incumbent": GPT,
            **won,
            "challenger_kind": "rented",
            "incumbent_kind": "api",
        },
    ]
    assert "error" not in milestones


def test_monte_carlo_results_are_the_composition_draws_in_cents() -> None:
    results = composition.evaluate(plan(samples=500, seed=7))
    found = eng.compose(
        eng.Scenario(
            _engine_scenario().workload,
            _engine_scenario().options,
            monte_carlo_samples=500,
            monte_carlo_seed=7,
        )
    )
    mc = found.monte_carlo[LLAMA]
    out = by_name(results)[LLAMA]["monte_carlo"]
    assert out == {
        "vs": GPT,
        "samples": 500,
        "seed": 7,
        "api": {"p10": 5625.0, "p50": 5625.0, "p90": 5625.0},
        "selfhost": {
            "p10": round(mc.selfhost[0], 2),
            "p50": round(mc.selfhost[1], 2),
            "p90": round(mc.selfhost[2], 2),
        },
        # Every draw lies within $2,420-$3,180, below the API's $5,625.
        "p_selfhost_cheaper": 1.0,
    }
    assert (
        2420.0 <= out["selfhost"]["p10"] < out["selfhost"]["p50"] < out["selfhost"]["p90"] <= 3180.0
    )
    # Without Monte Carlo (the snapshot's default here: 0 samples) there is no band.
    assert "monte_carlo" not in by_name(composition.evaluate(plan()))[LLAMA]
    # scenario_of(..., monte_carlo=False) drops the draws whatever the snapshot says.
    assert composition.scenario_of(plan(samples=500), monte_carlo=False).monte_carlo_samples == 0


def test_a_hybrid_option() -> None:
    premium = api_snap("Premium", input_per_mtok=2.0, output_per_mtok=10.0, model_name="GPT-5")
    cheap = api_snap("Cheap", input_per_mtok=0.2, output_per_mtok=1.0, model_name="Mini")
    mix = hybrid_snap("Mix", cheap_index=1, routed_share=0.8, escalation_rate=0.1, premium=premium)
    results = composition.evaluate(snapshot([premium, cheap, mix], tokens=1e8))
    out = by_name(results)["Mix"]
    # 8e7 tokens to Cheap (0.6 $/M) = $48; 2e7 + 10% of 8e7 = 2.8e7 to Premium (6 $/M)
    # = $168: $216.
    assert out["kind"] == "hybrid"
    assert out["monthly"] == {"low": 216.0, "expected": 216.0, "high": 216.0}
    assert out["breakdown"] == {
        "cheap_route": {"low": 48.0, "expected": 48.0, "high": 48.0},
        "premium_api": {"low": 168.0, "expected": 168.0, "high": 168.0},
    }
    assert out["offer"] == "Premium"  # the premium offer's label
    assert out["blended_per_mtok"] == 6.0  # the premium offer's price at 50/50
    assert out["cheap_option"] == "Cheap"
    assert (out["routed_share"], out["escalation_rate"]) == (0.8, 0.1)
    assert (out["cheap_tokens"], out["premium_tokens"]) == (80_000_000, 28_000_000)
    assert "breakevens" not in out


def test_success_rates_by_model_name_give_the_outcome_cost() -> None:
    # The rates are keyed by model name as a user types it; matching ignores case.
    results = composition.evaluate(plan(success_rates={"gpt-5": 0.9, "LLAMA 3.3 70B": 0.8}))
    api = by_name(results)[GPT]["outcome"]
    assert (api["success_rate"], api["known"]) == (0.9, True)
    fleet = by_name(results)[LLAMA]["outcome"]
    assert (fleet["success_rate"], fleet["known"]) == (0.8, True)
    assert fleet["cost_per_successful_mtok"] is not None
    assert fleet["cost_per_successful_mtok"] > fleet["cost_per_mtok"]


def test_success_rate_lookup_order() -> None:
    snap = api_snap("Nickname", model_name=None)
    # No model name: the offer's key's model ("model" here), then the option's name.
    assert composition.success_rate(snap, {"nickname": 0.7}) == 0.7
    assert composition.success_rate(snap, {"Model": 0.6, "Nickname": 0.7}) == 0.6
    assert composition.success_rate(snap, {}) is None
    fleet = selfhost_snap("My fleet")
    assert composition.success_rate(fleet, {"llama 3.3 70b": 0.5}) == 0.5
    assert composition.success_rate(fleet, {"my fleet": 0.4}) == 0.4


def test_refusals_name_the_field() -> None:
    with pytest.raises(ScenarioError) as refused:
        composition.scenario_of({**plan(), "schema": 1})
    assert (refused.value.field, refused.value.message) == ("schema", "not a schema 2 snapshot")
    with pytest.raises(ScenarioError) as refused:
        composition.scenario_of(plan() | {"options": []})
    assert (refused.value.field, refused.value.message) == (
        "options",
        "a plan needs at least one option",
    )


def test_cents_rounds_half_up() -> None:
    assert composition.cents(2.675) == 2.68
    assert composition.cents(None) is None
