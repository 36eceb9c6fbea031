"""/api/v1/orgs/{org_slug}/reevaluations/: what publishing a catalog version did to the
organization's plans (issue 17 item 4), read-only and newest first: one row per plan and
run, pending while the run goes on, with the flag, the options left out (and the closest
offers) and the offers found under another name."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from accounts.api.scoping import OrgScopedViewSet
from planner.api.filters import PlanReevaluationFilter
from planner.models import PlanReevaluation


class LeftOutSerializer(serializers.Serializer):
    option = serializers.CharField(help_text="The option that was left out of the plan.")
    uses = serializers.CharField(help_text="The offer (or GPU, hardware) it used.")
    suggestions = serializers.ListField(
        child=serializers.CharField(), help_text="The closest offers the new version has."
    )
    depends_on = serializers.CharField(
        help_text="For a hybrid: the cheap route that was left out, which took it along."
    )


class PlanReevaluationSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(source="run_id", read_only=True)
    version = serializers.IntegerField(
        source="run.version_id", read_only=True, help_text="The version published."
    )
    run_status = serializers.CharField(source="run.status", read_only=True)
    left_out = LeftOutSerializer(many=True, read_only=True)
    matched_by_alias = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Offers found under another name (old → new).",
    )

    class Meta:
        model = PlanReevaluation
        fields = [
            "id",
            "run",
            "run_status",
            "version",
            "plan",
            "from_version",
            "status",
            "comparison_number",
            "flag",
            "left_out",
            "matched_by_alias",
            "error",
            "finished_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="What publishing catalog versions did to your plans"),
    retrieve=extend_schema(summary="One plan's re-evaluation in a run"),
)
class PlanReevaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    queryset = PlanReevaluation.objects.select_related("run")
    serializer_class = PlanReevaluationSerializer
    ordering = ["-pk"]
    ordering_fields = ["pk"]
    filterset_class = PlanReevaluationFilter
