"""The bridge between sweep requests / catalog rows and the engine's `SweepSpec`.

`clean_sweep_spec` validates a decoded JSON request against a pinned catalog version and
returns the *cleaned* spec stored on `Sweep.spec`: every axis as an explicit list of
values, every option with its catalog id and the prices read from the catalog at that
moment (the version is immutable, so this is a faithful copy). `engine_spec` turns a
cleaned spec into the engine's `SweepSpec` without touching the database, which keeps
chunk tasks free of catalog queries.

Errors are `SweepSpecError(field, message)` with a dotted field path
(``volumes.max``, ``selfhost[1].gpu_offer_id``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

import numpy as np

from planner.engine.api import ApiOffer as EngineApiOffer
from planner.engine.api import PriceTier
from planner.engine.errors import ScenarioError
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    Pricing,
    ReservedRate,
    SelfHostConfig,
    SpotRate,
)
from planner.engine.sweep import SweepChunkResult as SweepChunkResult
from planner.engine.sweep import SweepSpec
from planner.engine.sweep import chunk_bounds as chunk_bounds
from planner.engine.sweep import evaluate_chunk as evaluate_chunk
from planner.engine.sweep import summarize as summarize

MAX_POINTS = 1_000_000
MAX_OPTIONS = 32  # cheapest-option indices are stored as uint8
MAX_ANALYSIS_MONTHS = 240.0
AXES = ("volumes", "input_shares", "utilizations")
TOP_LEVEL_KEYS = {
    *AXES,
    "cached_share",
    "hours_per_month",
    "api_offer_ids",
    "selfhost",
    "analysis_months",
}
SELFHOST_KEYS = {
    "gpu_offer_id",
    "count",
    "tokens_per_second",
    "billing",
    "window_hours",
    "pricing",
    "hidden_monthly",
    "hidden_multiplier",
    "implementation_one_off",
    "name",
}
PRICING_CHOICES = ("on_demand", "reserved", "spot", "monthly")
BILLING_CHOICES = ("always_on", "window")


class SweepSpecError(ScenarioError):
    """A sweep request the app refuses, naming the field at fault."""


# --- small checks ------------------------------------------------------------------------


def _number(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SweepSpecError(field, "must be a number")
    number = float(value)
    if not math.isfinite(number):
        raise SweepSpecError(field, "must be a finite number")
    return number


def _in_range(
    field: str, value: object, *, low: float, high: float, low_open: bool = False
) -> float:
    number = _number(field, value)
    if number > high or number < low or (low_open and number == low):
        bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
        raise SweepSpecError(field, f"must be {bound} and at most {high:g}")
    return number


def _integer(field: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SweepSpecError(field, f"must be a whole number >= {minimum}")
    return value


def _keys(field: str, value: object, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise SweepSpecError(field or "spec", "must be a JSON object")
    prefix = f"{field}." if field else ""
    for key in value:
        if key not in allowed:
            raise SweepSpecError(f"{prefix}{key}", "unknown field")
    return value


# --- axes --------------------------------------------------------------------------------

AXIS_BOUNDS: dict[str, tuple[float, float, bool]] = {
    # name: (low, high, low is open)
    "volumes": (0.0, 1e15, False),
    "input_shares": (0.0, 1.0, False),
    "utilizations": (0.0, 1.0, True),
}


def axis_count(field: str, raw: object) -> int:
    """How many values an axis request describes, checked without building it."""
    low, high, low_open = AXIS_BOUNDS[field]

    def value(sub: str, item: object) -> float:
        return _in_range(f"{field}.{sub}", item, low=low, high=high, low_open=low_open)

    if isinstance(raw, list):
        if not raw:
            raise SweepSpecError(field, "needs at least one value (the list is empty)")
        for index, item in enumerate(raw):
            _in_range(f"{field}[{index}]", item, low=low, high=high, low_open=low_open)
        return len(raw)
    obj = _keys(field, raw, {"min", "max", "step", "num", "scale"})
    for key in ("min", "max"):
        if key not in obj:
            raise SweepSpecError(f"{field}.{key}", "required")
    start, stop = value("min", obj["min"]), value("max", obj["max"])
    if start > stop:
        raise SweepSpecError(
            f"{field}.max", f"must be >= {field}.min ({start:g}); the range is inverted"
        )
    scale = obj.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise SweepSpecError(f"{field}.scale", "must be 'linear' or 'log'")
    if ("step" in obj) == ("num" in obj):
        raise SweepSpecError(f"{field}.step", "give step or num (not both)")
    if "step" in obj:
        if scale == "log":
            raise SweepSpecError(f"{field}.step", "a log scale takes num, not step")
        step = _number(f"{field}.step", obj["step"])
        if step <= 0:
            raise SweepSpecError(f"{field}.step", "must be greater than 0")
        spans = (stop - start) / step
        if not math.isfinite(spans) or spans >= MAX_POINTS:  # 5e-324 overflows to inf
            raise SweepSpecError(
                f"{field}.step",
                f"is too small for the range: more than {MAX_POINTS:,} values",
            )
        count = math.floor(spans + 1e-9) + 1
    else:
        count = _integer(f"{field}.num", obj["num"], minimum=1)
        if count == 0:
            raise SweepSpecError(f"{field}.num", "must be at least 1")
    if scale == "log" and start <= 0:
        raise SweepSpecError(f"{field}.min", "must be greater than 0 for a log scale")
    if count > 1 and start == stop:
        raise SweepSpecError(
            f"{field}.max", "equals min: the range is empty; use a list of one value"
        )
    return count


def axis_values(field: str, raw: object) -> list[float]:
    """The axis as explicit values (call after :func:`axis_count` accepted it)."""
    if isinstance(raw, list):
        return [float(v) for v in raw]
    raw = cast(dict[str, Any], raw)  # a range, as axis_count accepted it
    start, stop = float(raw["min"]), float(raw["max"])
    if "step" in raw:
        count = axis_count(field, raw)
        values = start + float(raw["step"]) * np.arange(count)
        return [float(v) for v in np.minimum(values, stop)]
    num = int(raw["num"])
    if raw.get("scale", "linear") == "log":
        return [float(v) for v in np.geomspace(start, stop, num)]
    return [float(v) for v in np.linspace(start, stop, num)]


def _normal_axis(raw: Any) -> list[float] | dict[str, Any]:
    if isinstance(raw, list):
        return [float(v) for v in raw]
    out: dict[str, Any] = {"min": float(raw["min"]), "max": float(raw["max"])}
    out["scale"] = raw.get("scale", "linear")
    if "step" in raw:
        out["step"] = float(raw["step"])
    else:
        out["num"] = int(raw["num"])
    return out


# --- catalog rows -> cleaned options -----------------------------------------------------


def _dec(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def api_offer_option(offer: Any) -> dict[str, Any]:
    """A pricing.ApiOffer row as the cleaned-spec dict the engine needs."""
    tiers = []
    for tier in offer.volume_tiers or []:
        if not isinstance(tier, dict) or tier.get("output") is None:
            continue
        tiers.append(
            {
                "from_tokens": float(tier.get("min_mtok") or 0) * 1e6,
                "input_per_mtok": tier.get("input"),
                "output_per_mtok": tier["output"],
            }
        )
    tiers.sort(key=lambda t: t["from_tokens"])
    return {
        "id": offer.pk,
        "name": f"{offer.model_name} ({offer.provider or offer.source.key})"[:120],
        "input_per_mtok": _dec(offer.input_per_mtok),
        "output_per_mtok": float(offer.output_per_mtok),
        "cached_input_per_mtok": _dec(offer.cached_input_per_mtok),
        "tiers": [t for t in tiers if t["from_tokens"] > 0],
    }


def _gpu_hourly(gpu: Any, pricing: str, field: str) -> float:
    if pricing == "reserved":
        if gpu.reserved_hourly is None:
            raise SweepSpecError(field, "this GPU offer has no reserved price")
        return float(gpu.reserved_hourly)
    if pricing == "spot":
        if gpu.spot_hourly is not None:
            return float(gpu.spot_hourly)
        if gpu.spot_discount is not None:
            return float(gpu.hourly_range.expected * (1 - gpu.spot_discount))
        raise SweepSpecError(field, "this GPU offer has no spot price")
    if pricing == "monthly":
        monthly = gpu.monthly_range
        if monthly is None:
            raise SweepSpecError(field, "this GPU offer has no monthly price")
        return float(monthly.expected)
    return float(gpu.hourly_range.expected)


def selfhost_option(field: str, raw: object, gpu: Any) -> dict[str, Any]:
    obj = _keys(field, raw, SELFHOST_KEYS)
    count = _integer(f"{field}.count", obj.get("count", 1), minimum=1)
    if count > 1024:
        raise SweepSpecError(f"{field}.count", "must be at most 1024")
    if "tokens_per_second" not in obj:
        raise SweepSpecError(f"{field}.tokens_per_second", "required")
    tps = _number(f"{field}.tokens_per_second", obj["tokens_per_second"])
    if tps <= 0:
        raise SweepSpecError(f"{field}.tokens_per_second", "must be greater than 0")
    pricing = obj.get("pricing", "on_demand")
    if pricing not in PRICING_CHOICES:
        raise SweepSpecError(f"{field}.pricing", f"must be one of {', '.join(PRICING_CHOICES)}")
    billing = obj.get("billing", "always_on")
    if billing not in BILLING_CHOICES:
        raise SweepSpecError(f"{field}.billing", f"must be one of {', '.join(BILLING_CHOICES)}")
    window_hours = None
    if billing == "window":
        if "window_hours" not in obj:
            raise SweepSpecError(f"{field}.window_hours", "required for window billing")
        window_hours = _in_range(
            f"{field}.window_hours", obj["window_hours"], low=0, high=744, low_open=True
        )
    elif "window_hours" in obj:
        raise SweepSpecError(f"{field}.window_hours", "only applies to window billing")
    hidden_monthly = _in_range(
        f"{field}.hidden_monthly", obj.get("hidden_monthly", 0), low=0, high=1e9
    )
    multiplier = _in_range(
        f"{field}.hidden_multiplier", obj.get("hidden_multiplier", 1), low=1, high=100
    )
    one_off = _in_range(
        f"{field}.implementation_one_off", obj.get("implementation_one_off", 0), low=0, high=1e12
    )
    rate = _gpu_hourly(gpu, pricing, f"{field}.pricing") * count
    name = obj.get("name") or f"{count * gpu.gpu_count}x {gpu.sku} {pricing.replace('_', '-')}"
    if not isinstance(name, str):
        raise SweepSpecError(f"{field}.name", "must be a string")
    return {
        "gpu_offer_id": gpu.pk,
        "name": name.strip()[:120],
        "count": count,
        "tokens_per_second": tps,
        "pricing": pricing,
        "rate": rate,  # hourly (or monthly for pricing=monthly) for the whole replica
        "billing": billing,
        "window_hours": window_hours,
        "hidden_monthly": hidden_monthly,
        "hidden_multiplier": multiplier,
        "implementation_one_off": one_off,  # spread over the sweep's analysis_months
    }


def clean_sweep_spec(
    raw: object,
    *,
    version: Any,
    default_input_share: float | None = None,
    default_cached_share: float | None = None,
) -> dict[str, Any]:
    """Validate a sweep request against the published catalog `version`.

    Offer ids must be rows of that version: anything else (another version's rows,
    private overlays) is refused as unknown.
    """
    from pricing.models import ApiOffer, GpuOffer  # the adapter is the one bridge to rows

    obj = _keys("", raw, TOP_LEVEL_KEYS)
    if "volumes" not in obj:
        raise SweepSpecError("volumes", "required")
    axes_raw = {
        "volumes": obj["volumes"],
        "input_shares": obj.get(
            "input_shares", [0.5 if default_input_share is None else default_input_share]
        ),
        "utilizations": obj.get("utilizations", [1.0]),
    }
    counts = {name: axis_count(name, axes_raw[name]) for name in AXES}
    for name, count in counts.items():
        if count > MAX_POINTS:
            raise SweepSpecError(
                name, f"has {count:,} values; a sweep allows at most {MAX_POINTS:,} points"
            )
    total = counts["volumes"] * counts["input_shares"] * counts["utilizations"]
    if total > MAX_POINTS:
        largest = max(AXES, key=lambda name: counts[name])
        detail = " x ".join(f"{counts[n]:,} {n}" for n in AXES)
        raise SweepSpecError(
            largest,
            f"the grid has {total:,} points ({detail}); a sweep allows at most {MAX_POINTS:,}",
        )
    cached_share = _in_range(
        "cached_share", obj.get("cached_share", default_cached_share or 0.0), low=0, high=1
    )
    hours = _in_range(
        "hours_per_month", obj.get("hours_per_month", version.month_hours), low=1, high=744
    )
    analysis_months = _in_range(
        "analysis_months",
        obj.get("analysis_months", DEFAULT_ANALYSIS_MONTHS),
        low=1,
        high=MAX_ANALYSIS_MONTHS,
    )

    ids = obj.get("api_offer_ids")
    if not isinstance(ids, list) or not ids:
        raise SweepSpecError("api_offer_ids", "must be a non-empty list of API offer ids")
    for index, pk in enumerate(ids):
        _integer(f"api_offer_ids[{index}]", pk, minimum=1)
    if len(set(ids)) != len(ids):
        raise SweepSpecError("api_offer_ids", "lists the same offer twice")
    offers = {
        o.pk: o
        for o in ApiOffer.objects.filter(version=version, pk__in=ids).select_related("source")
    }
    for index, pk in enumerate(ids):
        if pk not in offers:
            raise SweepSpecError(
                f"api_offer_ids[{index}]", f"offer {pk} is not in catalog version {version.pk}"
            )
    api = [api_offer_option(offers[pk]) for pk in ids]

    raw_configs = obj.get("selfhost")
    if not isinstance(raw_configs, list) or not raw_configs:
        raise SweepSpecError("selfhost", "must be a non-empty list of self-host configurations")
    gpu_ids = []
    for index, item in enumerate(raw_configs):
        item_obj = _keys(f"selfhost[{index}]", item, SELFHOST_KEYS)
        if "gpu_offer_id" not in item_obj:
            raise SweepSpecError(f"selfhost[{index}].gpu_offer_id", "required")
        gpu_ids.append(
            _integer(f"selfhost[{index}].gpu_offer_id", item_obj["gpu_offer_id"], minimum=1)
        )
    gpus = {g.pk: g for g in GpuOffer.objects.filter(version=version, pk__in=gpu_ids)}
    configs = []
    for index, (item, pk) in enumerate(zip(raw_configs, gpu_ids, strict=True)):
        if pk not in gpus:
            raise SweepSpecError(
                f"selfhost[{index}].gpu_offer_id",
                f"GPU offer {pk} is not in catalog version {version.pk}",
            )
        configs.append(selfhost_option(f"selfhost[{index}]", item, gpus[pk]))

    if len(api) + len(configs) > MAX_OPTIONS:
        raise SweepSpecError("selfhost", f"a sweep prices at most {MAX_OPTIONS} options in all")
    names = [o["name"] for o in api] + [c["name"] for c in configs]
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:  # names label columns; make duplicates distinct
            names[index] = f"{name} #{index + 1}"
        seen.add(names[index])
    for option, name in zip([*api, *configs], names, strict=True):
        option["name"] = name

    cleaned = {
        # Ranges stay ranges (a 1M-value list would bloat every chunk task's read).
        **{name: _normal_axis(axes_raw[name]) for name in AXES},
        "cached_share": cached_share,
        "hours_per_month": hours,
        "analysis_months": analysis_months,
        "api": api,
        "selfhost": configs,
    }
    try:
        engine_spec(cleaned)
    except ScenarioError as exc:  # anything the engine still refuses, with its field
        raise SweepSpecError(exc.field, exc.message) from exc
    return cleaned


# --- cleaned spec -> engine -------------------------------------------------------------


def _pricing(config: Mapping[str, Any]) -> Pricing:
    builders: dict[str, Callable[[float], Pricing]] = {
        "on_demand": OnDemandRate,
        "reserved": ReservedRate,
        "spot": lambda rate: SpotRate(hourly=rate),
        "monthly": FlatMonthly,
    }
    return builders[config["pricing"]](config["rate"])


def engine_spec(cleaned: Mapping[str, Any]) -> SweepSpec:
    """The engine's `SweepSpec` for a cleaned spec (no database access)."""
    offers = tuple(
        EngineApiOffer(
            output_per_mtok=o["output_per_mtok"],
            input_per_mtok=o["input_per_mtok"],
            cached_input_per_mtok=o["cached_input_per_mtok"],
            name=o["name"],
            tiers=tuple(
                PriceTier(
                    from_tokens=t["from_tokens"],
                    input_per_mtok=t["input_per_mtok"],
                    output_per_mtok=t["output_per_mtok"],
                )
                for t in o.get("tiers", ())
            ),
        )
        for o in cleaned["api"]
    )
    configs = tuple(
        SelfHostConfig(
            pricing=_pricing(c),
            tokens_per_second=c["tokens_per_second"],
            billing=Billing(BillingMode.WINDOW, window_hours=c["window_hours"])
            if c["billing"] == "window"
            else Billing(),
            hidden_multiplier=c["hidden_multiplier"],
            hidden_monthly=c["hidden_monthly"],
            name=c["name"],
        )
        for c in cleaned["selfhost"]
    )
    one_offs = tuple(float(c.get("implementation_one_off", 0.0)) for c in cleaned["selfhost"])
    return SweepSpec(
        volumes=np.asarray(axis_values("volumes", cleaned["volumes"]), dtype=np.float64),
        input_shares=np.asarray(
            axis_values("input_shares", cleaned["input_shares"]), dtype=np.float64
        ),
        utilizations=np.asarray(
            axis_values("utilizations", cleaned["utilizations"]), dtype=np.float64
        ),
        api_offers=offers,
        selfhost_configs=configs,
        cached_share=cleaned["cached_share"],
        hours_per_month=cleaned["hours_per_month"],
        # Specs stored before issue 10 carry neither key: no one-offs, the default period.
        one_off_costs=one_offs if any(one_offs) else (),
        analysis_months=cleaned.get("analysis_months", DEFAULT_ANALYSIS_MONTHS),
    )


def grid_size(cleaned: Mapping[str, Any]) -> int:
    return math.prod(axis_count(name, cleaned[name]) for name in AXES)
