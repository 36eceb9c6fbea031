"""LiteLLM's price map (`model_prices_and_context_window.json`) → API offers.

One entry per model key, prices per token. An entry becomes an API offer when its `mode`
is a text-generation mode (`API_MODES`) and it has a per-token output price (directly or
in the first range of `tiered_pricing`); every other entry is reported under its mode
("embedding", "image_generation", …), "no mode", or "no per-token output price".

Carried: input, output, cache read (→ cached input), cache creation (→ cache write); the
same four with `_batches` / `_priority` / `_flex` (→ service tiers); `…_above_<N>k_tokens`
and the later ranges of `tiered_pricing` (→ context tiers above N x 1000 / the range start).
Any other priced field of an imported entry (`…cost…`) is counted in the report.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from pricing import catalog_format as fmt
from pricing.catalog_format import CatalogImportError
from pricing.price_imports import PER_MTOK, ImportReport, exact_decimal, is_number, rounded

FORMAT = "litellm"
SOURCE_KEY = "litellm"
API_MODES = ("chat", "completion", "responses")
DOCUMENTATION_ENTRY = "sample_spec"
# LiteLLM field → catalog price key.
BASE_FIELDS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cached_input",
    "cache_creation_input_token_cost": "cache_write",
}
SERVICE_SUFFIXES = {"_batches": "batch", "_priority": "priority", "_flex": "flex"}
ABOVE_FIELD = re.compile(
    r"^(?P<base>input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(?P<thousands>\d+)k_tokens$"
)

Errors = list[tuple[str, str, str]]


def convert(content: bytes, *, filename: str) -> tuple[dict[str, Any], ImportReport]:
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogImportError([("document", "-", f"not valid JSON: {exc}")]) from exc
    if not isinstance(data, dict):
        raise CatalogImportError([("document", "-", "must be an object of model entries")])
    report = ImportReport(format=FORMAT, filename=filename)
    errors: Errors = []
    rows = []
    for key, entry in data.items():
        row_name = f"entry {key!r}"
        if not isinstance(entry, dict):
            errors.append((row_name, "-", "must be an object"))
            continue
        if key == DOCUMENTATION_ENTRY:
            report.skip("documentation entry", key)
            continue
        mode = entry.get("mode")
        if mode is None:
            report.skip("no mode", key)
            continue
        if not isinstance(mode, str):
            errors.append((row_name, "mode", f"must be text, got {mode!r}"))
            continue
        if mode not in API_MODES:
            report.skip(mode, key)
            continue
        if not _has_output_price(entry):
            report.skip("no per-token output price", key)
            continue
        row = _offer(key, entry, errors, report)
        if row is not None:
            rows.append(row)
    if errors:
        raise CatalogImportError(errors)
    report.api_offers = len(rows)
    doc = {
        "name": "LiteLLM model prices",
        "currency": "USD",
        "sources": {SOURCE_KEY: "LiteLLM model price map (model_prices_and_context_window.json)"},
        "api_prices": rows,
    }
    return doc, report


def _has_output_price(entry: dict[str, Any]) -> bool:
    if entry.get("output_cost_per_token") is not None:
        return True
    tiers = entry.get("tiered_pricing")
    return isinstance(tiers, list) and any(
        isinstance(t, dict) and _range_start(t.get("range")) == 0 and "output_cost_per_token" in t
        for t in tiers
    )


def _range_start(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and is_number(value[0]):
        return value[0]
    return None


def _price(value: Any, row: str, field: str, errors: Errors, report: ImportReport):
    """A per-token price as a per-1M price, rounded by the one rule; None if absent."""
    if value is None:
        return None
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        errors.append((row, field, f"must be a finite number, got {value!r}"))
        return None
    exact = exact_decimal(value) * PER_MTOK
    if exact < 0:
        errors.append((row, field, f"must not be negative, got {value!r}"))
        return None
    return rounded(exact, row=row, field_name=field, report=report)


def _offer(key: str, entry: dict[str, Any], errors: Errors, report: ImportReport):
    row_name = f"entry {key!r}"
    before = len(errors)
    carried: set[str] = set()
    row: dict[str, Any] = {"model": key, "offer": SOURCE_KEY}
    provider = entry.get("litellm_provider")
    if isinstance(provider, str) and provider:
        row["provider"] = provider
    row["license"] = fmt.UNKNOWN_LICENSE

    for field, price_key in BASE_FIELDS.items():
        price = _price(entry.get(field), row_name, field, errors, report)
        carried.add(field)
        if price is not None:
            row[price_key] = price

    service: dict[str, dict[str, Decimal]] = {}
    for field, price_key in BASE_FIELDS.items():
        for suffix, tier in SERVICE_SUFFIXES.items():
            name = field + suffix
            carried.add(name)
            price = _price(entry.get(name), row_name, name, errors, report)
            if price is not None:
                service.setdefault(tier, {})[price_key] = price

    context: dict[int, dict[str, Decimal]] = {}
    tiered = entry.get("tiered_pricing")
    if tiered is not None:
        carried.add("tiered_pricing")
        _tiered(row, tiered, context, row_name, errors, report)
    for name, value in entry.items():
        match = ABOVE_FIELD.match(name)
        if match:
            carried.add(name)
            price = _price(value, row_name, name, errors, report)
            if price is not None:
                above = int(match["thousands"]) * 1000
                context.setdefault(above, {})[BASE_FIELDS[match["base"]]] = price

    for name, value in entry.items():
        if name not in carried and "cost" in name and value is not None:
            report.not_carried(name)
    if len(errors) > before:
        return None
    if service:
        row["service_tiers"] = service
    if context:
        row["context_tiers"] = [
            {fmt.CONTEXT_TIER_THRESHOLD: above, **prices}
            for above, prices in sorted(context.items())
        ]
    return row


def _tiered(
    row: dict[str, Any],
    tiers: Any,
    context: dict[int, dict[str, Decimal]],
    row_name: str,
    errors: Errors,
    report: ImportReport,
) -> None:
    """`tiered_pricing`: a range from 0 gives the base prices the entry lacks; a later
    range is a context tier above its start."""
    if not isinstance(tiers, list):
        errors.append((row_name, "tiered_pricing", "must be a list of ranges"))
        return
    for i, tier in enumerate(tiers, start=1):
        where = f"tiered_pricing[{i}]"
        start = _range_start(tier.get("range")) if isinstance(tier, dict) else None
        if start is None or exact_decimal(start) < 0 or exact_decimal(start) % 1:
            errors.append((row_name, f"{where}.range", "must be a [start, end] pair of tokens"))
            continue
        prices = {}
        for field, price_key in BASE_FIELDS.items():
            price = _price(tier.get(field), row_name, f"{where}.{field}", errors, report)
            if price is not None:
                prices[price_key] = price
        for name in tier:
            if name not in BASE_FIELDS and name != "range":
                report.not_carried(f"tiered_pricing.{name}")
        if start == 0:
            for price_key, price in prices.items():
                row.setdefault(price_key, price)
        elif prices:
            context.setdefault(int(start), {}).update(prices)
