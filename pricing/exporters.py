"""CatalogVersion → the catalog document (JSON), or the CSV zip. Deterministic bytes.

The document reproduces what was imported: exact values stay exact, ranges stay
ranges, absent keys stay absent; values the importer infers (open_weights from
the license, hidden-cost kind from the item, engine from the setup text, model
specs seeded from offer params) are written only where they differ from what
inference would give back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

from accounts.csvsafe import safe_row
from pricing import catalog_format as fmt
from pricing.importers import CSV_CATALOG_FILE, CSV_ROW_SECTIONS, CSV_SOURCES_FILE, csv_columns
from pricing.models import (
    ApiOffer,
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


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == "":
        return
    out[key] = value


def _pair(low: Decimal | None, high: Decimal | None) -> list[Decimal] | None:
    if low is None or high is None:
        return None
    return [low, high]


def _normalize_decimal(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()


def version_document(version: CatalogVersion) -> dict[str, Any]:
    """The version as a catalog document with Decimal numbers (see `export_json`)."""
    doc: dict[str, Any] = {
        "name": version.title,
        "currency": version.currency,
        "month_hours": version.month_hours,
    }
    _put(doc, "notes", version.notes)
    _put(doc, "electricity_price_per_kwh", version.electricity_price_per_kwh)
    _put(doc, "pue", version.pue)
    sources = list(CatalogSource.objects.filter(version=version))
    by_id = {s.pk: s.key for s in sources}
    doc["sources"] = {s.key: s.description for s in sources}

    api = []
    for o in ApiOffer.objects.filter(version=version):
        row: dict[str, Any] = {"model": o.model_name}
        _put(row, "provider", o.provider)
        row["offer"] = by_id[o.source_id]
        row["license"] = o.license
        if o.open_weights != fmt.infer_open_weights(o.license):
            row["open_weights"] = o.open_weights
        _put(row, "input", o.input_per_mtok)
        row["output"] = o.output_per_mtok
        _put(row, "cached_input", o.cached_input_per_mtok)
        _put(row, "cache_write", o.cache_write_per_mtok)
        _put(row, "currency", o.currency)
        _put(row, "selfhost_monthly", _pair(o.selfhost_monthly_low, o.selfhost_monthly_high))
        _put(row, "params_b", o.params_total_b)
        _put(row, "active_params_b", o.params_active_b)
        if o.volume_tiers:
            row["volume_tiers"] = [
                {k: fmt.decimal_value(t[k]) for k in fmt.TIER_KEYS if k in t}
                for t in o.volume_tiers
            ]
        if o.service_tiers:
            row["service_tiers"] = {  # jsonb keeps no key order: the format's order
                name: {
                    k: fmt.decimal_value(o.service_tiers[name][k])
                    for k in fmt.TIER_PRICE_KEYS
                    if k in o.service_tiers[name]
                }
                for name in fmt.SERVICE_TIERS
                if name in o.service_tiers
            }
        if o.context_tiers:
            row["context_tiers"] = [
                {
                    k: fmt.decimal_value(t[k])
                    for k in (fmt.CONTEXT_TIER_THRESHOLD, *fmt.TIER_PRICE_KEYS)
                    if k in t
                }
                for t in o.context_tiers
            ]
        api.append(row)
    doc["api_prices"] = api

    gpus = []
    for g in GpuOffer.objects.filter(version=version):
        row = {"gpu": g.sku, "count": g.gpu_count, "vram_gb": g.vram_total_gb}
        _put(row, "hourly", g.hourly)
        _put(row, "hourly_range", _pair(g.hourly_low, g.hourly_high))
        _put(row, "monthly", g.monthly)
        _put(row, "monthly_range", _pair(g.monthly_low, g.monthly_high))
        _put(row, "spot_hourly", g.spot_hourly)
        _put(row, "spot_discount", g.spot_discount)
        _put(row, "reserved_hourly", g.reserved_hourly)
        _put(row, "region", g.region)
        _put(row, "provider", g.provider)
        row["offer"] = by_id[g.source_id]
        gpus.append(row)
    if gpus:
        doc["cloud_gpus"] = gpus

    owned = []
    for h in OwnedHardware.objects.filter(version=version):
        row = {"hardware": h.name, "vram_gb": h.vram_gb}
        _put(row, "price", h.price)
        _put(row, "price_range", _pair(h.price_low, h.price_high))
        _put(row, "power_w", h.power_w)
        _put(row, "power_kw_range", _pair(h.power_kw_low, h.power_kw_high))
        _put(row, "useful_life_months", h.useful_life_months)
        _put(
            row, "electricity_monthly", _pair(h.electricity_monthly_low, h.electricity_monthly_high)
        )
        _put(row, "server_base_w", h.server_base_w)
        owned.append(row)
    if owned:
        doc["owned_hardware"] = owned

    specs = []
    for s in ModelSpec.objects.filter(version=version, derived=False):
        row = {"model": s.name, "params_b": s.params_total_b}
        _put(row, "active_params_b", s.params_active_b)
        if s.precisions != list(fmt.PRECISION_VALUES):
            row["precisions"] = s.precisions
        if s.has_architecture:
            for key in ("layers", "kv_heads", "head_dim", "max_context", "attention"):
                _put(row, key, getattr(s, key))
            _put(row, "config_source", s.config_source)
        specs.append(row)
    if specs:
        doc["model_specs"] = specs

    throughput = []
    for t in ThroughputProfile.objects.filter(version=version):
        row = {"setup": t.setup}
        _put(row, "model", t.model_name)
        _put(row, "model_params_b", t.model_params_b)
        _put(row, "precision", t.precision)
        _put(row, "gpu", t.gpu_sku)
        _put(row, "count", t.gpu_count)
        if t.engine != fmt.infer_engine(t.setup):
            row["engine"] = t.engine
        _put(row, "output_tok_s_range", _pair(t.output_tok_s_low, t.output_tok_s_high))
        _put(row, "planning_tok_s", t.planning_tok_s)
        _put(row, "single_stream_output_tok_s", t.single_stream_output_tok_s)
        _put(row, "aggregate_output_tok_s", t.aggregate_output_tok_s)
        _put(row, "aggregate_total_tok_s", t.aggregate_total_tok_s)
        _put(row, "concurrency", t.concurrency)
        _put(row, "output_tok_s_per_gpu", t.output_tok_s_per_gpu)
        for key in ("prefill_tok_s", "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms"):
            _put(row, key, getattr(t, key))
        if t.source_id:
            row["source"] = by_id[t.source_id]
        throughput.append(row)
    if throughput:
        doc["throughput"] = throughput

    hidden = []
    for c in HiddenCost.objects.filter(version=version):
        row = {"item": c.item}
        if c.kind != fmt.infer_hidden_kind(c.item):
            row["kind"] = c.kind
        row["range"] = [c.monthly_low, c.monthly_high]
        hidden.append(row)
    if hidden:
        doc["hidden_costs_monthly"] = hidden

    tiers = []
    for v in VolumeTier.objects.filter(version=version):
        row = {}
        _put(row, "min", v.min_tokens_per_month)
        _put(row, "max", v.max_tokens_per_month)
        row["option"] = v.option
        _put(row, "cost_per_token", _pair(v.cost_per_token_low, v.cost_per_token_high))
        tiers.append(row)
    if tiers:
        doc["volume_tiers_monthly_tokens"] = tiers

    for f in EngineFigure.objects.filter(version=version):
        value = f.value if f.value is not None else [f.value_low, f.value_high]
        if f.key:
            doc.setdefault(f.section, {})[f.key] = value
        else:
            doc[f.section] = value

    power = [
        {"gpu": p.sku, "tdp_w": p.tdp_w, "source": by_id[p.source_id]}
        for p in GpuPower.objects.filter(version=version)
    ]
    if power:
        doc["gpu_power"] = power
    grid = [
        {
            "region": g.region,
            "g_co2e_per_kwh": g.g_co2e_per_kwh,
            "year": g.year,
            "source": by_id[g.source_id],
        }
        for g in GridIntensity.objects.filter(version=version)
    ]
    if grid:
        doc["grid_intensity"] = grid
    scores = []
    for q in QualityScore.objects.filter(version=version):
        row = {"model": q.model_name, "benchmark": q.benchmark, "score": q.score}
        if q.as_of is not None:
            row["as_of"] = q.as_of.isoformat()
        row["source"] = by_id[q.source_id]
        scores.append(row)
    if scores:
        doc["quality_scores"] = scores

    for key, value in (version.reference_facts or {}).items():
        if key in fmt.FACT_ROW_SECTIONS:
            # jsonb does not keep key order: put each row's keys back in schema order.
            order = fmt.ROW_SECTIONS[key]
            value = [{k: row[k] for k in order if k in row} for row in value]
        doc[key] = fmt.decimal_value(value)

    ordered = {key: doc[key] for key in fmt.TOP_LEVEL_ORDER if key in doc}
    return ordered


def export_json(version: CatalogVersion) -> bytes:
    doc = fmt.json_value(version_document(version))
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def document_hash(doc: dict[str, Any]) -> str:
    """sha256 of a cleaned document (`catalog_format.clean_document`) in canonical form."""
    canonical = json.dumps(
        fmt.json_value(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_hash(version: CatalogVersion) -> str:
    """The hash of the version's content: equal to the hash of the file it came from."""
    doc = json.loads(export_json(version).decode("utf-8"), parse_float=Decimal)
    return document_hash(fmt.clean_document(doc))


