"""The stable JSON contract shared by the CLI and the REST API (POST /api/v1/quote).

``parse_quote(dict) -> QuoteScenario`` validates a decoded JSON object and raises
:class:`ScenarioError` naming the field (dotted path) at fault; ``compute_quote`` returns
a JSON-ready dict with money rounded to cents. ``parse_sweep`` / ``sweep_rows`` do the
same for grid sweeps.

Each level of the input is described by a table of field checks (``_QUOTE_FIELDS``,
``_API_FIELDS``, ``_SELFHOST_FIELDS``): a new optional field is one more row there and one
more defaulted attribute on the dataclass; unknown keys are always rejected.

A quote is priced by the engine's one composition (:mod:`planner.engine.compose`): the
parsed JSON becomes a :class:`~planner.engine.compose.Scenario` (an API option, a rented
fleet and optionally an owned one) and every output key is read from its result, so a
quote and a plan with the same inputs name the same costs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, cast

import numpy as np

from planner.engine.api import (
    SERVICE_TIERS,
    STANDARD_TRAFFIC,
    ApiOffer,
    ApiTraffic,
    ContextShare,
    ContextTier,
    ServiceTier,
)
from planner.engine.breakeven import breakeven_volume
from planner.engine.compose import (
    ApiChoice,
    Choice,
    Composition,
    FleetChoice,
    OwnedFleet,
    PairCrossings,
    Scenario,
    Span,
    Workload,
    compose,
)
from planner.engine.crossover import FirstWin
from planner.engine.energy import FleetEnergy, GridIntensity, PowerDraw
from planner.engine.errors import ScenarioError
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, DEFAULT_HEADROOM, Lens, Serving
from planner.engine.latency import ProfilePoint, ServingEstimate, ServingProfile
from planner.engine.owned import OwnedCost, ServerFinance
from planner.engine.rented import RentedCapacity, RentedCost
from planner.engine.reserve import ReservePlan
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    Pricing,
    SelfHostConfig,
)
from planner.engine.shape import SHAPE_PRESETS, RequestShape, preset_shape, requests_for
from planner.engine.sizing import GPUS_PER_NODE, Architecture, ReplicaFit, fit_replica
from planner.engine.sweep import SweepSpec, evaluate_chunk, point_axes
from planner.engine.tokens import monthly_tokens
from planner.engine.units import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    TOKENS_PER_MTOK,
    format_tokens,
    format_usd,
)

# The quote's JSON: version 2 computes through the one composition and adds the
# crossings; every version-1 key keeps its meaning.
QUOTE_VERSION = 2
API, SELFHOST, OWNED = "api", "selfhost", "owned"

Check = Callable[[str, object], object]


def _number(field: str, value: object, *, ok: Callable[[float], bool], wording: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(field, f"must be {wording}")
    number = float(value)
    if not math.isfinite(number) or not ok(number):
        raise ScenarioError(field, f"must be {wording}")
    return number


def _non_negative(field: str, value: object) -> float:
    return _number(field, value, ok=lambda x: x >= 0, wording="a non-negative number")


def _positive(field: str, value: object) -> float:
    return _number(field, value, ok=lambda x: x > 0, wording="a positive number")


def _share(field: str, value: object) -> float:
    return _number(field, value, ok=lambda x: 0 <= x <= 1, wording="a number between 0 and 1")


def _utilization(field: str, value: object) -> float:
    return _number(
        field, value, ok=lambda x: 0 < x <= 1, wording="a number greater than 0 and at most 1"
    )


def _multiplier(field: str, value: object) -> float:
    return _number(field, value, ok=lambda x: x >= 1, wording="a number >= 1")


def _whole(field: str, value: object) -> int:
    number = _number(
        field, value, ok=lambda x: x >= 1 and x == int(x), wording="a whole number >= 1"
    )
    return int(number)


def _flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(field, "must be true or false")
    return value


def _lens(field: str, value: object) -> Lens:
    if value not in ("full", "marginal"):
        raise ScenarioError(field, "must be 'full' or 'marginal'")
    return Lens(str(value))


def _name(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(field, "must be a non-empty string")
    return value


def _object(field: str, value: object) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise ScenarioError(field, "must be a JSON object")
    return value


def _list(field: str, value: object) -> list[object]:
    if not isinstance(value, list):
        raise ScenarioError(field, "must be a JSON list")
    return value


def _tokens(field: str, value: object) -> int:
    return _whole(field, value)


def _fields(
    field: str, value: object, checks: Mapping[str, Check], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Check an object against its table: unknown keys, missing keys, then each value."""
    obj = _object(field or "scenario", value)
    prefix = f"{field}." if field else ""
    for key in obj:
        if key not in checks:
            raise ScenarioError(f"{prefix}{key}", "unknown field")
    for key in required:
        if key not in obj:
            raise ScenarioError(f"{prefix}{key}", "required")
    return {key: checks[key](f"{prefix}{key}", raw) for key, raw in obj.items()}


_API_FIELDS: dict[str, Check] = {
    "input_per_mtok": _non_negative,
    "output_per_mtok": _non_negative,
    "cached_input_per_mtok": _non_negative,
    "availability": _share,
    # The real offers' prices (see planner.engine.api): optional, absent = none.
    "cache_write_per_mtok": _non_negative,
    "service_tiers": _object,
    "context_tiers": _list,
}
# The prices a service tier or a context tier restates (absent: the standard one).
_TIER_PRICE_FIELDS: dict[str, Check] = {
    "input_per_mtok": _non_negative,
    "output_per_mtok": _non_negative,
    "cached_input_per_mtok": _non_negative,
    "cache_write_per_mtok": _non_negative,
}
# How the workload buys its API tokens (planner.engine.api.ApiTraffic): all default to 0.
_TRAFFIC_FIELDS: dict[str, Check] = {
    "cache_write_share": _share,
    "batch_share": _share,
    "priority_share": _share,
    "flex_share": _share,
    "long_context_shares": _list,
}
_CONTEXT_SHARE_FIELDS: dict[str, Check] = {"above_tokens": _tokens, "share": _share}
_SELFHOST_FIELDS: dict[str, Check] = {
    "monthly": _non_negative,
    "hourly": _non_negative,
    "tokens_per_second": _positive,
    "utilization": _utilization,
    "hidden_monthly": _non_negative,
    "hidden_multiplier": _multiplier,
    "availability": _share,
    # GPU memory fit: the model, the GPU's memory and the KV cache a replica holds.
    "model": _object,
    "gpu_vram_gb": _positive,
    "context_tokens": _whole,
    "concurrent_sequences": _whole,
}
_MODEL_FIELDS: dict[str, Check] = {
    "params_b": _positive,
    "precision": _name,
    "layers": _whole,
    "kv_heads": _whole,
    "head_dim": _whole,
    "max_context": _whole,
    "attention": _name,
}


