"""Catalog documents (JSON, or the CSV zip) → a new draft CatalogVersion.

Validation happens first and rejects the whole file; writing runs in one
transaction, so a file is either imported completely or not at all.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from accounts.csvsafe import unsafe_cell
from pricing import architectures
from pricing import catalog_format as fmt
from pricing.catalog_format import CatalogImportError
from pricing.model_identity import canonical_model_id
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogSource,
    CatalogVersion,
    EngineFigure,
    GpuOffer,
    GpuPower,
    GridIntensity,
    HiddenCost,
    ModelSpec,
    OwnedHardware,
    QualityScore,
    ThroughputProfile,
    VolumeTier,
)

CSV_CATALOG_FILE = "catalog.csv"
CSV_SOURCES_FILE = "sources.csv"
CSV_ROW_SECTIONS = fmt.TYPED_ROW_SECTIONS


def parse_json_bytes(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogImportError([("document", "-", f"not valid JSON: {exc}")]) from exc


def csv_columns(section: str) -> list[str]:
    columns = []
    for key, (kind, _required) in fmt.ROW_SECTIONS[section].items():
        if kind == fmt.RANGE:
            columns += [f"{key}_low", f"{key}_high"]
        else:
            columns.append(key)
    return columns


def _csv_cell(kind: str, text: str) -> Any:
    if kind in (fmt.NUM, fmt.INT):
        try:
            return Decimal(text)
        except InvalidOperation:
            return text  # the validator names it: "must be a number"
    if kind == fmt.BOOL:
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind in fmt.JSON_CELL_KINDS:
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError:
            return text
    return text


def parse_csv_zip(content: bytes) -> Any:
    """The CSV zip as a document of the JSON shape (see pricing/README.md)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise CatalogImportError([("document", "-", "not a zip of CSV files")]) from exc
    names = set(archive.namelist())
    errors: list[tuple[str, str, str]] = []
    doc: dict[str, Any] = {}
    if CSV_CATALOG_FILE not in names:
        raise CatalogImportError([(CSV_CATALOG_FILE, "-", "missing from the zip")])
    for line, row in enumerate(_read_csv(archive, CSV_CATALOG_FILE, ["key", "value"], errors), 1):
        try:
            doc[row["key"]] = json.loads(row["value"], parse_float=Decimal)
        except json.JSONDecodeError:
            errors.append((f"{CSV_CATALOG_FILE} row {line}", row["key"], "value is not JSON"))
    if CSV_SOURCES_FILE in names:
        rows = _read_csv(archive, CSV_SOURCES_FILE, ["key", "description"], errors)
        doc["sources"] = {row["key"]: row["description"] for row in rows}
    for section in CSV_ROW_SECTIONS:
        name = f"{section}.csv"
        if name not in names:
            continue
        fields = fmt.ROW_SECTIONS[section]
        required_columns = [
            c
            for key, (kind, required) in fields.items()
            if required
            for c in ([f"{key}_low", f"{key}_high"] if kind == fmt.RANGE else [key])
        ]
        rows = _read_csv(archive, name, required_columns, errors, allowed=csv_columns(section))
        doc[section] = [_csv_row(section, row) for row in rows]
    for name in sorted(
        names - {CSV_CATALOG_FILE, CSV_SOURCES_FILE} - {f"{s}.csv" for s in CSV_ROW_SECTIONS}
    ):
        errors.append((name, "-", "unexpected file in the zip"))
    if errors:
        raise CatalogImportError(errors)
    return doc


def _read_csv(
    archive: zipfile.ZipFile,
    name: str,
    required: list[str],
    errors: list[tuple[str, str, str]],
    allowed: list[str] | None = None,
) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    for column in missing:
        errors.append((f"{name} header", column, "missing column"))
    if allowed is not None:
        for column in header:
            if column not in allowed:
                errors.append((f"{name} header", column, "unknown column"))
    if missing:
        return []
    # Our exporter neutralises formula-looking cells (accounts.csvsafe); undo it exactly.
    return [
        {key: unsafe_cell(value) if isinstance(value, str) else value for key, value in row.items()}
        for row in reader
    ]


