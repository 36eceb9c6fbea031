"""Bridge from a stored comparison snapshot to the engine's forecast and sensitivity.

A sibling of `planner.bridge.plans` (as `planner.bridge.sweeps` is): it reuses the adapter's
snapshot -> engine converters, runs `planner.engine.forecast` / `sensitivity` and returns
JSON-able dicts, money rounded to cents. No database access. Used by `tracking`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.bridge import composition
from planner.bridge.plans import _mid, cents, engine_api_offer, engine_selfhost
from planner.engine import api as eng_api
from planner.engine import forecast as eng_forecast
from planner.engine import selfhost as eng_selfhost
from planner.engine import sensitivity as eng_sensitivity
from planner.engine.compose import compose
from planner.engine.errors import ScenarioError

WEEK_HOURS = 40.0
SENSITIVITY_PCT = 0.2


def forecast_pair(inputs: dict[str, Any], results: dict[str, Any]) -> tuple[int | None, int | None]:
    """(API index, self-host index) to forecast: the cheapest of each kind (expected)."""
    snaps = inputs["options"]

    def cheapest(kind: str) -> int | None:
        indexes = [i for i, s in enumerate(snaps) if s["kind"] == kind]
        return min(
            indexes, key=lambda i: results["options"][i]["monthly"]["expected"], default=None
        )

    return cheapest("api"), cheapest("selfhost")


def forecast_snapshot(
    inputs: dict[str, Any],
    results: dict[str, Any],
    *,
    months: int = eng_forecast.DEFAULT_FORECAST_MONTHS,
    api_price_decline_per_year: float = 0.0,
    gpu_price_decline_per_year: float = 0.0,
    migration_weeks: float = 0.0,
    monthly_budget: float | None = None,
) -> dict[str, Any]:
    """The engine's month-by-month forecast of a comparison's snapshot, money in cents.

    Compares the cheapest API option with the cheapest self-host option (expected
    figures). Growth is the workload's; the migration is ``migration_weeks`` x 40 h at
    the self-host option's engineer rate (midpoint). Without a self-host option only the
    API line is reported (break-even and payback are None).
    """
    w = inputs["workload"]
    api_index, selfhost_index = forecast_pair(inputs, results)
    if api_index is None:
        raise ScenarioError("options", "a forecast needs an API option to compare with")
    snaps = inputs["options"]
    common = {
        "api": engine_api_offer(snaps[api_index]["api"]),
        "tokens_per_month": w["tokens_per_month"],
        "monthly_growth": w["growth_per_month"],
        "months": months,
        "input_share": w["input_share"],
        "cached_share": w["cached_share"],
        "traffic": composition.api_traffic(w),
        "api_price_decline_per_year": api_price_decline_per_year,
        "gpu_price_decline_per_year": gpu_price_decline_per_year,
        "monthly_budget": monthly_budget,
        "hours_per_month": inputs["hours_per_month"],
    }
    has_selfhost = selfhost_index is not None
    if has_selfhost and inputs.get("schema") == composition.SCHEMA:
        # The plan's own composition: month 1 is the plan's monthly figure.
        sh = snaps[selfhost_index]["selfhost"]
        scenario = replace(
            composition.scenario_of(inputs, monte_carlo=False), search_crossings=False
        )
        composed = compose(scenario)
        name = snaps[selfhost_index]["name"]
        rate = _mid(sh["labor"]["hourly_rate"])
        result = eng_forecast.forecast(
            selfhost=lambda tokens: composed.parts_at(name, tokens),
            migration_weeks=migration_weeks,
            weekly_rate=rate * WEEK_HOURS,
            **common,
        )
    elif has_selfhost:
        sh = snaps[selfhost_index]["selfhost"]
        config, _parts = engine_selfhost(sh, corner="expected", name=snaps[selfhost_index]["name"])
        rate = _mid(sh["labor"]["hourly_rate"])
        result = eng_forecast.forecast(
            selfhost=config,
            migration_weeks=migration_weeks,
            weekly_rate=rate * WEEK_HOURS,
            **common,
        )
    else:
        rate = 0.0
        free = eng_selfhost.SelfHostConfig(
            pricing=eng_selfhost.OnDemandRate(0.0), tokens_per_second=1e12, name="none"
        )
        result = eng_forecast.forecast(selfhost=free, **common)
    return {
        "api_option": snaps[api_index]["name"],
        "selfhost_option": snaps[selfhost_index]["name"] if has_selfhost else None,
        "monthly_growth": w["growth_per_month"],
        "api_price_decline_per_year": api_price_decline_per_year,
        "gpu_price_decline_per_year": gpu_price_decline_per_year,
        "migration_weeks": migration_weeks,
        "engineer_hourly_rate": cents(rate),
        "migration_cost": cents(result.migration_cost) if has_selfhost else None,
        "breakeven_month": result.breakeven_month if has_selfhost else None,
        "payback_month": result.payback_month if has_selfhost else None,
        "monthly_budget": cents(result.monthly_budget),
        "api_budget_exceeded_month": result.api_budget_exceeded_month,
        "selfhost_budget_exceeded_month": (
            result.selfhost_budget_exceeded_month if has_selfhost else None
        ),
        "months": [
            {
                "month": m.month,
                "tokens_per_month": round(m.tokens_per_month),
                "api_monthly": cents(m.api_monthly),
                "selfhost_monthly": cents(m.selfhost_monthly) if has_selfhost else None,
                "savings": cents(m.savings) if has_selfhost else None,
                "cumulative_savings": cents(m.cumulative_savings) if has_selfhost else None,
            }
            for m in result.months
        ],
    }


def sensitivity_snapshot(
    inputs: dict[str, Any], results: dict[str, Any], *, pct: float = SENSITIVITY_PCT
) -> dict[str, Any]:
    """The engine's tornado for the cheapest API vs the cheapest self-host option.

    Each input swings by +/- ``pct`` of its base (utilization capped at 1). Engineering
    hours and rate are the option's labor line; the other hidden costs stay fixed.
    """
    api_index, selfhost_index = forecast_pair(inputs, results)
    if api_index is None or selfhost_index is None:
        raise ScenarioError(
            "options", "sensitivity needs an API option and a self-host option to compare"
        )
    w = inputs["workload"]
    snaps = inputs["options"]
    sh = snaps[selfhost_index]["selfhost"]
    swings = [eng_sensitivity.Swing(name, pct=pct) for name in eng_sensitivity.INPUTS]
    if inputs.get("schema") == composition.SCHEMA:
        # Each swung point is the plan's own composition with one input changed.
        subject = eng_sensitivity.ComposedSensitivity(
            scenario=composition.scenario_of(inputs, monte_carlo=False),
            api=snaps[api_index]["name"],
            selfhost=snaps[selfhost_index]["name"],
            engineer_hours_per_month=sh["labor"]["hours"],
            engineer_hourly_rate=_mid(sh["labor"]["hourly_rate"]),
        )
        return _tornado_json(
            eng_sensitivity.tornado(subject, swings),
            api=snaps[api_index]["name"],
            selfhost=snaps[selfhost_index]["name"],
            pct=pct,
        )
    config, parts = engine_selfhost(sh, corner="expected", name=snaps[selfhost_index]["name"])
    # Labor moves with the engineer rate below: keep it out of the fixed hidden costs.
    config = replace(config, hidden_monthly=parts["hidden_items"] + parts["other"])
    base = eng_sensitivity.SensitivityBase(
        tokens_per_month=w["tokens_per_month"],
        api=engine_api_offer(snaps[api_index]["api"]),
        selfhost=config,
        input_share=w["input_share"],
        cached_share=w["cached_share"],
        engineer_hours_per_month=sh["labor"]["hours"],
        engineer_hourly_rate=_mid(sh["labor"]["hourly_rate"]),
        hours_per_month=inputs["hours_per_month"],
    )
    return _tornado_json(
        eng_sensitivity.tornado(base, swings),
        api=snaps[api_index]["name"],
        selfhost=snaps[selfhost_index]["name"],
        pct=pct,
    )


def _tornado_json(
    tornado: eng_sensitivity.Tornado, *, api: str, selfhost: str, pct: float
) -> dict[str, Any]:
    return {
        "api_option": api,
        "selfhost_option": selfhost,
        "pct": pct,
        "base_difference": cents(tornado.base_difference),
        "base_cheaper": tornado.base_cheaper,
        "bars": [
            {
                "name": bar.name,
                "base_value": bar.base_value,
                "low_value": bar.low_value,
                "high_value": bar.high_value,
                "difference_low": cents(bar.difference_low),
                "difference_high": cents(bar.difference_high),
                "swing": cents(bar.swing),
                "cheaper_low": bar.cheaper_low,
                "cheaper_high": bar.cheaper_high,
                "flips": bar.flips,
            }
            for bar in tornado.bars
        ],
    }


def api_monthly_at(
    inputs: dict[str, Any], *, option_name: str, tokens_per_month: float
) -> float | None:
    """What an API option of the snapshot costs a month at another volume (cents)."""
    w = inputs["workload"]
    for snap in inputs["options"]:
        if snap["name"] == option_name and snap["kind"] == "api":
            return cents(
                eng_api.api_monthly_cost(
                    engine_api_offer(snap["api"]),
                    tokens_per_month=tokens_per_month,
                    input_share=w["input_share"],
                    cached_share=w["cached_share"],
                    traffic=composition.api_traffic(w),
                )
            )
    return None
