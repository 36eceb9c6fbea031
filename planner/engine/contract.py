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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np

from planner.engine.api import ApiOffer, api_monthly_cost
from planner.engine.breakeven import breakeven_volume
from planner.engine.capacity import cost_per_mtok
from planner.engine.errors import ScenarioError
from planner.engine.reliability import downtime_cost
from planner.engine.selfhost import (
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
}


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
    config, selfhost_values = _parse_selfhost(values["selfhost"])
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
    selfhost = selfhost_cost(scenario.selfhost, tokens_per_month=tokens, hours_per_month=hours)
    breakeven = breakeven_volume(
        scenario.api,
        selfhost_fixed_monthly=scenario.selfhost.fixed_monthly(hours_per_month=hours),
        capacity_tokens_per_month=selfhost.capacity_tokens_per_month,
        input_share=scenario.input_share,
        cached_share=scenario.cached_share,
    )
    cheaper = "api" if api <= selfhost.monthly else "selfhost"
    low, high = sorted((api, selfhost.monthly))
    ratio = (1.0 if high == 0 else None) if low == 0 else high / low
    result: dict[str, Any] = {
        "api_monthly": cents(api),
        "selfhost_monthly": cents(selfhost.monthly),
        "capacity_tokens_per_month": round(selfhost.capacity_tokens_per_month),
        "replicas": selfhost.replicas,
        "breakeven_tokens_per_month": (
            None if breakeven.tokens_per_month is None else round(breakeven.tokens_per_month)
        ),
        "breakeven_reason": breakeven.reason,
        "cheaper": cheaper,
        "ratio": _round(ratio, 4),
        "selfhost_cost_per_mtok": _round(
            cost_per_mtok(monthly_cost=selfhost.monthly, tokens_per_month=tokens), 4
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
    return result


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
    configs = [
        _parse_selfhost(item, field=field, name=_name)[0]
        for field, item in _named_items(values, "selfhost")
    ]
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
