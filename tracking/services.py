"""Services that change tracking data. Keyword-only; organization and actor explicit.

`plan_evaluated` runs in the transaction of `planner.services.plan_compute` and
`plan_reevaluate` (a planner hook registered in tracking/apps.py: the planner never imports
tracking): it raises alerts when a plan goes over budget, when its forecast crosses the
budget, or when its recommendation flips, and queues the signed webhooks after the
transaction commits.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import record
from accounts.models import Organization
from formatting import format_money
from planner.models import Comparison, Plan, Workload
from pricing.currencies import ISO_4217_CODES
from tracking import forecasting, webhooks
from tracking.models import (
    Alert,
    AlertKind,
    Budget,
    DeliveryStatus,
    ForecastAssumptions,
    PlanBudgetState,
    WebhookDelivery,
    WebhookEndpoint,
)

MAX_DELIVERY_ATTEMPTS = 5
# Each endpoint gets every alert: the cap bounds the deliveries one alert can queue.
MAX_WEBHOOK_ENDPOINTS = 10


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_org(obj: Any, organization: Organization) -> None:
    if obj is not None and obj.organization_id != organization.pk:
        raise ValidationError("This object belongs to another organization.")


# --- organization currency -------------------------------------------------------------


@transaction.atomic
def organization_currency_set(*, organization: Organization, actor: Any, currency: str) -> None:
    code = (currency or "").strip().upper()
    if code not in ISO_4217_CODES:
        raise ValidationError({"currency": f"{currency!r} is not an ISO 4217 currency code."})
    old = organization.currency
    organization.currency = code
    organization.save(update_fields=["currency"])
    record(
        actor=actor,
        action="organization.currency",
        obj=organization,
        organization=organization,
        changes={"currency": [old, code]},
    )


# --- forecast assumptions --------------------------------------------------------------


@transaction.atomic
def forecast_assumptions_set(
    *,
    organization: Organization,
    actor: Any,
    plan: Plan,
    api_price_decline_per_year: Decimal,
    gpu_price_decline_per_year: Decimal,
    migration_weeks: Decimal,
) -> ForecastAssumptions:
    _check_org(plan, organization)
    row = ForecastAssumptions.objects.filter(plan=plan).first() or ForecastAssumptions(
        organization=organization, plan=plan
    )
    row.api_price_decline_per_year = api_price_decline_per_year
    row.gpu_price_decline_per_year = gpu_price_decline_per_year
    row.migration_weeks = migration_weeks
    row.full_clean()
    row.save()
    record(
        actor=actor,
        action="forecast.assumptions",
        obj=plan,
        organization=organization,
        changes={
            "api_price_decline_per_year": str(api_price_decline_per_year),
            "gpu_price_decline_per_year": str(gpu_price_decline_per_year),
            "migration_weeks": str(migration_weeks),
        },
    )
    return row


# --- budgets ---------------------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    organization: Organization,
    actor: Any,
    workload: Workload | None,
    monthly_amount: Decimal,
    currency: str,
) -> Budget:
    """Create or replace the budget of the organization (workload None) or of a workload."""
    _check_org(workload, organization)
    code = (currency or "").strip().upper()
    if code not in ISO_4217_CODES:
        raise ValidationError({"currency": f"{currency!r} is not an ISO 4217 currency code."})
    budget = (
        Budget.objects.select_for_update()
        .filter(organization=organization, workload=workload)
        .order_by("pk")
        .first()
    ) or Budget(organization=organization, workload=workload, created_by=_user(actor))
    budget.monthly_amount = monthly_amount
    budget.currency = code
    budget.full_clean(validate_constraints=False)
    budget.save()
    record(
        actor=actor,
        action="budget.set",
        obj=budget,
        organization=organization,
        changes={"monthly_amount": str(monthly_amount), "currency": code},
    )
    _budget_changed(organization=organization, workload=workload)
    return budget


@transaction.atomic
def budget_delete(*, organization: Organization, actor: Any, budget: Budget) -> None:
    _check_org(budget, organization)
    record(actor=actor, action="budget.delete", obj=budget, organization=organization)
    workload = budget.workload
    budget.delete()
    _budget_changed(organization=organization, workload=workload)


def _budget_changed(*, organization: Organization, workload: Workload | None) -> None:
    """Evaluate the latest comparison of every plan the budget applies to against the
    budget as it now stands: a plan already over a new budget, or whose forecast now
    passes it, raises its alert now."""
    # Each plan's row is locked as plan_compute locks it, so a computation running at the
    # same time cannot record the plan's budget state twice.
    plans = (
        Plan.objects.for_org(organization)
        .select_related("workload", "organization")
        .select_for_update(of=("self",))
    )
    if workload is not None:
        plans = plans.filter(workload=workload)
    for plan in plans.order_by("pk"):
        comparison = plan.latest_comparison
        if comparison is not None:
            _budget_alerts(plan=plan, comparison=comparison)


# --- alerts and webhooks ---------------------------------------------------------------


@transaction.atomic
def alert_mark_read(*, organization: Organization, actor: Any, alert: Alert) -> Alert:
    _check_org(alert, organization)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert.save(update_fields=["read_at"])
    return alert


@transaction.atomic
def alerts_mark_all_read(*, organization: Organization, actor: Any) -> int:
    return (
        Alert.objects.for_org(organization)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


@transaction.atomic
def webhook_create(
    *, organization: Organization, actor: Any, url: str
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its shared secret (returned once: show it to the user now)."""
    try:
        webhooks.check_url(url)
    except webhooks.UnsafeWebhookURLError as exc:
        raise ValidationError({"url": str(exc)}) from None
    # The organization's row is the lock that keeps two concurrent creations from both
    # passing the cap.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    existing = WebhookEndpoint.objects.for_org(organization)
    if existing.filter(url=url).exists():
        raise ValidationError({"url": "This URL is already registered."})
    if existing.count() >= MAX_WEBHOOK_ENDPOINTS:
        raise ValidationError(
            {
                "url": f"An organization can have at most {MAX_WEBHOOK_ENDPOINTS} webhook "
                "endpoints; delete one before adding another."
            }
        )
    endpoint = WebhookEndpoint(organization=organization, url=url, created_by=_user(actor))
    endpoint.full_clean()
    endpoint.save()
    record(actor=actor, action="webhook.create", obj=endpoint, organization=organization)
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_delete(*, organization: Organization, actor: Any, endpoint: WebhookEndpoint) -> None:
    _check_org(endpoint, organization)
    record(actor=actor, action="webhook.delete", obj=endpoint, organization=organization)
    endpoint.delete()


