"""`money` filter and the budget panel shown on the plan page."""

from __future__ import annotations

from typing import Any

from django import template

from tracking.currency import Conversion, conversion_for, format_money

register = template.Library()


@register.filter
def money(value: Any, conversion: Conversion | None = None) -> str:
    """``{{ amount|money:conversion }}``: "€1,234.56 (USD 1,300.00 at 0.9497 on 2026-06-17)"."""
    return format_money(value, conversion)


@register.inclusion_tag("tracking/_plan_budget.html", takes_context=True)
def plan_budget_panel(context: Any, plan: Any, comparison: Any = None) -> dict[str, Any]:
    """Projected spend against the budget and the month it is exceeded, for a plan page.

    Reuses the page's comparison and current organization to keep the page's queries few.
    """
    from tracking.forecasting import forecast_for_comparison, forecast_for_plan

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
