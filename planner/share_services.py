"""Services for read-only plan share links (create, revoke) and the selectors that resolve
a public token and price what it shows. Owners and admins manage (and see) links; the
token is the credential.

A link leaves the organization's private negotiated prices out unless its creator chose
to include them: the shared page then shows the plan priced with the catalog's public
prices (`public_price_results`), and an option that only has a private price is left
out, with a note naming it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts import generations
from accounts.access import require_manage
from accounts.audit import record
from accounts.models import Membership
from accounts.tenancy import system_scope
from planner.bridge import ScenarioError
from planner.bridge import plans as bridge
from planner.models import Comparison, Plan, PlanShareLink

# How long a new link works: the creator's choice, 30 days unless chosen otherwise.
EXPIRY_CHOICES: dict[str, int | None] = {"1": 1, "7": 7, "30": 30, "90": 90, "never": None}
DEFAULT_EXPIRY = "30"


@transaction.atomic
def share_link_create(
    *,
    plan: Plan,
    actor: Any,
    membership: Membership,
    include_private_prices: bool = False,
    expires_in: str = DEFAULT_EXPIRY,
) -> PlanShareLink:
    """A new active link for ``plan``; only owners and admins of its organization (403).

    ``expires_in`` is a key of `EXPIRY_CHOICES` (days, or ``never``); private negotiated
    prices are shown to link holders only with ``include_private_prices``."""
    require_manage(membership)
    if expires_in not in EXPIRY_CHOICES:
        raise ValidationError(
            {"expires_in": f"Choose one of {', '.join(EXPIRY_CHOICES)} (days, or never)."}
        )
    days = EXPIRY_CHOICES[expires_in]
    link = PlanShareLink.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        created_by=actor,
        include_private_prices=bool(include_private_prices),
        expires_at=None if days is None else timezone.now() + timedelta(days=days),
    )
    record(
        actor=actor,
        action="plan.share_link_create",
        obj=link,
        organization=plan.organization,
        changes={
            "plan": plan.pk,
            "include_private_prices": link.include_private_prices,
            "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        },
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


def _unexpired() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def share_links_for_plan(*, plan: Plan):
    """The plan's links that still open it (not revoked, not expired)."""
    return (
        PlanShareLink.objects.filter(plan=plan, revoked_at__isnull=True)
        .filter(_unexpired())
        .select_related("created_by")
    )


def plan_for_share_token(*, token: str) -> tuple[Plan, PlanShareLink]:
    """The plan behind an active token; 404 for unknown, revoked or expired tokens.

    The visitor may belong to no organization at all, so the lookup runs over every
    organization: the token is the credential."""
    if "\x00" in token:  # no token has one, and PostgreSQL refuses it in a query
        raise Http404
    with system_scope("share token is the credential"):
        link = (
            PlanShareLink.objects.select_related("plan__workload", "plan__catalog_version__catalog")
            .filter(token=token, revoked_at__isnull=True)
            .filter(_unexpired())
            .first()
        )
    if link is None:
        raise Http404
    return link.plan, link


@dataclass(frozen=True)
class PublicPricing:
    """The plan priced with public catalog prices only (``results`` None when no option
    has a public price) and the options left out because only a private offer prices them."""

    results: dict | None
    hidden_options: list[str]


def public_price_results_cached(*, plan: Plan) -> PublicPricing:
    """`public_price_results`, cached under the organization's data generation (any write
    of the organization's rows moves it on): a link holder reloading the page does not run
    the engine each time. Not cached when page caching is off or Redis is unreachable."""
    token = generations.generation(plan.organization)
    if token is None:
        return public_price_results(plan=plan)
    cache = caches["fragments"]
    key = f"share-public:{token}:{plan.pk}"
    stored = cache.get(key)
    if stored is not None:
        return PublicPricing(**stored)
    public = public_price_results(plan=plan)
    cache.set(key, asdict(public), settings.TENANT_PAGE_CACHE_SECONDS)
    return public


def public_price_results(*, plan: Plan) -> PublicPricing:
    """The plan's options as they stand, computed against its catalog version without the
    organization's price overlay. An option on a private-only offer (one that replaces no
    public offer) has no public price and is left out, with any hybrid that routes to it."""
    options = bridge.plan_option_rows(plan)
    hidden = {
        option.pk
        for option in options
        if (option.private_api_offer_id and not option.private_api_offer.replaces_id)
        or (option.private_gpu_offer_id and not option.private_gpu_offer.replaces_id)
    }
    hidden |= {o.pk for o in options if o.kind == "hybrid" and o.cheap_option_id in hidden}
    shown = [option for option in options if option.pk not in hidden]
    names = [option.name for option in options if option.pk in hidden]
    if not shown:
        return PublicPricing(results=None, hidden_options=names)
    inputs = bridge.snapshot_of(
        workload=plan.workload,
        version=plan.catalog_version,
        organization=None,
        options=shown,
        hidden_costs=bridge.hidden_costs_of(shown),
        lens=plan.lens,
        analysis_months=float(plan.analysis_months),
    )
    try:
        results = bridge.evaluate(inputs)
    except ScenarioError:
        return PublicPricing(results=None, hidden_options=[option.name for option in options])
    return PublicPricing(results=results, hidden_options=names)


def comparison_uses_private_prices(comparison: Comparison | None) -> bool:
    """Whether a stored comparison was priced with the organization's overlay."""
    return comparison is not None and comparison.overlay_id is not None
