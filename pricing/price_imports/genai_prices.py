"""pydantic's genai-prices data (`prices/data.json`) → API offers.

Providers → models → `prices`, per million tokens. A price is a number or
`{"base": n, "tiers": [{"start": tokens, "price": n}]}`: the tiers become context tiers
above `start`. `prices` may be a list of constrained prices:
- `start_date`: a dated change. The import takes the latest change on or before `as_of`
  (else the unconstrained price); every other dated price is listed in the report.
- `start_time`/`end_time` (UTC hours, e.g. an off-peak discount): the import takes the
  price that holds for most of the day and lists the other.

Carried: `input_mtok`, `output_mtok`, `cache_read_mtok` (→ cached input), `cache_write_mtok`
(→ cache write). A model without an output price (embeddings, rerank, or no price at all)
is reported, as is every other priced key (audio, per-request) of an imported model.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pricing import catalog_format as fmt
from pricing.catalog_format import CatalogImportError
from pricing.price_imports import ImportReport, exact_decimal, is_number, rounded

FORMAT = "genai-prices"
SOURCE_KEY = "genai-prices"
PRICE_FIELDS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
}
CONSTRAINT_KEYS = {"start_date", "start_time", "end_time"}

Errors = list[tuple[str, str, str]]


def convert(
    content: bytes, *, filename: str, as_of: date | None = None
) -> tuple[dict[str, Any], ImportReport]:
    as_of = as_of or date.today()
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogImportError([("document", "-", f"not valid JSON: {exc}")]) from exc
    if not isinstance(data, list):
        raise CatalogImportError([("document", "-", "must be a list of providers")])
    report = ImportReport(format=FORMAT, filename=filename)
    report.notes.append(f"Prices as of {as_of.isoformat()}.")
    errors: Errors = []
    rows = []
    for p, provider in enumerate(data, start=1):
        if (
            not isinstance(provider, dict)
            or not isinstance(provider.get("id"), str)
            or not isinstance(provider.get("models"), list)
        ):
            errors.append((f"provider {p}", "id", "a provider has an 'id' and a 'models' list"))
            continue
        for m, model in enumerate(provider["models"], start=1):
            if not isinstance(model, dict) or not isinstance(model.get("id"), str):
                errors.append((f"provider {provider['id']!r} model {m}", "id", "is required"))
                continue
            name = f"{provider['id']}/{model['id']}"
            row = _offer(provider["id"], model, name, as_of, errors, report)
            if row is not None:
                rows.append(row)
    if errors:
        raise CatalogImportError(errors)
    report.api_offers = len(rows)
    doc = {
        "name": "genai-prices",
        "currency": "USD",
        "sources": {SOURCE_KEY: "pydantic genai-prices data (prices/data.json)"},
        "api_prices": rows,
    }
    return doc, report


def change_dates(content: bytes) -> list[date]:
    """The distinct dates of the file's dated price changes, ascending (unreadable
    ones are left to `convert`, which names them)."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return []
    dates = set()
    for provider in data if isinstance(data, list) else []:
        for model in (provider.get("models") or []) if isinstance(provider, dict) else []:
            prices = model.get("prices") if isinstance(model, dict) else None
            for item in prices if isinstance(prices, list) else []:
                constraint = item.get("constraint") if isinstance(item, dict) else None
                if isinstance(constraint, dict) and "start_date" in constraint:
                    try:
                        dates.add(date.fromisoformat(constraint["start_date"]))
                    except (TypeError, ValueError):
                        continue
    return sorted(dates)


