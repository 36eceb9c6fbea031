"""Forecast, budget and sensitivity of a plan, as plain dicts ready to render or serialize.

The engine runs through `planner.bridge.forecasts` on the *stored* input snapshot of the plan's
latest comparison, so the figures match what the comparison showed and can be
recomputed exactly. Money stays in the catalog version's currency; only display
converts (see `tracking.currency`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q

from planner.bridge import ScenarioError, forecasts
from planner.models import Comparison, Plan
from tracking.currency import to_catalog_currency
from tracking.models import Budget, ForecastAssumptions

FORECAST_MONTHS = 24


def assumptions_for_plan(*, plan: Plan) -> dict[str, float]:
    row = ForecastAssumptions.objects.filter(plan=plan).first()
    if row is None:
        return {
            "api_price_decline_per_year": 0.0,
            "gpu_price_decline_per_year": 0.0,
            "migration_weeks": 0.0,
        }
    return {
        "api_price_decline_per_year": float(row.api_price_decline_per_year),
        "gpu_price_decline_per_year": float(row.gpu_price_decline_per_year),
        "migration_weeks": float(row.migration_weeks),
    }


def budget_for_workload(*, workload: Any) -> Budget | None:
    """The workload's own budget, else the organization's."""
    rows = list(
        Budget.objects.filter(organization_id=workload.organization_id).filter(
            Q(workload_id=workload.pk) | Q(workload__isnull=True)
        )
    )
    own = next((b for b in rows if b.workload_id == workload.pk), None)
    return own or next((b for b in rows if b.workload_id is None), None)


def budget_status(*, budget: Budget | None, version: Any) -> dict[str, Any]:
    """The budget in the catalog's currency, or why it cannot be compared."""
    if budget is None:
        return {"set": False, "comparable": False, "note": "No budget set."}
    converted, note = to_catalog_currency(
        amount=budget.monthly_amount, currency=budget.currency, version=version
    )
    return {
        "set": True,
        "id": budget.pk,
        "scope": "workload" if budget.workload_id else "organization",
        "amount": str(budget.monthly_amount),
        "currency": budget.currency,
        "comparable": converted is not None,
        "amount_in_catalog_currency": None if converted is None else float(converted),
        "note": note,
    }


def _recommended(results: dict) -> tuple[str | None, str | None, float | None]:
    """(name, kind, expected monthly) of the recommended option."""
    name = results["recommendation"]["option"]
    for option in results["options"]:
        if option["name"] == name:
            return name, option["kind"], option["monthly"]["expected"]
    return None, None, None


def budget_position(*, plan: Plan, comparison: Comparison, version: Any = None) -> dict[str, Any]:
    """Where one stored comparison's recommended option stands against the plan's budget
    today, without the forecast: ``over_budget_now`` is the one rule for "over budget"."""
    version = version or comparison.catalog_version
    budget = budget_status(budget=budget_for_workload(workload=plan.workload), version=version)
    name, kind, monthly = _recommended(comparison.results)
    over_now = bool(
        budget["comparable"]
        and monthly is not None
        and monthly > budget["amount_in_catalog_currency"]
    )
    return {
        "plan": plan.pk,
        "comparison": comparison.number,
        "currency": version.currency,
        "catalog_version": version.pk,
        "budget": budget,
        "recommended_option": name,
        "recommended_kind": kind,
        "recommended_monthly": monthly,
        "over_budget_now": over_now,
    }


def forecast_for_comparison(
    *,
    plan: Plan,
    comparison: Comparison,
    assumptions: dict[str, float] | None = None,
    version: Any = None,
) -> dict[str, Any]:
    """The forecast of one stored comparison (``version``: its catalog version, if loaded)."""
    assumptions = assumptions or assumptions_for_plan(plan=plan)
    position = budget_position(plan=plan, comparison=comparison, version=version)
    over_now = position.pop("over_budget_now")
    base: dict[str, Any] = {**position, "assumptions": assumptions}
    budget, kind = position["budget"], position["recommended_kind"]
    try:
        forecast = forecasts.forecast_snapshot(
            comparison.inputs,
            comparison.results,
            months=FORECAST_MONTHS,
            monthly_budget=budget["amount_in_catalog_currency"] if budget["comparable"] else None,
            **assumptions,
        )
    except ScenarioError as exc:
        return {**base, "available": False, "reason": exc.message}
    # Projected spend is the recommended option's kind: self-host, else the API line.
    if kind == "selfhost" and forecast["selfhost_option"]:
        series, exceeded = "selfhost_monthly", forecast["selfhost_budget_exceeded_month"]
    else:
        series, exceeded = "api_monthly", forecast["api_budget_exceeded_month"]
    return {
        **base,
        **forecast,
        "available": True,
        "reason": "",
        "projected_series": series,
        "projected_monthly": [m[series] for m in forecast["months"]],
        "budget_exceeded_month": exceeded,
        "over_budget_now": over_now,
    }


def forecast_for_plan(*, plan: Plan) -> dict[str, Any]:
    """The plan's 24-month forecast from its latest comparison (plain dict)."""
    comparison = plan.latest_comparison
    if comparison is None:
        return {
            "plan": plan.pk,
            "available": False,
            "reason": "Compute the plan first: the forecast starts from its latest comparison.",
        }
    return forecast_for_comparison(plan=plan, comparison=comparison)


def sensitivity_for_plan(*, plan: Plan) -> dict[str, Any]:
    """The tornado of the plan's latest comparison (plain dict)."""
    comparison = plan.latest_comparison
    if comparison is None:
        return {"plan": plan.pk, "available": False, "reason": "Compute the plan first."}
    try:
        tornado = forecasts.sensitivity_snapshot(comparison.inputs, comparison.results)
    except ScenarioError as exc:
        return {"plan": plan.pk, "available": False, "reason": exc.message}
    return {
        "plan": plan.pk,
        "comparison": comparison.number,
        "currency": comparison.catalog_version.currency,
        "available": True,
        "reason": "",
        **tornado,
    }


def as_decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))