def _at_least_one(field: str, value: object) -> float:
    return _number(field, value, ok=lambda x: x >= 1, wording="a number of at least 1")


def _preset(field: str, value: object) -> str:
    if value not in SHAPE_PRESETS:
        raise ScenarioError(field, f"must be one of {', '.join(SHAPE_PRESETS)}")
    return str(value)


_SHAPE_FIELDS: dict[str, Check] = {
    "preset": _preset,
    "input_tokens": _at_least_one,
    "output_tokens": _at_least_one,
}
# A measured point of one replica: the selfhost object itself (tokens_per_second is its
# decode rate at concurrent_sequences) and each entry of selfhost.profile (others).
_POINT_FIELDS: dict[str, Check] = {
    "prefill_tokens_per_second": _positive,
    "ttft_p50_s": _positive,
    "ttft_p99_s": _positive,
    "tpot_p50_s": _positive,
    "tpot_p99_s": _positive,
}
_PROFILE_POINT_FIELDS: dict[str, Check] = {
    **_POINT_FIELDS,
    "tokens_per_second": _positive,
    "concurrent_sequences": _whole,
}


def _profile_points(field: str, value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(field, "must be a non-empty list of objects")
    return [
        _fields(
            f"{field}[{index}]",
            item,
            _PROFILE_POINT_FIELDS,
            required=("concurrent_sequences", "tokens_per_second"),
        )
        for index, item in enumerate(value)
    ]


_SERVING_FIELDS: dict[str, Check] = {**_POINT_FIELDS, "profile": _profile_points}

_QUOTE_FIELDS: dict[str, Check] = {
    "tokens_per_month": _non_negative,
    "tokens_per_day": _non_negative,
    "days_per_month": _positive,
    "input_share": _share,
    "cached_share": _share,
    "hours_per_month": _positive,
    "api": _object,
    "selfhost": _object,
    "downtime_cost_per_hour": _non_negative,
    **_TRAFFIC_FIELDS,
    # Engine depth (any of these, or of _SELFHOST_DEPTH_FIELDS, switches it on).
    "lens": _lens,
    "analysis_months": _positive,
    "owned": _object,
    "availability_target": _share,
    "replica_availability": _share,
    "region_availability": _share,
    # Energy and carbon (any of these, or of _SELFHOST_ENERGY_FIELDS, adds ``energy``).
    "grid_g_co2e_per_kwh": _non_negative,
    # Request shape and latency targets (issue 15): switch on the serving physics.
    "request_shape": _object,
    "latency_p99_target_s": _positive,
    "ttft_p99_target_s": _positive,
    "tpot_p99_target_s": _positive,
}
_SELFHOST_ENERGY_FIELDS: dict[str, Check] = {
    "gpu_watts": _non_negative,
    "server_base_watts": _non_negative,
    "pue": _multiplier,
}
_SELFHOST_DEPTH_FIELDS: dict[str, Check] = {
    "headroom": _utilization,
    "peak_to_average": _multiplier,
    "gpus_per_replica": _whole,
    "gpus_per_instance": _whole,
    "allow_multi_instance": _flag,
    "billing": _object,
    "ops_fte": _non_negative,
    "ops_fte_monthly_cost": _non_negative,
    "implementation_one_off": _non_negative,
}
_BILLING_FIELDS: dict[str, Check] = {
    "mode": _name,
    "window_hours": _positive,
    "buffer": _non_negative,
}
_OWNED_FIELDS: dict[str, Check] = {
    "name": _name,
    "server_price": _non_negative,
    "gpus_per_server": _whole,
    "allow_multi_server": _flag,
    "tokens_per_second": _positive,
    "installation_per_server": _non_negative,
    "installation_policy": _name,
    "useful_life_years": _positive,
    "residual_value": _share,
    "cost_of_capital": _non_negative,
    "maintenance_per_year": _non_negative,
    "server_base_watts": _non_negative,
    "gpu_tdp_watts": _non_negative,
    "gpu_load": _share,
    "pue": _multiplier,
    "usd_per_kwh": _non_negative,
    "facilities_per_server_monthly": _non_negative,
    "facilities_shared_monthly": _non_negative,
    "ops_fte": _non_negative,
    "ops_fte_monthly_cost": _non_negative,
    "implementation_one_off": _non_negative,
}
_DEPTH_KEYS = (
    "lens",
    "analysis_months",
    "owned",
    "availability_target",
    "replica_availability",
    "region_availability",
)


@dataclass(frozen=True, slots=True)
class QuoteScenario:
    """A parsed quote: the engine scenario it describes, and which outputs it asked for.

    ``scenario`` holds an :class:`~planner.engine.compose.ApiChoice` named ``"api"``, a
    rented :class:`~planner.engine.compose.FleetChoice` named ``"selfhost"`` and, with
    ``owned``, an owned one named ``"owned"``. ``depth`` says whether any engine-depth
    field was given (the depth keys are then reported); the availabilities say which
    downtime keys are reported.
    """

    scenario: Scenario
    depth: bool = False
    api_availability: float | None = None
    selfhost_availability: float | None = None
    energy: bool = False
    fit: ReplicaFit | None = None
    api_parts: bool = False  # report the API bill by part (a real-offer field was given)


def _parse_api(
    raw: object, *, field: str = "api", **extra: Check
) -> tuple[ApiOffer, dict[str, Any]]:
    values = _fields(field, raw, {**_API_FIELDS, **extra}, required=("output_per_mtok",))
    if "cached_input_per_mtok" in values and "input_per_mtok" not in values:
        raise ScenarioError(
            f"{field}.cached_input_per_mtok", "needs input_per_mtok (an output-only offer)"
        )
    if "cache_write_per_mtok" in values and "input_per_mtok" not in values:
        raise ScenarioError(
            f"{field}.cache_write_per_mtok", "needs input_per_mtok (an output-only offer)"
        )
    offer = ApiOffer(
        output_per_mtok=values["output_per_mtok"],
        input_per_mtok=values.get("input_per_mtok"),
        cached_input_per_mtok=values.get("cached_input_per_mtok"),
        name=values.get("name", "api"),
        cache_write_per_mtok=values.get("cache_write_per_mtok"),
        service_tiers=_parse_service_tiers(f"{field}.service_tiers", values.get("service_tiers")),
        context_tiers=_parse_context_tiers(f"{field}.context_tiers", values.get("context_tiers")),
    )
    return offer, values


def _tier_prices(field: str, raw: object, extra: Mapping[str, Check]) -> dict[str, Any]:
    values = _fields(field, raw, {**_TIER_PRICE_FIELDS, **extra}, required=tuple(extra))
    if not any(key in values for key in _TIER_PRICE_FIELDS):
        raise ScenarioError(field, f"restate at least one of {', '.join(_TIER_PRICE_FIELDS)}")
    return values


def _parse_service_tiers(field: str, raw: Mapping[str, object] | None) -> tuple[ServiceTier, ...]:
    """``{"batch"|"priority"|"flex": {prices}}``, in that order."""
    if raw is None:
        return ()
    for name in raw:
        if name not in SERVICE_TIERS:
            raise ScenarioError(
                f"{field}.{name}", f"unknown tier (one of {', '.join(SERVICE_TIERS)})"
            )
    return tuple(
        ServiceTier(name, **_tier_prices(f"{field}.{name}", raw[name], {}))
        for name in SERVICE_TIERS
        if name in raw
    )


def _parse_context_tiers(field: str, raw: list[object] | None) -> tuple[ContextTier, ...]:
    """``[{above_tokens, prices}]`` with strictly increasing ``above_tokens``."""
    tiers = tuple(
        ContextTier(**_tier_prices(f"{field}[{i}]", item, {"above_tokens": _tokens}))
        for i, item in enumerate(raw or [])
    )
    for i in range(1, len(tiers)):
        if tiers[i].above_tokens <= tiers[i - 1].above_tokens:
            raise ScenarioError(f"{field}[{i}].above_tokens", "must be above the previous tier's")
    return tiers


def _parse_traffic(values: Mapping[str, Any]) -> ApiTraffic:
    """The workload's share of batch/priority/flex tokens, cache writes and long contexts."""
    points = []
    for i, item in enumerate(values.get("long_context_shares", [])):
        where = f"long_context_shares[{i}]"
        point = _fields(where, item, _CONTEXT_SHARE_FIELDS, required=("above_tokens", "share"))
        points.append(ContextShare(point["above_tokens"], point["share"]))
    shares = {key: values[key] for key in _TRAFFIC_FIELDS if key in values}
    shares["long_context_shares"] = tuple(points)
    return ApiTraffic(**shares)


def _parse_selfhost(
    raw: object, *, field: str = "selfhost", **extra: Check
) -> tuple[SelfHostConfig, dict[str, Any]]:
    values = _fields(field, raw, {**_SELFHOST_FIELDS, **extra}, required=("tokens_per_second",))
    pricing: Pricing
    if "monthly" in values and "hourly" in values:
        raise ScenarioError(f"{field}.monthly", "give monthly or hourly, not both")
    if "monthly" in values:
        pricing = FlatMonthly(values["monthly"])
    elif "hourly" in values:
        pricing = OnDemandRate(values["hourly"])
    else:
        raise ScenarioError(f"{field}.monthly", "required (or hourly)")
    config = SelfHostConfig(
        pricing=pricing,
        tokens_per_second=values["tokens_per_second"],
        utilization=values.get("utilization", 1.0),
        hidden_multiplier=values.get("hidden_multiplier", 1.0),
        hidden_monthly=values.get("hidden_monthly", 0.0),
        name=values.get("name", "selfhost"),
    )
    return config, values


def parse_quote(data: object) -> QuoteScenario:
    """Validate a decoded JSON scenario; raise :class:`ScenarioError` naming the field."""
    values = _fields("", data, _QUOTE_FIELDS)
    if "tokens_per_month" in values and "tokens_per_day" in values:
        raise ScenarioError("tokens_per_day", "give tokens_per_month or tokens_per_day, not both")
    if "days_per_month" in values and "tokens_per_day" not in values:
        raise ScenarioError("days_per_month", "only applies with tokens_per_day")
    if "tokens_per_month" not in values and "tokens_per_day" not in values:
        raise ScenarioError("tokens_per_month", "required (or tokens_per_day)")
    if "api" not in values:
        raise ScenarioError("api", "required")
    if "selfhost" not in values:
        raise ScenarioError("selfhost", "required")
    offer, api_values = _parse_api(values["api"])
    config, selfhost_values = _parse_selfhost(
        values["selfhost"],
        **cast(dict[str, Any], _SELFHOST_DEPTH_FIELDS | _SELFHOST_ENERGY_FIELDS | _SERVING_FIELDS),
    )
    depth = any(key in values for key in _DEPTH_KEYS) or any(
        key in selfhost_values for key in _SELFHOST_DEPTH_FIELDS
    )
    shape = _parse_shape(values)
    profile = _parse_profile(selfhost_values, config.tokens_per_second, shape=shape)
    rented, owned = _parse_fleets(values, config, selfhost_values, depth=depth)
    fit = _parse_fit(selfhost_values, rented, request_shape=shape, profile=profile)
    cached_share = values.get("cached_share", 0.0)
    if cached_share > 0 and offer.cached_input_per_mtok is None:
        raise ScenarioError("cached_share", "needs api.cached_input_per_mtok")
    traffic = _parse_traffic(values)
    api_availability = api_values.get("availability")
    selfhost_availability = selfhost_values.get("availability")
    downtime = values.get("downtime_cost_per_hour")
    if (api_availability is not None or selfhost_availability is not None) and downtime is None:
        raise ScenarioError("downtime_cost_per_hour", "required when an availability is given")
    target = _parse_availability(values, selfhost_availability, rented)
    days = values.get("days_per_month", DAYS_PER_MONTH)
    tokens = monthly_tokens(
        tokens_per_month=values.get("tokens_per_month"),
        tokens_per_day=values.get("tokens_per_day"),
        days_per_month=days,
    )
    # One replica's availability: the depth field, else the deployment's own (the basic
    # quote's selfhost.availability is that of its one replica).
    replica_availability = values.get("replica_availability", selfhost_availability)
    energy = "grid_g_co2e_per_kwh" in values or any(
        key in selfhost_values for key in _SELFHOST_ENERGY_FIELDS
    )
    power, grid = _parse_energy(values, selfhost_values)
    reliability: dict[str, Any] = {}  # one replica's and one region's availability
    if replica_availability is not None:
        reliability["replica_availability"] = replica_availability
    if "region_availability" in values:
        reliability["region_availability"] = values["region_availability"]
    concurrency = selfhost_values.get("concurrent_sequences")
    options: list[Choice] = [
        ApiChoice(
            name=API,
            offer=offer,
            **({} if api_availability is None else {"availability": api_availability}),
        ),
        FleetChoice(
            name=SELFHOST,
            fleet=rented,
            price=Span.of(_price(rented.pricing)),
            tokens_per_second=Span.of(rented.serving.tokens_per_second),
            other_monthly=Span.of(rented.other_monthly),
            power=power,
            grid=grid,
            profile=profile,
            concurrency=concurrency,
            **reliability,
        ),
    ]
    if owned is not None:
        owned_profile = profile
        if profile is not None and owned.serving.tokens_per_second != config.tokens_per_second:
            # Its own decode rate at the selfhost point; other measured points are not its.
            point = _planned_point(profile, concurrency)
            owned_profile = ServingProfile(
                (replace(point, decode_tokens_per_second=owned.serving.tokens_per_second),)
            )
        options.append(
            FleetChoice(
                name=OWNED,
                fleet=owned,
                price=Span.of(owned.finance.server_price),
                tokens_per_second=Span.of(owned.serving.tokens_per_second),
                other_monthly=Span.of(owned.finance.other_monthly),
                grid=grid,
                profile=owned_profile,
                concurrency=concurrency,
                **reliability,
            )
        )
    hours = values.get("hours_per_month", HOURS_PER_MONTH)
    scenario = Scenario(
        workload=Workload(
            tokens_per_month=tokens,
            input_share=values.get("input_share", 0.5 if shape is None else shape.input_share),
            cached_share=cached_share,
            days_per_month=days,
            availability_target=target,
            downtime_cost_per_hour=0.0 if downtime is None else downtime,
            traffic=traffic,
            request_shape=shape,
            latency_p99_target_s=values.get("latency_p99_target_s"),
            ttft_p99_target_s=values.get("ttft_p99_target_s"),
            tpot_p99_target_s=values.get("tpot_p99_target_s"),
        ),
        options=tuple(options),
        hours_per_month=hours,
        lens=values.get("lens", Lens.FULL),
        analysis_months=values.get("analysis_months", DEFAULT_ANALYSIS_MONTHS),
        monte_carlo_samples=0,
    )
    return QuoteScenario(
        scenario=scenario,
        depth=depth,
        api_availability=api_availability,
        selfhost_availability=selfhost_availability,
        energy=energy,
        fit=fit,
        api_parts=traffic != STANDARD_TRAFFIC
        or any(
            key in api_values for key in ("cache_write_per_mtok", "service_tiers", "context_tiers")
        ),
    )


def _parse_energy(
    values: Mapping[str, Any], selfhost_values: Mapping[str, Any]
) -> tuple[PowerDraw | None, GridIntensity | None]:
    """The rented fleet's power draw (None without ``selfhost.gpu_watts``) and the grid."""
    if "gpu_watts" not in selfhost_values:
        for key in ("server_base_watts", "pue"):
            if key in selfhost_values:
                raise ScenarioError(f"selfhost.{key}", "needs selfhost.gpu_watts")
        power = None
    else:
        power = PowerDraw(
            selfhost_values["gpu_watts"],
            selfhost_values.get("server_base_watts", 0.0),
            selfhost_values.get("pue", 1.0),
        )
    grid = (
        GridIntensity("quote", values["grid_g_co2e_per_kwh"])
        if "grid_g_co2e_per_kwh" in values
        else None
    )
    return power, grid


def _parse_fit(
    selfhost_values: Mapping[str, Any],
    rented: RentedCapacity,
    *,
    request_shape: RequestShape | None = None,
    profile: ServingProfile | None = None,
) -> ReplicaFit | None:
    """The memory fit of the quote's replica, when ``selfhost.model`` is given.

    A quote prices the instance it is given, so a replica whose GPUs cannot hold the
    model is refused with the GPUs it needs, never priced on fewer. With a request shape
    a request's context is its input and output tokens, and the replica holds as many
    as its profile plans to serve at once, unless the quote says otherwise.
    """
    extra = ("gpu_vram_gb", "context_tokens", "concurrent_sequences")
    if "model" not in selfhost_values:
        for key in extra:
            if key in selfhost_values and not (key == "concurrent_sequences" and request_shape):
                raise ScenarioError(
                    f"selfhost.{key}",
                    "only applies with selfhost.model"
                    + (" or request_shape" if key == "concurrent_sequences" else ""),
                )
        return None
    model = _fields(
        "selfhost.model", selfhost_values["model"], _MODEL_FIELDS, required=("params_b",)
    )
    if "gpu_vram_gb" not in selfhost_values:
        raise ScenarioError("selfhost.gpu_vram_gb", "required with selfhost.model")
    shape = [key for key in ("layers", "kv_heads", "head_dim") if key in model]
    if shape and len(shape) < 3:
        missing = next(k for k in ("layers", "kv_heads", "head_dim") if k not in model)
        raise ScenarioError(f"selfhost.model.{missing}", "required with layers, kv_heads, head_dim")
    serving = rented.serving
    try:
        architecture = (
            Architecture(
                layers=model["layers"],
                kv_heads=model["kv_heads"],
                head_dim=model["head_dim"],
                max_context=model.get("max_context"),
                attention=model.get("attention", "gqa"),
            )
            if shape
            else None
        )
        fit = fit_replica(
            params_b=model["params_b"],
            precision=model.get("precision", "fp16"),
            gpu_vram_gb=selfhost_values["gpu_vram_gb"],
            architecture=architecture,
            context_tokens=selfhost_values.get(
                "context_tokens",
                None if request_shape is None else math.ceil(request_shape.tokens),
            ),
            concurrent_sequences=selfhost_values.get(
                "concurrent_sequences", _planned_sequences(profile)
            ),
            gpus_asked=serving.gpus_per_replica,
            gpus_per_node=rented.gpus_per_instance
            if "gpus_per_instance" in selfhost_values
            else GPUS_PER_NODE,
            allow_multi_node=rented.allow_multi_instance,
        )
    except ScenarioError as error:
        # The engine names its own inputs; the quote's JSON nests them under selfhost.
        field = "model.precision" if error.field == "precision" else error.field
        raise ScenarioError(f"selfhost.{field}", error.message) from None
    if fit.raised:
        raise ScenarioError(
            "selfhost.gpus_per_replica",
            f"the model needs {fit.needed_gb:,.1f} GB a replica (weights "
            f"{fit.weights_gb:,.1f} GB + KV cache {fit.kv_cache_gb:,.1f} GB): "
            f"{serving.gpus_per_replica} GPU(s) of {selfhost_values['gpu_vram_gb']:g} GB cannot "
            f"hold it; price a replica of {fit.gpus} GPUs",
        )
    return fit


def fit_json(fit: ReplicaFit) -> dict[str, Any]:
    """A replica's memory fit as JSON figures (GB to 0.001)."""
    return {
        "weights_gb": round(fit.weights_gb, 3),
        "kv_cache_gb": round(fit.kv_cache_gb, 3),
        "needed_gb": round(fit.needed_gb, 3),
        "usable_per_gpu_gb": round(fit.usable_per_gpu_gb, 3),
        "context_tokens": fit.context_tokens,
        "concurrent_sequences": fit.concurrent_sequences,
        "architecture_known": fit.architecture_known,
        "gpus_needed": fit.gpus_needed,
        "gpus_per_replica": fit.gpus,
        "tensor_parallel": fit.tensor_parallel,
        "nodes": fit.nodes,
    }


def _parse_shape(values: Mapping[str, Any]) -> RequestShape | None:
    """The request shape (figures or a preset); the input share then follows from it."""
    if "request_shape" not in values:
        for key in ("latency_p99_target_s", "ttft_p99_target_s", "tpot_p99_target_s"):
            if key in values:
                raise ScenarioError(key, "needs request_shape (latency follows from it)")
        return None
    if "input_share" in values:
        raise ScenarioError(
            "input_share",
            "follows from request_shape (input / (input + output)): give one of the two",
        )
    shape = _fields("request_shape", values["request_shape"], _SHAPE_FIELDS)
    if "preset" in shape:
        if "input_tokens" in shape or "output_tokens" in shape:
            raise ScenarioError("request_shape.preset", "give a preset or the figures, not both")
        return preset_shape(shape["preset"])
    for key in ("input_tokens", "output_tokens"):
        if key not in shape:
            raise ScenarioError(f"request_shape.{key}", "required (or a preset)")
    return RequestShape(shape["input_tokens"], shape["output_tokens"])


def _point(values: Mapping[str, Any], decode: float) -> ProfilePoint:
    return ProfilePoint(
        decode_tokens_per_second=decode,
        concurrency=values.get("concurrent_sequences"),
        prefill_tokens_per_second=values.get("prefill_tokens_per_second"),
        ttft_p50_s=values.get("ttft_p50_s"),
        ttft_p99_s=values.get("ttft_p99_s"),
        tpot_p50_s=values.get("tpot_p50_s"),
        tpot_p99_s=values.get("tpot_p99_s"),
    )


def _parse_profile(
    selfhost_values: Mapping[str, Any], decode: float, *, shape: RequestShape | None
) -> ServingProfile | None:
    """The replica's measured profile: its own point (tokens_per_second at
    concurrent_sequences) and any others in selfhost.profile. Only a request shape puts
    it to use."""
    given = [key for key in _SERVING_FIELDS if key in selfhost_values]
    if shape is None:
        if given:
            raise ScenarioError(f"selfhost.{given[0]}", "needs request_shape")
        return None
    points = [_point(selfhost_values, decode)]
    extra = selfhost_values.get("profile", [])
    if extra and "concurrent_sequences" not in selfhost_values:
        raise ScenarioError("selfhost.concurrent_sequences", "required with selfhost.profile")
    points += [_point(item, item["tokens_per_second"]) for item in extra]
    levels = [p.concurrency for p in points]
    if len(set(levels)) != len(levels):
        raise ScenarioError("selfhost.profile", "one point per concurrency")
    return ServingProfile.of(points)


def _planned_sequences(profile: ServingProfile | None) -> int | None:
    """Requests the replica is planned to serve at once (None: not measured)."""
    level = None if profile is None else profile.highest.concurrency
    return None if level is None else math.ceil(level - 1e-9)


def _planned_point(profile: ServingProfile, concurrency: float | None) -> ProfilePoint:
    return profile.highest if concurrency is None else profile.at(concurrency)


def _price(pricing: Pricing) -> float:
    """The one price of a quote's rented instance (monthly or hourly)."""
    if isinstance(pricing, FlatMonthly):
        return pricing.monthly
    assert isinstance(pricing, OnDemandRate)
    return pricing.hourly


def _replica_capacity(rented: RentedCapacity, hours_per_month: float) -> float:
    """Average tokens a month one replica carries (the peak sizes the fleet)."""
    serving = rented.serving
    return (
        serving.replica_capacity(hours=rented.serving_hours(hours_per_month))
        / serving.peak_to_average
    )


def _parse_billing(raw: object) -> Billing:
    values = _fields("selfhost.billing", raw, _BILLING_FIELDS, required=("mode",))
    modes = [mode.value for mode in BillingMode]
    if values["mode"] not in modes:
        raise ScenarioError("selfhost.billing.mode", f"must be one of {', '.join(modes)}")
    mode = BillingMode(values["mode"])
    if "window_hours" in values and mode is not BillingMode.WINDOW:
        raise ScenarioError("selfhost.billing.window_hours", "only applies to the window mode")
    if "buffer" in values and mode is not BillingMode.SCALE_TO_ZERO:
        raise ScenarioError("selfhost.billing.buffer", "only applies to the scale_to_zero mode")
    if mode is BillingMode.WINDOW and "window_hours" not in values:
        raise ScenarioError("selfhost.billing.window_hours", "required for the window mode")
    return Billing(mode, values.get("window_hours"), values.get("buffer", 0.0))


def _parse_fleets(
    values: Mapping[str, Any],
    config: SelfHostConfig,
    selfhost_values: Mapping[str, Any],
    *,
    depth: bool,
) -> tuple[RentedCapacity, OwnedFleet | None]:
    """The rented fleet (and the owned one, if given) of a quote.

    The planned share of measured throughput is the headroom, or the utilization when
    that is given instead. Its default keeps each quote's historical figures: 1 (all of
    the measured throughput) for a basic quote, :data:`DEFAULT_HEADROOM` (0.9) once any
    engine-depth field is given.
    """
    if "headroom" in selfhost_values and "utilization" in selfhost_values:
        raise ScenarioError(
            "selfhost.headroom",
            "give headroom or utilization, not both: both derate measured throughput",
        )
    default = DEFAULT_HEADROOM if depth else 1.0
    headroom = selfhost_values.get("headroom", selfhost_values.get("utilization", default))
    serving = Serving(
        tokens_per_second=config.tokens_per_second,
        gpus_per_replica=selfhost_values.get("gpus_per_replica", 1),
        headroom=headroom,
        peak_to_average=selfhost_values.get("peak_to_average", 1.0),
    )
    billing = (
        _parse_billing(selfhost_values["billing"]) if "billing" in selfhost_values else Billing()
    )
    rented = RentedCapacity(
        pricing=config.pricing,
        serving=serving,
        gpus_per_instance=selfhost_values.get("gpus_per_instance", serving.gpus_per_replica),
        allow_multi_instance=selfhost_values.get("allow_multi_instance", False),
        billing=billing,
        hidden_multiplier=config.hidden_multiplier,
        other_monthly=config.hidden_monthly,
        ops_fte=selfhost_values.get("ops_fte", 0.0),
        ops_fte_monthly_cost=selfhost_values.get("ops_fte_monthly_cost", 0.0),
        implementation_one_off=selfhost_values.get("implementation_one_off", 0.0),
        name=SELFHOST,
    )
    if "owned" not in values:
        return rented, None
    owned_values = _fields("owned", values["owned"], _OWNED_FIELDS, required=("server_price",))
    owned_serving = replace(
        serving, tokens_per_second=owned_values.pop("tokens_per_second", serving.tokens_per_second)
    )
    finance = ServerFinance(**owned_values)
    finance.pack(1, owned_serving)
    return rented, OwnedFleet(finance, owned_serving)


def _parse_availability(
    values: Mapping[str, Any], selfhost_availability: float | None, rented: RentedCapacity
) -> float | None:
    """The availability target, checked against the fields that go with it."""
    if "availability_target" not in values:
        if "replica_availability" in values or "region_availability" in values:
            raise ScenarioError("availability_target", "required with replica_availability")
        return None
    if "replica_availability" not in values:
        raise ScenarioError("replica_availability", "required with availability_target")
    if selfhost_availability is not None:
        raise ScenarioError(
            "selfhost.availability",
            "give selfhost.availability or replica_availability, not both: both are one "
            "replica's availability",
        )
    if rented.billing.mode is BillingMode.SCALE_TO_ZERO:
        raise ScenarioError(
            "availability_target",
            "scale-to-zero keeps no standing replicas to hold in reserve: "
            "use always_on or window billing",
        )
    target: float = values["availability_target"]
    return target


# Digits enough to round any finite float to a few places (the default context's 28 fail
# from about 1e24); infinities and NaN still raise InvalidOperation.
_WIDE = Context(prec=400)


def cents(amount: float) -> float:
    """Round money half-up to cents from its shortest decimal form (2.675 -> 2.68)."""
    return float(
        Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP, context=_WIDE)
    )


