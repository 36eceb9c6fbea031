"""Read-only queries for tracking. Return model rows for pages, or plain dicts ready to
serialize (`*_as_dict`, `plan_vs_actual`, and `tracking.forecasting`'s selectors)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from accounts.models import Organization
from planner.models import Plan, Workload
from tracking.forecasting import forecast_for_plan
from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    Alert,
    Budget,
    UsageImportJob,
    UsageKind,
    UsageRoutingRule,
    WebhookDelivery,
    WebhookEndpoint,
)

SUGGESTION_MONTHS = 3
CENT = Decimal("0.01")
# Shares as the workload stores them (5 places).
SHARE = Decimal("0.00001")


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
    """Imports uploaded for the workload, or that wrote any of its months."""
    return (
        ActualUsageImport.objects.for_org(workload.organization)
        .filter(Q(workload=workload) | Q(months__workload=workload))
        .distinct()
    )


def import_jobs_for_workload(*, workload: Workload) -> QuerySet[UsageImportJob]:
    """The workload's import jobs (uploaded from its page, or whose import wrote any of
    its months), newest first."""
    return (
        UsageImportJob.objects.for_org(workload.organization)
        .filter(Q(workload=workload) | Q(usage_import__months__workload=workload))
        .distinct()
    )


def import_jobs_for_org(*, organization: Organization) -> QuerySet[UsageImportJob]:
    return UsageImportJob.objects.for_org(organization).select_related("workload", "usage_import")


def routing_rules_for_org(*, organization: Organization) -> QuerySet[UsageRoutingRule]:
    return UsageRoutingRule.objects.for_org(organization).select_related("workload")


def plans_for_workload(*, workload: Workload) -> QuerySet[Plan]:
    return Plan.objects.for_org(workload.organization).filter(workload=workload)


def actual_months(*, workload: Workload) -> list[dict[str, Any]]:
    """Actual chat usage per month (all models summed), oldest first. Embeddings, other
    calls and proxy-cache answers are not in it (`other_usage`)."""
    rows = (
        ActualUsageMonth.objects.for_org(workload.organization)
        .filter(workload=workload, kind=UsageKind.CHAT)
        .values("month")
        .annotate(
            requests=Sum("requests"),
            input_tokens=Sum("input_tokens"),
            cached_input_tokens=Sum("cached_input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost=Sum("cost"),
        )
        .order_by("month")
    )
    return [
        {
            "month": row["month"],
            "requests": row["requests"],
            "input_tokens": row["input_tokens"],
            "cached_input_tokens": row["cached_input_tokens"],
            "output_tokens": row["output_tokens"],
            "tokens": row["input_tokens"] + row["output_tokens"],
            "cached_share": _share(row["cached_input_tokens"], row["input_tokens"]),
            "cost": row["cost"].quantize(CENT, ROUND_HALF_UP),
        }
        for row in rows
    ]


def other_usage(*, workload: Workload) -> list[dict[str, Any]]:
    """What the workload's imports held besides chat, per month and kind (reported apart:
    a plan prices chat traffic)."""
    rows = (
        ActualUsageMonth.objects.for_org(workload.organization)
        .filter(workload=workload)
        .exclude(kind=UsageKind.CHAT)
        .values("month", "kind")
        .annotate(
            requests=Sum("requests"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
            cost=Sum("cost"),
        )
        .order_by("month", "kind")
    )
    return [
        {
            "month": row["month"].isoformat()[:7],
            "kind": row["kind"],
            "requests": row["requests"],
            "input_tokens": row["input_tokens"],
            "output_tokens": row["output_tokens"],
            "cost": str(row["cost"].quantize(CENT, ROUND_HALF_UP)),
        }
        for row in rows
    ]


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE, ROUND_HALF_UP)


def suggestions(*, months: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Workload figures the actuals suggest: input share over all months, volume as the
    mean of the last three months, growth as the compound monthly rate first -> last."""
    if not months:
        return None
    total_in = sum(m["input_tokens"] for m in months)
    total_cached = sum(m["cached_input_tokens"] for m in months)
    total = sum(m["tokens"] for m in months)
    recent = months[-SUGGESTION_MONTHS:]
    volume = round(sum(m["tokens"] for m in recent) / len(recent))
    share = _share(total_in, total)
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
        "cached_share": _share(total_cached, total_in),
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
        row["cached_share"] = _text(actual["cached_share"])
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
        "other_usage": other_usage(workload=workload),
        "suggestions": suggestion_as_dict(suggestion),
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def suggestion_as_dict(suggestion: dict[str, Any] | None) -> dict[str, Any] | None:
    """The suggestion with its decimals as text, as the API and pages serve it."""
    if suggestion is None:
        return None
    return {
        **suggestion,
        "input_share": _text(suggestion["input_share"]),
        "cached_share": _text(suggestion["cached_share"]),
        "growth_per_month": _text(suggestion["growth_per_month"]),
    }
