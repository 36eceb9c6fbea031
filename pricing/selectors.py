"""Selectors: how other apps read catalogs. Small, typed, keyword-only where it helps.

Public catalog versions (published and retired) are readable by every logged-in
member; a `PriceOverlay` is only ever merged in for its own organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import Organization
from pricing import catalog_format as fmt
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogVersion,
    EngineFigure,
    FigureSection,
    GpuOffer,
    HiddenCost,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PriceOverlay,
    PrivateThroughputProfile,
    Range,
    VolumeTier,
)


def catalog_default() -> Catalog | None:
    """The catalog new plans use: the one marked default, else the catalog of the first
    version ever published (the reference catalog on a fresh install)."""
    marked = Catalog.objects.filter(is_default=True).first()
    if marked is not None:
        return marked
    first = (
        CatalogVersion.objects.public()
        .select_related("catalog")
        .order_by("published_at", "pk")
        .first()
    )
    return first.catalog if first is not None else None


def catalog_version_current(*, catalog: Catalog | None = None) -> CatalogVersion | None:
    """A catalog's current version: its latest published one (by effective date, then
    publication). Without ``catalog``, the default catalog's (`catalog_default`): each
    catalog has its own current version, so publishing an imported price list never
    becomes current for another catalog."""
    published = (
        CatalogVersion.objects.published()
        .select_related("catalog")
        .order_by("-effective_date", "-published_at", "-pk")
    )
    if catalog is not None:
        return published.filter(catalog=catalog).first()
    # One query when a catalog is marked default (the usual case).
    current = published.filter(catalog__is_default=True).first()
    if current is not None:
        return current
    catalog = catalog_default()
    return published.filter(catalog=catalog).first() if catalog is not None else None


def catalog_versions_current() -> dict[int, CatalogVersion]:
    """Every catalog's current version, by catalog id (one query)."""
    current: dict[int, CatalogVersion] = {}
    for version in (
        CatalogVersion.objects.published()
        .select_related("catalog")
        .order_by("-effective_date", "-published_at", "-pk")
    ):
        current.setdefault(version.catalog_id, version)
    return current


def catalog_current_version_id(catalog_field: str) -> Subquery:
    """An annotation: the pk of the current version of the catalog in ``catalog_field``
    (e.g. ``"catalog_version__catalog_id"``), as `catalog_version_current` picks it; a page
    reads it with its own row instead of asking `catalog_version_newer` separately."""
    return Subquery(
        CatalogVersion.objects.published()
        .filter(catalog_id=OuterRef(catalog_field))
        .order_by("-effective_date", "-published_at", "-pk")
        .values("pk")[:1]
    )


def catalog_version_newer(
    version: CatalogVersion, *, current: dict[int, CatalogVersion] | None = None
) -> CatalogVersion | None:
    """The current version of ``version``'s catalog when it is newer than ``version`` (so
    a plan pinned to ``version`` can be re-evaluated on it), else None. A version with a
    later effective date than its catalog's current one (retired early) has nothing newer.
    ``current``: `catalog_versions_current()`, for a caller asking about many versions."""
    if current is not None:
        latest = current.get(version.catalog_id)
    else:
        latest = (
            CatalogVersion.objects.published()
            .filter(catalog_id=version.catalog_id)
            .select_related("catalog")
            .order_by("-effective_date", "-published_at", "-pk")
            .first()
        )
    return _newer(latest, version)


def catalog_version_newer_than(
    version: CatalogVersion, *, current_id: int | None
) -> CatalogVersion | None:
    """As `catalog_version_newer`, given the catalog's current version's pk read with the
    caller's own row (`catalog_current_version_id`): no query unless it is another one."""
    if current_id is None or current_id == version.pk:
        return None
    latest = CatalogVersion.objects.select_related("catalog").filter(pk=current_id).first()
    return _newer(latest, version)


def _newer(latest: CatalogVersion | None, version: CatalogVersion) -> CatalogVersion | None:
    if latest is None or latest.pk == version.pk:
        return None
    return latest if latest.effective_date >= version.effective_date else None


