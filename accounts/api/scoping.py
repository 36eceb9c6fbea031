"""The base for every organization-scoped API resource.

Organization-scoped resources live under ``/api/v1/orgs/<org_slug>/...``. Build
them on :class:`OrgScopedViewSet`; it

* resolves the organization from the URL for the authenticated user through
  their membership (``self.membership``, ``self.organization``). A non-member
  gets **404**, exactly as for a missing object;
* applies roles: reads need any membership, writes (POST/PUT/PATCH/DELETE) need a
  role that can write (a viewer gets **403**); actions listed in
  ``manage_actions`` need owner/admin. Override ``required_capability()`` for
  anything finer;
* filters ``get_queryset()`` with ``.for_org(organization)`` (or
  ``.filter(organization=...)`` for models without a ``TenantQuerySet``);
* puts ``organization`` and ``membership`` into the serializer context, which
  :class:`OrgScopedPrimaryKeyRelatedField` uses to accept only foreign keys of the
  caller's organization (another organization's id → 400 naming the field, with
  the same message as a missing id);
* checks the rate limit before the organization lookup, so probing slugs counts;
* pages with cursor pagination (``ordering`` must end in a unique field).

Example (a workloads endpoint)::

    # planner/api/views.py
    class WorkloadViewSet(IdempotentCreateMixin, mixins.ListModelMixin,
                          mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                          OrgScopedViewSet):
        queryset = Workload.objects.all()      # required: the tenancy harness reads queryset.model
        serializer_class = WorkloadSerializer
        ordering = ["-created_at", "-pk"]
        ordering_fields = ["created_at", "name"]
        filterset_fields = ["kind"]

        def perform_create(self, serializer):
            serializer.instance = workload_create(
                organization=self.organization, actor=self.request.user,
                **serializer.validated_data,
            )

    class WorkloadSerializer(serializers.ModelSerializer):
        catalog_version = OrgScopedPrimaryKeyRelatedField(queryset=CatalogVersion.objects.all())

    # planner/api/urls.py
    router.register(r"orgs/(?P<org_slug>[-\\w]+)/workloads", WorkloadViewSet, basename="workload")

and include ``planner.api.urls`` from ``config/api_urls.py``. Object routes use the
model's ``pk`` as ``{id}``; the object is looked up inside the organization's
queryset, so another organization's id is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from accounts.api.pagination import ApiCursorPagination
from accounts.api.permissions import Capability, OrgRolePermission, membership_for_slug
from accounts.models import Membership, Organization

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def scope_to_org(queryset: models.QuerySet, organization: Organization | None) -> models.QuerySet:
    """Rows of ``organization`` only (none without one)."""
    if organization is None:
        return queryset.none()
    if hasattr(queryset, "for_org"):
        return queryset.for_org(organization)
    return queryset.filter(organization=organization)


class OrgScopedMixin:
    """The organization-resolving half of :class:`OrgScopedViewSet` (see the module docstring)."""

    org_url_kwarg = "org_slug"
    manage_actions: frozenset[str] = frozenset()
    permission_classes = [IsAuthenticated, OrgRolePermission]
    pagination_class = ApiCursorPagination

    request: Any
    kwargs: dict[str, Any]
    action: str | None

    def get_membership(self) -> Membership:
        membership = getattr(self, "_membership", None)
        if membership is None:
            slug = self.kwargs.get(self.org_url_kwarg)
            if slug is None:
                raise Http404
            membership = membership_for_slug(self.request.user, slug)
            self._membership = membership
        return membership

    @property
    def membership(self) -> Membership:
        return self.get_membership()

    @property
    def organization(self) -> Organization:
        return self.get_membership().organization

    def _resolved_organization(self) -> Organization | None:
        # Schema generation builds views without a request or URL kwargs.
        if getattr(self, "swagger_fake_view", False) or self.org_url_kwarg not in getattr(
            self, "kwargs", {}
        ):
            return None
        return self.organization

    def required_capability(self) -> Capability:
        if self.action in self.manage_actions:
            return "manage"
        if self.request.method in SAFE_METHODS:
            return "read"
        return "write"

    def check_permissions(self, request) -> None:
        self.check_throttles(request)
        self._throttles_checked = True
        super().check_permissions(request)  # type: ignore[misc]

    def check_throttles(self, request) -> None:
        if getattr(self, "_throttles_checked", False):
            return
        super().check_throttles(request)  # type: ignore[misc]

    def get_queryset(self) -> models.QuerySet:
        return scope_to_org(super().get_queryset(), self._resolved_organization())  # type: ignore[misc]

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        organization = self._resolved_organization()
        context["organization"] = organization
        context["membership"] = self.get_membership() if organization is not None else None
        return context


class OrgScopedViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """Add DRF's model mixins (List/Create/Retrieve/Update/Destroy) as needed."""


class OrgScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key limited to the organization in the serializer context.

    An id of another organization fails exactly like an id that does not exist
    ("Invalid pk ... object does not exist.") so nothing leaks across tenants.
    """

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        return scope_to_org(queryset, self.context.get("organization"))
