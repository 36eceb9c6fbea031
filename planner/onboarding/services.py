"""The guided first plan: a preset workload, a plan of well-chosen options, computed.

The options are chosen by :func:`planner.bridge.onboarding.first_plan_options` (the
rules and their reasons live there); this service only writes, through the workload and
plan services, so the rows are validated, audited and computed like any others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organization
from planner import services
from planner.bridge.onboarding import FirstPlanOptions, first_plan_options
from planner.bridge.shapes import preset_figures, preset_notes
from planner.models import Comparison, Plan


@dataclass(frozen=True)
class FirstPlan:
    plan: Plan
    comparison: Comparison
    picks: FirstPlanOptions


def preset_label(key: str) -> str:
    for note in preset_notes():
        if note["key"] == key:
            return str(note["label"])
    raise ValidationError({"preset": "Choose one of the workload presets."})


@transaction.atomic
def first_plan_create(
    *,
    organization: Organization,
    actor: Any,
    preset: str,
    tokens_per_day: int | None = None,
    tokens_per_month: int | None = None,
) -> FirstPlan:
    """A workload of the request-shape ``preset`` at the volume given (per day or per
    month, one of them), a plan on the current catalog with the chosen options, and its
    first comparison. Raises ValidationError naming the field; nothing is saved then."""
    from pricing.selectors import catalog_version_current

    label = preset_label(preset)
    figures = preset_figures(preset)
    assert figures is not None  # preset_label checked the key
    version = catalog_version_current()
    if version is None:
        raise ValidationError("No price catalog is published yet: an administrator must load one.")
    workload = services.workload_create(
        organization=organization,
        actor=actor,
        name=_free_name(organization, label),
        request_preset=preset,
        tokens_per_day=tokens_per_day,
        tokens_per_month=tokens_per_month,
    )
    picks = first_plan_options(version=version, organization=organization, workload=workload)
    options = picks.option_fields()
    if not options:
        raise ValidationError("The published catalog has no offer this workload can be priced on.")
    plan = services.plan_create(
        organization=organization,
        actor=actor,
        name=f"{workload.name}: first plan",
        workload=workload,
        catalog_version=version,
        options=options,
        description="\n".join(["Why these options were chosen for you", *picks.reasons()]),
    )
    comparison = services.plan_compute(plan=plan, actor=actor)
    return FirstPlan(plan=plan, comparison=comparison, picks=picks)


def _free_name(organization: Organization, name: str) -> str:
    """``name``, or ``name (2)``... when the organization already has a workload by it."""
    from planner.models import Workload

    taken = set(
        Workload.objects.filter(organization=organization, name__startswith=name).values_list(
            "name", flat=True
        )
    )
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name} ({n})"
        n += 1
    return candidate
