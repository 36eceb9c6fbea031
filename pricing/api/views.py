"""Catalog API views. Thin: selectors read, serializers shape.

Public catalog data (published and retired versions and their rows) has no organization
in the URL: any authenticated caller reads it. What is private to an organization (its
price overlay, and the price book with the overlay merged in) lives under
``/api/v1/orgs/{org_slug}/``. Drafts are never served (staff see them in the admin).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.pagination import ApiCursorPagination, CheckedPageSize
from accounts.api.scoping import OrgScopedMixin, OrgScopedViewSet
from pricing import selectors, services
from pricing.api import filters
from pricing.api.serializers import (
    ApiOfferSerializer,
    BenchmarkUploadSerializer,
    CatalogVersionSerializer,
    EffectivePricesPageSerializer,
    EffectivePricesSerializer,
    GpuOfferSerializer,
    HiddenCostSerializer,
    OwnedHardwareSerializer,
    PriceOverlaySerializer,
    PrivateThroughputProfileSerializer,
    ThroughputProfileSerializer,
    VersionDiffSerializer,
)
from pricing.models import (
    LOCKED_STATUSES,
    ApiOffer,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PriceOverlay,
    PrivateThroughputProfile,
    ThroughputProfile,
)


def _version_param(request: Request, name: str) -> CatalogVersion | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        pk = int(raw)
    except ValueError:
        raise ValidationError({name: ["Give the id of a catalog version."]}) from None
    version = selectors.versions_visible_to(None).filter(pk=pk).first() if pk > 0 else None
    if version is None:
        raise ValidationError({name: [f"No published or retired catalog version {raw}."]})
    return version


@extend_schema_view(
    list=extend_schema(summary="Published and retired catalog versions, newest first"),
    retrieve=extend_schema(summary="One catalog version"),
)
class CatalogVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Public reference data: the same for every organization."""

    tenant_scoped = False  # shared reference data (the cross-tenant harness reads this)
    queryset = CatalogVersion.objects.public()
    serializer_class = CatalogVersionSerializer
    pagination_class = ApiCursorPagination
    filterset_class = filters.CatalogVersionFilter
    ordering = ["-effective_date", "-pk"]
    ordering_fields = ["effective_date", "number", "created_at"]

    def get_queryset(self) -> QuerySet[CatalogVersion]:
        return selectors.versions_visible_to(None)

    @extend_schema(
        summary="Price changes between two catalog versions",
        description=(
            "Added, removed and changed prices (API offers, GPU offers, owned hardware, "
            "hidden costs), matched by each row's natural key. `new` defaults to the default "
            "catalog's current version and `old` to the version of `new`'s catalog just "
            "before it (each catalog has its own current version)."
        ),
        parameters=[
            OpenApiParameter("old", OpenApiTypes.INT, description="The earlier version's id."),
            OpenApiParameter("new", OpenApiTypes.INT, description="The later version's id."),
        ],
        responses={200: VersionDiffSerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def diff(self, request: Request) -> Response:
        new = _version_param(request, "new") or selectors.catalog_version_current()
        old = _version_param(request, "old")
        if old is None and new is not None:
            old = selectors.catalog_version_before(new)
        changes = [] if old is None or new is None else selectors.version_diff(old=old, new=new)
        return Response(VersionDiffSerializer({"old": old, "new": new, "changes": changes}).data)


class _VersionRowViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Rows of one public version: ``?version=<id>``, the current published one by default."""

    tenant_scoped = False
    pagination_class = ApiCursorPagination
    ordering = ["position", "pk"]
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        model = self.queryset.model  # type: ignore[union-attr]
        queryset = model.objects.filter(version__status__in=LOCKED_STATUSES)
        if self.related:
            queryset = queryset.select_related(*self.related)
        if "version" not in self.request.query_params:
            current = selectors.catalog_version_current()
            queryset = queryset.filter(version=current) if current else queryset.none()
        return queryset


@extend_schema_view(list=extend_schema(summary="API offers (per 1M tokens) of a catalog version"))
class ApiOfferViewSet(_VersionRowViewSet):
    queryset = ApiOffer.objects.all()
    serializer_class = ApiOfferSerializer
    filterset_class = filters.ApiOfferFilter
    ordering_fields = ["position", "model_name", "provider", "output_per_mtok"]
    related = ("source",)


@extend_schema_view(list=extend_schema(summary="GPU rental offers of a catalog version"))
class GpuOfferViewSet(_VersionRowViewSet):
    queryset = GpuOffer.objects.all()
    serializer_class = GpuOfferSerializer
    filterset_class = filters.GpuOfferFilter
    ordering_fields = ["position", "sku", "gpu_count", "vram_per_gpu_gb"]
    related = ("source",)


@extend_schema_view(list=extend_schema(summary="Hardware you can buy, of a catalog version"))
class OwnedHardwareViewSet(_VersionRowViewSet):
    queryset = OwnedHardware.objects.all()
    serializer_class = OwnedHardwareSerializer
    filterset_class = filters.OwnedHardwareFilter
    ordering_fields = ["position", "name", "vram_gb"]


@extend_schema_view(list=extend_schema(summary="Measured throughput of a catalog version"))
class ThroughputProfileViewSet(_VersionRowViewSet):
    queryset = ThroughputProfile.objects.all()
    serializer_class = ThroughputProfileSerializer
    filterset_class = filters.ThroughputProfileFilter
    ordering_fields = ["position", "setup"]
    related = ("source",)


@extend_schema_view(list=extend_schema(summary="Hidden costs of self-hosting, per month"))
class HiddenCostViewSet(_VersionRowViewSet):
    queryset = HiddenCost.objects.all()
    serializer_class = HiddenCostSerializer
    filterset_class = filters.HiddenCostFilter
    ordering_fields = ["position", "item", "monthly_low", "monthly_high"]


# --- an organization's prices ---------------------------------------------------------------


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    if value is not None and "\x00" in value:
        raise ValidationError({name: ["Null characters are not allowed."]})
    return value or None


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValidationError({name: ["Use true or false."]})


def _positive_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValidationError({name: ["Must be a whole number >= 1."]})
    return value


def _range(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"low": value.low, "high": value.high, "expected": value.expected}


PRICE_FILTERS = [
    OpenApiParameter("provider", str, description="API and GPU offers: provider, exact."),
    OpenApiParameter("model", str, description="API offers: part of the model name."),
    OpenApiParameter("output_only", bool, description="API offers publishing output only."),
    OpenApiParameter("open_weights", bool, description="API offers of open-weight models."),
    OpenApiParameter("sku", str, description="GPU offers: part of the SKU."),
    OpenApiParameter("gpu_count", OpenApiTypes.INT, description="GPU offers: GPUs per offer."),
]


class PriceBookPagination(CheckedPageSize, PageNumberPagination):
    """``?page=`` (from 1) of ``page_size`` rows (default 100, 1 to 500) of a price book:
    its API offers, then its GPU offers. The rows are the merged price book, built in
    memory, so pages are numbered rather than cursors; a malformed ``page_size`` is a 400."""

    page_size = 100
    max_page_size = 500


class EffectivePricesViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """The price book an organization's plans use on a version: public prices with the
    organization's overlay merged in (overrides replace fields, private offers appended)."""

    tenant_scoped = False  # the version is shared; the overlay is the org's (org_slug)
    queryset = CatalogVersion.objects.public()
    serializer_class = EffectivePricesSerializer
    pagination_class = PriceBookPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CatalogVersion]:
        # Public versions are not organization rows: do not scope them.
        return selectors.versions_visible_to(None)

    @extend_schema(
        summary="Your effective prices on a catalog version (public + your private overlay)",
        description="Paginated: `?page=` (from 1) and `?page_size=` (1 to 500, default 100) "
        "rows a page, the API offers first, then the GPU offers; `count`, `api_count` and "
        "`gpu_count` say how many match the filters on all pages, `next` and `previous` link "
        "the neighbouring pages.",
        parameters=[
            *PRICE_FILTERS,
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter(
                "page_size", OpenApiTypes.INT, description="Rows a page, 1 to 500 (default 100)."
            ),
        ],
        responses={200: EffectivePricesPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def prices(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.organization
        version = self.get_object()
        book = selectors.effective_prices(version=version, organization=organization)
        provider, model = _text(request, "provider"), _text(request, "model")
        output_only, open_weights = _flag(request, "output_only"), _flag(request, "open_weights")
        sku, gpu_count = _text(request, "sku"), _positive_int(request, "gpu_count")
        # effective_prices appends private rows in overlay-row pk order: pair them with ids.
        private_api = iter(
            OverlayApiOffer.objects.filter(overlay_id=book.overlay_id, replaces__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        private_gpu = iter(
            OverlayGpuOffer.objects.filter(overlay_id=book.overlay_id, replaces__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        api_rows = []
        for price in book.api_offers:
            row = {
                **price.__dict__,
                "output_only": price.output_only,
                "private_offer_id": next(private_api) if price.is_private else None,
            }
            if provider and price.provider.lower() != provider.lower():
                continue
            if model and model.lower() not in price.model_name.lower():
                continue
            if output_only is not None and price.output_only != output_only:
                continue
            if open_weights is not None and price.open_weights != open_weights:
                continue
            api_rows.append(row)
        gpu_rows = []
        for gpu in book.gpu_offers:
            row = {
                **gpu.__dict__,
                "hourly": _range(gpu.hourly),
                "monthly": _range(gpu.monthly),
                "private_offer_id": next(private_gpu) if gpu.is_private else None,
            }
            if provider and gpu.provider.lower() != provider.lower():
                continue
            if sku and sku.lower() not in gpu.sku.lower():
                continue
            if gpu_count is not None and gpu.gpu_count != gpu_count:
                continue
            gpu_rows.append(row)
        overlay = (
            PriceOverlay.objects.filter(pk=book.overlay_id).only("pk", "name").first()
            if book.overlay_id
            else None
        )
        rows = [("api", row) for row in api_rows] + [("gpu", row) for row in gpu_rows]
        page = self.paginate_queryset(rows) or []
        paginator = self.paginator
        data = {
            "count": len(rows),
            "api_count": len(api_rows),
            "gpu_count": len(gpu_rows),
            "next": paginator.get_next_link(),  # type: ignore[union-attr]
            "previous": paginator.get_previous_link(),  # type: ignore[union-attr]
            "version": version,
            "overlay": overlay,
            "api_offers": [row for kind, row in page if kind == "api"],
            "gpu_offers": [row for kind, row in page if kind == "gpu"],
        }
        return Response(EffectivePricesPageSerializer(data).data)


@extend_schema_view(
    list=extend_schema(summary="Your organization's private price overlays"),
    retrieve=extend_schema(summary="One price overlay with its rows"),
)
class PriceOverlayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    queryset = PriceOverlay.objects.select_related("base_version__catalog").prefetch_related(
        "api_offers", "gpu_offers"
    )
    serializer_class = PriceOverlaySerializer
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "name"]
    filterset_fields = ["base_version"]


@extend_schema_view(
    list=extend_schema(summary="Your organization's own throughput profiles (imported benchmarks)"),
    retrieve=extend_schema(summary="One imported benchmark with every figure read from its file"),
)
class PrivateThroughputProfileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrgScopedViewSet
):
    queryset = PrivateThroughputProfile.objects.all()
    serializer_class = PrivateThroughputProfileSerializer
    ordering = ["-created_at", "-pk"]
    ordering_fields = ["created_at", "name"]
    filterset_fields = ["model_name", "gpu_sku", "precision"]

    parser_classes = [MultiPartParser, FormParser]  # the one write is a file upload

    @extend_schema(
        summary="Import a benchmark result file as a private throughput profile",
        description="multipart/form-data: `file` (vLLM `benchmark_serving` result JSON) and "
        "what the file does not say: `model_name`, `gpu_sku`, `gpu_count`, `precision` "
        "(and `engine`, `name`). The whole file is checked first; a bad field is a 400 on "
        "`file` naming it (\"Field 'output_throughput' is missing.\") and nothing is "
        "written. Use the profile's `id` as a self-host option's "
        "`private_throughput_profile`.",
        request={"multipart/form-data": BenchmarkUploadSerializer},
        responses={201: PrivateThroughputProfileSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = BenchmarkUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = dict(upload.validated_data)
        file = data.pop("file")
        profile = services.private_profile_import(
            organization=self.organization,
            actor=request.user,
            content=file.read(),
            filename=file.name or "",
            **data,
        )
        return Response(
            PrivateThroughputProfileSerializer(profile).data, status=status.HTTP_201_CREATED
        )
