"""The stable JSON contract shared by the CLI and the REST API (POST /api/v1/quote).

``parse_quote(dict) -> QuoteScenario`` validates a decoded JSON object and raises
:class:`ScenarioError` naming the field (dotted path) at fault; ``compute_quote`` returns
a JSON-ready dict with money rounded to cents. ``parse_sweep`` / ``sweep_rows`` do the
same for grid sweeps.

Each level of the input is described by a table of field checks (``_QUOTE_FIELDS``,
``_API_FIELDS``, ``_SELFHOST_FIELDS``): a new optional field is one more row there and one
more defaulted attribute on the dataclass; unknown keys are always rejected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import numpy as np

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.breakeven import breakeven_volume
from planner.engine.capacity import cost_per_mtok
from planner.engine.crossover import FirstWin, api_curve, crossovers, owned_curve, rented_curve
from planner.engine.errors import ScenarioError
from planner.engine.fleet import DEFAULT_ANALYSIS_MONTHS, DEFAULT_HEADROOM, Lens, Serving
from planner.engine.owned import OwnedCost, ServerFinance, owned_cost
from planner.engine.reliability import downtime_cost
from planner.engine.rented import RentedCapacity, RentedCost, rented_cost
from planner.engine.reserve import AvailabilityTarget, ReservePlan
from planner.engine.selfhost import (
    Billing,
    BillingMode,
    FlatMonthly,
    OnDemandRate,
    Pricing,
    SelfHostConfig,
    selfhost_cost,
)
from planner.engine.sweep import SweepSpec, evaluate_chunk, point_axes
from planner.engine.tokens import monthly_tokens
from planner.engine.units import DAYS_PER_MONTH, HOURS_PER_MONTH

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
}
_SELFHOST_FIELDS: dict[str, Check] = {
    "monthly": _non_negative,
    "hourly": _non_negative,
    "tokens_per_second": _positive,
    "utilization": _utilization,
    "hidden_monthly": _non_negative,
    "hidden_multiplier": _multiplier,
    "availability": _share,
}
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
    # Engine depth (any of these, or of _SELFHOST_DEPTH_FIELDS, switches it on).
    "lens": _lens,
    "analysis_months": _positive,
    "owned": _object,
    "availability_target": _share,
    "replica_availability": _share,
    "region_availability": _share,
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
    "useful_life_years": _positive,
    "residual_value": _share,
    "cost_of_capital": _non_negative,
    "maintenance_per_year": _non_negative,
    "server_base_watts": _non_negative,
    "gpu_tdp_watts": _non_negative,
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
class DepthScenario:
    """The engine-depth part of a quote: rented packing/billing, owned finance, reserve."""

    lens: Lens
    analysis_months: float
    rented: RentedCapacity
    owned: ServerFinance | None = None
    owned_serving: Serving | None = None
    availability: AvailabilityTarget | None = None


@dataclass(frozen=True, slots=True)
class QuoteScenario:
    tokens_per_month: float
    api: ApiOffer
    selfhost: SelfHostConfig
    input_share: float = 0.5
    cached_share: float = 0.0
    hours_per_month: float = HOURS_PER_MONTH
    api_availability: float | None = None
    selfhost_availability: float | None = None
    downtime_cost_per_hour: float | None = None
    depth: DepthScenario | None = None


def _parse_api(
    raw: object, *, field: str = "api", **extra: Check
) -> tuple[ApiOffer, dict[str, Any]]:
    values = _fields(field, raw, {**_API_FIELDS, **extra}, required=("output_per_mtok",))
    if "cached_input_per_mtok" in values and "input_per_mtok" not in values:
        raise ScenarioError(
            f"{field}.cached_input_per_mtok", "needs input_per_mtok (an output-only offer)"
        )
    offer = ApiOffer(
        output_per_mtok=values["output_per_mtok"],
        input_per_mtok=values.get("input_per_mtok"),
        cached_input_per_mtok=values.get("cached_input_per_mtok"),
        name=values.get("name", "api"),
    )
    return offer, values


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
        values["selfhost"], **cast(dict[str, Any], _SELFHOST_DEPTH_FIELDS)
    )
    depth = _parse_depth(values, config, selfhost_values)
    cached_share = values.get("cached_share", 0.0)
    if cached_share > 0 and offer.cached_input_per_mtok is None:
        raise ScenarioError("cached_share", "needs api.cached_input_per_mtok")
    api_availability = api_values.get("availability")
    selfhost_availability = selfhost_values.get("availability")
    downtime = values.get("downtime_cost_per_hour")
    if (api_availability is not None or selfhost_availability is not None) and downtime is None:
        raise ScenarioError("downtime_cost_per_hour", "required when an availability is given")
    return QuoteScenario(
        tokens_per_month=monthly_tokens(
            tokens_per_month=values.get("tokens_per_month"),
            tokens_per_day=values.get("tokens_per_day"),
            days_per_month=values.get("days_per_month", DAYS_PER_MONTH),
        ),
        api=offer,
        selfhost=config,
        input_share=values.get("input_share", 0.5),
        cached_share=cached_share,
        hours_per_month=values.get("hours_per_month", HOURS_PER_MONTH),
        api_availability=api_availability,
        selfhost_availability=selfhost_availability,
        downtime_cost_per_hour=downtime,
        depth=depth,
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


def _parse_depth(
    values: Mapping[str, Any], config: SelfHostConfig, selfhost_values: Mapping[str, Any]
) -> DepthScenario | None:
    """The depth inputs, or ``None`` when none is given (the quote is unchanged)."""
    if not any(key in values for key in _DEPTH_KEYS) and not any(
        key in selfhost_values for key in _SELFHOST_DEPTH_FIELDS
    ):
        return None
    if "headroom" in selfhost_values and "utilization" in selfhost_values:
        raise ScenarioError(
            "selfhost.headroom",
            "give headroom or utilization, not both: both derate measured throughput",
        )
    headroom = selfhost_values.get("headroom", selfhost_values.get("utilization", DEFAULT_HEADROOM))
    serving = Serving(
        tokens_per_second=config.tokens_per_second,
        gpus_per_replica=selfhost_values.get("gpus_per_replica", 1),
        headroom=headroom,
        peak_to_average=selfhost_values.get("peak_to_average", 1.0),
    )
    billing = (
        _parse_billing(selfhost_values["billing"]) if "billing" in selfhost_values else Billing()
    )
    gpus_per_instance = selfhost_values.get("gpus_per_instance", serving.gpus_per_replica)
    rented = RentedCapacity(
        pricing=config.pricing,
        serving=serving,
        gpus_per_instance=gpus_per_instance,
        allow_multi_instance=selfhost_values.get("allow_multi_instance", False),
        billing=billing,
        hidden_multiplier=config.hidden_multiplier,
        other_monthly=config.hidden_monthly,
        ops_fte=selfhost_values.get("ops_fte", 0.0),
        ops_fte_monthly_cost=selfhost_values.get("ops_fte_monthly_cost", 0.0),
        implementation_one_off=selfhost_values.get("implementation_one_off", 0.0),
        name=config.name,
    )
    owned = owned_serving = None
    if "owned" in values:
        owned_values = _fields("owned", values["owned"], _OWNED_FIELDS, required=("server_price",))
        owned_serving = replace(
            serving,
            tokens_per_second=owned_values.pop("tokens_per_second", serving.tokens_per_second),
        )
        owned = ServerFinance(**owned_values)
        owned.pack(1, owned_serving)
    availability = None
    if "availability_target" in values:
        if "replica_availability" not in values:
            raise ScenarioError("replica_availability", "required with availability_target")
        availability = AvailabilityTarget(
            target=values["availability_target"],
            replica_availability=values["replica_availability"],
            region_availability=values.get("region_availability", 1.0),
        )
    elif "replica_availability" in values or "region_availability" in values:
        raise ScenarioError("availability_target", "required with replica_availability")
    return DepthScenario(
        lens=values.get("lens", Lens.FULL),
        analysis_months=values.get("analysis_months", DEFAULT_ANALYSIS_MONTHS),
        rented=rented,
        owned=owned,
        owned_serving=owned_serving,
        availability=availability,
    )


def cents(amount: float) -> float:
    """Round money half-up to cents from its shortest decimal form (2.675 -> 2.68)."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _round(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def compute_quote(scenario: QuoteScenario) -> dict[str, Any]:
    """API vs self-host for one scenario, as the JSON result of the contract."""
    tokens, hours = scenario.tokens_per_month, scenario.hours_per_month
    api = api_monthly_cost(
        scenario.api,
        tokens_per_month=tokens,
        input_share=scenario.input_share,
        cached_share=scenario.cached_share,
    )
    extra: dict[str, Any] = {}
    if scenario.depth is None:
        selfhost = selfhost_cost(scenario.selfhost, tokens_per_month=tokens, hours_per_month=hours)
        breakeven = breakeven_volume(
            scenario.api,
            selfhost_fixed_monthly=scenario.selfhost.fixed_monthly(hours_per_month=hours),
            capacity_tokens_per_month=selfhost.capacity_tokens_per_month,
            input_share=scenario.input_share,
            cached_share=scenario.cached_share,
        )
        selfhost_monthly, replicas = selfhost.monthly, selfhost.replicas
        capacity = selfhost.capacity_tokens_per_month
        breakeven_tokens, breakeven_reason = breakeven.tokens_per_month, breakeven.reason
    else:
        rented, extra = _depth_quote(scenario, scenario.depth, api)
        selfhost_monthly, replicas = rented.monthly, rented.reserve.total_replicas
        serving = scenario.depth.rented.serving
        capacity = (
            serving.replica_capacity(hours=scenario.depth.rented.serving_hours(hours))
            / serving.peak_to_average
        )
        win = extra.pop("_breakeven")
        breakeven_tokens = None if win is None else win.volume
        breakeven_reason = extra["first_winning_volume_error"] if win is None else win.reason
    cheaper = "api" if api <= selfhost_monthly else "selfhost"
    low, high = sorted((api, selfhost_monthly))
    ratio = (1.0 if high == 0 else None) if low == 0 else high / low
    result: dict[str, Any] = {
        "api_monthly": cents(api),
        "selfhost_monthly": cents(selfhost_monthly),
        "capacity_tokens_per_month": round(capacity),
        "replicas": replicas,
        "breakeven_tokens_per_month": (
            None if breakeven_tokens is None else round(breakeven_tokens)
        ),
        "breakeven_reason": breakeven_reason,
        "cheaper": cheaper,
        "ratio": _round(ratio, 4),
        "selfhost_cost_per_mtok": _round(
            cost_per_mtok(monthly_cost=selfhost_monthly, tokens_per_month=tokens), 4
        ),
    }
    if scenario.api_availability is not None or scenario.selfhost_availability is not None:
        per_hour = scenario.downtime_cost_per_hour or 0.0
        for key, availability in (
            ("api_downtime_cost", scenario.api_availability),
            ("selfhost_downtime_cost", scenario.selfhost_availability),
        ):
            result[key] = (
                None
                if availability is None
                else cents(
                    downtime_cost(availability, cost_per_hour=per_hour, hours_per_month=hours)
                )
            )
    result.update(extra)
    return result


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


