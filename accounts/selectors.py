"""Selectors that read accounts data. Each returns a queryset ready to render (no N+1)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization, Role, User

# Owners first, viewers last, on the members page.
_ROLE_RANK = Case(
    *(When(role=role.value, then=Value(rank)) for rank, role in enumerate(Role)),
    default=Value(len(Role)),
    output_field=IntegerField(),
)


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """Every membership of `user`, with its organization, by organization name."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    """The memberships of `organization` with their users: owners first, then by email."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .annotate(role_rank=_ROLE_RANK)
        .order_by("role_rank", "user__email")
    )


def invitations_pending(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations of `organization` not yet accepted, revoked or expired, newest first."""
    return (
        Invitation.objects.filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation with `token` (usable or not), or None."""
    if "\x00" in token:  # no token has one, and PostgreSQL refuses it in a query
        return None
    return Invitation.objects.select_related("organization").filter(token=token).first()


def owner_count(*, organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()
