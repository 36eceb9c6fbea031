"""Services: everything that changes catalogs. Keyword-only; the acting user is explicit.

Every change is audited through `accounts.audit.record`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from accounts.audit import record
from accounts.generations import data_changed
from accounts.models import Organization
from pricing import catalog_format as fmt
from pricing import hooks
from pricing.benchmarks import PARSERS, BenchmarkFileError, as_decimal
from pricing.exporters import content_hash, document_hash
from pricing.importers import create_version_from_document, parse_csv_zip, parse_json_bytes
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogLockedError,
    CatalogSource,
    CatalogVersion,
    EngineFigure,
    ExchangeRate,
    GpuOffer,
    GpuPower,
    GridIntensity,
    HiddenCost,
    ModelSpec,
    OverlayApiOffer,
    OverlayGpuOffer,
    OwnedHardware,
    PriceOverlay,
    PrivateThroughputProfile,
    QualityScore,
    ThroughputProfile,
    VersionStatus,
    VolumeTier,
    api_offer_label,
)
from pricing.price_imports import ImportReport
from pricing.price_imports import genai_prices as price_genai
from pricing.price_imports import litellm as price_litellm
from pricing.price_imports import skypilot as price_skypilot

REFERENCE_CATALOG_PATH = Path(__file__).resolve().parent / "data" / "catalog-2026.json"
# The reference catalog's prices come from lists dated February to June 2026 (its
# sources). A version's effective date is the date its prices are current as of, and its
# age (freshness) counts from there, never from the day it was imported: a catalog is as
# old as its oldest price list, so the reference catalog is effective 1 February 2026.
REFERENCE_CATALOG_EFFECTIVE_DATE = date(2026, 2, 1)


class CatalogStateError(Exception):
    """A transition that the version's status does not allow (e.g. retiring a draft)."""


def _parse(content: bytes, filename: str) -> dict[str, Any]:
    if filename.lower().endswith(".zip") or content[:2] == b"PK":
        raw = parse_csv_zip(content)
    else:
        raw = parse_json_bytes(content)
    return fmt.clean_document(raw)


@transaction.atomic
def catalog_import(
    *,
    content: bytes,
    filename: str,
    actor: Any,
    catalog_name: str | None = None,
    publish: bool = False,
    effective_date: date | None = None,
) -> CatalogVersion:
    """Import a catalog file (JSON or CSV zip) as a new draft; publish it if asked.

    Raises `CatalogImportError` naming every bad (row, field); nothing is written then.
    """
    doc = _parse(content, filename)
    version = create_version_from_document(
        doc=doc,
        catalog_name=catalog_name,
        actor=actor,
        effective_date=effective_date,
        source_filename=filename.rsplit("/", 1)[-1],
    )
    version.content_hash = document_hash(doc)
    version.save(update_fields=["content_hash"])
    record(
        actor=actor,
        action="catalog.import",
        obj=version,
        changes={"file": version.source_filename, "content_hash": version.content_hash},
    )
    if publish:
        version = catalog_version_publish(version=version, actor=actor)
    return version


@transaction.atomic
def catalog_version_publish(*, version: CatalogVersion, actor: Any) -> CatalogVersion:
    """Publish a draft: it freezes, becomes its catalog's current version (never another
    catalog's) and the plans pinned to earlier versions of the catalog are re-evaluated
    against it in the background (`version.publish_notes` says so)."""
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise CatalogStateError(f"Only a draft can be published; this version is {version.status}.")
    version.content_hash = content_hash(version)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save()
    record(
        actor=actor,
        action="catalog.publish",
        obj=version,
        changes={"status": ["draft", "published"], "content_hash": version.content_hash},
    )
    # The planner re-evaluates the plans pinned to earlier versions of this catalog (in the
    # background, once this transaction commits); each hook says what it started.
    version.publish_notes = hooks.version_published(version=version, actor=actor)  # type: ignore[attr-defined]
    return version


@transaction.atomic
def catalog_version_retire(*, version: CatalogVersion, actor: Any) -> CatalogVersion:
    version = CatalogVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise CatalogStateError(
            f"Only a published version can be retired; this one is {version.status}."
        )
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status"])
    record(
        actor=actor,
        action="catalog.retire",
        obj=version,
        changes={"status": ["published", "retired"]},
    )
    return version