def catalog_version_before(version: CatalogVersion) -> CatalogVersion | None:
    """The public version of the same catalog just before ``version`` (by effective date,
    then number): what a diff compares a version with by default."""
    return (
        CatalogVersion.objects.public()
        .filter(catalog_id=version.catalog_id)
        .exclude(pk=version.pk)
        .filter(
            Q(effective_date__lt=version.effective_date)
            | Q(effective_date=version.effective_date, number__lt=version.number)
        )
        .select_related("catalog")
        .order_by("-effective_date", "-number")
        .first()
    )


def versions_visible_to(organization: Organization | None) -> QuerySet[CatalogVersion]:
    """Published and retired public versions, newest first. Drafts are staff-only (admin).

    The organization does not narrow public versions; it is explicit so a later
    private-catalog rule has one place to go.
    """
    return (
        CatalogVersion.objects.public()
        .select_related("catalog", "published_by")
        .order_by("-effective_date", "-pk")
    )


def api_offers(
    version: CatalogVersion, provider: str | None = None, model: str | None = None
) -> QuerySet[ApiOffer]:
    qs = ApiOffer.objects.filter(version=version).select_related("source")
    if provider:
        qs = qs.filter(provider__iexact=provider)
    if model:
        qs = qs.filter(model_name__icontains=model)
    return qs


def gpu_offers(version: CatalogVersion, sku: str | None = None) -> QuerySet[GpuOffer]:
    qs = GpuOffer.objects.filter(version=version).select_related("source")
    if sku:
        qs = qs.filter(sku__icontains=sku)
    return qs


def overlay_for(
    *, version: CatalogVersion, organization: Organization | None
) -> PriceOverlay | None:
    if organization is None:
        return None
    return PriceOverlay.objects.for_org(organization).filter(base_version=version).first()


def private_price_overlays(*, organization: Organization) -> QuerySet[PriceOverlay]:
    """The organization's overlays (one per catalog version it priced), newest version
    first, with how many API and GPU prices each holds."""
    return (
        PriceOverlay.objects.for_org(organization)
        .select_related("base_version__catalog")
        .annotate(
            api_count=Count("api_offers", distinct=True),
            gpu_count=Count("gpu_offers", distinct=True),
        )
        .order_by("-base_version__effective_date", "-base_version__pk")
    )


def private_prices_left_behind(
    *, organization: Organization, source: CatalogVersion, target: CatalogVersion
) -> bool:
    """Whether the organization has prices on ``source`` and none on ``target`` (a plan
    moved from one to the other would lose them: copy them first)."""
    versions = set(
        PriceOverlay.objects.for_org(organization)
        .filter(base_version__in=[source.pk, target.pk])
        .values_list("base_version_id", flat=True)
    )
    return source.pk in versions and target.pk not in versions


def private_prices(*, organization: Organization, version: CatalogVersion) -> dict[str, Any]:
    """The organization's private prices on ``version``: its overlay there (or None) and
    the overlay's API and GPU rows, each with the catalog offer it overrides."""
    overlay = overlay_for(version=version, organization=organization)
    if overlay is None:
        return {"overlay": None, "api_rows": [], "gpu_rows": []}
    return {
        "overlay": overlay,
        "api_rows": list(
            OverlayApiOffer.objects.filter(overlay=overlay)
            .select_related("replaces__source")
            .order_by(
                F("replaces_id").asc(nulls_last=True), "replaces__model_name", "model_name", "pk"
            )
        ),
        "gpu_rows": list(
            OverlayGpuOffer.objects.filter(overlay=overlay)
            .select_related("replaces__source")
            .order_by(F("replaces_id").asc(nulls_last=True), "replaces__sku", "sku", "pk")
        ),
    }


# --- the merged price book -------------------------------------------------------------


