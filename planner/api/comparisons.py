"""/api/v1/orgs/{org_slug}/comparisons/: stored computations of plans (read-only)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from accounts.api.scoping import OrgScopedViewSet
from planner.api.filters import ComparisonFilter
from planner.api.serializers import ComparisonDetailSerializer, ComparisonSerializer
from planner.models import Comparison


@extend_schema_view(
    list=extend_schema(summary="Comparisons of the organization's plans, newest first"),
    retrieve=extend_schema(
        summary="One comparison: results, recommendation and reasons",
        responses={200: ComparisonDetailSerializer},
    ),
)
class ComparisonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    queryset = Comparison.objects.all()
    serializer_class = ComparisonSerializer
    filterset_class = ComparisonFilter
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "number", "tokens_per_month"]

    def get_queryset(self) -> QuerySet[Comparison]:
        queryset = super().get_queryset().defer("inputs")
        if self.action == "list":
            return queryset.defer("inputs", "results")
        return queryset

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return ComparisonDetailSerializer
        return ComparisonSerializer
