"""Query filters of the planner API (django-filter)."""

from __future__ import annotations

import django_filters

from planner.models import Comparison, Plan, PlanReevaluation, PlanRunStatus, Sweep, Workload
from planner.models.sweeps import SweepStatus
from pricing.api.filters import StrictBooleanFilter, StrictFilterSet, public_versions


class WorkloadFilter(StrictFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")
    data_must_stay_in_network = StrictBooleanFilter()
    has_mlops_team = StrictBooleanFilter()

    class Meta:
        model = Workload
        fields = ["name", "data_must_stay_in_network", "has_mlops_team"]


def _id_filter(field: str, what: str) -> django_filters.NumberFilter:
    # A plain id, not a ModelChoiceFilter: validating the id would tell another
    # organization's ids from missing ones.
    return django_filters.NumberFilter(
        field_name=field, min_value=1, max_value=2**63 - 1, help_text=f"The {what}'s id."
    )


def _version_filter() -> django_filters.ModelChoiceFilter:
    # Only public (published or retired) versions are valid choices: the automatic filter
    # would accept any version, so a draft's id answered an empty list where an unknown id
    # answered 400, telling which draft ids exist. Now both are the same 400.
    return django_filters.ModelChoiceFilter(
        queryset=public_versions, help_text="A published or retired catalog version's id."
    )


class PlanFilter(StrictFilterSet):
    workload = _id_filter("workload", "workload")
    catalog_version = _version_filter()
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the name.")
    flagged = StrictBooleanFilter(
        method="filter_flagged", help_text="Plans a re-evaluation flagged (or not)."
    )

    class Meta:
        model = Plan
        fields = ["name", "workload", "catalog_version", "flagged"]

    def filter_flagged(self, queryset, name, value):
        return queryset.exclude(flag="") if value else queryset.filter(flag="")


class ComparisonFilter(StrictFilterSet):
    plan = _id_filter("plan", "plan")
    catalog_version = _version_filter()
    trigger = django_filters.ChoiceFilter(
        choices=[("compute", "Computed"), ("reevaluate", "Re-evaluated")]
    )

    class Meta:
        model = Comparison
        fields = ["plan", "trigger", "catalog_version"]


class SweepFilter(StrictFilterSet):
    workload = _id_filter("workload", "workload")
    catalog_version = _version_filter()
    status = django_filters.ChoiceFilter(choices=SweepStatus.choices)

    class Meta:
        model = Sweep
        fields = ["status", "catalog_version", "workload"]


class PlanReevaluationFilter(StrictFilterSet):
    plan = _id_filter("plan", "plan")
    run = _id_filter("run", "re-evaluation run")
    status = django_filters.ChoiceFilter(choices=PlanRunStatus.choices)

    class Meta:
        model = PlanReevaluation
        fields = ["plan", "run", "status"]