@dataclass(frozen=True)
class ApiPrice:
    offer_id: int | None  # the public offer (None for a private offer)
    model_name: str
    provider: str
    offer_key: str
    source_description: str
    license: str
    open_weights: bool
    input_per_mtok: Decimal | None
    output_per_mtok: Decimal
    cached_input_per_mtok: Decimal | None
    currency: str
    params_total_b: Decimal | None = None
    params_active_b: Decimal | None = None
    is_private: bool = False
    is_overridden: bool = False
    notes: str = ""
    cache_write_per_mtok: Decimal | None = None
    # The catalog's service tiers ({"batch": {"input": n, ...}}) and context tiers
    # ([{"above_tokens": n, "input": n, ...}]) as stored; the plan snapshot passes them to
    # the engine, which prices them for the workload's traffic.
    service_tiers: dict[str, Any] = field(default_factory=dict)
    context_tiers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def service_tier_names(self) -> tuple[str, ...]:
        return tuple(t for t in fmt.SERVICE_TIERS if t in self.service_tiers)

    @property
    def context_tier_thresholds(self) -> tuple[int, ...]:
        return tuple(t["above_tokens"] for t in self.context_tiers)

    @property
    def output_only(self) -> bool:
        return self.input_per_mtok is None


@dataclass(frozen=True)
class GpuPrice:
    offer_id: int | None
    sku: str
    gpu_count: int
    vram_per_gpu_gb: Decimal | None
    hourly: Range
    monthly: Range | None
    spot_hourly: Decimal | None
    reserved_hourly: Decimal | None
    region: str
    provider: str
    offer_key: str
    source_description: str
    is_private: bool = False
    is_overridden: bool = False
    notes: str = ""

    @property
    def vram_total_gb(self) -> Decimal | None:
        return None if self.vram_per_gpu_gb is None else self.vram_per_gpu_gb * self.gpu_count


@dataclass(frozen=True)
class PriceBook:
    version_id: int
    currency: str
    overlay_id: int | None
    api_offers: tuple[ApiPrice, ...] = field(default_factory=tuple)
    gpu_offers: tuple[GpuPrice, ...] = field(default_factory=tuple)


def _api_price(offer: ApiOffer, currency: str) -> ApiPrice:
    return ApiPrice(
        offer_id=offer.pk,
        model_name=offer.model_name,
        provider=offer.provider,
        offer_key=offer.source.key,
        source_description=offer.source.description,
        license=offer.license,
        open_weights=offer.open_weights,
        input_per_mtok=offer.input_per_mtok,
        output_per_mtok=offer.output_per_mtok,
        cached_input_per_mtok=offer.cached_input_per_mtok,
        currency=offer.currency or currency,
        params_total_b=offer.params_total_b,
        params_active_b=offer.params_active_b,
        cache_write_per_mtok=offer.cache_write_per_mtok,
        service_tiers=offer.service_tiers or {},
        context_tiers=offer.context_tiers or [],
    )


def _gpu_price(offer: GpuOffer) -> GpuPrice:
    return GpuPrice(
        offer_id=offer.pk,
        sku=offer.sku,
        gpu_count=offer.gpu_count,
        vram_per_gpu_gb=offer.vram_per_gpu_gb,
        hourly=offer.hourly_range,
        monthly=offer.monthly_range,
        spot_hourly=offer.spot_hourly,
        reserved_hourly=offer.reserved_hourly,
        region=offer.region,
        provider=offer.provider,
        offer_key=offer.source.key,
        source_description=offer.source.description,
    )


def _or(new: Any, old: Any) -> Any:
    return old if new is None else new


