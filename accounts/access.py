"""Access helpers: the one way views fetch a tenant's object.

Rule for every helper here: the user must hold a membership in the object's
organization, otherwise `Http404` — the same answer as for an object that does
not exist, so nobody can probe what exists. Write variants additionally need a
role that can write, otherwise `PermissionDenied` (403: the caller is a member
and may know the object exists).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from accounts.models import Membership, Organization

M = TypeVar("M", bound=models.Model)


def membership_for(user, organization: Organization) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def get_membership(user, organization_id: int) -> Membership:
    """The user's membership in an organization; 404 for non-members."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization_id=organization_id)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def get_for_member(queryset: models.QuerySet[M], user, pk: object) -> tuple[M, Membership]:
    """A tenant object by primary key, with the user's membership in its organization.

    404 if it does not exist or the user is not a member of its organization.
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        # No join to the memberships here: the membership is read (and required) right
        # after, and every join costs PostgreSQL planning time on each request.
        obj = queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    membership = get_membership(user, obj.organization_id)
    return obj, membership


def get_for_writer(queryset: models.QuerySet[M], user, pk: object) -> tuple[M, Membership]:
    """As `get_for_member`, and the role must be allowed to write (403 otherwise)."""
    obj, membership = get_for_member(queryset, user, pk)
    if not membership.can_write:
        raise PermissionDenied("Your role in this organization is read-only.")
    return obj, membership


def require_write(membership: Membership) -> None:
    if not membership.can_write:
        raise PermissionDenied("Your role in this organization is read-only.")


def require_manage(membership: Membership) -> None:
    if not membership.can_manage:
        raise PermissionDenied("Only owners and admins can do this.")
