"""Selectors: how pages and other apps read workloads, plans and comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Organization
from planner.models import Comparison, Plan, Workload


def workloads_for_org(*, organization: Organization) -> QuerySet[Workload]:
    return Workload.objects.for_org(organization).annotate(plan_count=Count("plans"))


def _with_latest(queryset: QuerySet[Plan], *, summary_only: bool = False) -> QuerySet[Plan]:
    latest = Comparison.objects.order_by("-number").select_related("catalog_version")
    if summary_only:
        # The engine's JSON (results with the chart curves, inputs) is tens of kB a
        # comparison, fetched and decoded for nothing: tables show the summary columns.
        latest = latest.defer("results", "inputs")
    return queryset.prefetch_related(
        Prefetch("comparisons", queryset=latest[:1], to_attr="_latest")
    )


def plans_for_org(*, organization: Organization) -> QuerySet[Plan]:
    """The organization's plans with workload, version and latest comparison (3 queries)."""
    return _with_latest(
        Plan.objects.for_org(organization)
        .select_related("workload", "catalog_version__catalog")
        .annotate(option_count=Count("options", distinct=True))
    )


def plans_for_table(*, organization: Organization) -> QuerySet[Plan]:
    """Like `plans_for_org`, for plan tables: the latest comparison without its results and
    inputs JSON (reading them from it would cost a query each)."""
    return _with_latest(
        Plan.objects.for_org(organization)
        .select_related("workload", "catalog_version__catalog")
        .annotate(option_count=Count("options", distinct=True)),
        summary_only=True,
    )


def plans_flagged(*, organization: Organization) -> QuerySet[Plan]:
    return plans_for_table(organization=organization).exclude(flag="").order_by("-flagged_at")


def plan_options(*, plan: Plan) -> QuerySet[Any]:
    return plan.options.select_related(
        "api_offer__source", "gpu_offer__source", "owned_hardware", "cheap_option"
    )


def latest_comparison_deferred(*, plan: Plan) -> Comparison | None:
    """The plan's newest comparison without its stored inputs and results, which load on
    first access (the plan page reads them only when its cached fragments miss)."""
    return (
        Comparison.objects.filter(plan=plan).defer("inputs", "results").order_by("-number").first()
    )


def comparison_currency(*, comparison: Comparison, plan: Plan | None = None) -> str:
    """The currency of a comparison's figures: its catalog version's. No query when the
    comparison's version, or the same version on its plan, is already loaded."""
    if Comparison.catalog_version.is_cached(comparison):
        return comparison.catalog_version.currency
    if (
        plan is not None
        and plan.catalog_version_id == comparison.catalog_version_id
        and Plan.catalog_version.is_cached(plan)
    ):
        return plan.catalog_version.currency
    return comparison.catalog_version.currency


def comparisons_for_plan(*, plan: Plan) -> QuerySet[Comparison]:
    return (
        Comparison.objects.filter(plan=plan)
        .select_related("catalog_version__catalog", "created_by")
        .defer("inputs")
        .order_by("-number")
    )


def _count_of(queryset: QuerySet[Any]) -> Coalesce:
    """``SELECT COUNT(*)`` of ``queryset`` as a scalar subquery (0 when empty)."""
    counted = queryset.order_by().values("organization").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def dashboard_counts(*, organization: Organization) -> dict[str, int]:
    """The dashboard's four headline counts in one query (scalar subqueries)."""
    plans = Plan.objects.for_org(organization)
    row = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            n_workloads=_count_of(Workload.objects.for_org(organization)),
            n_plans=_count_of(plans),
            n_flagged=_count_of(plans.exclude(flag="")),
            n_comparisons=_count_of(Comparison.objects.for_org(organization)),
        )
        .values("n_workloads", "n_plans", "n_flagged", "n_comparisons")
        .get()
    )
    return {
        "workloads": row["n_workloads"],
        "plans": row["n_plans"],
        "flagged": row["n_flagged"],
        "comparisons": row["n_comparisons"],
    }


@dataclass(frozen=True)
class SideBySide:
    plan_a: Plan
    plan_b: Plan
    comparison_a: Comparison | None
    comparison_b: Comparison | None
    rows: list[dict[str, Any]]


def plans_side_by_side(*, organization: Organization, plan_a: Any, plan_b: Any) -> SideBySide:
    """Two plans of ``organization`` next to each other. 404 if either is not one of its plans."""
    ids = [
        plan_a.pk if isinstance(plan_a, Plan) else plan_a,
        plan_b.pk if isinstance(plan_b, Plan) else plan_b,
    ]
    try:
        found = {p.pk: p for p in plans_for_org(organization=organization).filter(pk__in=ids)}
        a, b = found[int(ids[0])], found[int(ids[1])]
    except (KeyError, ValueError, TypeError) as exc:
        raise Http404 from exc
    ca, cb = a.latest_comparison, b.latest_comparison

    def figure(comparison: Comparison | None, path: tuple[str, ...]) -> Any:
        if comparison is None:
            return None
        value: Any = comparison.results
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    rows = [
        {"label": "Workload", "a": a.workload.name, "b": b.workload.name},
        {"label": "Catalog version", "a": str(a.catalog_version), "b": str(b.catalog_version)},
        {
            "label": "Tokens per month",
            "a": figure(ca, ("tokens_per_month",)),
            "b": figure(cb, ("tokens_per_month",)),
            "tokens": True,
        },
        {
            "label": "Recommendation",
            "a": ca.recommended_option if ca else None,
            "b": cb.recommended_option if cb else None,
        },
        {
            "label": "Cheapest option",
            "a": ca.cheapest_option if ca else None,
            "b": cb.cheapest_option if cb else None,
        },
        {
            "label": "Cheapest monthly",
            "a": ca.cheapest_monthly if ca else None,
            "b": cb.cheapest_monthly if cb else None,
            "money": True,
            "currency_a": comparison_currency(comparison=ca, plan=a) if ca else None,
            "currency_b": comparison_currency(comparison=cb, plan=b) if cb else None,
        },
        {
            "label": "Options compared",
            "a": len(figure(ca, ("options",)) or []),
            "b": len(figure(cb, ("options",)) or []),
        },
    ]
    return SideBySide(a, b, ca, cb, rows)


# --- the live preview's plan (issue 18) --------------------------------------------------


def plan_for_preview(*, organization: Organization, workload_pk: Any = None) -> Plan | None:
    """The plan whose options the workload form's preview prices: the workload's most
    recently changed plan when editing one that has a plan, else the organization's most
    recently changed plan; None if the organization has none."""
    plans = (
        Plan.objects.for_org(organization)
        .select_related("catalog_version__catalog", "organization")
        .order_by("-updated_at", "-pk")
    )
    if workload_pk is not None and str(workload_pk).isdigit():
        own = plans.filter(workload_id=int(workload_pk)).first()
        if own is not None:
            return own
    return plans.first()
