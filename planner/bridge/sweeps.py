"""The bridge between sweep requests / catalog rows and the engine's `SweepSpec`.

`clean_sweep_spec` validates a decoded JSON request against a pinned catalog version and
returns the *cleaned* spec stored on `Sweep.spec`: every axis as an explicit list of
values, every option with its catalog id and the prices read from the catalog at that
moment (the version is immutable, so this is a faithful copy). `engine_spec` turns a
cleaned spec into the engine's `SweepSpec` without touching the database, which keeps
chunk tasks free of catalog queries.

A sweep point is the plan at that point: each self-hosted option is snapshotted exactly
as a plan snapshots an option with the same rows (``plans.snapshot_of`` on unsaved rows:
the spot rule, instance packing, replica availability, owned finance) and becomes the
composition's fleet through ``composition._fleet_choice``; API tiers follow the plan's
``plans._tiers``. The workload's ``peak_to_average`` and ``availability_target`` (the
sweep's workload, or the request) and the ``lens`` are stored with the spec (schema 2).
Specs stored before (no ``schema``) keep their basic one-GPU configs.

Errors are `SweepSpecError(field, message)` with a dotted field path
(``volumes.max``, ``selfhost[1].gpu_offer_id``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

import numpy as np

from planner.bridge.composition import api_offer, api_traffic
from planner.engine.compose import FleetChoice, Span
from planner.engine.errors import ScenarioError
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, Lens
from planner.engine.rented import RentedCapacity
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
SCHEMA = 2  # self-hosted options as plan snapshots; workload facts and lens stored
AXES = ("volumes", "input_shares", "utilizations")
TOP_LEVEL_KEYS = {
    *AXES,
    "cached_share",
    "hours_per_month",
    "api_offer_ids",
    "api_offer_names",  # optional labels for them (a plan's option names)
    "selfhost",
    "analysis_months",
    "peak_to_average",
    "availability_target",
    "lens",
}
SELFHOST_KEYS = {
    "gpu_offer_id",
    "owned_hardware_id",
    "count",
    "tokens_per_second",
    "billing",
    "window_hours",
    "pricing",
    "hidden_monthly",
    "hidden_multiplier",
    "implementation_one_off",
    "name",
    # The model, for GPU memory fit (as a plan's option): a replica is priced on the GPUs
    # that hold it.
    "model_name",
    "params_b",
    "precision",
    "context_tokens",
    "concurrent_sequences",
}
PRECISION_CHOICES = ("fp16", "fp8", "int4")
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
    # The plan's rules for catalog tiers and for an offer's other prices.
    from planner.bridge.plans import _api_offer_snapshot, _tiers

    return {
        "id": offer.pk,
        "name": str(offer)[:120],
        "input_per_mtok": _dec(offer.input_per_mtok),
        "output_per_mtok": float(offer.output_per_mtok),
        "cached_input_per_mtok": _dec(offer.cached_input_per_mtok),
        "tiers": _tiers(offer.volume_tiers),
        # The cache-write price and the service and context tiers, as a plan has them.
        **{
            key: value
            for key, value in _api_offer_snapshot(offer, label="", key=[], private=False).items()
            if key in ("cache_write_per_mtok", "service_tiers", "context_tiers")
        },
    }


def _gpu_hourly(gpu: Any, pricing: str, field: str) -> float:
    if pricing == "reserved":
        if gpu.reserved_hourly is None:
            raise SweepSpecError(field, "this GPU offer has no reserved price")
        return float(gpu.reserved_hourly)
    if pricing == "monthly":
        monthly = gpu.monthly_range
        if monthly is None:
            raise SweepSpecError(field, "this GPU offer has no monthly price")
        return float(monthly.expected)
    return float(gpu.hourly_range.expected)


def _model_fields(field: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The optional model of a self-host request (its memory fit), checked."""
    model: dict[str, Any] = {}
    if "model_name" in obj:
        name = obj["model_name"]
        if not isinstance(name, str) or not name.strip():
            raise SweepSpecError(f"{field}.model_name", "must be a non-empty string")
        model["model_name"] = name.strip()[:120]
    if "params_b" in obj:
        model["params_b"] = _in_range(
            f"{field}.params_b", obj["params_b"], low=0, high=100_000, low_open=True
        )
    if "precision" in obj:
        if obj["precision"] not in PRECISION_CHOICES:
            raise SweepSpecError(
                f"{field}.precision", f"must be one of {', '.join(PRECISION_CHOICES)}"
            )
        model["precision"] = obj["precision"]
    for key, high in (("context_tokens", 10_000_000), ("concurrent_sequences", 4096)):
        if key in obj:
            value = _integer(f"{field}.{key}", obj[key], minimum=1)
            if value > high:
                raise SweepSpecError(f"{field}.{key}", f"must be at most {high:,}")
            model[key] = value
    if model and "model_name" not in model:
        raise SweepSpecError(f"{field}.model_name", "required with the model's figures")
    return model


