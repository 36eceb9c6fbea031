from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Membership


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

    def memberships():
        return Membership.objects.select_related("organization").filter(user=request.user)

    return {
        "current_membership": membership,
        "current_organization": membership.organization,
        "all_memberships": memberships,
    }
