"""The catalog document format (the shape of `pricing/data/catalog-2026.json`) and its validation.

`clean_document(data)` checks a parsed document (JSON numbers parsed as `Decimal`)
against the schema below and returns it with every number as a `Decimal`, or
raises `CatalogImportError` listing *every* problem as (row, field, message).
Nothing here touches the database: `pricing.importers` writes what this accepts,
`pricing.exporters` writes the same shape back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pricing.currencies import ISO_4217_CODES

MAX_DECIMAL_PLACES = 6
# The license of an offer whose source does not state one. Never inferred as open weights.
UNKNOWN_LICENSE = "unknown"

# Field types.
STR, NUM, INT, RANGE, OPEN_RANGE, BOOL, SOURCE, CURRENCY, TIERS, PRECISIONS, NUM_OR_RANGE = (
    "str",
    "num",
    "int",
    "range",
    "open_range",
    "bool",
    "source",
    "currency",
    "tiers",
    "precisions",
    "num_or_range",
)
SERVICE_TIER_PRICES, CONTEXT_TIER_PRICES = "service_tiers", "context_tiers"
DATE = "date"  # an ISO date, "YYYY-MM-DD"
ATTENTION = "attention"
ATTENTION_VALUES = ("gqa", "mla")
# Field types whose CSV cell is JSON.
JSON_CELL_KINDS = (TIERS, PRECISIONS, SERVICE_TIER_PRICES, CONTEXT_TIER_PRICES)


class CatalogImportError(Exception):
    """A catalog file was rejected as a whole. `errors` lists (row, field, message)."""

    def __init__(self, errors: list[tuple[str, str, str]]) -> None:
        self.errors = errors
        super().__init__(self.report())

    def report(self) -> str:
        return "\n".join(f"{row}: {field}: {message}" for row, field, message in self.errors)


# section -> {field: (type, required)}. Key order is the export order.
ROW_SECTIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "api_prices": {
        "model": (STR, True),
        "provider": (STR, False),
        "offer": (SOURCE, True),
        "license": (STR, False),
        "open_weights": (BOOL, False),
        "input": (NUM, False),
        "output": (NUM, True),
        "cached_input": (NUM, False),
        "cache_write": (NUM, False),
        "currency": (CURRENCY, False),
        "selfhost_monthly": (RANGE, False),
        "params_b": (NUM, False),
        "active_params_b": (NUM, False),
        "volume_tiers": (TIERS, False),
        "service_tiers": (SERVICE_TIER_PRICES, False),
        "context_tiers": (CONTEXT_TIER_PRICES, False),
    },
    "cloud_gpus": {
        "gpu": (STR, True),
        "count": (INT, True),
        "vram_gb": (NUM, True),
        "hourly": (NUM, False),
        "hourly_range": (RANGE, False),
        "monthly": (NUM, False),
        "monthly_range": (RANGE, False),
        "spot_hourly": (NUM, False),
        "spot_discount": (NUM, False),
        "reserved_hourly": (NUM, False),
        "region": (STR, False),
        "provider": (STR, False),
        "offer": (SOURCE, True),
    },
    "owned_hardware": {
        "hardware": (STR, True),
        "vram_gb": (NUM, True),
        "price": (NUM, False),
        "price_range": (RANGE, False),
        "power_w": (NUM, False),
        "power_kw_range": (RANGE, False),
        "useful_life_months": (INT, False),
        "electricity_monthly": (RANGE, False),
        "server_base_w": (NUM, False),
    },
    "model_specs": {
        "model": (STR, True),
        "params_b": (NUM, True),
        "active_params_b": (NUM, False),
        "precisions": (PRECISIONS, False),
        "layers": (INT, False),
        "kv_heads": (INT, False),
        "head_dim": (INT, False),
        "max_context": (INT, False),
        "attention": (ATTENTION, False),
        "config_source": (STR, False),
    },
    "selfhost_by_model_size": {
        "params_b": (OPEN_RANGE, True),
        "gpu": (STR, True),
        "count": (INT, True),
        "cloud_monthly": (RANGE, True),
        "onprem_amortized_monthly": (RANGE, True),
    },
    "vram_gb_by_params": {
        "params_b": (NUM, True),
        "fp16": (NUM, True),
        "fp8": (NUM, False),
        "int4": (NUM, True),
        "minimum": (STR, True),
    },
    "throughput": {
        "setup": (STR, True),
        "model": (STR, False),
        "model_params_b": (NUM, False),
        "precision": (STR, False),
        "gpu": (STR, False),
        "count": (INT, False),
        "engine": (STR, False),
        "output_tok_s_range": (RANGE, False),
        "planning_tok_s": (NUM, False),
        "single_stream_output_tok_s": (NUM, False),
        "aggregate_output_tok_s": (NUM, False),
        "aggregate_total_tok_s": (NUM, False),
        "concurrency": (INT, False),
        "output_tok_s_per_gpu": (NUM, False),
        "prefill_tok_s": (NUM, False),
        "ttft_p50_ms": (NUM, False),
        "ttft_p99_ms": (NUM, False),
        "tpot_p50_ms": (NUM, False),
        "tpot_p99_ms": (NUM, False),
        "source": (SOURCE, False),
    },
    "hidden_costs_monthly": {
        "item": (STR, True),
        "kind": (STR, False),
        "range": (RANGE, True),
    },
    "volume_tiers_monthly_tokens": {
        "min": (INT, False),
        "max": (INT, False),
        "option": (STR, True),
        "cost_per_token": (RANGE, False),
    },
    # A GPU model's power at full load (TDP), per GPU: the energy of rented fleets.
    "gpu_power": {
        "gpu": (STR, True),
        "tdp_w": (NUM, True),
        "source": (SOURCE, True),
    },
    # A region's grid: grams CO2e per kWh for a year, as its source published it.
    "grid_intensity": {
        "region": (STR, True),
        "g_co2e_per_kwh": (NUM, True),
        "year": (INT, True),
        "source": (SOURCE, True),
    },
    # A model's published score on a public benchmark.
    "quality_scores": {
        "model": (STR, True),
        "benchmark": (STR, True),
        "score": (NUM, True),
        "as_of": (DATE, False),
        "source": (SOURCE, True),
    },
}

# Sections stored as typed rows (the rest of ROW_SECTIONS go to reference facts).
TYPED_ROW_SECTIONS = (
    "api_prices",
    "cloud_gpus",
    "owned_hardware",
    "model_specs",
    "throughput",
    "hidden_costs_monthly",
    "volume_tiers_monthly_tokens",
    "gpu_power",
    "grid_intensity",
    "quality_scores",
)
FACT_ROW_SECTIONS = ("selfhost_by_model_size", "vram_gb_by_params")
# Single [low, high] figures the engine uses (typed EngineFigure rows).
ENGINE_RANGE_KEYS = (
    "spot_discount",
    "hidden_cost_multiplier",
    "devops_hours_per_month",
    "devops_hourly_rate",
    # Owned-server defaults (issue 15): maintenance as a share of the purchase price a
    # year; facilities (space, cooling, power delivery; not the energy) per kW of a
    # server's power a month.
    "owned_maintenance_per_year",
    "owned_facilities_per_kw_monthly",
)
# {name: number or [low, high]} the engine uses (typed EngineFigure rows).
ENGINE_KEYED_KEYS = ("availability", "p99_latency_s")
# Single [low, high] figures kept as reference facts.
FACT_RANGE_KEYS = (
    "workstation_electricity_monthly",
    "hidden_costs_total_excluding_gpu",
    "k8s_monitoring_lb_infra_monthly",
    "tco_multiple_of_gpu_price",
    "downtime_cost_per_hour",
    "idle_share_variable_workload",
    "hybrid_routing_savings",
)
FACT_KEYS = (*FACT_ROW_SECTIONS, *FACT_RANGE_KEYS)

# Top-level keys, in export order.
TOP_LEVEL_ORDER = (
    "name",
    "currency",
    "month_hours",
    "notes",
    "electricity_price_per_kwh",
    "pue",
    "sources",
    "api_prices",
    "cloud_gpus",
    "spot_discount",
    "owned_hardware",
    "owned_maintenance_per_year",
    "owned_facilities_per_kw_monthly",
    "workstation_electricity_monthly",
    "selfhost_by_model_size",
    "vram_gb_by_params",
    "model_specs",
    "throughput",
    "hidden_costs_monthly",
    "hidden_costs_total_excluding_gpu",
    "devops_hours_per_month",
    "devops_hourly_rate",
    "k8s_monitoring_lb_infra_monthly",
    "hidden_cost_multiplier",
    "tco_multiple_of_gpu_price",
    "availability",
    "p99_latency_s",
    "downtime_cost_per_hour",
    "idle_share_variable_workload",
    "hybrid_routing_savings",
    "volume_tiers_monthly_tokens",
    "gpu_power",
    "grid_intensity",
    "quality_scores",
)
REQUIRED_TOP_LEVEL = ("name", "currency", "sources", "api_prices")

# Natural keys that must be unique within a section.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "api_prices": ("model", "provider", "offer"),
    "cloud_gpus": ("gpu", "count", "offer", "region", "provider"),
    "owned_hardware": ("hardware",),
    "model_specs": ("model",),
    "throughput": ("setup",),
    "hidden_costs_monthly": ("item",),
    "volume_tiers_monthly_tokens": ("min", "max", "option"),
    "gpu_power": ("gpu",),
    "grid_intensity": ("region",),
    "quality_scores": ("model", "benchmark"),
}
# The grid a plan's servers draw from when neither the option nor its GPU offer names a
# region the catalog has: the catalog's world average, if it holds one.
DEFAULT_GRID_REGION = "world"
# Grid figures are yearly; a year outside this span is a typo.
GRID_YEARS = (1990, 2100)

# "exactly one of" and "at most one of" groups per section.
EXACTLY_ONE: dict[str, tuple[tuple[str, str], ...]] = {
    "cloud_gpus": (("hourly", "hourly_range"),),
    "owned_hardware": (("price", "price_range"),),
}
AT_MOST_ONE: dict[str, tuple[tuple[str, str], ...]] = {
    "cloud_gpus": (("monthly", "monthly_range"),),
    "owned_hardware": (("power_w", "power_kw_range"),),
}
THROUGHPUT_FIGURES = (
    "output_tok_s_range",
    "planning_tok_s",
    "single_stream_output_tok_s",
    "aggregate_output_tok_s",
    "aggregate_total_tok_s",
    "output_tok_s_per_gpu",
)
PRECISION_VALUES = ("fp16", "fp8", "int4")
TIER_KEYS = ("min_mtok", "max_mtok", "input", "output", "cached_input")
# Prices per 1M tokens that a service tier or a context tier may restate.
TIER_PRICE_KEYS = ("input", "output", "cached_input", "cache_write")
# The same model bought another way: batch (asynchronous, usually half price), priority
# (faster, dearer), flex (slower, cheaper).
SERVICE_TIERS = ("batch", "priority", "flex")
CONTEXT_TIER_THRESHOLD = "above_tokens"
HIDDEN_KINDS = ("labor", "infra", "monitoring", "updates", "electricity", "incidents", "gpu")


# --- inference rules (import infers, export omits what inference gives back) ---------


def infer_open_weights(license_name: str) -> bool:
    """Open unless proprietary; an unknown (or blank) license is never taken for open."""
    return license_name.strip().lower() not in ("proprietary", UNKNOWN_LICENSE, "")


def infer_hidden_kind(item: str) -> str:
    text = item.lower()
    rules = (
        ("gpu", ("gpu",)),
        ("labor", ("devops", "engineer", "labor", "staff")),
        ("monitoring", ("monitor", "alert", "observab")),
        ("updates", ("update", "retest", "rollback")),
        ("electricity", ("electric", "cooling", "power")),
        ("incidents", ("incident", "outage", "downtime")),
    )
    for kind, words in rules:
        if any(w in text for w in words):
            return kind
    return "infra"


def infer_engine(setup: str) -> str:
    text = setup.lower()
    engines = [
        name for key, name in (("vllm", "vLLM"), ("tensorrt", "TensorRT-LLM")) if key in text
    ]
    return "/".join(engines)


# --- numbers ---------------------------------------------------------------------------


def json_number(value: Decimal) -> int | float:
    """A Decimal as the JSON number it came from: integral values as int, others as float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def json_value(value: Any) -> Any:
    """Decimals anywhere inside `value` as JSON numbers."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def decimal_value(value: Any) -> Any:
    """JSON numbers anywhere inside `value` as Decimals (floats through their repr)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, list):
        return [decimal_value(v) for v in value]
    if isinstance(value, dict):
        return {k: decimal_value(v) for k, v in value.items()}
    return value