def selfhost_option(field: str, raw: object, gpu: Any) -> dict[str, Any]:
    """A self-host request checked against its catalog row (a GPU offer, or owned
    hardware). Spot prices are resolved with the plan's rule by :func:`_attach_fleets`."""
    obj = _keys(field, raw, SELFHOST_KEYS)
    owned = "owned_hardware_id" in obj
    count = _integer(f"{field}.count", obj.get("count", 1), minimum=1)
    if count > 1024:
        raise SweepSpecError(f"{field}.count", "must be at most 1024")
    if "tokens_per_second" not in obj:
        raise SweepSpecError(f"{field}.tokens_per_second", "required")
    tps = _number(f"{field}.tokens_per_second", obj["tokens_per_second"])
    if tps <= 0:
        raise SweepSpecError(f"{field}.tokens_per_second", "must be greater than 0")
    pricing = obj.get("pricing", "owned" if owned else "on_demand")
    if owned and pricing != "owned":
        raise SweepSpecError(f"{field}.pricing", "owned hardware is priced as owned")
    if not owned and pricing not in PRICING_CHOICES:
        raise SweepSpecError(f"{field}.pricing", f"must be one of {', '.join(PRICING_CHOICES)}")
    billing = obj.get("billing", "always_on")
    if billing not in BILLING_CHOICES:
        raise SweepSpecError(f"{field}.billing", f"must be one of {', '.join(BILLING_CHOICES)}")
    if owned and billing != "always_on":
        raise SweepSpecError(f"{field}.billing", "owned servers run always on")
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
    if owned:
        rate = None  # the server price and finance come with the snapshot
        name = obj.get("name") or f"{gpu.name} owned"
    else:
        # Spot: from the plan's rule once snapshotted (None until then).
        rate = None if pricing == "spot" else _gpu_hourly(gpu, pricing, f"{field}.pricing") * count
        name = obj.get("name") or f"{count * gpu.gpu_count}x {gpu.sku} {pricing.replace('_', '-')}"
    if not isinstance(name, str):
        raise SweepSpecError(f"{field}.name", "must be a string")
    return {
        **_model_fields(field, obj),
        "owned_hardware_id" if owned else "gpu_offer_id": gpu.pk,
        "count_given": "count" in obj,
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
    default_peak_to_average: float | None = None,
    default_availability_target: float | None = None,
    default_traffic: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate a sweep request against the published catalog `version`.

    Offer ids must be rows of that version: anything else (another version's rows,
    private overlays) is refused as unknown.
    """
    from pricing.models import (  # the bridge is the one way to rows
        ApiOffer,
        GpuOffer,
        OwnedHardware,
    )

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
    peak = _in_range(
        "peak_to_average",
        obj.get("peak_to_average", default_peak_to_average or 1.0),
        low=1,
        high=100,
    )
    target = obj.get("availability_target", default_availability_target)
    if target is not None:
        target = _in_range("availability_target", target, low=0, high=1)
    lens = obj.get("lens", Lens.FULL.value)
    if lens not in (Lens.FULL.value, Lens.MARGINAL.value):
        raise SweepSpecError("lens", "must be 'full' or 'marginal'")
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
    labels = obj.get("api_offer_names")
    if labels is not None:
        if not isinstance(labels, list) or len(labels) != len(ids):
            raise SweepSpecError("api_offer_names", "must list one name per API offer id")
        for index, label in enumerate(labels):
            if not isinstance(label, str) or not label.strip():
                raise SweepSpecError(f"api_offer_names[{index}]", "must be a non-empty string")
            api[index]["name"] = label.strip()[:120]

    raw_configs = obj.get("selfhost")
    if not isinstance(raw_configs, list) or not raw_configs:
        raise SweepSpecError("selfhost", "must be a non-empty list of self-host configurations")
    rows: list[tuple[str, int]] = []
    for index, item in enumerate(raw_configs):
        item_obj = _keys(f"selfhost[{index}]", item, SELFHOST_KEYS)
        given = [key for key in ("gpu_offer_id", "owned_hardware_id") if key in item_obj]
        if len(given) != 1:
            raise SweepSpecError(
                f"selfhost[{index}].gpu_offer_id", "required (or owned_hardware_id, not both)"
            )
        key = given[0]
        rows.append((key, _integer(f"selfhost[{index}].{key}", item_obj[key], minimum=1)))
    gpus = {
        g.pk: g
        for g in GpuOffer.objects.filter(
            version=version, pk__in=[pk for key, pk in rows if key == "gpu_offer_id"]
        )
    }
    hardware = {
        h.pk: h
        for h in OwnedHardware.objects.filter(
            version=version, pk__in=[pk for key, pk in rows if key == "owned_hardware_id"]
        )
    }
    configs = []
    found_rows = []
    for index, (item, (key, pk)) in enumerate(zip(raw_configs, rows, strict=True)):
        row = (gpus if key == "gpu_offer_id" else hardware).get(pk)
        if row is None:
            what = "GPU offer" if key == "gpu_offer_id" else "owned hardware"
            raise SweepSpecError(
                f"selfhost[{index}].{key}", f"{what} {pk} is not in catalog version {version.pk}"
            )
        configs.append(selfhost_option(f"selfhost[{index}]", item, row))
        found_rows.append(row)

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

    # How the workload buys its API tokens (plans.api_traffic_snapshot): its own, if any.
    workload = {"peak_to_average": peak, "availability_target": target, **(default_traffic or {})}
    _attach_fleets(configs, found_rows, version=version, workload=workload)
    cleaned = {
        "schema": SCHEMA,
        # Ranges stay ranges (a 1M-value list would bloat every chunk task's read).
        **{name: _normal_axis(axes_raw[name]) for name in AXES},
        "cached_share": cached_share,
        "hours_per_month": hours,
        "analysis_months": analysis_months,
        "workload": workload,
        "lens": lens,
        "api": api,
        "selfhost": configs,
    }
    try:
        engine_spec(cleaned)
    except ScenarioError as exc:  # anything the engine still refuses, with its field
        raise SweepSpecError(exc.field, exc.message) from exc
    return cleaned


def _attach_fleets(
    configs: list[dict[str, Any]],
    rows: list[Any],
    *,
    version: Any,
    workload: Mapping[str, Any],
) -> None:
    """Snapshot each self-hosted option as a plan snapshots an option with these rows.

    The options are unsaved plan rows (as the live preview's), so the plan's own rules
    apply: the spot price (the offer's, else its discount, else the catalog's), the
    instance an option packs into, the replica availability, the owned finance.
    """
    from planner.bridge.plans import snapshot_of
    from planner.models import PlanOption, Workload

    options = []
    for config, row in zip(configs, rows, strict=True):
        owned = "owned_hardware_id" in config
        common: dict[str, Any] = {
            "kind": "selfhost",
            "name": config["name"],
            "model_name": config.get("model_name", config["name"]),
            "params_b": config.get("params_b"),
            "precision": config.get("precision", "fp16"),
            "context_tokens": config.get("context_tokens"),
            "concurrent_sequences": config.get("concurrent_sequences"),
            "tokens_per_second": config["tokens_per_second"],
            "billing_mode": config["billing"],
            "window_hours": config["window_hours"],
            "utilization": 1.0,  # the grid's utilization is each point's headroom
            "hidden_multiplier": config["hidden_multiplier"],
            "other_monthly": config["hidden_monthly"],
            "implementation_one_off": config["implementation_one_off"],
            "labor_hours_per_month": 0,
        }
        if owned:
            count = config["count"] if config["count_given"] else None
            options.append(
                PlanOption(**common, rent_mode="owned", owned_hardware=row, gpu_count=count)
            )
        else:
            rent_mode = "on_demand" if config["pricing"] == "monthly" else config["pricing"]
            options.append(
                PlanOption(
                    **common,
                    rent_mode=rent_mode,
                    gpu_offer=row,
                    gpu_count=config["count"] * (row.gpu_count or 1),
                )
            )
    peak = workload["peak_to_average"]
    target = workload["availability_target"]
    facts = Workload(
        name="sweep",
        tokens_per_month=0,
        peak_to_average=peak,
        availability_target=target,
    )
    try:
        snaps = snapshot_of(workload=facts, version=version, organization=None, options=options)
    except ScenarioError as exc:
        # Name the option at fault: snapshot them one by one (only on this path).
        for index, option in enumerate(options):
            try:
                snapshot_of(workload=facts, version=version, organization=None, options=[option])
            except ScenarioError as one:
                field = "pricing" if one.field == "rent_mode" else one.field
                raise SweepSpecError(f"selfhost[{index}].{field}", one.message) from one
        raise SweepSpecError(f"selfhost.{exc.field}", exc.message) from exc
    for index, (config, snap) in enumerate(zip(configs, snaps["options"], strict=True)):
        config["fleet"] = snap["selfhost"]
        fit = snap["selfhost"].get("fit")
        if fit and fit["raised"] and config["rate"] is not None:
            # Priced on the GPUs that hold the model: the replica's rate grows with them.
            config["rate"] = config["rate"] / fit["gpus_asked"] * fit["gpus"]
        if config["pricing"] == "spot":
            hourly = snap["selfhost"]["pricing"]["hourly"]  # per replica, [low, high]
            config["rate"] = (hourly[0] + hourly[1]) / 2.0
        try:
            _fleet(config, workload).fleet  # noqa: B018 - refuse what cannot be placed now
        except ScenarioError as exc:
            raise SweepSpecError(f"selfhost[{index}].{exc.field}", exc.message) from exc


# --- cleaned spec -> engine -------------------------------------------------------------


def _pricing(config: Mapping[str, Any]) -> Pricing:
    builders: dict[str, Callable[[float], Pricing]] = {
        "on_demand": OnDemandRate,
        "reserved": ReservedRate,
        "spot": lambda rate: SpotRate(hourly=rate),
        "monthly": FlatMonthly,
    }
    return builders[config["pricing"]](config["rate"])


def _fleet(config: Mapping[str, Any], workload: Mapping[str, Any]) -> FleetChoice:
    """A schema-2 self-host option as the composition's fleet (the plan's conversion)."""
    from planner.bridge.composition import _fleet_choice

    snap = {"name": config["name"], "selfhost": config["fleet"], "p99_latency_s": None}
    facts = {"peak_to_average": workload["peak_to_average"], "task_success_rates": {}}
    choice = _fleet_choice(snap, facts, {})
    fleet = choice.fleet
    if config["pricing"] == "monthly" and isinstance(fleet, RentedCapacity):
        # The catalog's monthly price of the replica, per instance as the plan packs it.
        per_instance = config["rate"] * fleet.gpus_per_instance / fleet.serving.gpus_per_replica
        choice = dataclasses.replace(
            choice,
            fleet=dataclasses.replace(fleet, pricing=FlatMonthly(per_instance)),
            price=Span.of(per_instance),
        )
    return choice


def engine_spec(cleaned: Mapping[str, Any]) -> SweepSpec:
    """The engine's `SweepSpec` for a cleaned spec (no database access)."""
    offers = tuple(api_offer(o, name=o["name"]) for o in cleaned["api"])
    volumes, shares, utilizations = (
        np.asarray(axis_values(name, cleaned[name]), dtype=np.float64) for name in AXES
    )
    # Specs stored before issue 10 carry no analysis period: the default.
    months = float(cleaned.get("analysis_months", DEFAULT_ANALYSIS_MONTHS))
    if cleaned.get("schema") == SCHEMA:
        workload = cleaned["workload"]
        return SweepSpec(
            volumes=volumes,
            input_shares=shares,
            utilizations=utilizations,
            api_offers=offers,
            selfhost_configs=tuple(_fleet(c, workload) for c in cleaned["selfhost"]),
            cached_share=cleaned["cached_share"],
            hours_per_month=cleaned["hours_per_month"],
            analysis_months=months,
            peak_to_average=workload["peak_to_average"],
            availability_target=workload["availability_target"],
            lens=Lens(cleaned["lens"]),
            traffic=api_traffic(workload),
        )
    # Stored before schema 2: basic one-GPU configs, priced as they were.
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
        volumes=volumes,
        input_shares=shares,
        utilizations=utilizations,
        api_offers=offers,
        selfhost_configs=configs,
        cached_share=cleaned["cached_share"],
        hours_per_month=cleaned["hours_per_month"],
        one_off_costs=one_offs if any(one_offs) else (),
        analysis_months=months,
    )


