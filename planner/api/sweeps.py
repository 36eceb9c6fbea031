"""/api/v1/orgs/{org_slug}/sweeps/: start a sweep, follow its progress, cancel it, read its
summary and download its grid (CSV / Parquet, the same files as the sweep page)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.errors import Conflict
from accounts.api.idempotency import run_idempotent
from accounts.api.schema import ErrorSerializer
from accounts.api.scoping import OrgScopedViewSet
from planner import sweep_selectors, sweep_services
from planner.api.filters import SweepFilter
from planner.api.plans import IDEMPOTENCY_HEADER
from planner.api.serializers import (
    SweepCancelledSerializer,
    SweepCreateSerializer,
    SweepDetailSerializer,
    SweepSerializer,
    SweepSummarySerializer,
)
from planner.bridge.sweeps import SweepSpecError
from planner.models import Sweep, SweepStatus
from planner.sweep_admission import SweepQuotaError
from planner.sweep_downloads import (
    CONTENT_TYPES,
    RETRY_AFTER_SECONDS,
    DownloadLimitError,
    sweep_download_response,
)

TOP_LEVEL_FIELDS = ("name", "catalog_version", "workload")
DOWNLOAD_ACTIONS = ("results_csv", "results_parquet")


class SweepHasNoResults(Conflict):
    default_detail = "This sweep ended without results."
    default_code = "no_results"


class SweepQuotaReached(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "The organization is at one of its sweep quotas."
    default_code = "sweep_quota"


class TooManyDownloads(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many downloads of this organization's sweeps are running."
    default_code = "too_many_downloads"
    wait = RETRY_AFTER_SECONDS  # sent as Retry-After


def _download_schema(media_type: str) -> Any:
    return extend_schema(
        summary=f"Download the sweep's grid as {media_type.split('/')[-1].split('.')[-1]}",
        description="One row per grid point: volume, input share, utilization, each option's "
        "monthly cost (to the cent) and replicas, and the cheapest option. While the sweep is "
        "queued or running: 202 with its progress (retry later). A cancelled or failed sweep "
        "has no results: 409. An organization runs a few downloads at once; one more is a "
        "429 (retry after Retry-After seconds).",
        responses={
            (200, media_type): OpenApiTypes.BINARY,
            (202, "application/json"): OpenApiResponse(
                SweepSerializer, description="Not finished yet: the sweep's progress."
            ),
            (409, "application/json"): OpenApiResponse(
                ErrorSerializer, description="The sweep ended without results."
            ),
            (429, "application/json"): OpenApiResponse(
                ErrorSerializer, description="Too many downloads of the organization running."
            ),
        },
    )


@extend_schema_view(
    list=extend_schema(summary="Sweeps of the organization, newest first (with progress)"),
    retrieve=extend_schema(summary="One sweep: status and progress (done / total, percent)"),
    create=extend_schema(
        summary="Start a sweep (priced in chunks in the background)",
        description="An organization has a few sweeps queued or running at once and a "
        "number of grid points a day; a start beyond either is a 429 `sweep_quota` saying "
        "which, and nothing is saved.",
        parameters=[IDEMPOTENCY_HEADER],
        request=SweepCreateSerializer,
        responses={
            201: SweepDetailSerializer,
            (429, "application/json"): OpenApiResponse(
                ErrorSerializer, description="At a sweep quota of the organization."
            ),
        },
    ),
)
class SweepViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    OrgScopedViewSet,
):
    queryset = Sweep.objects.all()
    serializer_class = SweepSerializer
    filterset_class = SweepFilter
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "name", "total_points"]

    def get_queryset(self) -> QuerySet[Sweep]:
        organization = self._resolved_organization()
        if organization is None:
            return Sweep.objects.none()
        if self.action == "list":
            return sweep_selectors.sweeps_for_org(organization=organization)
        if self.action == "retrieve":
            return Sweep.objects.for_org(organization).defer("result", "summary")
        if self.action == "summary":
            return Sweep.objects.for_org(organization).defer("result", "spec")
        return Sweep.objects.for_org(organization).defer("result", "spec", "summary")

    def get_serializer_class(self) -> type:
        if self.action == "create":
            return SweepCreateSerializer
        if self.action == "retrieve":
            return SweepDetailSerializer
        return SweepSerializer

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if self.action in DOWNLOAD_ACTIONS:
            # The file itself is a plain HttpResponse; errors and progress are JSON whatever
            # the Accept header asks for.
            renderer = JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return run_idempotent(request, lambda: self._start(request))

    def _start(self, request: Request) -> Response:
        serializer = SweepCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            sweep = sweep_services.sweep_start(
                organization=self.organization,
                actor=request.user,
                **serializer.validated_data,
            )
        except SweepSpecError as exc:
            field = exc.field if exc.field in TOP_LEVEL_FIELDS else f"spec.{exc.field}"
            raise ValidationError({field: [exc.message]}) from None
        except SweepQuotaError as exc:
            raise SweepQuotaReached(str(exc)) from None
        sweep = Sweep.objects.defer("result", "summary").get(pk=sweep.pk)
        return Response(SweepDetailSerializer(sweep).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a queued or running sweep",
        request=None,
        responses={200: SweepCancelledSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sweep = self.get_object()
        cancelled = sweep_services.sweep_cancel(sweep=sweep, actor=request.user)
        sweep = self.get_queryset().get(pk=sweep.pk)
        return Response(SweepCancelledSerializer({"cancelled": cancelled, "sweep": sweep}).data)

    @extend_schema(
        summary="The sweep's results summary (null until it succeeded)",
        responses={200: SweepSummarySerializer},
    )
    @action(detail=True, methods=["get"])
    def summary(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        sweep = self.get_object()
        ready = sweep.status == SweepStatus.SUCCEEDED and bool(sweep.summary)
        body = {"status": sweep.status, "summary": sweep.summary if ready else None}
        return Response(SweepSummarySerializer(body).data)

    def _download(self, fmt: str) -> Any:
        sweep = self.get_object()
        if sweep.status in (SweepStatus.QUEUED, SweepStatus.RUNNING):
            response = Response(SweepSerializer(sweep).data, status=status.HTTP_202_ACCEPTED)
            response["Retry-After"] = "5"
            return response
        try:
            download = sweep_download_response(sweep=sweep, fmt=fmt)
        except DownloadLimitError as exc:
            raise TooManyDownloads(str(exc)) from None
        if download is None:
            raise SweepHasNoResults(f"This sweep is {sweep.status}: it has no results.")
        return download

    @_download_schema(CONTENT_TYPES["csv"])
    @action(detail=True, methods=["get"], url_path="results.csv", url_name="results-csv")
    def results_csv(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._download("csv")

    @_download_schema(CONTENT_TYPES["parquet"])
    @action(detail=True, methods=["get"], url_path="results.parquet", url_name="results-parquet")
    def results_parquet(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return self._download("parquet")