def effective_prices(*, version: CatalogVersion, organization: Organization | None) -> PriceBook:
    """The version's public prices with `organization`'s overlay (if any) merged in.

    Override rows replace fields of the offer they name (empty fields inherit);
    private rows are appended. No other organization's overlay is ever read.
    """
    api = {o.pk: _api_price(o, version.currency) for o in api_offers(version)}
    gpus = {g.pk: _gpu_price(g) for g in gpu_offers(version)}
    overlay = overlay_for(version=version, organization=organization)
    private_api: list[ApiPrice] = []
    private_gpu: list[GpuPrice] = []
    if overlay is not None:
        for row in OverlayApiOffer.objects.filter(overlay=overlay).order_by("pk"):
            base = api.get(row.replaces_id) if row.replaces_id else None
            if base is not None:
                api[base.offer_id] = ApiPrice(  # type: ignore[index]
                    **{
                        **base.__dict__,
                        "input_per_mtok": _or(row.input_per_mtok, base.input_per_mtok),
                        "output_per_mtok": _or(row.output_per_mtok, base.output_per_mtok),
                        "cached_input_per_mtok": _or(
                            row.cached_input_per_mtok, base.cached_input_per_mtok
                        ),
                        "is_overridden": True,
                        "notes": row.notes,
                    }
                )
            elif row.replaces_id is None:
                private_api.append(
                    ApiPrice(
                        offer_id=None,
                        model_name=row.model_name,
                        provider=row.provider,
                        offer_key=row.offer_key,
                        source_description=f"Private prices of {organization}",
                        license="",
                        open_weights=False,
                        input_per_mtok=row.input_per_mtok,
                        output_per_mtok=row.output_per_mtok,  # type: ignore[arg-type]
                        cached_input_per_mtok=row.cached_input_per_mtok,
                        currency=version.currency,
                        is_private=True,
                        notes=row.notes,
                    )
                )
        for row in OverlayGpuOffer.objects.filter(overlay=overlay).order_by("pk"):
            base_gpu = gpus.get(row.replaces_id) if row.replaces_id else None
            if base_gpu is not None:
                hourly = base_gpu.hourly if row.hourly is None else Range(row.hourly, row.hourly)
                monthly = (
                    base_gpu.monthly if row.monthly is None else Range(row.monthly, row.monthly)
                )
                gpus[base_gpu.offer_id] = GpuPrice(  # type: ignore[index]
                    **{
                        **base_gpu.__dict__,
                        "hourly": hourly,
                        "monthly": monthly,
                        "is_overridden": True,
                        "notes": row.notes,
                    }
                )
            elif row.replaces_id is None:
                private_gpu.append(
                    GpuPrice(
                        offer_id=None,
                        sku=row.sku,
                        gpu_count=row.gpu_count or 1,
                        vram_per_gpu_gb=row.vram_per_gpu_gb,
                        hourly=Range(row.hourly, row.hourly),  # type: ignore[arg-type]
                        monthly=None if row.monthly is None else Range(row.monthly, row.monthly),
                        spot_hourly=None,
                        reserved_hourly=None,
                        region="",
                        provider="",
                        offer_key=row.offer_key,
                        source_description=f"Private prices of {organization}",
                        is_private=True,
                        notes=row.notes,
                    )
                )
    return PriceBook(
        version_id=version.pk,
        currency=version.currency,
        overlay_id=overlay.pk if overlay else None,
        api_offers=(*api.values(), *private_api),
        gpu_offers=(*gpus.values(), *private_gpu),
    )


# --- engine figures --------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogAssumptions:
    spot_discount: Range | None
    hidden_cost_multiplier: Range | None
    devops_hours_per_month: Range | None
    devops_hourly_rate: Range | None
    owned_maintenance_per_year: Range | None
    owned_facilities_per_kw_monthly: Range | None
    availability: dict[str, Range]
    p99_latency_s: dict[str, Range]
    month_hours: int


def catalog_assumptions(version: CatalogVersion) -> CatalogAssumptions:
    """The engine's figures of a version; exact values come back as Range(x, x)."""
    singles: dict[str, Range] = {}
    keyed: dict[str, dict[str, Range]] = {
        s: {} for s in (FigureSection.AVAILABILITY, FigureSection.P99_LATENCY)
    }
    for figure in EngineFigure.objects.filter(version=version):
        if figure.key:
            keyed.setdefault(figure.section, {})[figure.key] = figure.as_range
        else:
            singles[figure.section] = figure.as_range
    return CatalogAssumptions(
        spot_discount=singles.get(FigureSection.SPOT_DISCOUNT),
        hidden_cost_multiplier=singles.get(FigureSection.HIDDEN_COST_MULTIPLIER),
        devops_hours_per_month=singles.get(FigureSection.DEVOPS_HOURS),
        devops_hourly_rate=singles.get(FigureSection.DEVOPS_RATE),
        owned_maintenance_per_year=singles.get(FigureSection.OWNED_MAINTENANCE),
        owned_facilities_per_kw_monthly=singles.get(FigureSection.OWNED_FACILITIES),
        availability=keyed[FigureSection.AVAILABILITY],
        p99_latency_s=keyed[FigureSection.P99_LATENCY],
        month_hours=version.month_hours,
    )