# --- validation ------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []

    def add(self, row: str, field: str, message: str) -> None:
        self.items.append((row, field, message))


def _number(value: Any, row: str, field: str, errors: _Errors) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        errors.add(row, field, f"must be a number, got {value!r}")
        return None
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        errors.add(row, field, f"must be a finite number, got {value!r}")
        return None
    if number < 0:
        errors.add(row, field, f"must not be negative, got {value}")
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
        number_normalized = number.normalize()
        exp = number_normalized.as_tuple().exponent
        if isinstance(exp, int) and exp < -MAX_DECIMAL_PLACES:
            errors.add(row, field, f"at most {MAX_DECIMAL_PLACES} decimal places, got {value}")
            return None
        number = number_normalized
    if abs(number) >= Decimal(10) ** 12:
        errors.add(row, field, f"is too large: {value}")
        return None
    return number


def _integer(value: Any, row: str, field: str, errors: _Errors) -> int | None:
    number = _number(value, row, field, errors)
    if number is None:
        return None
    if number != number.to_integral_value():
        errors.add(row, field, f"must be a whole number, got {value}")
        return None
    return int(number)


def _range(value: Any, row: str, field: str, errors: _Errors, *, open_high: bool = False):
    if not isinstance(value, list) or len(value) != 2:
        errors.add(row, field, f"must be a [low, high] pair, got {value!r}")
        return None
    low = _number(value[0], row, field, errors)
    if open_high and value[1] is None:
        return [low, None] if low is not None else None
    high = _number(value[1], row, field, errors)
    if low is None or high is None:
        return None
    if low > high:
        errors.add(row, field, f"low {low} is greater than high {high}")
        return None
    return [low, high]