def _offer(provider_id: str, model: dict, name: str, as_of: date, errors: Errors, report):
    row_name = f"model {name!r}"
    prices = _current_prices(model.get("prices"), name, row_name, as_of, errors, report)
    if prices is None:
        return None
    if not prices:
        report.skip("no price", name)
        return None
    if "output_mtok" not in prices:
        report.skip("no output price (embedding, rerank…)", name)
        return None
    before = len(errors)
    row: dict[str, Any] = {
        "model": model["id"],
        "provider": provider_id,
        "offer": SOURCE_KEY,
        "license": fmt.UNKNOWN_LICENSE,
    }
    context: dict[int, dict[str, Decimal]] = {}
    for field, value in prices.items():
        if field not in PRICE_FIELDS:
            report.not_carried(field)
            continue
        key = PRICE_FIELDS[field]
        if isinstance(value, dict):
            base, tiers = value.get("base"), value.get("tiers")
            if not isinstance(tiers, list):
                errors.append((row_name, f"{field}.tiers", "must be a list of tiers"))
                continue
            row[key] = _price(base, row_name, f"{field}.base", errors, report)
            for i, tier in enumerate(tiers, start=1):
                where = f"{field}.tiers[{i}]"
                start = tier.get("start") if isinstance(tier, dict) else None
                if not isinstance(start, int) or isinstance(start, bool) or start <= 0:
                    errors.append((row_name, f"{where}.start", "must be a positive whole number"))
                    continue
                price = _price(tier.get("price"), row_name, f"{where}.price", errors, report)
                context.setdefault(start, {})[key] = price
        else:
            row[key] = _price(value, row_name, field, errors, report)
    if len(errors) > before:
        return None
    if context:
        row["context_tiers"] = [
            {fmt.CONTEXT_TIER_THRESHOLD: start, **tier_prices}
            for start, tier_prices in sorted(context.items())
        ]
    return row


def _price(value: Any, row: str, field: str, errors: Errors, report: ImportReport):
    if not is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        errors.append((row, field, f"must be a finite number, got {value!r}"))
        return None
    exact = exact_decimal(value)
    if exact < 0:
        errors.append((row, field, f"must not be negative, got {value!r}"))
        return None
    return rounded(exact, row=row, field_name=field, report=report)


def _current_prices(
    prices: Any, name: str, row_name: str, as_of: date, errors: Errors, report: ImportReport
) -> dict[str, Any] | None:
    """The prices that hold on `as_of`; the others go to the report."""
    if isinstance(prices, dict):
        return prices
    if not isinstance(prices, list) or not prices:
        errors.append((row_name, "prices", "must be an object or a list of constrained prices"))
        return None
    base = None
    dated: list[tuple[date, dict]] = []
    windows: list[tuple[float, dict, dict]] = []
    for i, item in enumerate(prices, start=1):
        where = f"prices[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("prices"), dict):
            errors.append((row_name, where, "must have a 'prices' object"))
            return None
        constraint = item.get("constraint")
        if constraint is None:
            base = item["prices"]
            continue
        if not isinstance(constraint, dict) or not constraint or set(constraint) - CONSTRAINT_KEYS:
            errors.append(
                (row_name, f"{where}.constraint", f"must use only {sorted(CONSTRAINT_KEYS)}")
            )
            return None
        try:
            if "start_date" in constraint:
                dated.append((date.fromisoformat(constraint["start_date"]), item))
            else:
                start = _utc_time(constraint["start_time"])
                end = _utc_time(constraint["end_time"])
                hours = ((end - start) % 86400) / 3600
                windows.append((hours, constraint, item["prices"]))
        except (KeyError, TypeError, ValueError):
            errors.append((row_name, f"{where}.constraint", f"unreadable: {constraint!r}"))
            return None
    chosen = base
    applied = [d for d in dated if d[0] <= as_of]
    if applied:
        chosen = max(applied, key=lambda d: d[0])[1]["prices"]
    for start_date, item in dated:
        if item["prices"] is not chosen:
            report.other_dated_prices.append(
                {
                    "row": name,
                    "constraint": f"from {start_date.isoformat()}",
                    "prices": item["prices"],
                }
            )
    for hours, constraint, window_prices in windows:
        if chosen is base and hours > 12:
            other, chosen = base, window_prices
        else:
            other = window_prices
        label = f"{constraint.get('start_time')}-{constraint.get('end_time')} UTC"
        if other is not None:
            report.other_dated_prices.append(
                {
                    "row": name,
                    "constraint": label if other is window_prices else f"outside {label}",
                    "prices": other,
                }
            )
    if chosen is None:
        report.skip("no price on the date imported", name)
        return None
    if base is not None and chosen is not base and not windows:
        report.other_dated_prices.append(
            {"row": name, "constraint": "before the first dated change", "prices": base}
        )
    return chosen


def _utc_time(text: Any) -> int:
    """Seconds after midnight of an ISO time such as '00:30:00Z'."""
    parsed: time = datetime.strptime(str(text).removesuffix("Z"), "%H:%M:%S").time()
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second
