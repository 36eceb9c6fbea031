"""/api/v1/orgs/{org_slug}/workloads/: CRUD; the services validate, audit and save."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from accounts.models import Organization
from planner import selectors, services
from planner.api.base import OrgCrudViewSet
from planner.api.filters import WorkloadFilter
from planner.api.serializers import WorkloadSerializer
from planner.models import Workload


@extend_schema_view(
    list=extend_schema(summary="Workloads of the organization"),
    create=extend_schema(summary="Create a workload (give tokens_per_day or tokens_per_month)"),
    retrieve=extend_schema(summary="One workload"),
    partial_update=extend_schema(summary="Change a workload"),
    destroy=extend_schema(summary="Delete a workload (not while plans use it)"),
)
class WorkloadViewSet(OrgCrudViewSet):
    queryset = Workload.objects.all()
    serializer_class = WorkloadSerializer
    filterset_class = WorkloadFilter
    ordering = ["name", "pk"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def org_queryset(self, organization: Organization) -> QuerySet[Workload]:
        return selectors.workloads_for_org(organization=organization)

    def perform_create(self, serializer: WorkloadSerializer) -> None:
        serializer.instance = services.workload_create(
            organization=self.organization, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: WorkloadSerializer) -> None:
        serializer.instance = services.workload_update(
            organization=self.organization,
            actor=self.request.user,
            workload=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: Workload) -> None:
        services.workload_delete(
            organization=self.organization, actor=self.request.user, workload=instance
        )