def _csv_row(section: str, row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (kind, _required) in fmt.ROW_SECTIONS[section].items():
        if kind == fmt.RANGE:
            low, high = row.get(f"{key}_low") or "", row.get(f"{key}_high") or ""
            if low or high:
                out[key] = [
                    _csv_cell(fmt.NUM, low) if low else None,
                    _csv_cell(fmt.NUM, high) if high else None,
                ]
        else:
            cell = row.get(key) or ""
            if cell != "":
                out[key] = _csv_cell(kind, cell)
    return out


# --- writing ---------------------------------------------------------------------------


def _low(value: list[Decimal] | None) -> Decimal | None:
    return value[0] if value else None


def _high(value: list[Decimal] | None) -> Decimal | None:
    return value[1] if value else None


@transaction.atomic
def create_version_from_document(
    *,
    doc: dict[str, Any],
    catalog_name: str | None,
    actor: Any,
    effective_date: date | None = None,
    source_filename: str = "",
) -> CatalogVersion:
    """Write a validated document (`catalog_format.clean_document`) as a new draft version."""
    catalog, _ = Catalog.objects.get_or_create(name=catalog_name or doc["name"])
    number = (catalog.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=number,
        title=doc["name"],
        currency=doc["currency"],
        month_hours=doc.get("month_hours", 720),
        notes=doc.get("notes", ""),
        electricity_price_per_kwh=doc.get("electricity_price_per_kwh"),
        pue=doc.get("pue"),
        reference_facts=fmt.json_value(doc["reference_facts"]),
        effective_date=effective_date or date.today(),
        source_filename=source_filename[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    sources = {
        key: CatalogSource(version=version, position=i, key=key, description=description)
        for i, (key, description) in enumerate(doc["sources"].items())
    }
    CatalogSource.objects.bulk_create(sources.values())

    api_offers = []
    specs: dict[str, ModelSpec] = {}
    for i, row in enumerate(doc.get("model_specs", [])):
        precisions = row.get("precisions", list(fmt.PRECISION_VALUES))
        # The catalog's own architecture figures win over the shipped registry's.
        stated = {k: row[k] for k in architectures.ARCHITECTURE_FIELDS if k in row}
        if "config_source" in row:
            stated["config_source"] = row["config_source"]
        specs[row["model"]] = ModelSpec(
            version=version,
            position=i,
            name=row["model"],
            params_total_b=row["params_b"],
            params_active_b=row.get("active_params_b"),
            supports_fp16="fp16" in precisions,
            supports_fp8="fp8" in precisions,
            supports_int4="int4" in precisions,
            **(stated or architectures.spec_fields(row["model"])),
        )
    for i, row in enumerate(doc.get("api_prices", [])):
        license_name = row.get("license", fmt.UNKNOWN_LICENSE)
        open_weights = row.get("open_weights", fmt.infer_open_weights(license_name))
        api_offers.append(
            ApiOffer(
                version=version,
                position=i,
                model_name=row["model"],
                model_id=canonical_model_id(row["model"]),
                provider=row.get("provider", ""),
                source=sources[row["offer"]],
                license=license_name,
                open_weights=open_weights,
                input_per_mtok=row.get("input"),
                output_per_mtok=row["output"],
                cached_input_per_mtok=row.get("cached_input"),
                cache_write_per_mtok=row.get("cache_write"),
                service_tiers=fmt.json_value(row.get("service_tiers", {})),
                context_tiers=fmt.json_value(row.get("context_tiers", [])),
                currency=row.get("currency", ""),
                params_total_b=row.get("params_b"),
                params_active_b=row.get("active_params_b"),
                selfhost_monthly_low=_low(row.get("selfhost_monthly")),
                selfhost_monthly_high=_high(row.get("selfhost_monthly")),
                volume_tiers=fmt.json_value(row.get("volume_tiers", [])),
            )
        )
        # Seed the open-weight model's size from the offer (not exported on its own),
        # or from the shipped registry, with its published architecture.
        if open_weights and row["model"] not in specs:
            size = (
                {"params_total_b": row["params_b"], "params_active_b": row.get("active_params_b")}
                if "params_b" in row
                else architectures.size_fields(row["model"])
            )
            if size:
                specs[row["model"]] = ModelSpec(
                    version=version,
                    position=1000 + i,
                    name=row["model"],
                    derived=True,
                    **size,
                    **architectures.spec_fields(row["model"]),
                )
    ApiOffer.objects.bulk_create(api_offers)
    ModelSpec.objects.bulk_create(specs.values())

    GpuOffer.objects.bulk_create(
        GpuOffer(
            version=version,
            position=i,
            sku=row["gpu"],
            gpu_count=row["count"],
            vram_per_gpu_gb=row["vram_gb"] / row["count"],
            hourly=row.get("hourly"),
            hourly_low=_low(row.get("hourly_range")),
            hourly_high=_high(row.get("hourly_range")),
            monthly=row.get("monthly"),
            monthly_low=_low(row.get("monthly_range")),
            monthly_high=_high(row.get("monthly_range")),
            spot_hourly=row.get("spot_hourly"),
            spot_discount=row.get("spot_discount"),
            reserved_hourly=row.get("reserved_hourly"),
            region=row.get("region", ""),
            provider=row.get("provider", ""),
            source=sources[row["offer"]],
        )
        for i, row in enumerate(doc.get("cloud_gpus", []))
    )
    OwnedHardware.objects.bulk_create(
        OwnedHardware(
            version=version,
            position=i,
            name=row["hardware"],
            vram_gb=row["vram_gb"],
            price=row.get("price"),
            price_low=_low(row.get("price_range")),
            price_high=_high(row.get("price_range")),
            power_w=row.get("power_w"),
            power_kw_low=_low(row.get("power_kw_range")),
            power_kw_high=_high(row.get("power_kw_range")),
            useful_life_months=row.get("useful_life_months"),
            electricity_monthly_low=_low(row.get("electricity_monthly")),
            electricity_monthly_high=_high(row.get("electricity_monthly")),
            server_base_w=row.get("server_base_w"),
        )
        for i, row in enumerate(doc.get("owned_hardware", []))
    )
    ThroughputProfile.objects.bulk_create(
        ThroughputProfile(
            version=version,
            position=i,
            setup=row["setup"],
            model_name=row.get("model", ""),
            model_params_b=row.get("model_params_b"),
            gpu_sku=row.get("gpu", ""),
            gpu_count=row.get("count"),
            precision=row.get("precision", ""),
            engine=row.get("engine", fmt.infer_engine(row["setup"])),
            single_stream_output_tok_s=row.get("single_stream_output_tok_s"),
            aggregate_output_tok_s=row.get("aggregate_output_tok_s"),
            aggregate_total_tok_s=row.get("aggregate_total_tok_s"),
            concurrency=row.get("concurrency"),
            output_tok_s_low=_low(row.get("output_tok_s_range")),
            output_tok_s_high=_high(row.get("output_tok_s_range")),
            planning_tok_s=row.get("planning_tok_s"),
            output_tok_s_per_gpu=row.get("output_tok_s_per_gpu"),
            prefill_tok_s=row.get("prefill_tok_s"),
            ttft_p50_ms=row.get("ttft_p50_ms"),
            ttft_p99_ms=row.get("ttft_p99_ms"),
            tpot_p50_ms=row.get("tpot_p50_ms"),
            tpot_p99_ms=row.get("tpot_p99_ms"),
            source=sources[row["source"]] if "source" in row else None,
        )
        for i, row in enumerate(doc.get("throughput", []))
    )
    HiddenCost.objects.bulk_create(
        HiddenCost(
            version=version,
            position=i,
            item=row["item"],
            kind=row.get("kind", fmt.infer_hidden_kind(row["item"])),
            monthly_low=row["range"][0],
            monthly_high=row["range"][1],
        )
        for i, row in enumerate(doc.get("hidden_costs_monthly", []))
    )
    VolumeTier.objects.bulk_create(
        VolumeTier(
            version=version,
            position=i,
            min_tokens_per_month=row.get("min"),
            max_tokens_per_month=row.get("max"),
            option=row["option"],
            cost_per_token_low=_low(row.get("cost_per_token")),
            cost_per_token_high=_high(row.get("cost_per_token")),
        )
        for i, row in enumerate(doc.get("volume_tiers_monthly_tokens", []))
    )
    figures = []
    for key in fmt.ENGINE_RANGE_KEYS:
        if key in doc:
            figures.append(
                EngineFigure(
                    version=version,
                    section=key,
                    key="",
                    value_low=doc[key][0],
                    value_high=doc[key][1],
                )
            )
    for section in fmt.ENGINE_KEYED_KEYS:
        for name, value in doc.get(section, {}).items():
            figure = EngineFigure(version=version, section=section, key=name)
            if isinstance(value, list):
                figure.value_low, figure.value_high = value
            else:
                figure.value = value
            figures.append(figure)
    for i, figure in enumerate(figures):
        figure.position = i
    EngineFigure.objects.bulk_create(figures)
    GpuPower.objects.bulk_create(
        GpuPower(
            version=version,
            position=i,
            sku=row["gpu"],
            tdp_w=row["tdp_w"],
            source=sources[row["source"]],
        )
        for i, row in enumerate(doc.get("gpu_power", []))
    )
    GridIntensity.objects.bulk_create(
        GridIntensity(
            version=version,
            position=i,
            region=row["region"],
            g_co2e_per_kwh=row["g_co2e_per_kwh"],
            year=row["year"],
            source=sources[row["source"]],
        )
        for i, row in enumerate(doc.get("grid_intensity", []))
    )
    QualityScore.objects.bulk_create(
        QualityScore(
            version=version,
            position=i,
            model_name=row["model"],
            benchmark=row["benchmark"],
            score=row["score"],
            as_of=date.fromisoformat(row["as_of"]) if "as_of" in row else None,
            source=sources[row["source"]],
        )
        for i, row in enumerate(doc.get("quality_scores", []))
    )
    return version
