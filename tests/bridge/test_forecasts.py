"""Forecast and sensitivity of a stored snapshot, without a database (issue 19: the bridge).

The schema-2 plan: 100M tokens a month growing 50% a month; GPT-5 (5.625 $/M at 50/50)
against one rented A100 at $2/h ($1,440) plus 10 engineer hours at $60 ($600): the fleet
costs $2,040 a month while one replica (3.888B tokens) carries the volume. Month m
serves 1e8 x 1.5^(m-1) tokens.
"""

from __future__ import annotations

import copy

import pytest

from planner.bridge import composition, forecasts
from planner.engine.errors import ScenarioError
from tests.bridge.snapshots import STORED_V1 as STORED
from tests.bridge.snapshots import api_snap, selfhost_snap, snapshot

GPT = "GPT-5 (OpenAI) \u00b7 feb-2026"
LLAMA = "Llama on A100"


def growing_plan() -> dict:
    inputs = snapshot(
        [api_snap(), selfhost_snap(labor_hours=10.0, labor_rate=(60.0, 60.0))], tokens=1e8
    )
    inputs["workload"]["growth_per_month"] = 0.5
    return inputs


def test_forecast_of_a_schema_2_plan() -> None:
    inputs = growing_plan()
    out = forecasts.forecast_snapshot(
        inputs,
        composition.evaluate(inputs),
        months=8,
        migration_weeks=2,
        monthly_budget=3000.0,
        gpu_price_decline_per_year=0.12,
    )
    assert (out["api_option"], out["selfhost_option"]) == (GPT, LLAMA)
    assert out["monthly_growth"] == 0.5
    assert (out["api_price_decline_per_year"], out["gpu_price_decline_per_year"]) == (0.0, 0.12)
    # Migration: 2 weeks x 40 h x $60 = $4,800.
    assert (out["migration_weeks"], out["engineer_hourly_rate"], out["migration_cost"]) == (
        2,
        60.0,
        4800.0,
    )
    months = out["months"]
    assert [m["month"] for m in months] == list(range(1, 9))
    assert [m["tokens_per_month"] for m in months[:3]] == [100_000_000, 150_000_000, 225_000_000]
    # Month 1 is the plan's figures: API 1e8 x 5.625 $/M = $562.50, fleet $2,040.
    assert months[0] == {
        "month": 1,
        "tokens_per_month": 100_000_000,
        "api_monthly": 562.5,
        "selfhost_monthly": 2040.0,
        "savings": -1477.5,
        "cumulative_savings": -1477.5,
    }
    # Month 2: API 1.5e8 x 5.625 = $843.75; the GPU line falls 12% a year, so
    # 1,440 x 0.88^(1/12) = 1,424.74, plus the $600 of labor that does not fall.
    assert months[1]["api_monthly"] == 843.75
    assert months[1]["selfhost_monthly"] == 2024.74
    # Month 5: API 5.0625e8 x 5.625 = $2,847.66 > 1,440 x 0.88^(4/12) + 600 = $1,979.93:
    # the first month self-hosting costs no more.
    assert months[4]["api_monthly"] == 2847.66
    assert months[4]["selfhost_monthly"] == 1979.93
    assert out["breakeven_month"] == 5
    # The savings summed from month 1 reach the $4,800 migration in month 8
    # (cumulative -324.88 after month 6, 4,131.51 after 7, 11,805.82 after 8).
    assert [m["cumulative_savings"] for m in months[5:]] == [-324.88, 4131.51, 11805.82]
    assert out["payback_month"] == 8
    # The API first costs more than $3,000 in month 6 (7.59375e8 x 5.625 = $4,271.48);
    # the fleet never does.
    assert out["monthly_budget"] == 3000.0
    assert out["api_budget_exceeded_month"] == 6
    assert out["selfhost_budget_exceeded_month"] is None


def test_forecast_defaults_run_24_months_without_a_budget() -> None:
    inputs = growing_plan()
    out = forecasts.forecast_snapshot(inputs, composition.evaluate(inputs))
    assert len(out["months"]) == 24
    assert out["monthly_budget"] is None
    assert out["api_budget_exceeded_month"] is None
    assert out["migration_cost"] == 0.0
    # No migration: the first month the running total of savings is >= 0. Without the
    # GPU decline the fleet stays $2,040: the total is -1,477.50, -2,673.75, -3,448.13,
    # -3,589.69, -2,782.03, -550.55, then +3,816.68 in month 7.
    assert out["payback_month"] == 7