def _round(value: float | None, places: int) -> float | None:
    """``value`` half-up to ``places``; ``None`` for none, or for a ratio or a price per
    token that overflowed (a handful of a token a month)."""
    if value is None or not math.isfinite(value):
        return None
    return float(
        Decimal(repr(value)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_WIDE
        )
    )


def compute_quote(quote: QuoteScenario) -> dict[str, Any]:
    """API vs self-host for one quote, as the JSON result of the contract.

    Every figure is read from the one composition of ``quote.scenario``
    (:func:`~planner.engine.compose.compose`): the costs, the replicas, the crossings of
    every pair of options and, with engine depth, the line items and milestones.
    """
    found = compose(quote.scenario)
    scenario = found.scenario  # as priced: serving resolved for a request shape
    api, selfhost = found.option(API), found.option(SELFHOST)
    fleet = selfhost.fleet
    assert fleet is not None
    rented = _rented(scenario).fleet
    assert isinstance(rented, RentedCapacity)
    capacity = _replica_capacity(rented, scenario.hours_per_month)
    pair = _pair(found, API, SELFHOST)
    wins_from = _wins_from(pair, SELFHOST)
    breakeven = wins_from if wins_from is not None and wins_from <= capacity else None
    api_monthly, selfhost_monthly = api.monthly.expected, selfhost.monthly.expected
    low, high = sorted((api_monthly, selfhost_monthly))
    ratio = (1.0 if high == 0 else None) if low == 0 else high / low
    result: dict[str, Any] = {
        "api_monthly": cents(api_monthly),
        "selfhost_monthly": cents(selfhost_monthly),
        "capacity_tokens_per_month": round(capacity),
        "replicas": fleet.total_replicas,
        "breakeven_tokens_per_month": breakeven,
        "breakeven_reason": _breakeven_reason(
            found, pair, breakeven=breakeven, wins_from=wins_from, capacity=capacity
        ),
        "cheaper": API if api_monthly <= selfhost_monthly else SELFHOST,
        "ratio": _round(ratio, 4),
        "selfhost_cost_per_mtok": _round(selfhost.cost_per_mtok, 4),
    }
    if quote.api_availability is not None or quote.selfhost_availability is not None:
        result["api_downtime_cost"] = (
            None if quote.api_availability is None else cents(api.downtime_cost)
        )
        result["selfhost_downtime_cost"] = (
            None if quote.selfhost_availability is None else cents(selfhost.downtime_cost)
        )
    if quote.depth:
        result.update(_depth_json(found))
    if quote.energy:
        result["energy"] = {option.name: _energy_json(option.energy) for option in found.options}
    crossings = [
        {"volume": c.volume, "cheaper_above": c.cheaper_above, "cheaper_below": c.cheaper_below}
        for p in found.pairs
        for c in p.crossings
    ]
    result["crossings"] = sorted(crossings, key=lambda c: c["volume"])
    result["crossings_limit"] = found.limit_tokens
    errors = {f"{p.a}/{p.b}": p.error for p in found.pairs if p.error is not None}
    if errors:
        result["crossings_error"] = errors
    result["selfhost_wins_from_tokens_per_month"] = wins_from
    if quote.fit is not None:
        result["fit"] = fit_json(quote.fit)
    if quote.api_parts:
        assert api.api_parts is not None
        result["api_parts"] = {
            key.removeprefix("api_"): cents(value) for key, value in api.api_parts.items()
        }
    if scenario.workload.request_shape is not None:
        result.update(_per_request_json(found))
    result["quote_version"] = QUOTE_VERSION
    return result