def _depth_quote(
    scenario: QuoteScenario, depth: DepthScenario, api: float
) -> tuple[RentedCost, dict[str, Any]]:
    """The rented cost and the depth output keys (``_breakeven`` is popped by the caller)."""
    tokens, hours = scenario.tokens_per_month, scenario.hours_per_month
    common: dict[str, Any] = {
        "lens": depth.lens,
        "analysis_months": depth.analysis_months,
        "availability": depth.availability,
        "hours_per_month": hours,
    }
    rented = rented_cost(depth.rented, tokens_per_month=tokens, **common)
    extra: dict[str, Any] = {
        "lens": depth.lens.value,
        "analysis_months": depth.analysis_months,
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
    curves = [
        api_curve(
            scenario.api, input_share=scenario.input_share, cached_share=scenario.cached_share
        ),
        rented_curve(depth.rented, **common),
    ]
    monthly = {"api": api, "selfhost": rented.monthly}
    if depth.owned is not None:
        assert depth.owned_serving is not None
        owned = owned_cost(depth.owned, depth.owned_serving, tokens_per_month=tokens, **common)
        monthly["owned"] = owned.monthly
        extra["owned_monthly"] = cents(owned.monthly)
        extra["owned_detail"] = {
            "monthly": cents(owned.monthly),
            "replicas_needed": owned.replicas,
            "servers": owned.servers,
            "gpus": owned.gpus,
            "purchases": owned.purchases,
            "last_life_share": _round(owned.last_life_share, 6),
            "acquisition": cents(owned.acquisition),
            "average_book_value": cents(owned.average_book_value),
            "book_value_at_end": cents(owned.book_value_at_end),
            "lines": _lines_json(owned),
            "reserve": _reserve_json(owned.reserve, owned.reserve_monthly),
        }
        curves.append(owned_curve(depth.owned, depth.owned_serving, **common))
    extra["cheapest"] = min(monthly, key=lambda key: monthly[key])
    try:
        found = crossovers(curves)
    except ScenarioError as error:
        if error.field != "limit_tokens":
            raise
        extra["first_winning_volume"] = None
        extra["first_winning_volume_error"] = error.message
        extra["_breakeven"] = None
        return rented, extra
    extra["first_winning_volume"] = {name: _win_json(win) for name, win in found.milestones.items()}
    extra["_breakeven"] = found.pair(depth.rented.name, scenario.api.name)
    return rented, extra


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
        chunk = evaluate_chunk(spec, start, stop)
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
