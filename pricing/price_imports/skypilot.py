"""SkyPilot's cloud catalog layout (`catalogs/v8/<cloud>/vms.csv`) → GPU offers.

Columns `InstanceType, AcceleratorName, AcceleratorCount, vCPUs, MemoryGiB, Price, Region,
GpuInfo, SpotPrice`. `Price`/`SpotPrice` are per hour for the whole instance; a catalog GPU
offer is priced per instance too (`hourly` with `count` GPUs), so the instance price is kept
as is and its price per GPU (`Price ÷ AcceleratorCount`) is what the grouping compares and
the report shows. GPU memory comes from `GpuInfo` (`MemoryInfo.SizeInMiB` ÷ 1024, GiB).

Grouping, the operator's choice:
- `region` (default): one offer per GPU model, count and region;
- `region-group`: the instance cheapest per GPU per GPU model and region group (the
  region's first word: `us-east-1` → `us`), kept with its own region and count; at the
  same price per GPU the smaller instance wins.
Where two rows fall on the same offer the cheaper one per GPU is kept and the other listed
in the report. Instances without GPUs, with a fraction of a GPU or without a price are reported.
"""

from __future__ import annotations

import ast
import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from pricing.catalog_format import CatalogImportError
from pricing.price_imports import ImportReport, RoundedValue, rounded

FORMAT = "skypilot"
SOURCE_KEY = "skypilot"
GROUPINGS = ("region", "region-group")
REQUIRED_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "Region")
MIB_PER_GIB = Decimal(1024)
VRAM_QUANTUM = Decimal("0.001")  # GpuOffer.vram_per_gpu_gb has 3 places

Errors = list[tuple[str, str, str]]


def convert(
    content: bytes, *, filename: str, grouping: str = "region", provider: str = ""
) -> tuple[dict[str, Any], ImportReport]:
    if grouping not in GROUPINGS:
        raise CatalogImportError([("options", "grouping", f"must be one of {GROUPINGS}")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogImportError([("document", "-", "not UTF-8 text")]) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogImportError([("header", column, "missing column") for column in missing])
    report = ImportReport(format=FORMAT, filename=filename)
    report.notes.append(f"GPU offers grouped by {grouping}.")
    errors: Errors = []
    chosen: dict[tuple, dict[str, Any]] = {}
    for line, row in enumerate(reader, start=2):
        offer = _offer(row, f"row {line}", errors, report)
        if offer is None:
            continue
        region = offer["region"]
        if grouping == "region":
            key: tuple = (offer["gpu"], offer["count"], region)
        else:
            key = (offer["gpu"], region.split("-", 1)[0])
        kept = chosen.get(key)
        if kept is None or _cheaper(offer, kept):
            if kept is not None:
                report.collapsed.append(kept.pop("_label"))
            chosen[key] = offer
        else:
            report.collapsed.append(offer["_label"])
    if errors:
        raise CatalogImportError(errors)
    rows = []
    for offer in chosen.values():
        offer.pop("_label")
        if provider:
            offer["provider"] = provider
        rows.append(offer)
    report.gpu_offers = len(rows)
    report.notes += [
        f"{r['count']}x {r['gpu']} in {r['region']}: {r['hourly'].normalize()}/h per instance, "
        f"{(Decimal(r['hourly']) / r['count']).normalize()}/h per GPU"
        for r in rows
    ]
    doc = {
        "name": "SkyPilot GPU catalog",
        "currency": "USD",
        "sources": {SOURCE_KEY: "SkyPilot catalog layout (vms.csv)"},
        "api_prices": [],
        "cloud_gpus": rows,
    }
    return doc, report


def _cheaper(offer: dict[str, Any], kept: dict[str, Any]) -> bool:
    """Cheaper per GPU; at the same price per GPU, the smaller instance (finer steps)."""
    mine, theirs = offer["hourly"] / offer["count"], kept["hourly"] / kept["count"]
    return (mine, offer["count"]) < (theirs, kept["count"])


def _decimal(text: str, row: str, field: str, errors: Errors) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        errors.append((row, field, f"must be a number, got {text!r}"))
        return None
    if not value.is_finite() or value < 0:
        errors.append((row, field, f"must be a finite number not below 0, got {text!r}"))
        return None
    return value


def _offer(row: dict[str, Any], where: str, errors: Errors, report: ImportReport):
    instance, region = (row.get("InstanceType") or "").strip(), (row.get("Region") or "").strip()
    label = f"{where}: {instance} in {region}"
    accelerator = (row.get("AcceleratorName") or "").strip()
    if not instance:
        errors.append((where, "InstanceType", "is required"))
        return None
    if not accelerator:
        report.skip("instance without GPUs", label)
        return None
    before = len(errors)
    count = _decimal(row.get("AcceleratorCount") or "", where, "AcceleratorCount", errors)
    price_text = (row.get("Price") or "").strip()
    spot_text = (row.get("SpotPrice") or "").strip()
    price = _decimal(price_text, where, "Price", errors) if price_text else None
    spot = _decimal(spot_text, where, "SpotPrice", errors) if spot_text else None
    memory = _gpu_memory_gib(row.get("GpuInfo") or "", where, errors)
    if len(errors) > before or count is None or memory is None:
        return None
    if count < 1 or count % 1:
        report.skip("fraction of a GPU", label)
        return None
    if price is None:
        report.skip("no on-demand price", label)
        return None
    vram = memory.quantize(VRAM_QUANTUM, rounding=ROUND_HALF_EVEN)
    if vram != memory:
        report.rounded.append(RoundedValue(where, "GpuInfo (GiB)", memory, vram.normalize()))
    gpus = int(count)
    manufacturer, name = _gpu_identity(row.get("GpuInfo") or "", accelerator)
    size = f"{vram.normalize():f}GB"
    offer: dict[str, Any] = {
        "gpu": f"{manufacturer} {name} {size}".strip(),
        "count": gpus,
        "vram_gb": vram * gpus,
        "hourly": rounded(price, row=where, field_name="Price", report=report),
        "region": region,
        "offer": SOURCE_KEY,
        "_label": label,
    }
    if spot is not None:
        offer["spot_hourly"] = rounded(spot, row=where, field_name="SpotPrice", report=report)
    if not region:
        errors.append((where, "Region", "is required"))
        return None
    return offer


def _gpu_info(text: str) -> Any:
    try:
        return ast.literal_eval(text) if text.strip() else None
    except (ValueError, SyntaxError):
        return None


def _gpu_memory_gib(text: str, where: str, errors: Errors) -> Decimal | None:
    info = _gpu_info(text)
    try:
        mib = info["Gpus"][0]["MemoryInfo"]["SizeInMiB"]
    except (TypeError, KeyError, IndexError):
        errors.append((where, "GpuInfo", "must give Gpus[0].MemoryInfo.SizeInMiB"))
        return None
    if isinstance(mib, bool) or not isinstance(mib, int | float) or mib <= 0:
        errors.append((where, "GpuInfo", f"SizeInMiB must be a positive number, got {mib!r}"))
        return None
    return Decimal(repr(mib)) / MIB_PER_GIB


def _gpu_identity(text: str, accelerator: str) -> tuple[str, str]:
    info = _gpu_info(text) or {}
    gpu = (info.get("Gpus") or [{}])[0]
    manufacturer = gpu.get("Manufacturer") if isinstance(gpu.get("Manufacturer"), str) else ""
    return manufacturer, accelerator