def _per_request_json(found: Composition) -> dict[str, Any]:
    """With a request shape: requests, each option's cost per 1M tokens, per request and
    per 1,000 requests, and how a self-hosted replica serves the shape."""
    w = found.scenario.workload
    shape = w.request_shape
    assert shape is not None
    requests = requests_for(w.tokens_per_month, shape)
    out: dict[str, Any] = {
        "request_shape": {
            "input_tokens": shape.input_tokens,
            "output_tokens": shape.output_tokens,
            "input_share": _round(shape.input_share, 6),
        },
        "requests_per_month": _round(requests, 2),
        "requests_per_day": _round(requests / w.days_per_month, 2),
        "unit_costs": {
            option.name: unit_costs(
                option.monthly.expected, option.cost_per_mtok, option.cost_per_request
            )
            for option in found.options
        },
    }
    for option in found.options:
        if option.serving is not None:
            out[f"{option.name}_serving"] = serving_json(option.serving)
    return out


def unit_costs(
    monthly: float, per_mtok: float | None, per_request: float | None
) -> dict[str, float | None]:
    """Cost per 1M tokens, per request and per 1,000 requests (None for no traffic)."""
    return {
        "per_mtok": _round(per_mtok, 4),
        "per_request": _round(per_request, 6),
        "per_1k_requests": None if per_request is None else _round(per_request * 1000, 4),
    }