def grid_size(cleaned: Mapping[str, Any]) -> int:
    return math.prod(axis_count(name, cleaned[name]) for name in AXES)


# --- a plan's options -> a sweep request -------------------------------------------------


def option_sweep_refusal(option: Any) -> str | None:
    """Why a plan option cannot be priced by a sweep (None: it can). A sweep prices the
    published catalog version only, so options on private prices are left out."""
    if option.kind == "hybrid":
        return "a hybrid mix is not swept (its API and self-host sides can be)"
    if option.kind == "api":
        if option.api_offer_id is None:
            return "uses your organization's private price; sweeps price the published catalog"
        return None
    if option.gpu_offer_id is None and option.owned_hardware_id is None:
        return "uses your organization's private GPU price; sweeps price the published catalog"
    if option.billing_mode not in BILLING_CHOICES:
        return "scale-to-zero billing is not swept (always-on and window billing are)"
    return None


def workload_input_share(workload: Any) -> float:
    """The workload's input share as a plan uses it (a request shape decides it when set)."""
    from planner.bridge.shapes import workload_shape_snapshot

    shape = workload_shape_snapshot(workload)
    return float(workload.input_share) if shape is None else float(shape["input_share"])


@dataclasses.dataclass(frozen=True)
class PlanSweepRequest:
    """The option part of a sweep request built from a plan, and which option each entry
    came from (so an error on ``selfhost[1]`` can name the option)."""

    api_offer_ids: list[int]
    selfhost: list[dict[str, Any]]
    api_names: list[str]
    selfhost_names: list[str]