def _cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind in fmt.JSON_CELL_KINDS:
        return json.dumps(fmt.json_value(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(fmt.json_number(value))
    return str(value)


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue().encode("utf-8")


def export_csv_zip(version: CatalogVersion) -> bytes:
    """One CSV per row type in a zip; everything else in catalog.csv as key + JSON value."""
    doc = version_document(version)
    files: dict[str, bytes] = {}
    catalog_rows = [
        [key, json.dumps(fmt.json_value(doc[key]), ensure_ascii=False)]
        for key in fmt.TOP_LEVEL_ORDER
        if key in doc and key != "sources" and key not in CSV_ROW_SECTIONS
    ]
    files[CSV_CATALOG_FILE] = _csv_bytes(["key", "value"], catalog_rows)
    files[CSV_SOURCES_FILE] = _csv_bytes(
        ["key", "description"], [[k, v] for k, v in doc["sources"].items()]
    )
    for section in CSV_ROW_SECTIONS:
        if section not in doc:
            continue
        fields = fmt.ROW_SECTIONS[section]
        rows = []
        for item in doc[section]:
            cells = []
            for key, (kind, _required) in fields.items():
                value = item.get(key)
                if kind == fmt.RANGE:
                    cells += (
                        [_cell(fmt.NUM, value[0]), _cell(fmt.NUM, value[1])] if value else ["", ""]
                    )
                else:
                    cells.append(_cell(kind, value))
            rows.append(cells)
        files[f"{section}.csv"] = _csv_bytes(csv_columns(section), rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
