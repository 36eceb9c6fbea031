"""Routes of the accounts API (included from config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from accounts.api.views import (
    ApiTokenViewSet,
    InvitationViewSet,
    MembershipViewSet,
    OrganizationViewSet,
)

ORG = r"orgs/(?P<org_slug>[-a-zA-Z0-9_]+)"

router = SimpleRouter()
router.register(r"orgs", OrganizationViewSet, basename="org")
router.register(rf"{ORG}/members", MembershipViewSet, basename="org-member")
router.register(rf"{ORG}/invitations", InvitationViewSet, basename="org-invitation")
router.register(r"tokens", ApiTokenViewSet, basename="token")

urlpatterns = router.urls