def test_forecast_without_a_self_host_option_reports_the_api_only() -> None:
    inputs = snapshot([api_snap()], tokens=1e8)
    out = forecasts.forecast_snapshot(inputs, composition.evaluate(inputs), months=2)
    assert out["selfhost_option"] is None
    assert out["engineer_hourly_rate"] == 0.0
    for key in ("migration_cost", "breakeven_month", "payback_month"):
        assert out[key] is None
    assert out["months"][1] == {
        "month": 2,
        "tokens_per_month": 100_000_000,
        "api_monthly": 562.5,
        "selfhost_monthly": None,
        "savings": None,
        "cumulative_savings": None,
    }


def test_forecast_needs_an_api_option() -> None:
    inputs = snapshot([selfhost_snap()])
    with pytest.raises(ScenarioError) as refused:
        forecasts.forecast_snapshot(inputs, composition.evaluate(inputs))
    assert (refused.value.field, refused.value.message) == (
        "options",
        "a forecast needs an API option to compare with",
    )


@pytest.mark.parametrize("stored", STORED[:2], ids=["case-5", "owned"])
def test_forecast_of_a_schema_1_snapshot_starts_at_its_stored_figures(stored) -> None:
    inputs, results = copy.deepcopy(stored["inputs"]), stored["results"]
    api, selfhost = forecasts.forecast_pair(inputs, results)
    out = forecasts.forecast_snapshot(inputs, results, months=2)
    first = out["months"][0]
    assert first["api_monthly"] == results["options"][api]["monthly"]["expected"]
    assert first["selfhost_monthly"] == results["options"][selfhost]["monthly"]["expected"]
    assert first["savings"] == round(first["api_monthly"] - first["selfhost_monthly"], 2)


def test_forecast_pair_is_the_cheapest_of_each_kind() -> None:
    inputs = snapshot(
        [
            api_snap("Dear", input_per_mtok=5.0, output_per_mtok=20.0),
            api_snap("Cheap", input_per_mtok=0.1, output_per_mtok=0.4),
            selfhost_snap("Two dollars"),
            selfhost_snap("One dollar", hourly=(1.0, 1.0)),
        ]
    )
    assert forecasts.forecast_pair(inputs, composition.evaluate(inputs)) == (1, 3)
    fleet_only = snapshot([selfhost_snap()])
    assert forecasts.forecast_pair(fleet_only, composition.evaluate(fleet_only)) == (None, 0)


def test_sensitivity_of_a_schema_2_plan() -> None:
    inputs = growing_plan()
    out = forecasts.sensitivity_snapshot(inputs, composition.evaluate(inputs))
    # Base: $2,040 - $562.50 = $1,477.50 a month dearer to self-host: the API is cheaper.
    assert (out["api_option"], out["selfhost_option"], out["pct"]) == (GPT, LLAMA, 0.2)
    assert (out["base_difference"], out["base_cheaper"]) == (1477.5, "api")
    bars = {bar["name"]: bar for bar in out["bars"]}
    # Each input +/- 20%, sorted by swing:
    # GPU price $1,440 -> $1,152 / $1,728: 1,477.5 -/+ 288.
    assert bars["gpu_price"] == {
        "name": "gpu_price",
        "base_value": 1440.0,
        "low_value": 1152.0,
        "high_value": 1728.0,
        "difference_low": 1189.5,
        "difference_high": 1765.5,
        "swing": 576.0,
        "cheaper_low": "api",
        "cheaper_high": "api",
        "flips": False,
    }
    # Engineer rate $60 -> $48 / $72 over 10 h: -/+ $120.
    assert (bars["engineer_rate"]["difference_low"], bars["engineer_rate"]["difference_high"]) == (
        1357.5,
        1597.5,
    )
    # Volume 8e7 / 1.2e8: the API costs $450 / $675.
    assert (bars["volume"]["difference_low"], bars["volume"]["difference_high"]) == (1590.0, 1365.0)
    # Input share 0.4 / 0.6 blends to 6.5 / 4.75 $/M: $650 / $475.
    assert (bars["input_share"]["low_value"], bars["input_share"]["high_value"]) == (0.4, 0.6)
    assert (bars["input_share"]["difference_low"], bars["input_share"]["difference_high"]) == (
        1390.0,
        1565.0,
    )
    # Utilization 1 -> 0.8 / 1 (capped): one replica either way, no swing.
    assert (bars["utilization"]["low_value"], bars["utilization"]["high_value"]) == (0.8, 1.0)
    assert bars["utilization"]["swing"] == 0.0
    assert [bar["name"] for bar in out["bars"]] == [
        "gpu_price",
        "engineer_rate",
        "volume",
        "input_share",
        "utilization",
    ]