def _clean_value(kind: str, value: Any, row: str, field: str, errors: _Errors, sources: set[str]):
    if kind == STR:
        if not isinstance(value, str) or not value.strip():
            errors.add(row, field, f"must be a non-empty text, got {value!r}")
            return None
        return value
    if kind == SOURCE:
        if not isinstance(value, str) or value not in sources:
            errors.add(row, field, f"unknown source key {value!r} (not in 'sources')")
            return None
        return value
    if kind == CURRENCY:
        if not isinstance(value, str) or value not in ISO_4217_CODES:
            errors.add(row, field, f"unknown currency {value!r} (ISO 4217 code expected)")
            return None
        return value
    if kind == DATE:
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            errors.add(row, field, f"must be a date YYYY-MM-DD, got {value!r}")
            return None
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            errors.add(row, field, f"must be true or false, got {value!r}")
            return None
        return value
    if kind == NUM:
        return _number(value, row, field, errors)
    if kind == INT:
        return _integer(value, row, field, errors)
    if kind == RANGE:
        return _range(value, row, field, errors)
    if kind == OPEN_RANGE:
        return _range(value, row, field, errors, open_high=True)
    if kind == NUM_OR_RANGE:
        if isinstance(value, list):
            return _range(value, row, field, errors)
        return _number(value, row, field, errors)
    if kind == PRECISIONS:
        if not isinstance(value, list) or any(p not in PRECISION_VALUES for p in value):
            errors.add(row, field, f"must be a list drawn from {PRECISION_VALUES}, got {value!r}")
            return None
        return list(value)
    if kind == ATTENTION:
        if value not in ATTENTION_VALUES:
            errors.add(row, field, f"must be one of {ATTENTION_VALUES}, got {value!r}")
            return None
        return value
    if kind == TIERS:
        return _tiers(value, row, field, errors)
    if kind == SERVICE_TIER_PRICES:
        return _service_tiers(value, row, field, errors)
    if kind == CONTEXT_TIER_PRICES:
        return _context_tiers(value, row, field, errors)
    raise AssertionError(kind)


