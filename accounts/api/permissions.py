"""Role checks for organization-scoped API views.

Rule: the caller must be a member of the organization named in the URL
(``org_slug``), otherwise 404 exactly as for a missing object. Then the view's
``required_capability()`` decides: ``read`` (any member), ``write`` (not a viewer,
otherwise 403) or ``manage`` (owner or admin, otherwise 403).
"""

from __future__ import annotations

from typing import Literal

from django.http import Http404
from rest_framework.permissions import BasePermission

from accounts import access
from accounts.models import Membership

Capability = Literal["read", "write", "manage"]


def membership_for_slug(user, org_slug: str) -> Membership:
    """The user's membership in the organization with this slug; 404 for non-members."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=org_slug)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


class OrgRolePermission(BasePermission):
    """Needs a view with ``get_membership()`` and ``required_capability()``
    (``OrgScopedViewSet`` provides both). Put it after ``IsAuthenticated``."""

    def has_permission(self, request, view) -> bool:
        membership = view.get_membership()
        capability: Capability = view.required_capability()
        if capability == "write":
            access.require_write(membership)
        elif capability == "manage":
            access.require_manage(membership)
        return True
