from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from accounts.models import Membership

SESSION_KEY = "current_organization_id"
EMAIL_UNVERIFIED_MESSAGE = (
    "Confirm your email address first: open the link we mailed you when you signed up."
)


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


# What an account whose address is not verified yet may reach (accounts/verification.py).
UNVERIFIED_ALLOWED = frozenset(
    {
        "accounts:verify_email_required",
        "accounts:verify_email_resend",
        "accounts:verify_email",
        "accounts:logout",
        "accounts:login",
        "accounts:signup",
        "accounts:signup_done",
    }
)


class EmailVerificationMiddleware:
    """An account whose address is not verified can log in but not act: pages redirect to
    "check your email" and the API answers 403, whatever the method."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.email_verified_at is not None:
            return None
        match = request.resolver_match
        if match is None or match.view_name in UNVERIFIED_ALLOWED or "admin" in match.app_names:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "email_unverified", "message": EMAIL_UNVERIFIED_MESSAGE}},
                status=403,
            )
        return redirect("accounts:verify_email_required")