def clean_offer_tiers(kind: str, value: Any) -> tuple[Any, list[tuple[str, str, str]]]:
    """An API offer's `service_tiers` or `context_tiers` as the document format has them
    (the admin form's check); returns (cleaned, errors)."""
    errors = _Errors()
    cleaned = _clean_value(kind, value, "offer", kind, errors, set())
    return cleaned, errors.items


def _tier_prices(tier: dict, row: str, where: str, errors: _Errors) -> dict[str, Any]:
    cleaned = {}
    for key in TIER_PRICE_KEYS:
        if key in tier:
            number = _number(tier[key], row, f"{where}.{key}", errors)
            if number is not None:
                cleaned[key] = number
    return cleaned


def _service_tiers(value: Any, row: str, field: str, errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        errors.add(row, field, f"must be an object keyed by {SERVICE_TIERS}")
        return None
    tiers = {}
    for name, tier in value.items():
        where = f"{field}.{name}"
        if name not in SERVICE_TIERS:
            errors.add(row, where, f"unknown service tier (one of {SERVICE_TIERS})")
            continue
        if not isinstance(tier, dict) or not tier or set(tier) - set(TIER_PRICE_KEYS):
            errors.add(row, where, f"a service tier has one or more of {TIER_PRICE_KEYS}")
            continue
        tiers[name] = _tier_prices(tier, row, where, errors)
    return tiers


def _context_tiers(value: Any, row: str, field: str, errors: _Errors) -> list[dict] | None:
    if not isinstance(value, list):
        errors.add(row, field, "must be a list of context tiers")
        return None
    tiers: list[dict[str, Any]] = []
    allowed = {CONTEXT_TIER_THRESHOLD, *TIER_PRICE_KEYS}
    previous = 0
    for i, tier in enumerate(value, start=1):
        where = f"{field}[{i}]"
        if (
            not isinstance(tier, dict)
            or CONTEXT_TIER_THRESHOLD not in tier
            or len(tier) < 2
            or set(tier) - allowed
        ):
            errors.add(
                row,
                where,
                f"a context tier has '{CONTEXT_TIER_THRESHOLD}' and one or more of "
                f"{TIER_PRICE_KEYS}",
            )
            continue
        above = _integer(
            tier[CONTEXT_TIER_THRESHOLD], row, f"{where}.{CONTEXT_TIER_THRESHOLD}", errors
        )
        prices = _tier_prices(tier, row, where, errors)
        if above is not None and above <= previous:
            errors.add(
                row,
                f"{where}.{CONTEXT_TIER_THRESHOLD}",
                f"tiers ascend from above 0 tokens; got {above} after {previous}",
            )
        elif above is not None:
            previous = above
            tiers.append({CONTEXT_TIER_THRESHOLD: above, **prices})
    return tiers


def _tiers(value: Any, row: str, field: str, errors: _Errors) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        errors.add(row, field, "must be a list of tiers")
        return None
    tiers = []
    allowed = set(TIER_KEYS)
    for i, tier in enumerate(value, start=1):
        where = f"{field}[{i}]"
        if not isinstance(tier, dict) or "output" not in tier or set(tier) - allowed:
            errors.add(row, where, f"a tier has 'output' and only {sorted(allowed)}")
            continue
        cleaned = {k: _number(v, row, f"{where}.{k}", errors) for k, v in tier.items()}
        tiers.append(cleaned)
    return tiers


def clean_rows(section: str, rows: Any, errors: _Errors, sources: set[str]) -> list[dict[str, Any]]:
    fields = ROW_SECTIONS[section]
    if not isinstance(rows, list):
        errors.add(section, "-", "must be a list of rows")
        return []
    cleaned_rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for index, raw in enumerate(rows, start=1):
        row = f"{section} row {index}"
        if not isinstance(raw, dict):
            errors.add(row, "-", "must be an object")
            continue
        cleaned: dict[str, Any] = {}
        for key in raw:
            if key not in fields:
                errors.add(row, key, "unknown field")
        for key, (kind, required) in fields.items():
            if key not in raw:
                if required:
                    errors.add(row, key, "is required")
                continue
            value = _clean_value(kind, raw[key], row, key, errors, sources)
            if value is not None:
                cleaned[key] = value
        for a, b in EXACTLY_ONE.get(section, ()):
            if (a in raw) == (b in raw):
                errors.add(row, a, f"give exactly one of '{a}' and '{b}'")
        for a, b in AT_MOST_ONE.get(section, ()):
            if a in raw and b in raw:
                errors.add(row, a, f"give at most one of '{a}' and '{b}'")
        _section_checks(section, raw, cleaned, row, errors)
        if section in NATURAL_KEYS:
            key = tuple(str(raw.get(k, "")) for k in NATURAL_KEYS[section])
            if key in seen:
                errors.add(row, ",".join(NATURAL_KEYS[section]), f"duplicate of row {seen[key]}")
            else:
                seen[key] = index
        cleaned_rows.append(cleaned)
    return cleaned_rows


def _section_checks(section: str, raw: dict, cleaned: dict, row: str, errors: _Errors) -> None:
    if section == "cloud_gpus" and cleaned.get("count") is not None and cleaned["count"] < 1:
        errors.add(row, "count", "must be at least 1")
    elif section == "cloud_gpus" and "count" in cleaned and "vram_gb" in cleaned:
        per_gpu = cleaned["vram_gb"] / cleaned["count"]
        if per_gpu * cleaned["count"] != cleaned["vram_gb"] or per_gpu.as_tuple().exponent < -3:
            errors.add(row, "vram_gb", "node VRAM must split evenly across the GPUs")
    if section == "cloud_gpus" and "spot_discount" in cleaned and cleaned["spot_discount"] > 1:
        errors.add(row, "spot_discount", "is a fraction between 0 and 1")
    if section == "owned_hardware" and "server_base_w" in cleaned:
        power = cleaned.get("power_w")
        if power is None and cleaned.get("power_kw_range"):
            power = cleaned["power_kw_range"][0] * 1000
        if power is None:
            errors.add(
                row, "server_base_w", "needs the machine's power (power_w or power_kw_range)"
            )
        elif cleaned["server_base_w"] > power:
            errors.add(row, "server_base_w", f"is more than the machine's power ({power} W)")
    if section == "throughput" and not any(k in raw for k in THROUGHPUT_FIGURES):
        errors.add(row, "aggregate_output_tok_s", "a throughput row needs at least one figure")
    if section == "throughput" and cleaned.get("precision") not in (None, *PRECISION_VALUES):
        errors.add(row, "precision", f"must be one of {PRECISION_VALUES}")
    if section == "gpu_power" and cleaned.get("tdp_w") == 0:
        errors.add(row, "tdp_w", "must be positive")
    year = cleaned.get("year")
    if (
        section == "grid_intensity"
        and year is not None
        and not GRID_YEARS[0] <= year <= GRID_YEARS[1]
    ):
        errors.add(row, "year", f"must be a year from {GRID_YEARS[0]} to {GRID_YEARS[1]}")
    if section == "hidden_costs_monthly" and cleaned.get("kind") not in (None, *HIDDEN_KINDS):
        errors.add(row, "kind", f"must be one of {HIDDEN_KINDS}")
    if section == "volume_tiers_monthly_tokens":
        if "min" not in raw and "max" not in raw:
            errors.add(row, "min", "a tier needs a min or a max")
        low, high = cleaned.get("min"), cleaned.get("max")
        if low is not None and high is not None and low > high:
            errors.add(row, "min", f"min {low} is greater than max {high}")


def _clean_keyed(key: str, value: Any, errors: _Errors) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.add(key, "-", "must be an object of named figures")
        return {}
    cleaned = {}
    for name, figure in value.items():
        number = _clean_value(NUM_OR_RANGE, figure, key, name, errors, set())
        if number is not None:
            cleaned[name] = number
    return cleaned


def clean_reference_facts(facts: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Validate the reference-facts part of a document (also the model field's validator)."""
    errors = _Errors()
    cleaned: dict[str, Any] = {}
    if not isinstance(facts, dict):
        return {}, [("reference_facts", "-", "must be an object")]
    for key, value in facts.items():
        if key in FACT_ROW_SECTIONS:
            cleaned[key] = clean_rows(key, value, errors, set())
        elif key in FACT_RANGE_KEYS:
            cleaned[key] = _range(value, key, key, errors)
        else:
            errors.add("reference_facts", key, "unknown reference fact")
    return cleaned, errors.items


def clean_document(data: Any) -> dict[str, Any]:
    """The validated document, numbers as Decimal; or CatalogImportError with every problem."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise CatalogImportError([("document", "-", "must be a JSON object")])
    for key in data:
        if key not in TOP_LEVEL_ORDER:
            errors.add("document", key, "unknown top-level key")
    for key in REQUIRED_TOP_LEVEL:
        if key not in data:
            errors.add("document", key, "is required")
    out: dict[str, Any] = {}
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() for k, v in sources.items()
    ):
        errors.add("sources", "-", "must map source keys to descriptions")
        sources = {}
    out["sources"] = dict(sources)
    source_keys = set(sources)
    scalar_checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: _clean_value(STR, v, "document", "name", errors, source_keys),
        "currency": lambda v: _clean_value(
            CURRENCY, v, "document", "currency", errors, source_keys
        ),
        "month_hours": lambda v: _integer(v, "document", "month_hours", errors),
        "notes": lambda v: (
            v if isinstance(v, str) else errors.add("document", "notes", "must be text")
        ),
        "electricity_price_per_kwh": lambda v: _number(
            v, "document", "electricity_price_per_kwh", errors
        ),
        "pue": lambda v: _number(v, "document", "pue", errors),
    }
    for key, check in scalar_checks.items():
        if key in data:
            value = check(data[key])
            if value is not None:
                out[key] = value
    if out.get("month_hours") == 0:
        errors.add("document", "month_hours", "must be positive")
    for section in TYPED_ROW_SECTIONS:
        if section in data:
            out[section] = clean_rows(section, data[section], errors, source_keys)
    for key in ENGINE_RANGE_KEYS:
        if key in data:
            out[key] = _range(data[key], key, key, errors)
    for key in ENGINE_KEYED_KEYS:
        if key in data:
            out[key] = _clean_keyed(key, data[key], errors)
    facts, fact_errors = clean_reference_facts({k: data[k] for k in FACT_KEYS if k in data})
    errors.items.extend(fact_errors)
    out["reference_facts"] = facts
    if errors.items:
        raise CatalogImportError(errors.items)
    return out


def validate_reference_facts_field(value: Any) -> None:
    """Model-field validator for CatalogVersion.reference_facts."""
    from django.core.exceptions import ValidationError

    _, errors = clean_reference_facts(decimal_value(value))
    if errors:
        raise ValidationError("; ".join(f"{r}: {f}: {m}" for r, f, m in errors))


# --- an organization's private prices (overlay rows) -----------------------------------

# An overlay row's fields as the document's: a private price is checked as the catalog row
# it would be in an imported document (`clean_rows`), so the importer, the admin and the
# private-price pages share one set of rules.
OVERLAY_SECTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "api": (
        "api_prices",
        {
            "model_name": "model",
            "provider": "provider",
            "offer_key": "offer",
            "input_per_mtok": "input",
            "output_per_mtok": "output",
            "cached_input_per_mtok": "cached_input",
        },
    ),
    "gpu": (
        "cloud_gpus",
        {
            "sku": "gpu",
            "gpu_count": "count",
            "vram_per_gpu_gb": "vram_gb",
            "hourly": "hourly",
            "monthly": "monthly",
            "offer_key": "offer",
        },
    ),
}


def clean_overlay_row(kind: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """Check an overlay row (``kind`` "api" or "gpu"; ``values`` by model field, empty ones
    None or "") as the importer checks the catalog row it amounts to. Returns every
    problem as (model field, message); an empty list when the row is valid.

    A GPU row's ``vram_per_gpu_gb`` is the document's per-node ``vram_gb`` divided by the
    count, so it is multiplied back before the check."""
    section, fields = OVERLAY_SECTIONS[kind]
    raw: dict[str, Any] = {}
    for field, doc_key in fields.items():
        value = values.get(field)
        if value is None or (isinstance(value, str) and not value.strip() and field != "provider"):
            continue
        raw[doc_key] = value
    if kind == "api" and not raw.get("provider"):
        raw.pop("provider", None)
    if kind == "gpu" and isinstance(raw.get("vram_gb"), Decimal):
        count = raw.get("count")
        if isinstance(count, int) and not isinstance(count, bool) and count >= 1:
            raw["vram_gb"] = raw["vram_gb"] * count
    errors = _Errors()
    offer = raw.get("offer")
    clean_rows(section, [raw], errors, {offer} if isinstance(offer, str) else set())
    by_doc_key = {doc_key: field for field, doc_key in fields.items()}
    problems = []
    for _row, doc_key, message in errors.items:
        if kind == "gpu" and doc_key == "hourly" and "hourly" not in raw:
            message = "is required"  # a private GPU offer has no hourly range to give instead
        problems.append((by_doc_key.get(doc_key, doc_key), message))
    return problems
