from __future__ import annotations

from django.http import HttpRequest

from accounts.middleware import user_memberships


def current_organization(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    if (
        membership is None
        or not getattr(request, "user", None)
        or not request.user.is_authenticated
    ):
        return {}
    if not membership:  # SimpleLazyObject wrapping None
        return {}

    return {
        "current_membership": membership,
        "current_organization": membership.organization,
        "all_memberships": lambda: user_memberships(request),
    }