def _whole_or_float(value: float | None) -> int | float | None:
    """A concurrency as JSON: 64, not 64.0; a Little's-law one keeps two decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else _round(value, 2)


def serving_json(estimate: ServingEstimate) -> dict[str, Any]:
    """How one replica serves the request shape: concurrency, rates, latency, targets."""
    latency = estimate.latency
    return {
        "concurrency": _whole_or_float(estimate.concurrency),
        "planned_concurrency": _whole_or_float(estimate.planned_concurrency),
        "tokens_per_second": _round(estimate.tokens_per_second, 4),
        "requests_per_second": _round(estimate.requests_per_second, 6),
        "decode_tokens_per_second": _round(estimate.decode_tokens_per_second, 4),
        "prefill_tokens_per_second": _round(estimate.prefill_tokens_per_second, 4),
        "prefill_measured": estimate.prefill_measured,
        "latency": None
        if latency is None
        else {
            "ttft_p50_s": _round(latency.ttft_p50_s, 4),
            "ttft_p99_s": _round(latency.ttft_p99_s, 4),
            "tpot_p50_s": _round(latency.tpot_p50_s, 6),
            "tpot_p99_s": _round(latency.tpot_p99_s, 6),
            "e2e_p50_s": _round(latency.e2e_p50_s, 4),
            "e2e_p99_s": _round(latency.e2e_p99_s, 4),
            "measured": latency.measured,
        },
        "resized_for": list(estimate.limited_by),
        "unmet_targets": list(estimate.unmet),
    }


def _rented(scenario: Scenario) -> FleetChoice:
    choice = next(o for o in scenario.options if o.name == SELFHOST)
    assert isinstance(choice, FleetChoice)
    return choice


def _pair(found: Composition, a: str, b: str) -> PairCrossings:
    return next(p for p in found.pairs if {p.a, p.b} == {a, b})


def _wins_from(pair: PairCrossings, name: str) -> int | None:
    """The first volume from which ``name`` costs no more than the other of the pair, after
    the other was strictly cheaper (0 if ``name`` is the cheaper one from the start)."""
    if pair.error is not None:
        return None
    if pair.cheaper_at_start == name:
        return 0
    return next((c.volume for c in pair.crossings if c.cheaper_above == name), None)


def _breakeven_reason(
    found: Composition,
    pair: PairCrossings,
    *,
    breakeven: int | None,
    wins_from: int | None,
    capacity: float,
) -> str:
    """Why one deployment (one replica and its reserve) breaks even where it does, or not."""
    if pair.error is not None:
        return pair.error
    one_deployment = found.cost_at(SELFHOST, 0)
    if breakeven == 0:
        return "self-hosting costs nothing, so it is never dearer than the API"
    if breakeven is not None:
        cost = (
            f"{format_usd(found.cost_at(SELFHOST, breakeven))}/month at that volume"
            if _rented(found.scenario).scale_to_zero
            else f"{format_usd(one_deployment)}/month fixed"
        )
        return (
            f"self-hosting ({cost}) costs the same as the API at "
            f"{format_tokens(breakeven)} tokens/month; below that the API is cheaper"
        )
    # The one deployment's cost line extended past its capacity, in words: where it
    # would break even, or why it never would.
    w = found.scenario.workload
    api_choice = next(o for o in found.scenario.options if o.name == API)
    assert isinstance(api_choice, ApiChoice)
    slope = (found.cost_at(SELFHOST, capacity) - one_deployment) / capacity * TOKENS_PER_MTOK
    line = breakeven_volume(
        api_choice.offer,
        selfhost_fixed_monthly=one_deployment,
        capacity_tokens_per_month=capacity,
        input_share=w.input_share,
        cached_share=w.cached_share,
        selfhost_variable_per_mtok=max(0.0, slope),
        traffic=w.traffic,
    )
    reason = (
        line.reason
        if line.tokens_per_month is None
        else (
            f"one deployment of self-hosting costs more than the API up to its capacity "
            f"of {format_tokens(capacity)} tokens/month"
        )
    )
    if wins_from is not None:
        reason += (
            f"; with more replicas self-hosting costs no more than the API from "
            f"{format_tokens(wins_from)} tokens/month"
        )
    return reason


def _depth_json(found: Composition) -> dict[str, Any]:
    """The engine-depth keys: lens, line items, reserve, owned finance, milestones."""
    scenario = found.scenario
    rented = found.option(SELFHOST).detail
    assert isinstance(rented, RentedCost)
    out: dict[str, Any] = {
        "lens": scenario.lens.value,
        "analysis_months": scenario.analysis_months,
        "selfhost_detail": {
            "monthly": cents(rented.monthly),
            "replicas_needed": rented.replicas,
            "instances": rented.instances,
            "gpus": rented.gpus,
            "billed_instance_hours": _round(rented.billed_instance_hours, 4),
            "lines": _lines_json(rented),
            "reserve": _reserve_json(rented.reserve, rented.reserve_monthly),
        },
    }
    if any(option.name == OWNED for option in scenario.options):
        owned = found.option(OWNED).detail
        assert isinstance(owned, OwnedCost)
        out["owned_monthly"] = cents(owned.monthly)
        out["owned_detail"] = {
            "monthly": cents(owned.monthly),
            "replicas_needed": owned.replicas,
            "servers": owned.servers,
            "gpus": owned.gpus,
            "purchases": owned.purchases,
            "last_life_share": _round(owned.last_life_share, 6),
            "acquisition": cents(owned.acquisition),
            "average_book_value": cents(owned.average_book_value),
            "book_value_at_end": cents(owned.book_value_at_end),
            "installation_policy": owned.installation_policy.value,
            "capitalised": cents(owned.capitalised),
            "gpu_load": _round(owned.gpu_load, 6),
            "energy_kwh": _round(owned.energy_kwh, 2),
            "lines": _lines_json(owned),
            "reserve": _reserve_json(owned.reserve, owned.reserve_monthly),
        }
    out["cheapest"] = found.cheapest
    if found.milestones is None:
        out["first_winning_volume"] = None
        out["first_winning_volume_error"] = found.milestones_error
    else:
        out["first_winning_volume"] = {
            name: _win_json(win) for name, win in found.milestones.milestones.items()
        }
    return out


def _energy_json(energy: FleetEnergy | None) -> dict[str, Any] | None:
    """An option's month of electricity; None when unknown (an API, or no power given)."""
    if energy is None:
        return None
    return {
        "kwh_per_month": _round(energy.kwh_per_month, 3),
        "kg_co2e_per_month": _round(energy.kg_co2e_per_month, 3),
        "gpu_load": _round(energy.gpu_load, 4),
        "gpu_hours": _round(energy.gpu_hours, 2),
        "machine_hours": _round(energy.machine_hours, 2),
        "gpu_watts": energy.power.gpu_watts,
        "server_base_watts": energy.power.server_base_watts,
        "pue": energy.power.pue,
    }


