"""/api/v1/orgs/{org_slug}/plans/: plans with their options, compute and re-evaluate.

Every foreign key in a plan body is checked against the caller's organization (workload,
private overlay rows) and against the plan's pinned catalog version (catalog rows): a bad
one is a 400 naming the field (``options.1.private_api_offer``) and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.idempotency import run_idempotent
from accounts.api.pagination import ApiCursorPagination
from accounts.api.schema import IDEMPOTENCY_HEADER
from accounts.models import Organization
from planner import selectors, services
from planner.api.base import OrgCrudViewSet
from planner.api.filters import PlanFilter
from planner.api.serializers import (
    ComparisonDetailSerializer,
    ComparisonSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
    ReevaluatedSerializer,
    ReevaluateSerializer,
)
from planner.api.writes import plan_update
from planner.models import Plan, PlanOption

PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The pagination cursor value."),
    OpenApiParameter("page_size", int, description="Results per page (1 to 200, default 50)."),
]


def _options() -> Prefetch:
    return Prefetch(
        "options",
        queryset=PlanOption.objects.order_by("position", "pk").prefetch_related("hidden_costs"),
    )


@extend_schema_view(
    list=extend_schema(summary="Plans of the organization, with options and latest comparison"),
    create=extend_schema(
        summary="Create a plan with its options",
        parameters=[IDEMPOTENCY_HEADER],
        description="Each option is `api` (an `api_offer` or `private_api_offer`), `selfhost` "
        "(`model_name` plus one of `gpu_offer` / `private_gpu_offer`, or `owned_hardware` with "
        '`rent_mode: "owned"`) or `hybrid` (`api_offer` as the premium route, `cheap_ref` = '
        "index of an earlier option, `routed_share`). Catalog rows must be of "
        "`catalog_version`; private rows of your overlay on it. `lens` (`full` | `marginal`) "
        "and `analysis_months` (1 to 240) choose how self-host costs are counted; an owned "
        "option takes its finance fields (`server_price`, `useful_life_years`, "
        "`cost_of_capital`...), empty ones come from the catalog hardware.",
    ),
    retrieve=extend_schema(summary="One plan"),
    partial_update=extend_schema(
        summary="Rename a plan, change its description, overlay use, lens or analysis period",
        description="Changing `lens` or `analysis_months` recomputes nothing: the stored "
        "comparisons keep the lens they were computed under. Call "
        "`POST /plans/{id}/compute/` afterwards for a comparison under the new lens.",
        request=PlanUpdateSerializer,
        responses={200: PlanSerializer},
    ),
    destroy=extend_schema(summary="Delete a plan and its comparisons"),
)
class PlanViewSet(OrgCrudViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering = ["-updated_at", "-pk"]
    ordering_fields = ["updated_at", "created_at", "name"]

    def org_queryset(self, organization: Organization) -> QuerySet[Plan]:
        return selectors.plans_for_org(organization=organization).prefetch_related(_options())

    def get_serializer_class(self) -> type:
        if self.action in ("update", "partial_update"):
            return PlanUpdateSerializer
        return PlanSerializer

    def perform_create(self, serializer: PlanSerializer) -> None:
        data = dict(serializer.validated_data)
        options = [dict(option) for option in data.pop("options")]
        plan = services.plan_create(
            organization=self.organization, actor=self.request.user, options=options, **data
        )
        serializer.instance = self.get_queryset().get(pk=plan.pk)

    def perform_update(self, serializer: PlanUpdateSerializer) -> None:
        plan_update(
            organization=self.organization,
            actor=self.request.user,
            plan=serializer.instance,
            **serializer.validated_data,
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance: Plan) -> None:
        services.plan_delete(plan=instance, actor=self.request.user)

    def _plan(self) -> Plan:
        """The plan of the URL for the actions, without the list's prefetches (404 if not ours)."""
        plan = get_object_or_404(Plan.objects.for_org(self.organization), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, plan)
        return plan

    @extend_schema(
        summary="Compute the plan now: a new numbered comparison",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ComparisonDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def compute(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def handler() -> Response:
            plan = self._plan()
            comparison = services.plan_compute(plan=plan, actor=request.user)
            return Response(
                ComparisonDetailSerializer(comparison).data, status=status.HTTP_201_CREATED
            )

        return run_idempotent(request, handler)

    @extend_schema(
        summary="Re-evaluate the plan against another published catalog version",
        description="Moves the plan to `version`, computes it, and sets the plan's flag when "
        "the recommendation or the cheapest option changed or an option was left out. Each "
        "offer is found by natural key, else by model identity (the same canonical model "
        "from the same seller, whatever the version calls it: `GPT-5 (OpenAI)` is LiteLLM's "
        "`gpt-5`). An option the version has no offer for is left out of the plan and "
        "listed in `left_out` with the closest offers; a 400 only when none of the plan's "
        "options is in the version (the plan is then unchanged).",
        request=ReevaluateSerializer,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ReevaluatedSerializer},
    )
    @action(detail=True, methods=["post"])
    def reevaluate(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def handler() -> Response:
            plan = self._plan()
            serializer = ReevaluateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            comparison = services.plan_reevaluate(
                plan=plan, version=serializer.validated_data["version"], actor=request.user
            )
            body = {
                "comparison": comparison,
                "flag": comparison.flag_raised,
                "left_out": [item.as_dict() for item in comparison.left_out],
                "matched_by_alias": comparison.matched_by_alias,
            }
            return Response(ReevaluatedSerializer(body).data, status=status.HTTP_201_CREATED)

        return run_idempotent(request, handler)

    @extend_schema(
        summary="Comparisons of the plan, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: ComparisonSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def comparisons(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self._plan()
        paginator = ApiCursorPagination()
        paginator.ordering = "-number"
        # No view: the plan list's ?ordering= fields do not apply to comparisons.
        page = paginator.paginate_queryset(
            selectors.comparisons_for_plan(plan=plan).defer("results"), request, view=None
        )
        return paginator.get_paginated_response(ComparisonSerializer(page, many=True).data)