def plan_sweep_request(plan: Any, option_ids: list[int]) -> PlanSweepRequest:
    """The API offers and self-host configurations of the plan's options ``option_ids``
    (pks of ``plan``'s options, in the plan's order), as the sweep spec takes them.

    Each self-hosted option keeps what the plan resolved for it: its throughput (the
    option's figure, or the catalog profile the plan picked), its model for the memory
    fit, its rent mode, billing and flat costs. Raises `SweepSpecError` on ``options``.
    """
    from planner.bridge.plans import build_inputs, plan_option_rows

    rows = plan_option_rows(plan)
    wanted = set(option_ids)
    chosen = [(i, o) for i, o in enumerate(rows) if o.pk in wanted]
    if len(chosen) != len(wanted):
        raise SweepSpecError("options", "an option is not in this plan")
    for _, option in chosen:
        refusal = option_sweep_refusal(option)
        if refusal:
            raise SweepSpecError("options", f"{option.name}: {refusal}")
    snaps: list[dict[str, Any]] = []
    if any(o.kind == "selfhost" for _, o in chosen):
        try:
            snaps = build_inputs(plan)["options"]
        except ScenarioError as exc:
            raise SweepSpecError("options", f"the plan cannot be priced: {exc.message}") from exc
    request = PlanSweepRequest([], [], [], [])
    for index, option in chosen:
        if option.kind == "api":
            request.api_offer_ids.append(option.api_offer_id)
            request.api_names.append(option.name)
            continue
        sh = snaps[index]["selfhost"]
        entry: dict[str, Any] = {
            "name": option.name,
            "model_name": option.model_name or option.name,
            "precision": option.precision,
            "tokens_per_second": float(sh["throughput"]["planning"]),
            "billing": "window" if option.billing_mode == "window" else "always_on",
            "hidden_monthly": float(option.other_monthly),
            "implementation_one_off": float(option.implementation_one_off),
        }
        if option.billing_mode == "window" and option.window_hours is not None:
            entry["window_hours"] = float(option.window_hours)
        if option.hidden_multiplier is not None:
            entry["hidden_multiplier"] = float(option.hidden_multiplier)
        if sh.get("params_b") is not None:
            entry["params_b"] = float(sh["params_b"])
        fit = sh.get("fit") or {}
        for key in ("context_tokens", "concurrent_sequences"):
            value = getattr(option, key) or fit.get(key)
            if value:
                entry[key] = int(value)
        if option.owned_hardware_id is not None:
            entry["owned_hardware_id"] = option.owned_hardware_id
            if option.gpu_count:
                entry["count"] = int(option.gpu_count)
        else:
            entry["gpu_offer_id"] = option.gpu_offer_id
            entry["pricing"] = option.rent_mode
            per_instance = int(option.gpu_offer.gpu_count or 1)
            if option.gpu_count:
                entry["count"] = max(1, math.ceil(int(option.gpu_count) / per_instance))
        request.selfhost.append(entry)
        request.selfhost_names.append(option.name)
    if not request.api_offer_ids:
        raise SweepSpecError("options", "choose at least one API option to compare against")
    if not request.selfhost:
        raise SweepSpecError("options", "choose at least one self-host option")
    return request
