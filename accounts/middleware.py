from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from accounts.models import Membership

SESSION_KEY = "current_organization_id"


def user_memberships(request: HttpRequest) -> list[Membership]:
    """The request user's memberships with their organizations, oldest first: read once
    per request for both the current organization and the page's switcher."""
    memberships = getattr(request, "_user_memberships", None)
    if memberships is None:
        memberships = list(
            Membership.objects.select_related("organization")
            .filter(user=request.user)
            .order_by("created_at", "pk")
        )
        request._user_memberships = memberships  # type: ignore[attr-defined]
    return memberships


def _current_membership(request: HttpRequest) -> Membership | None:
    if not request.user.is_authenticated:
        return None
    memberships = user_memberships(request)
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.organization_id == chosen:
            return membership
    return memberships[0] if memberships else None


class CurrentOrganizationMiddleware:
    """Puts the membership of the organization the user is working in on `request.membership`.

    The organization is chosen with the switcher and kept in the session; a
    user who left that organization falls back to their oldest membership.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: _current_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)