def volume_tiers(version: CatalogVersion) -> QuerySet[VolumeTier]:
    return VolumeTier.objects.filter(version=version)


# --- diff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceChange:
    kind: str  # "added" | "removed" | "changed"
    section: str  # "api" | "gpu" | "hardware" | "hidden"
    key: tuple[Any, ...]
    field: str
    old: Decimal | None
    new: Decimal | None
    pct_change: Decimal | None

    @property
    def key_label(self) -> str:
        return " · ".join(str(k) for k in self.key if k not in ("", None))


def pct_change(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    if old is None or new is None or old == 0:
        return None
    return ((new - old) / old * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _gpu_key(g: GpuOffer) -> tuple[Any, ...]:
    extra = (g.region, g.provider) if (g.region or g.provider) else ()
    return (g.sku, g.gpu_count, g.source.key, *extra)


DIFF_SPEC: tuple[tuple[str, Any, Any, tuple[str, ...], str], ...] = (
    (
        "api",
        lambda v: ApiOffer.objects.filter(version=v).select_related("source"),
        lambda o: (o.model_name, o.provider, o.source.key),
        ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok"),
        "output_per_mtok",
    ),
    (
        "gpu",
        lambda v: GpuOffer.objects.filter(version=v).select_related("source"),
        _gpu_key,
        (
            "hourly",
            "hourly_low",
            "hourly_high",
            "monthly",
            "monthly_low",
            "monthly_high",
            "spot_hourly",
            "spot_discount",
            "reserved_hourly",
        ),
        "hourly_expected",
    ),
    (
        "hardware",
        lambda v: OwnedHardware.objects.filter(version=v),
        lambda h: (h.name,),
        ("price", "price_low", "price_high", "power_w", "server_base_w"),
        "price_expected",
    ),
    (
        "hidden",
        lambda v: HiddenCost.objects.filter(version=v),
        lambda c: (c.item,),
        ("monthly_low", "monthly_high"),
        "monthly_expected",
    ),
)


def _headline(section: str, row: Any) -> Decimal | None:
    if section == "api":
        return row.output_per_mtok
    if section == "gpu":
        return row.hourly_range.expected
    if section == "hardware":
        return row.price_range.expected
    return row.monthly.expected


def version_diff(*, old: CatalogVersion, new: CatalogVersion) -> list[PriceChange]:
    """Added / removed / changed prices from `old` to `new`, keyed by each row's natural key."""
    changes: list[PriceChange] = []
    for section, rows_of, key_of, fields, headline in DIFF_SPEC:
        before = {key_of(r): r for r in rows_of(old)}
        after = {key_of(r): r for r in rows_of(new)}
        for key, row in after.items():
            if key not in before:
                value = _headline(section, row)
                changes.append(PriceChange("added", section, key, headline, None, value, None))
        for key, row in before.items():
            if key not in after:
                value = _headline(section, row)
                changes.append(PriceChange("removed", section, key, headline, value, None, None))
        for key, row in before.items():
            if key not in after:
                continue
            for name in fields:
                a, b = getattr(row, name), getattr(after[key], name)
                if a != b:
                    changes.append(
                        PriceChange("changed", section, key, name, a, b, pct_change(a, b))
                    )
    return changes


def private_profiles_for_org(*, organization: Organization) -> QuerySet[PrivateThroughputProfile]:
    """An organization's own throughput profiles (imported benchmarks), newest first."""
    return PrivateThroughputProfile.objects.for_org(organization).order_by("-created_at", "-pk")
