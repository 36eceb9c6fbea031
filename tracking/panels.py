"""The budget panel on the plan page, registered with planner/hooks.py at startup."""

from __future__ import annotations

from typing import Any

from planner.hooks import PlanPanel
from tracking.currency import conversion_for
from tracking.forecasting import forecast_for_comparison, forecast_for_plan


def budget_panel_context(context: Any, plan: Any, comparison: Any) -> dict[str, Any]:
    """Projected spend against the budget and the month it is exceeded, for a plan page.

    Reuses the page's comparison and current organization to keep the page's queries few.
    """
    version = plan.catalog_version
    if comparison is not None and comparison.catalog_version_id == version.pk:
        forecast = forecast_for_comparison(plan=plan, comparison=comparison, version=version)
    else:
        forecast = forecast_for_plan(plan=plan)
    organization = context.get("current_organization") or plan.organization
    if organization.pk != plan.organization_id:
        organization = plan.organization
    return {
        "plan": plan,
        "forecast": forecast,
        "conversion": conversion_for(organization=organization, version=version),
    }


BUDGET_PANEL = PlanPanel(template="tracking/_plan_budget.html", context=budget_panel_context)
