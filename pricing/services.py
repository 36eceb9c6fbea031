"""Services: everything that changes catalogs. Keyword-only; the acting user is explicit.

Every change is audited through `accounts.audit.record`.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import record
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
    """Override a base API offer (`replaces`) or add a private one."""
    if replaces is not None and replaces.version_id != overlay.base_version_id:
        raise ValueError("The offer to override is not in the overlay's base version.")
    row = OverlayApiOffer.objects.create(
        overlay=overlay,
        replaces=replaces,
        model_name=model_name,
        provider=provider,
        input_per_mtok=input_per_mtok,
        output_per_mtok=output_per_mtok,
        cached_input_per_mtok=cached_input_per_mtok,
        notes=notes,
    )
    record(
        actor=actor,
        action="overlay.api_price",
        obj=row,
        organization=overlay.organization,
        changes=json.loads(
            json.dumps(
                {"replaces": replaces.pk if replaces else None, "output": output_per_mtok},
                default=str,
            )
        ),
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
    """Override a base GPU offer (`replaces`) or add a private one."""
    if replaces is not None and replaces.version_id != overlay.base_version_id:
        raise ValueError("The GPU offer to override is not in the overlay's base version.")
    row = OverlayGpuOffer.objects.create(
        overlay=overlay,
        replaces=replaces,
        sku=sku,
        gpu_count=gpu_count,
        vram_per_gpu_gb=vram_per_gpu_gb,
        hourly=hourly,
        monthly=monthly,
        notes=notes,
    )
    record(
        actor=actor,
        action="overlay.gpu_price",
        obj=row,
        organization=overlay.organization,
        changes={"replaces": replaces.pk if replaces else None, "hourly": str(hourly)},
    )
    return row


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