def _queue(delivery_ids: list[int]) -> None:
    from tracking.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        transaction.on_commit(lambda pk=delivery_id: deliver_webhook.delay(pk))


def _deliveries_for(
    *, organization_id: int, event: str, payload: dict, alert: Alert | None
) -> list[int]:
    ids = []
    for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, active=True):
        body = json.dumps({**payload, "event": event}, sort_keys=True, default=str)
        delivery = WebhookDelivery.objects.create(
            organization_id=organization_id, endpoint=endpoint, alert=alert, event=event, body=body
        )
        ids.append(delivery.pk)
    return ids


@transaction.atomic
def webhook_test(*, organization: Organization, actor: Any, endpoint: WebhookEndpoint) -> int:
    """Queue a signed ``ping`` to one endpoint; returns the delivery id."""
    _check_org(endpoint, organization)
    delivery = WebhookDelivery.objects.create(
        organization=organization,
        endpoint=endpoint,
        event="ping",
        body=json.dumps(
            {"event": "ping", "organization": organization.slug, "sent_at": timezone.now()},
            sort_keys=True,
            default=str,
        ),
    )
    _queue([delivery.pk])
    return delivery.pk


def webhook_deliver(*, delivery_id: int) -> str:
    """One attempt at a pending delivery. Safe to run twice: a delivery that is no
    longer pending is left alone. Returns the status after the attempt."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    result = webhooks.post(
        url=delivery.endpoint.url,
        body=delivery.body.encode(),
        secret=delivery.endpoint.secret,
        event=delivery.event,
    )
    delivery.response_code = result.status
    delivery.last_error = result.error[:300]
    if result.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["response_code", "last_error", "status", "delivered_at"])
    return delivery.status


def _raise(*, plan: Plan, comparison: Comparison, kind: str, message: str, details: dict) -> Alert:
    alert = Alert.objects.create(
        organization_id=plan.organization_id,
        kind=kind,
        plan=plan,
        workload_id=plan.workload_id,
        comparison_number=comparison.number,
        message=message,
    )
    payload = {
        "alert": {"id": alert.pk, "kind": kind, "message": message},
        "organization": plan.organization.slug,
        "plan": {"id": plan.pk, "name": plan.name, "comparison": comparison.number},
        "details": details,
        "created_at": alert.created_at.isoformat(),
    }
    _queue(
        _deliveries_for(
            organization_id=plan.organization_id,
            event=f"alert.{kind}",
            payload=payload,
            alert=alert,
        )
    )
    return alert


def _budget_alerts(*, plan: Plan, comparison: Comparison) -> list[Alert]:
    """Record where the plan stands against its budget now (`PlanBudgetState`) and raise
    the alerts of a state it was not in at its last evaluation (or never evaluated): over
    budget, and a forecast crossing of the budget that appears or moves earlier. So each
    fires once, at a computation or when a budget is set, changed or deleted, against the
    budget of that moment."""
    position = forecasting.budget_position(plan=plan, comparison=comparison)
    over = bool(position["over_budget_now"])
    crossing = None
    if position["budget"]["comparable"] and not over:
        forecast = forecasting.forecast_for_comparison(plan=plan, comparison=comparison)
        month = forecast.get("budget_exceeded_month") if forecast.get("available") else None
        crossing = month if month is not None and month > 1 else None
    state = PlanBudgetState.objects.select_for_update().filter(plan=plan).first()
    if state is None:
        state = PlanBudgetState(organization_id=plan.organization_id, plan=plan)
    alerts: list[Alert] = []
    currency = position["currency"]
    limit = position["budget"].get("amount_in_catalog_currency")
    if over and not state.over_budget:
        alerts.append(
            _raise(
                plan=plan,
                comparison=comparison,
                kind=AlertKind.OVER_BUDGET,
                message=(
                    f"{plan.name}: {position['recommended_option']} costs "
                    f"{format_money(position['recommended_monthly'], currency, with_code=True)}"
                    f" a month, over the budget of "
                    f"{format_money(limit, currency, with_code=True)}."
                ),
                details={"monthly": position["recommended_monthly"], "budget": limit},
            )
        )
    earlier = state.forecast_exceeded_month
    if crossing is not None and (earlier is None or crossing < earlier):
        alerts.append(
            _raise(
                plan=plan,
                comparison=comparison,
                kind=AlertKind.FORECAST_OVER_BUDGET,
                message=(
                    f"{plan.name}: at the forecast growth, spend passes the budget of "
                    f"{format_money(limit, currency, with_code=True)} in month {crossing}."
                ),
                details={"month": crossing, "budget": limit},
            )
        )
    if state.pk is None or (state.over_budget, earlier) != (over, crossing):
        state.over_budget = over
        state.forecast_exceeded_month = crossing
        state.save()
    return alerts


def _flagged(*, plan: Plan, comparison: Comparison, previous: Comparison, flag: str) -> Alert:
    """The alert of a re-evaluation that flagged the plan (`planner.services.plan_reevaluate`):
    its flag (what flipped, the price move behind it, the options left out with the closest
    offers) as the message, and the same facts as data in the webhook."""
    flipped = previous.recommended_option != comparison.recommended_option
    return _raise(
        plan=plan,
        comparison=comparison,
        kind=AlertKind.RECOMMENDATION_FLIPPED if flipped else AlertKind.PLAN_FLAGGED,
        message=f"{plan.name}: {flag}",
        details={
            "from": previous.recommended_option,
            "to": comparison.recommended_option,
            "cheapest_from": previous.cheapest_option,
            "cheapest_to": comparison.cheapest_option,
            "previous_catalog_version": previous.catalog_version_id,
            "catalog_version": comparison.catalog_version_id,
            "price_moves": list(getattr(comparison, "price_moves", [])),
            "left_out": [item.as_dict() for item in getattr(comparison, "left_out", [])],
            "matched_by_alias": list(getattr(comparison, "matched_by_alias", [])),
        },
    )


def plan_evaluated(
    *, plan: Plan, comparison: Comparison, previous: Comparison | None, actor: Any
) -> list[Alert]:
    """Check budgets and flips after a new comparison; raise alerts (and webhooks).

    Alerts fire on a change, not on every computation: a flip when the recommended option
    differs from the previous comparison's; over budget, and forecast over budget, when the
    plan was not in that state at its last evaluation (`_budget_alerts`). A re-evaluation
    that flagged the plan raises one alert carrying its flag (`_flagged`).
    """
    alerts: list[Alert] = []
    flag = getattr(comparison, "flag_raised", "") if comparison.trigger == "reevaluate" else ""
    if flag and previous is not None:
        alerts.append(_flagged(plan=plan, comparison=comparison, previous=previous, flag=flag))
    elif previous is not None and previous.recommended_option != comparison.recommended_option:
        alerts.append(
            _raise(
                plan=plan,
                comparison=comparison,
                kind=AlertKind.RECOMMENDATION_FLIPPED,
                message=(
                    f"{plan.name}: the recommendation changed from "
                    f"{previous.recommended_option or 'none'} to "
                    f"{comparison.recommended_option or 'none'} (comparison "
                    f"#{comparison.number}, catalog version {comparison.catalog_version_id})."
                ),
                details={
                    "from": previous.recommended_option,
                    "to": comparison.recommended_option,
                    "catalog_version": comparison.catalog_version_id,
                },
            )
        )
    alerts += _budget_alerts(plan=plan, comparison=comparison)
    return alerts


# --- actual usage (imports: tracking/usage/services.py) ------------------------------


def workload_apply_suggestions(
    *, organization: Organization, actor: Any, workload: Workload, suggestion: dict[str, Any]
) -> Workload:
    """Set the workload's volume, input share (and cached share and growth, when known) to
    the figures the actuals suggest, through the planner's `workload_update`."""
    from planner.services import workload_update

    _check_org(workload, organization)
    fields: dict[str, Any] = {
        "tokens_per_month": int(suggestion["tokens_per_month"]),
        "tokens_per_day": None,
    }
    try:
        if suggestion.get("input_share") is not None:
            fields["input_share"] = Decimal(str(suggestion["input_share"]))
        if suggestion.get("cached_share") is not None:
            fields["cached_share"] = Decimal(str(suggestion["cached_share"]))
        if suggestion.get("growth_per_month") is not None:
            fields["growth_per_month"] = Decimal(str(suggestion["growth_per_month"]))
    except InvalidOperation:
        raise ValidationError("The suggested figures are not numbers.") from None
    return workload_update(organization=organization, actor=actor, workload=workload, **fields)


def first_of_month(day: date) -> date:
    return day.replace(day=1)
