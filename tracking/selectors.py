"""Read-only queries for tracking. Return model rows for pages, or plain dicts ready to
serialize (`*_as_dict`, `plan_vs_actual`, and `tracking.forecasting`'s selectors)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from accounts.models import Organization
from planner.models import Plan, Workload
from tracking.forecasting import forecast_for_plan
from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    Alert,
    Budget,
    UsageImportJob,
    WebhookDelivery,
    WebhookEndpoint,
)

SUGGESTION_MONTHS = 3


def budgets_for_org(*, organization: Organization) -> QuerySet[Budget]:
    return Budget.objects.for_org(organization).select_related("workload")


def alerts_for_org(*, organization: Organization, unread_only: bool = False) -> QuerySet[Alert]:
    alerts = Alert.objects.for_org(organization).select_related("plan", "workload")
    return alerts.filter(read_at__isnull=True) if unread_only else alerts


def alert_as_dict(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "plan": alert.plan_id,
        "workload": alert.workload_id,
        "comparison": alert.comparison_number,
        "message": alert.message,
        "created_at": alert.created_at.isoformat(),
        "read_at": alert.read_at.isoformat() if alert.read_at else None,
    }


def budget_as_dict(budget: Budget) -> dict[str, Any]:
    return {
        "id": budget.pk,
        "workload": budget.workload_id,
        "scope": "workload" if budget.workload_id else "organization",
        "monthly_amount": str(budget.monthly_amount),
        "currency": budget.currency,
    }


def webhooks_for_org(*, organization: Organization) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_org(organization)


def deliveries_for_org(*, organization: Organization, limit: int = 20) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.for_org(organization).select_related("endpoint")[:limit])


def imports_for_workload(*, workload: Workload) -> QuerySet[ActualUsageImport]:
    return ActualUsageImport.objects.for_org(workload.organization).filter(workload=workload)


def import_jobs_for_workload(*, workload: Workload) -> QuerySet[UsageImportJob]:
    """The workload's import jobs, newest first, without the files they carry."""
    return (
        UsageImportJob.objects.for_org(workload.organization)
        .filter(workload=workload)
        .defer("content")
    )


def plans_for_workload(*, workload: Workload) -> QuerySet[Plan]:
    return Plan.objects.for_org(workload.organization).filter(workload=workload)


def actual_months(*, workload: Workload) -> list[dict[str, Any]]:
    """Actual usage per month (all models summed), oldest first."""
    rows = (
        ActualUsageMonth.objects.for_org(workload.organization)
        .filter(workload=workload)
        .values("month")
        .annotate(
            input_tokens=Sum("input_tokens"), output_tokens=Sum("output_tokens"), cost=Sum("cost")
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "tokens": row["input_tokens"] + row["output_tokens"],
            "cost": row["cost"].quantize(Decimal("0.01"), ROUND_HALF_UP),
        }
        for row in rows
    ]


def suggestions(*, months: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Workload figures the actuals suggest: input share over all months, volume as the
    mean of the last three months, growth as the compound monthly rate first -> last."""
    if not months:
        return None
    total_in = sum(m["input_tokens"] for m in months)
    total = sum(m["tokens"] for m in months)
    recent = months[-SUGGESTION_MONTHS:]
    volume = round(sum(m["tokens"] for m in recent) / len(recent))
    share = (
        (Decimal(total_in) / Decimal(total)).quantize(Decimal("0.00001"), ROUND_HALF_UP)
        if total
        else None
    )
    growth = None
    first, last = months[0]["tokens"], months[-1]["tokens"]
    if len(months) >= 2 and first > 0 and last > 0:
        rate = (last / first) ** (1 / (len(months) - 1)) - 1
        growth = Decimal(str(min(max(rate, -0.99), 10.0))).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )
    return {
        "tokens_per_month": volume,
        "input_share": share,
        "growth_per_month": growth,
        "months_used": len(months),
    }


def _variance(actual: Decimal | int, planned: Decimal | float | None) -> float | None:
    if planned in (None, 0):
        return None
    return round((float(actual) - float(planned)) / float(planned) * 100, 1)


def plan_vs_actual(*, workload: Workload, plan: Plan | None) -> dict[str, Any]:
    """Month by month: the plan's projection (its forecast, month 1 = the first actual
    month) next to the actual tokens and cost, with variances in percent."""
    months = actual_months(workload=workload)
    forecast = forecast_for_plan(plan=plan) if plan is not None else None
    planned = forecast if forecast and forecast.get("available") else None
    rows = []
    for index, actual in enumerate(months):
        row = dict(actual)
        row["month"] = actual["month"].isoformat()[:7]
        row["cost"] = str(actual["cost"])
        step = planned["months"][index] if planned and index < len(planned["months"]) else None
        row["planned_tokens"] = step["tokens_per_month"] if step else None
        row["planned_cost"] = planned["projected_monthly"][index] if step and planned else None
        row["tokens_variance_pct"] = _variance(actual["tokens"], row["planned_tokens"])
        row["cost_variance_pct"] = _variance(actual["cost"], row["planned_cost"])
        rows.append(row)
    suggestion = suggestions(months=months)
    return {
        "workload": workload.pk,
        "plan": plan.pk if plan else None,
        "plan_available": planned is not None,
        "plan_note": ""
        if planned or plan is None
        else (forecast or {}).get("reason", "The plan has no forecast."),
        "currency": planned["currency"] if planned else None,
        "months": rows,
        "suggestions": None
        if suggestion is None
        else {
            **suggestion,
            "input_share": None
            if suggestion["input_share"] is None
            else str(suggestion["input_share"]),
            "growth_per_month": None
            if suggestion["growth_per_month"] is None
            else str(suggestion["growth_per_month"]),
        },
    }
