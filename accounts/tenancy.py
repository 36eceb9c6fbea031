"""The one mechanism that scopes tenant-owned rows to an organization.

Every tenant-owned model inherits `TenantModel`; lists are fetched with
`Model.objects.for_org(org)` and single objects through `accounts.access`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Organization


class TenantQuerySet(models.QuerySet):
    def for_org(self, organization: Organization) -> TenantQuerySet:
        return self.filter(organization=organization)

    def for_user(self, user: Any) -> TenantQuerySet:
        """Rows of every organization `user` belongs to."""
        return self.filter(organization__memberships__user=user)


class TenantModel(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