def _copy_rows(model: type, old: CatalogVersion, new: CatalogVersion, source_map: dict[int, int]):
    copies = []
    for row in model.objects.filter(version=old).order_by("pk"):
        row.pk = None
        row.id = None
        row._state.adding = True
        row.version = new
        if getattr(row, "source_id", None) is not None:
            row.source_id = source_map[row.source_id]
        copies.append(row)
    model.objects.bulk_create(copies)


@transaction.atomic
def catalog_version_clone(*, version: CatalogVersion, actor: Any) -> CatalogVersion:
    """A new draft of the same catalog with the same rows: the way to "edit" a published version."""
    number = (
        CatalogVersion.objects.filter(catalog=version.catalog).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    clone = CatalogVersion.objects.create(
        catalog=version.catalog,
        number=number,
        title=version.title,
        effective_date=timezone.localdate(),
        notes=version.notes,
        currency=version.currency,
        month_hours=version.month_hours,
        electricity_price_per_kwh=version.electricity_price_per_kwh,
        pue=version.pue,
        reference_facts=version.reference_facts,
        source_filename=version.source_filename,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        cloned_from=version,
    )
    source_map = {}
    for source in CatalogSource.objects.filter(version=version).order_by("pk"):
        old_pk = source.pk
        source.pk = None
        source._state.adding = True
        source.version = clone
        source.save()
        source_map[old_pk] = source.pk
    for model in (
        ApiOffer,
        GpuOffer,
        OwnedHardware,
        ModelSpec,
        ThroughputProfile,
        HiddenCost,
        VolumeTier,
        EngineFigure,
        ExchangeRate,
        GpuPower,
        GridIntensity,
        QualityScore,
    ):
        _copy_rows(model, version, clone, source_map)
    record(actor=actor, action="catalog.clone", obj=clone, changes={"cloned_from": version.pk})
    return clone


@transaction.atomic
def catalog_version_delete_draft(*, version: CatalogVersion, actor: Any) -> None:
    if version.status != VersionStatus.DRAFT:
        raise CatalogLockedError("Only drafts can be deleted.")
    record(actor=actor, action="catalog.delete_draft", obj=version)
    version.delete()


def load_reference_catalog(*, actor: Any = None, path: Path = REFERENCE_CATALOG_PATH):
    """Import and publish the reference catalog unless a published version has its content.

    Returns (version, created). Idempotent: the content hash decides.
    """
    content = path.read_bytes()
    doc = _parse(content, path.name)
    digest = document_hash(doc)
    existing = CatalogVersion.objects.filter(
        content_hash=digest, status=VersionStatus.PUBLISHED
    ).first()
    if existing is not None:
        return existing, False
    effective = REFERENCE_CATALOG_EFFECTIVE_DATE if path == REFERENCE_CATALOG_PATH else None
    version = catalog_import(
        content=content, filename=path.name, actor=actor, publish=True, effective_date=effective
    )
    if not Catalog.objects.filter(is_default=True).exists():
        Catalog.objects.filter(pk=version.catalog_id).update(is_default=True)
    return version, True


# --- private overlays ------------------------------------------------------------------


def _check_base(base_version: CatalogVersion) -> None:
    if base_version.status == VersionStatus.DRAFT:
        raise CatalogStateError("An overlay sits on a published (or retired) public version.")


@transaction.atomic
def price_overlay_create(
    *, organization: Organization, base_version: CatalogVersion, name: str, actor: Any
) -> PriceOverlay:
    _check_base(base_version)
    overlay = PriceOverlay.objects.create(
        organization=organization,
        base_version=base_version,
        name=name,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(actor=actor, action="overlay.create", obj=overlay, organization=organization)
    return overlay


# What each overlay field is called on the private-price pages; a service error on a field
# starts with its name, so it reads on its own (an error summary, the API).
OVERLAY_FIELD_LABELS = {
    "version": "Catalog version",
    "replaces": "Catalog offer",
    "model_name": "Model",
    "provider": "Provider",
    "offer_key": "Offer key",
    "input_per_mtok": "Input price per 1M tokens",
    "output_per_mtok": "Output price per 1M tokens",
    "cached_input_per_mtok": "Cached input price per 1M tokens",
    "sku": "GPU",
    "gpu_count": "GPUs per offer",
    "vram_per_gpu_gb": "VRAM per GPU (GB)",
    "hourly": "Price per hour",
    "monthly": "Price per month",
    "notes": "Notes",
}
# The fields an organization sets on each kind of row; an override sets prices and notes only.
OVERLAY_PRIVATE_FIELDS = {
    "api": (
        "model_name",
        "provider",
        "input_per_mtok",
        "output_per_mtok",
        "cached_input_per_mtok",
        "notes",
    ),
    "gpu": ("sku", "gpu_count", "vram_per_gpu_gb", "hourly", "monthly", "notes"),
}
OVERLAY_PRICE_FIELDS = {
    "api": ("input_per_mtok", "output_per_mtok", "cached_input_per_mtok"),
    "gpu": ("hourly", "monthly"),
}
OVERLAY_ROW_MODELS: dict[str, type[OverlayApiOffer] | type[OverlayGpuOffer]] = {
    "api": OverlayApiOffer,
    "gpu": OverlayGpuOffer,
}


def overlay_row_kind(row: OverlayApiOffer | OverlayGpuOffer) -> str:
    return "api" if isinstance(row, OverlayApiOffer) else "gpu"


def overlay_row_fields(row: OverlayApiOffer | OverlayGpuOffer) -> tuple[str, ...]:
    """The fields of ``row`` its organization sets: prices and notes for an override."""
    kind = overlay_row_kind(row)
    if row.replaces_id is not None:
        return (*OVERLAY_PRICE_FIELDS[kind], "notes")
    return OVERLAY_PRIVATE_FIELDS[kind]


def _merged_values(row: OverlayApiOffer | OverlayGpuOffer) -> dict[str, Any]:
    """The row as the catalog row it amounts to: an override's empty prices are its base's."""
    values = {f: getattr(row, f) for f in OVERLAY_PRIVATE_FIELDS[overlay_row_kind(row)]}
    values["offer_key"] = row.offer_key
    base = row.replaces
    if isinstance(base, ApiOffer):
        values |= {"model_name": base.model_name, "provider": base.provider}
        values["offer_key"] = base.source.key
        for field in OVERLAY_PRICE_FIELDS["api"]:
            values[field] = _or_base(values[field], getattr(base, field))
    elif isinstance(base, GpuOffer):
        values |= {
            "sku": base.sku,
            "gpu_count": base.gpu_count,
            "vram_per_gpu_gb": base.vram_per_gpu_gb,
        }
        values["offer_key"] = base.source.key
        values["hourly"] = _or_base(values["hourly"], base.hourly_range.expected)
        values["monthly"] = _or_base(values["monthly"], base.monthly)
    return values


def _or_base(value: Any, base: Any) -> Any:
    return base if value is None else value


def overlay_row_check(row: OverlayApiOffer | OverlayGpuOffer) -> None:
    """Check a draft overlay row before it is written; a `ValidationError` names each bad
    field (message starting with the field's name) and nothing is saved.

    The row is checked as the catalog row it amounts to, by the importer's own rules
    (`catalog_format.clean_overlay_row`); then what only an overlay can get wrong: an
    override of an offer outside the overlay's version, an override that changes nothing,
    and a second row for the same offer."""
    kind = overlay_row_kind(row)
    own = overlay_row_fields(row)
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(f"{OVERLAY_FIELD_LABELS[field]} {message}")

    overlay = row.overlay
    others = OVERLAY_ROW_MODELS[kind].objects.filter(overlay=overlay).exclude(pk=row.pk)
    if row.replaces_id is not None:
        if row.replaces.version_id != overlay.base_version_id:
            base = overlay.base_version
            add("replaces", f"is not in {base.catalog.name} v{base.number}, these prices' version.")
        elif others.filter(replaces_id=row.replaces_id).exists():
            add("replaces", "already has a negotiated price: change that one instead.")
        if all(getattr(row, f) is None for f in OVERLAY_PRICE_FIELDS[kind]):
            add(
                OVERLAY_PRICE_FIELDS[kind][0],
                "is empty, as are the other prices: give at least one.",
            )
    else:
        name_field = "model_name" if kind == "api" else "sku"
        same = {name_field: getattr(row, name_field), "offer_key": row.offer_key}
        if kind == "api":
            same["provider"] = row.provider
        else:
            same["gpu_count"] = row.gpu_count
        if getattr(row, name_field) and others.filter(replaces__isnull=True, **same).exists():
            add(name_field, "already has a private price with these details: change that one.")
    for field, message in fmt.clean_overlay_row(kind, _merged_values(row)):
        add(field if field in own else "replaces", message)
    if not errors:
        try:
            row.full_clean(exclude=["overlay", "replaces"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    add(field if field in OVERLAY_FIELD_LABELS else "replaces", f": {message}")
    if errors:
        raise ValidationError(errors)


def _overlay_row_values(row: OverlayApiOffer | OverlayGpuOffer) -> dict[str, Any]:
    values = {f: getattr(row, f) for f in overlay_row_fields(row)}
    values["replaces"] = row.replaces_id
    return json.loads(json.dumps(values, default=str))


def _overlay_row_written(
    row: OverlayApiOffer | OverlayGpuOffer, *, actor: Any, action: str, changes: dict[str, Any]
) -> None:
    organization = row.overlay.organization
    record(actor=actor, action=action, obj=row, organization=organization, changes=changes)
    # Plans and pages priced with the overlay read it: the organization's cached pages go.
    data_changed([organization.pk])


@transaction.atomic
def overlay_api_price_set(
    *,
    overlay: PriceOverlay,
    actor: Any,
    replaces: ApiOffer | None = None,
    model_name: str = "",
    provider: str = "",
    input_per_mtok: Decimal | None = None,
    output_per_mtok: Decimal | None = None,
    cached_input_per_mtok: Decimal | None = None,
    notes: str = "",
) -> OverlayApiOffer:
    """Override a base API offer (`replaces`) or add a private one. A bad draft is a
    `ValidationError` naming its fields, and nothing is written."""
    row = OverlayApiOffer(
        overlay=overlay,
        replaces=replaces,
        model_name=model_name.strip(),
        provider=provider.strip(),
        input_per_mtok=input_per_mtok,
        output_per_mtok=output_per_mtok,
        cached_input_per_mtok=cached_input_per_mtok,
        notes=notes.strip(),
    )
    overlay_row_check(row)
    row.save()
    _overlay_row_written(
        row, actor=actor, action="overlay.api_price", changes=_overlay_row_values(row)
    )
    return row


@transaction.atomic
def overlay_gpu_price_set(
    *,
    overlay: PriceOverlay,
    actor: Any,
    replaces: GpuOffer | None = None,
    sku: str = "",
    gpu_count: int | None = None,
    vram_per_gpu_gb: Decimal | None = None,
    hourly: Decimal | None = None,
    monthly: Decimal | None = None,
    notes: str = "",
) -> OverlayGpuOffer:
    """Override a base GPU offer (`replaces`) or add a private one. A bad draft is a
    `ValidationError` naming its fields, and nothing is written."""
    row = OverlayGpuOffer(
        overlay=overlay,
        replaces=replaces,
        sku=sku.strip(),
        gpu_count=gpu_count,
        vram_per_gpu_gb=vram_per_gpu_gb,
        hourly=hourly,
        monthly=monthly,
        notes=notes.strip(),
    )
    overlay_row_check(row)
    row.save()
    _overlay_row_written(
        row, actor=actor, action="overlay.gpu_price", changes=_overlay_row_values(row)
    )
    return row


def _overlay_for(*, organization: Organization, version: CatalogVersion) -> PriceOverlay | None:
    return PriceOverlay.objects.for_org(organization).filter(base_version=version).first()


@transaction.atomic
def private_price_add(
    *,
    organization: Organization,
    version: CatalogVersion,
    kind: str,
    actor: Any,
    replaces: ApiOffer | GpuOffer | None = None,
    **fields: Any,
) -> OverlayApiOffer | OverlayGpuOffer:
    """Add one of the organization's private prices (``kind`` "api" or "gpu") on a public
    catalog ``version``: its overlay there is made on first use. All or nothing: a bad
    draft leaves no overlay behind either."""
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": "Catalog version: choose a published version."})
    overlay = _overlay_for(organization=organization, version=version)
    if overlay is None:
        overlay = price_overlay_create(
            organization=organization,
            base_version=version,
            name=f"{organization.name} negotiated prices"[:120],
            actor=actor,
        )
    if kind == "api":
        return overlay_api_price_set(overlay=overlay, actor=actor, replaces=replaces, **fields)  # type: ignore[arg-type]
    return overlay_gpu_price_set(overlay=overlay, actor=actor, replaces=replaces, **fields)  # type: ignore[arg-type]


@transaction.atomic
def private_price_change(
    *, row: OverlayApiOffer | OverlayGpuOffer, actor: Any, **fields: Any
) -> OverlayApiOffer | OverlayGpuOffer:
    """Change the fields of one private price that its kind lets the organization set
    (`overlay_row_fields`); checked as when it was added, all or nothing."""
    allowed = overlay_row_fields(row)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError(f"These fields cannot change here: {', '.join(unknown)}.")
    row = (
        type(row)
        .objects.select_for_update(of=("self",))
        .select_related("overlay__organization", "overlay__base_version__catalog", "replaces")
        .get(pk=row.pk)
    )
    before = _overlay_row_values(row)
    for field, value in fields.items():
        setattr(row, field, value.strip() if isinstance(value, str) else value)
    overlay_row_check(row)
    after = _overlay_row_values(row)
    changed = {f: [before[f], after[f]] for f in after if before.get(f) != after[f]}
    if not changed:
        return row
    row.save()
    _overlay_row_written(
        row, actor=actor, action=f"overlay.{overlay_row_kind(row)}_price_change", changes=changed
    )
    return row


@transaction.atomic
def private_price_remove(*, row: OverlayApiOffer | OverlayGpuOffer, actor: Any) -> None:
    """Remove one private price. An override simply stops applying: plans price that offer
    at the catalog's price again when next computed. A private offer that a plan option
    chose is refused (a `ValidationError` naming the plans), and nothing changes."""
    values = _overlay_row_values(row)
    _overlay_row_written(
        row, actor=actor, action=f"overlay.{overlay_row_kind(row)}_price_remove", changes=values
    )
    try:
        row.delete()
    except ProtectedError as exc:
        # Raised before anything is deleted; the audit entry rolls back with the transaction.
        plans = sorted({str(getattr(o, "plan", o)) for o in exc.protected_objects})
        raise ValidationError(
            "This private price is an option of "
            + ", ".join(plans[:5])
            + (" and more" if len(plans) > 5 else "")
            + ": take it out of those plans first."
        ) from exc


@dataclass(frozen=True)
class PriceCopyReport:
    """What copying an organization's prices to another version did: the rows copied and,
    for each row left behind, why (its catalog offer is not in the version, or the version
    has that price already)."""

    copied: tuple[str, ...]
    left: tuple[str, ...]


def _api_row_label(row: OverlayApiOffer) -> str:
    return (
        str(row.replaces)
        if row.replaces_id
        else api_offer_label(row.model_name, row.provider, row.offer_key)
    )


def _gpu_row_label(row: OverlayGpuOffer) -> str:
    return (
        f"{row.replaces} ({row.replaces.source.key})"
        if row.replaces_id
        else (f"{row.gpu_count}x {row.sku} ({row.offer_key})")
    )


@transaction.atomic
def private_prices_copy(
    *, organization: Organization, source: CatalogVersion, target: CatalogVersion, actor: Any
) -> PriceCopyReport:
    """Copy the organization's prices on ``source`` to ``target`` (a newer version, before
    its plans move there), each row through the same checked, audited services.

    A negotiated price follows its catalog offer into ``target`` as re-evaluation finds
    offers (`pricing.matching`: the same offer, or the same model from the same seller); a
    private offer is copied as it is. A row whose offer ``target`` lacks, or whose price
    ``target`` has already, is left behind and listed."""
    from pricing.matching import ApiOfferIndex, match_gpu_offer

    if target.status != VersionStatus.PUBLISHED:
        raise ValidationError({"version": "Catalog version: choose a published version."})
    if source.pk == target.pk:
        raise ValidationError({"version": "Catalog version: choose another version to copy to."})
    old = _overlay_for(organization=organization, version=source)
    if old is None:
        raise ValidationError({"version": "Catalog version: you have no prices on it to copy."})
    copied: list[str] = []
    left: list[str] = []
    offers = ApiOfferIndex(target)
    fields = {"organization": organization, "version": target, "actor": actor}

    def api_match(row: OverlayApiOffer) -> Any:
        base = row.replaces
        return offers.match(
            model_name=base.model_name, provider=base.provider, source_key=base.source.key
        ).row

    def gpu_match(row: OverlayGpuOffer) -> Any:
        return match_gpu_offer(row.replaces, target).row

    kinds: tuple[tuple[str, Any, Callable[[Any], str], Callable[[Any], Any]], ...] = (
        ("api", OverlayApiOffer, _api_row_label, api_match),
        ("gpu", OverlayGpuOffer, _gpu_row_label, gpu_match),
    )
    for kind, model, label_of, match in kinds:
        rows = model.objects.filter(overlay=old).select_related("replaces__source")
        for row in rows.order_by("pk"):
            label = label_of(row)
            replaces = None
            if row.replaces_id:
                replaces = match(row)
                if replaces is None:
                    left.append(f"{label}: {target.catalog.name} v{target.number} does not sell it")
                    continue
            prices = {f: getattr(row, f) for f in overlay_row_fields(row)}
            try:
                private_price_add(**fields, kind=kind, replaces=replaces, **prices)
            except ValidationError as exc:
                left.append(f"{label}: {' '.join(exc.messages)}")
            else:
                copied.append(label)
    if copied:
        new = _overlay_for(organization=organization, version=target)
        record(
            actor=actor,
            action="overlay.copy",
            obj=new,  # type: ignore[arg-type]
            organization=organization,
            changes={"from_version": source.pk, "copied": copied, "left": left},
        )
    return PriceCopyReport(copied=tuple(copied), left=tuple(left))


# --- private throughput profiles (an organization's own benchmarks) ---------------------


def _benchmark_error(exc: BenchmarkFileError) -> ValidationError:
    if exc.field == "file":
        return ValidationError({"file": f"The file {exc.message}"})
    return ValidationError({"file": f"Field '{exc.field}' {exc.message}"})


@transaction.atomic
def private_profile_import(
    *,
    organization: Organization,
    actor: Any,
    content: bytes,
    source_format: str,
    filename: str = "",
    name: str = "",
    model_name: str,
    gpu_sku: str,
    gpu_count: int,
    precision: str,
    engine: str = "vLLM",
    benchmark: int | None = None,
) -> PrivateThroughputProfile:
    """A private throughput profile from a serving-benchmark result file.

    The whole file is read and checked first: a bad field is a `ValidationError` on
    ``file`` naming it, and nothing is written. What the file cannot say (the GPU, its
    count, the precision) is given by the caller. ``benchmark`` picks one run (1 = the
    first) of a report that holds several (a GuideLLM sweep).
    """
    parser = PARSERS.get(source_format)
    if parser is None:
        raise ValidationError({"source_format": f"Unknown benchmark format {source_format!r}."})
    try:
        run = parser(content, benchmark)
    except BenchmarkFileError as exc:
        raise _benchmark_error(exc) from exc
    when = run.run_at.date().isoformat() if run.run_at else timezone.localdate().isoformat()
    concurrency = f", concurrency {run.concurrency}" if run.concurrency else ""
    latency = run.latency_ms
    name = (
        name.strip() or f"{model_name} on {gpu_count}x {gpu_sku} ({precision}){concurrency}, {when}"
    )[:200]
    if PrivateThroughputProfile.objects.for_org(organization).filter(name=name).exists():
        raise ValidationError({"name": f"Your organization already has a profile named {name!r}."})
    profile = PrivateThroughputProfile(
        organization=organization,
        name=name,
        source_format=source_format,
        source_filename=filename[:200],
        model_name=model_name,
        gpu_sku=gpu_sku,
        gpu_count=gpu_count,
        precision=precision,
        engine=engine,
        run_at=run.run_at
        if run.run_at is None or timezone.is_aware(run.run_at)
        else timezone.make_aware(run.run_at, timezone.get_current_timezone()),
        concurrency=run.concurrency,
        completed_requests=run.completed_requests,
        duration_s=as_decimal(run.duration_s),
        request_throughput=as_decimal(run.request_throughput),
        output_tok_s=as_decimal(run.output_tok_s),
        input_tok_s=as_decimal(run.input_tok_s),
        total_tok_s=as_decimal(run.total_tok_s),
        mean_input_tokens=as_decimal(run.mean_input_tokens),
        mean_output_tokens=as_decimal(run.mean_output_tokens),
        ttft_median_ms=as_decimal(latency.get("median_ttft_ms")),
        ttft_p99_ms=as_decimal(latency.get("p99_ttft_ms")),
        tpot_median_ms=as_decimal(latency.get("median_tpot_ms")),
        tpot_p99_ms=as_decimal(latency.get("p99_tpot_ms")),
        figures=run.raw,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    profile.full_clean(exclude=["created_by"])
    profile.save()
    record(
        actor=actor,
        action="throughput.import",
        obj=profile,
        organization=organization,
        changes={"output_tok_s": str(profile.output_tok_s), "filename": profile.source_filename},
    )
    return profile


# --- other tools' price files ----------------------------------------------------------

PRICE_FORMATS = ("litellm", "genai-prices", "skypilot")
PRICE_FORMAT_CATALOGS = {
    "litellm": "LiteLLM prices",
    "genai-prices": "genai-prices",
    "skypilot": "SkyPilot GPU prices",
}


@transaction.atomic
def catalog_import_prices(
    *,
    content: bytes,
    filename: str,
    price_format: str,
    actor: Any,
    catalog_name: str | None = None,
    as_of: date | None = None,
    gpu_grouping: str = "region",
    gpu_provider: str = "",
) -> tuple[CatalogVersion, ImportReport]:
    """Import another tool's price file (`pricing.price_imports`) as a new draft version.

    The file is converted, then validated and written by the same code as our own
    format; a bad file raises `CatalogImportError` naming every (entry, field) and
    writes nothing. Never publishes. The same content again (by the document's hash)
    makes no new version: the existing one is returned with `report.created` False.
    `as_of` picks genai-prices' dated prices and is the version's effective date.
    """
    if price_format == "litellm":
        raw, report = price_litellm.convert(content, filename=filename)
    elif price_format == "genai-prices":
        raw, report = price_genai.convert(content, filename=filename, as_of=as_of)
    elif price_format == "skypilot":
        raw, report = price_skypilot.convert(
            content, filename=filename, grouping=gpu_grouping, provider=gpu_provider
        )
    else:
        raise fmt.CatalogImportError([("options", "format", f"must be one of {PRICE_FORMATS}")])
    raw["notes"] = report.summary()
    # Written out on export, so part of the content the hash compares.
    raw.setdefault("month_hours", CatalogVersion._meta.get_field("month_hours").default)
    doc = fmt.clean_document(raw)
    report.content_hash = document_hash(doc)
    name = catalog_name or PRICE_FORMAT_CATALOGS[price_format]
    existing = (
        CatalogVersion.objects.filter(catalog__name=name, content_hash=report.content_hash)
        .order_by("-number")
        .first()
    )
    if existing is not None:
        report.version_id, report.created = existing.pk, False
        return existing, report
    version = create_version_from_document(
        doc=doc,
        catalog_name=name,
        actor=actor,
        effective_date=as_of,
        source_filename=filename.rsplit("/", 1)[-1],
    )
    version.content_hash = report.content_hash
    version.save(update_fields=["content_hash"])
    report.version_id, report.created = version.pk, True
    record(
        actor=actor,
        action="catalog.import_prices",
        obj=version,
        changes={
            "file": version.source_filename,
            "format": price_format,
            "content_hash": version.content_hash,
            "skipped": report.skipped_counts,
            "rounded": len(report.rounded),
        },
    )
    return version, report


@transaction.atomic
def catalog_import_price_history(
    *, content: bytes, filename: str, actor: Any, catalog_name: str | None = None
) -> list[tuple[CatalogVersion, ImportReport]]:
    """genai-prices' dated price changes as successive draft versions, one per change date
    (the prices that hold on that date, effective from it), oldest first, so a plan can be
    re-run as of a date. Prices before the first change have no date and no version of
    their own. All or nothing; versions whose content exists already are not made again.
    """
    dates = price_genai.change_dates(content)
    if not dates:
        raise fmt.CatalogImportError([("document", "prices", "no dated price changes")])
    return [
        catalog_import_prices(
            content=content,
            filename=filename,
            price_format="genai-prices",
            actor=actor,
            catalog_name=catalog_name,
            as_of=day,
        )
        for day in dates
    ]
