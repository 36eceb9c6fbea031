"""Services for read-only plan share links (create, revoke) and the selector that
resolves a public token. Owners and admins manage links; the token is the credential."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.access import require_manage
from accounts.audit import record
from accounts.models import Membership
from accounts.tenancy import system_scope
from planner.models import Plan, PlanShareLink


@transaction.atomic
def share_link_create(*, plan: Plan, actor: Any, membership: Membership) -> PlanShareLink:
    """A new active link for ``plan``; only owners and admins of its organization (403)."""
    require_manage(membership)
    link = PlanShareLink.objects.create(
        organization_id=plan.organization_id, plan=plan, created_by=actor
    )
    record(
        actor=actor,
        action="plan.share_link_create",
        obj=link,
        organization=plan.organization,
        changes={"plan": plan.pk},
    )
    return link


@transaction.atomic
def share_link_revoke(*, link: PlanShareLink, actor: Any, membership: Membership) -> bool:
    """Revoke ``link`` (idempotent: False if it was already revoked)."""
    require_manage(membership)
    updated = PlanShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if updated:
        record(
            actor=actor, action="plan.share_link_revoke", obj=link, organization=link.organization
        )
    return bool(updated)


def share_links_for_plan(*, plan: Plan):
    return PlanShareLink.objects.filter(plan=plan, revoked_at__isnull=True).select_related(
        "created_by"
    )


def plan_for_share_token(*, token: str) -> tuple[Plan, PlanShareLink]:
    """The plan behind an active token; 404 for unknown or revoked tokens.

    The visitor may belong to no organization at all, so the lookup runs over every
    organization: the token is the credential."""
    with system_scope("share token is the credential"):
        link = (
            PlanShareLink.objects.select_related("plan__workload", "plan__catalog_version__catalog")
            .filter(token=token, revoked_at__isnull=True)
            .first()
        )
    if link is None:
        raise Http404
    return link.plan, link