def test_sensitivity_flips_when_an_end_changes_the_cheaper_side() -> None:
    # 1e9 tokens: the API $5,625 against the fleet's $2,040: self-hosting is $3,585
    # cheaper. A 90% swing of the volume takes the API to $562.50 at 1e8 tokens: there
    # the API is cheaper by $1,477.50 (a flip at the low end).
    inputs = snapshot([api_snap(), selfhost_snap(labor_hours=10.0, labor_rate=(60.0, 60.0))])
    out = forecasts.sensitivity_snapshot(inputs, composition.evaluate(inputs), pct=0.9)
    assert (out["base_difference"], out["base_cheaper"]) == (-3585.0, "selfhost")
    volume = next(bar for bar in out["bars"] if bar["name"] == "volume")
    assert volume["difference_low"] == 1477.5
    assert (volume["cheaper_low"], volume["cheaper_high"], volume["flips"]) == (
        "api",
        "selfhost",
        True,
    )


def test_sensitivity_needs_both_kinds() -> None:
    inputs = snapshot([api_snap()])
    with pytest.raises(ScenarioError) as refused:
        forecasts.sensitivity_snapshot(inputs, composition.evaluate(inputs))
    assert (refused.value.field, refused.value.message) == (
        "options",
        "sensitivity needs an API option and a self-host option to compare",
    )


def test_sensitivity_of_a_schema_1_snapshot() -> None:
    stored = STORED[3]  # the milestone plan: GPT-5 $5,625 against a $2,880 fleet
    inputs, results = copy.deepcopy(stored["inputs"]), stored["results"]
    out = forecasts.sensitivity_snapshot(inputs, results)
    api, selfhost = forecasts.forecast_pair(inputs, results)
    # The base is the stored figures' difference: 2,880 - 5,625 = -2,745.
    difference = (
        results["options"][selfhost]["monthly"]["expected"]
        - results["options"][api]["monthly"]["expected"]
    )
    assert out["base_difference"] == round(difference, 2) == -2745.0
    assert out["base_cheaper"] == "selfhost"
    assert sorted(bar["name"] for bar in out["bars"]) == [
        "engineer_rate",
        "gpu_price",
        "input_share",
        "utilization",
        "volume",
    ]
    volume = next(bar for bar in out["bars"] if bar["name"] == "volume")
    # Volume 1e9 +/- 20%: the API costs 5,625 x 0.8 = 4,500 / x 1.2 = 6,750. The
    # fleet's 200 tok/s replicas carry 518.4M each ($1,440): 8e8 needs two ($2,880),
    # 1.2e9 three ($4,320).
    assert (volume["low_value"], volume["high_value"]) == (8e8, 1.2e9)
    assert volume["difference_low"] == 2880.0 - 4500.0
    assert volume["difference_high"] == 4320.0 - 6750.0


def test_api_monthly_at_another_volume() -> None:
    inputs = growing_plan()
    # 2e9 tokens x 5.625 $/M = $11,250; no such API option: None.
    assert forecasts.api_monthly_at(inputs, option_name=GPT, tokens_per_month=2e9) == 11250.0
    assert forecasts.api_monthly_at(inputs, option_name=LLAMA, tokens_per_month=2e9) is None
    assert forecasts.api_monthly_at(inputs, option_name="Nobody", tokens_per_month=2e9) is None