def _reserve_json(plan: ReservePlan, monthly: float) -> dict[str, Any] | None:
    if math.isnan(plan.target):
        return None
    return {
        "spares": plan.spares,
        "regions": plan.regions,
        "total_replicas": plan.total_replicas,
        "availability": _round(plan.availability, 8),
        "base_availability": _round(plan.base_availability, 8),
        "target": plan.target,
        "monthly": cents(monthly),
    }


def _lines_json(cost: RentedCost | OwnedCost) -> dict[str, Any]:
    return {
        line.key: {"monthly": cents(line.monthly), "in_lens": line.in_lens} for line in cost.lines
    }


def _win_json(win: FirstWin) -> dict[str, Any]:
    return {
        "volume": win.volume,
        "holds_to_limit": win.holds_to_limit,
        "lost_at": win.lost_at,
        "wins_for_good_from": win.wins_for_good_from,
        "limit": win.limit,
        "reason": win.reason,
    }


# --- sweeps -----------------------------------------------------------------------------

MAX_AXIS_POINTS = 100_000


def _axis(field: str, raw: object, check: Check) -> np.ndarray:
    if isinstance(raw, list):
        if not raw:
            raise ScenarioError(field, "needs at least one value")
        return np.array([check(f"{field}[{i}]", v) for i, v in enumerate(raw)], dtype=np.float64)
    values = _fields(
        field,
        raw,
        {"start": check, "stop": check, "num": _positive, "scale": _name},
        required=("start", "stop", "num"),
    )
    num = values["num"]
    if num != int(num) or num > MAX_AXIS_POINTS:
        raise ScenarioError(f"{field}.num", f"must be a whole number up to {MAX_AXIS_POINTS}")
    scale = values.get("scale", "linear")
    if scale == "linear":
        return np.linspace(values["start"], values["stop"], int(num))
    if scale == "log":
        if values["start"] <= 0:
            raise ScenarioError(f"{field}.start", "must be positive for a log scale")
        return np.geomspace(values["start"], values["stop"], int(num))
    raise ScenarioError(f"{field}.scale", "must be 'linear' or 'log'")


