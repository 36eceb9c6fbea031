"""Plan writes the API needs that ``planner.services`` does not provide yet.

Move ``plan_update`` to ``planner.services`` when the pages need it too.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.audit import record
from accounts.models import Organization
from planner.models import Plan

PLAN_EDITABLE = ("name", "description", "use_overlay", "lens", "analysis_months")


@transaction.atomic
def plan_update(*, organization: Organization, actor: Any, plan: Plan, **fields: Any) -> Plan:
    """Rename / describe a plan, toggle its overlay, or change its lens and analysis period.
    Options and the pinned version do not change here: create a new plan, or re-evaluate it
    against another version. Nothing is recomputed: the next ``plan_compute`` uses the new
    lens (the pages' ``plan_set_lens`` does both at once)."""
    if plan.organization_id != organization.pk:
        raise ValueError("This plan belongs to another organization.")
    unknown = set(fields) - set(PLAN_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    changes = {}
    for name, value in fields.items():
        old = getattr(plan, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(plan, name, value)
    if changes:
        plan.clean_fields(exclude=["workload", "catalog_version", "organization", "created_by"])
        plan.save(update_fields=[*changes, "updated_at"])
        record(
            actor=actor, action="plan.update", obj=plan, organization=organization, changes=changes
        )
    return plan
