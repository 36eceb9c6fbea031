"""What the planner's create/read/patch/delete resources share."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins

from accounts.api.idempotency import IdempotentCreateMixin
from accounts.api.scoping import OrgScopedViewSet
from accounts.models import Organization


class OrgCrudViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrgScopedViewSet,
):
    # List, create (idempotent), retrieve, patch and delete one organization's rows.
    # Subclasses set ``queryset`` (the tenancy harness reads its model) and read their rows
    # through a selector in ``org_queryset``. No docstring on purpose: drf-spectacular
    # would publish it as every operation's description.

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        organization = self._resolved_organization()
        if organization is None:
            return self.queryset.none()
        return self.org_queryset(organization)

    def org_queryset(self, organization: Organization) -> QuerySet:
        raise NotImplementedError