def _index(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioError(field, "must be a non-negative integer")
    return value


@dataclass(frozen=True, slots=True)
class SweepRequest:
    spec: SweepSpec
    start: int
    stop: int


_SWEEP_FIELDS: dict[str, Check] = {
    "volumes": lambda f, v: v,
    "input_shares": lambda f, v: v,
    "utilizations": lambda f, v: v,
    "cached_share": _share,
    "hours_per_month": _positive,
    "api": lambda f, v: v,
    "selfhost": lambda f, v: v,
    "start": _index,
    "stop": _index,
    "analysis_months": _positive,
    "peak_to_average": _multiplier,
    "availability_target": _share,
    "lens": _lens,
    **_TRAFFIC_FIELDS,
}


def _named_items(values: Mapping[str, object], key: str) -> list[tuple[str, object]]:
    items = values[key]
    if not isinstance(items, list) or not items:
        raise ScenarioError(key, "must be a non-empty list of objects")
    for index, item in enumerate(items):
        if isinstance(item, dict) and "name" not in item:
            raise ScenarioError(f"{key}[{index}].name", "required")
    return [(f"{key}[{index}]", item) for index, item in enumerate(items)]


def parse_sweep(data: object) -> SweepRequest:
    """Validate a sweep grid spec (see ``python -m planner.engine --help``)."""
    values = _fields("", data, _SWEEP_FIELDS, required=("volumes", "api", "selfhost"))
    offers = [
        _parse_api(item, field=field, name=_name)[0] for field, item in _named_items(values, "api")
    ]
    parsed = [
        _parse_selfhost(item, field=field, name=_name, implementation_one_off=_non_negative)
        for field, item in _named_items(values, "selfhost")
    ]
    configs = [config for config, _ in parsed]
    one_offs = tuple(float(extra.get("implementation_one_off", 0.0)) for _, extra in parsed)
    names = [o.name for o in offers] + [c.name for c in configs]
    if len(set(names)) != len(names):
        raise ScenarioError("api", "option names must be unique across api and selfhost")
    spec = SweepSpec(
        volumes=_axis("volumes", values["volumes"], _non_negative),
        input_shares=_axis("input_shares", values.get("input_shares", [0.5]), _share),
        utilizations=_axis("utilizations", values.get("utilizations", [1.0]), _utilization),
        api_offers=tuple(offers),
        selfhost_configs=tuple(configs),
        cached_share=values.get("cached_share", 0.0),
        hours_per_month=values.get("hours_per_month", HOURS_PER_MONTH),
        one_off_costs=one_offs if any(one_offs) else (),
        analysis_months=values.get("analysis_months", DEFAULT_ANALYSIS_MONTHS),
        peak_to_average=values.get("peak_to_average", 1.0),
        availability_target=values.get("availability_target"),
        lens=values.get("lens", Lens.FULL),
        traffic=_parse_traffic(values),
    )
    start = values.get("start", 0)
    stop = values.get("stop", spec.size)
    if not start <= stop <= spec.size:
        raise ScenarioError("stop", f"must satisfy start <= stop <= {spec.size}")
    return SweepRequest(spec, start, stop)


def sweep_rows(request: SweepRequest, *, chunk_size: int = 100_000) -> Iterator[list[str]]:
    """CSV rows: a header, then one row per grid point (money in cents)."""
    spec = request.spec
    yield [
        "volume",
        "input_share",
        "utilization",
        *(f"api:{o.name}" for o in spec.api_offers),
        *(f"selfhost:{c.name}" for c in spec.selfhost_configs),
        *(f"replicas:{c.name}" for c in spec.selfhost_configs),
        "cheapest",
    ]
    names = spec.option_names
    for start in range(request.start, request.stop, chunk_size):
        stop = min(start + chunk_size, request.stop)
        chunk = evaluate_chunk(spec, start, stop, with_breakeven=False)  # not in the CSV
        volume, share, utilization = point_axes(spec, start, stop)
        for i in range(stop - start):
            yield [
                repr(float(volume[i])),
                repr(float(share[i])),
                repr(float(utilization[i])),
                *(f"{x:.2f}" for x in chunk.api_monthly[i]),
                *(f"{x:.2f}" for x in chunk.selfhost_monthly[i]),
                *(str(int(x)) for x in chunk.replicas[i]),
                names[chunk.cheapest[i]],
            ]
