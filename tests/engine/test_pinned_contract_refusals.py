"""Every refusal of the quote and sweep contract, field and sentence (issue 19).

The CLI prints ``field: message`` and ``POST /api/v1/quote`` returns both, so a changed
field name or sentence is a changed contract. Each row is one bad input (a change to a
valid quote or sweep) and the exact field and message the contract must answer with.
The boundary rows check each numeric rule at its edge: 0 is a non-negative number but
not a positive one, 1 is a share and a utilization, a multiplier and a whole number.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from planner.engine.contract import parse_quote, parse_sweep
from planner.engine.errors import ScenarioError


def _quote() -> dict[str, Any]:
    return {
        "tokens_per_month": 1e9,
        "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
        "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
    }


def _sweep() -> dict[str, Any]:
    return {
        "volumes": [1e8, 1e9],
        "api": [{"name": "gpt", "input_per_mtok": 1.25, "output_per_mtok": 10}],
        "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}],
    }


def _changed(data: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``change`` merged in: a nested dict merges, ``None`` deletes a key."""
    out = copy.deepcopy(data)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _changed(out[key], value)
        else:
            out[key] = value
    return out


NUMBER = "must be a non-negative number"
POSITIVE = "must be a positive number"
SHARE = "must be a number between 0 and 1"
UTILIZATION = "must be a number greater than 0 and at most 1"
MULTIPLIER = "must be a number >= 1"
WHOLE = "must be a whole number >= 1"
DEPTH_TARGET = {"availability_target": 0.999, "replica_availability": 0.99}

QUOTE_REFUSALS = [
    # The checks of single values.
    ({"tokens_per_month": -1}, "tokens_per_month", NUMBER),
    ({"tokens_per_month": True}, "tokens_per_month", NUMBER),
    ({"tokens_per_month": "1e9"}, "tokens_per_month", NUMBER),
    ({"tokens_per_month": float("nan")}, "tokens_per_month", NUMBER),
    ({"tokens_per_month": float("inf")}, "tokens_per_month", NUMBER),
    ({"hours_per_month": 0}, "hours_per_month", POSITIVE),
    ({"input_share": 1.01}, "input_share", SHARE),
    ({"input_share": -0.01}, "input_share", SHARE),
    ({"selfhost": {"utilization": 0}}, "selfhost.utilization", UTILIZATION),
    ({"selfhost": {"utilization": 1.01}}, "selfhost.utilization", UTILIZATION),
    ({"selfhost": {"hidden_multiplier": 0.99}}, "selfhost.hidden_multiplier", MULTIPLIER),
    ({"selfhost": {"gpus_per_replica": 0}}, "selfhost.gpus_per_replica", WHOLE),
    ({"selfhost": {"gpus_per_replica": 1.5}}, "selfhost.gpus_per_replica", WHOLE),
    (
        {"selfhost": {"allow_multi_instance": 1}},
        "selfhost.allow_multi_instance",
        "must be true or false",
    ),
    ({"lens": "partial"}, "lens", "must be 'full' or 'marginal'"),
    (
        {"selfhost": {"billing": {"mode": ""}}},
        "selfhost.billing.mode",
        "must be a non-empty string",
    ),
    (
        {"selfhost": {"billing": {"mode": "  "}}},
        "selfhost.billing.mode",
        "must be a non-empty string",
    ),
    ({"selfhost": {"billing": {"mode": 3}}}, "selfhost.billing.mode", "must be a non-empty string"),
    ({"api": [1]}, "api", "must be a JSON object"),
    ({"owned": "yes"}, "owned", "must be a JSON object"),
    # The tables: unknown and missing keys.
    ({"colour": "blue"}, "colour", "unknown field"),
    ({"api": {"discount": 0.1}}, "api.discount", "unknown field"),
    (
        {"selfhost": {"billing": {"mode": "window", "window_hours": 8, "x": 1}}},
        "selfhost.billing.x",
        "unknown field",
    ),
    ({"owned": {"server_price": 1, "colour": "red"}}, "owned.colour", "unknown field"),
    ({"api": {"output_per_mtok": None}}, "api.output_per_mtok", "required"),
    ({"selfhost": {"tokens_per_second": None}}, "selfhost.tokens_per_second", "required"),
    ({"selfhost": {"billing": {}}}, "selfhost.billing.mode", "required"),
    ({"owned": {"gpus_per_server": 8}}, "owned.server_price", "required"),
    ({"api": None}, "api", "required"),
    ({"selfhost": None}, "selfhost", "required"),
    # The rules across fields.
    (
        {"api": {"input_per_mtok": None, "cached_input_per_mtok": 0.1}},
        "api.cached_input_per_mtok",
        "needs input_per_mtok (an output-only offer)",
    ),
    ({"selfhost": {"hourly": 2.0}}, "selfhost.monthly", "give monthly or hourly, not both"),
    ({"selfhost": {"monthly": None}}, "selfhost.monthly", "required (or hourly)"),
    (
        {"tokens_per_day": 1e6},
        "tokens_per_day",
        "give tokens_per_month or tokens_per_day, not both",
    ),
    ({"days_per_month": 31}, "days_per_month", "only applies with tokens_per_day"),
    ({"tokens_per_month": None}, "tokens_per_month", "required (or tokens_per_day)"),
    ({"cached_share": 0.5}, "cached_share", "needs api.cached_input_per_mtok"),
    (
        {"api": {"availability": 0.999}},
        "downtime_cost_per_hour",
        "required when an availability is given",
    ),
    (
        {"selfhost": {"availability": 0.99}},
        "downtime_cost_per_hour",
        "required when an availability is given",
    ),
    (
        {"selfhost": {"billing": {"mode": "sometimes"}}},
        "selfhost.billing.mode",
        "must be one of always_on, window, scale_to_zero",
    ),
    (
        {"selfhost": {"billing": {"mode": "always_on", "window_hours": 8}}},
        "selfhost.billing.window_hours",
        "only applies to the window mode",
    ),
    (
        {"selfhost": {"billing": {"mode": "window", "window_hours": 8, "buffer": 0.1}}},
        "selfhost.billing.buffer",
        "only applies to the scale_to_zero mode",
    ),
    (
        {"selfhost": {"billing": {"mode": "window"}}},
        "selfhost.billing.window_hours",
        "required for the window mode",
    ),
    (
        {"selfhost": {"headroom": 0.9, "utilization": 0.9}},
        "selfhost.headroom",
        "give headroom or utilization, not both: both derate measured throughput",
    ),
    ({"region_availability": 0.999}, "availability_target", "required with replica_availability"),
    ({"replica_availability": 0.99}, "availability_target", "required with replica_availability"),
    ({"availability_target": 0.999}, "replica_availability", "required with availability_target"),
    (
        {**DEPTH_TARGET, "downtime_cost_per_hour": 1, "selfhost": {"availability": 0.99}},
        "selfhost.availability",
        "give selfhost.availability or replica_availability, not both: both are one "
        "replica's availability",
    ),
    (
        {**DEPTH_TARGET, "selfhost": {"billing": {"mode": "scale_to_zero"}}},
        "availability_target",
        "scale-to-zero keeps no standing replicas to hold in reserve: "
        "use always_on or window billing",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), QUOTE_REFUSALS)
def test_quote_refusal_names_the_field_and_the_rule(change, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_quote(_changed(_quote(), change))
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_quote_that_is_not_an_object_is_refused_as_the_scenario() -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_quote([_quote()])
    assert (refused.value.field, refused.value.message) == ("scenario", "must be a JSON object")


@pytest.mark.parametrize(
    "change",
    [
        {"tokens_per_month": 0},  # non-negative: 0 is allowed
        {"input_share": 0},  # a share: both ends allowed
        {"input_share": 1},
        {"selfhost": {"utilization": 1}},  # utilization: at most 1
        {"selfhost": {"hidden_multiplier": 1}},  # a multiplier: from 1
        {"selfhost": {"gpus_per_replica": 1}},  # whole: from 1
        {"selfhost": {"gpus_per_replica": 2.0}},  # 2.0 is the whole number 2
        {"selfhost": {"allow_multi_instance": False}},
        {"lens": "marginal"},
        {"selfhost": {"billing": {"mode": "scale_to_zero", "buffer": 0.1}}},
        {"selfhost": {"billing": {"mode": "window", "window_hours": 8}}},
    ],
)
def test_values_at_the_edge_of_each_rule_are_accepted(change) -> None:
    parse_quote(_changed(_quote(), change))


SWEEP_REFUSALS = [
    ({"volumes": []}, "volumes", "needs at least one value"),
    ({"volumes": [1e8, -1]}, "volumes[1]", NUMBER),
    ({"input_shares": [0.5, 2]}, "input_shares[1]", SHARE),
    ({"utilizations": [0]}, "utilizations[0]", UTILIZATION),
    ({"volumes": {"start": 1, "stop": 2}}, "volumes.num", "required"),
    ({"volumes": {"start": 1, "stop": 2, "num": 2, "step": 1}}, "volumes.step", "unknown field"),
    (
        {"volumes": {"start": 1, "stop": 2, "num": 2.5}},
        "volumes.num",
        "must be a whole number up to 100000",
    ),
    (
        {"volumes": {"start": 1, "stop": 2, "num": 100_001}},
        "volumes.num",
        "must be a whole number up to 100000",
    ),
    ({"volumes": {"start": 1, "stop": 2, "num": 0}}, "volumes.num", POSITIVE),
    (
        {"volumes": {"start": 0, "stop": 2, "num": 2, "scale": "log"}},
        "volumes.start",
        "must be positive for a log scale",
    ),
    (
        {"volumes": {"start": 1, "stop": 2, "num": 2, "scale": "cubic"}},
        "volumes.scale",
        "must be 'linear' or 'log'",
    ),
    ({"start": -1}, "start", "must be a non-negative integer"),
    ({"start": 1.0}, "start", "must be a non-negative integer"),
    ({"start": True}, "start", "must be a non-negative integer"),
    ({"stop": 3}, "stop", "must satisfy start <= stop <= 2"),
    ({"start": 2, "stop": 1}, "stop", "must satisfy start <= stop <= 2"),
    ({"api": []}, "api", "must be a non-empty list of objects"),
    ({"api": {"name": "gpt"}}, "api", "must be a non-empty list of objects"),
    ({"selfhost": [{"monthly": 1, "tokens_per_second": 1}]}, "selfhost[0].name", "required"),
    ({"api": [{"name": "", "output_per_mtok": 1}]}, "api[0].name", "must be a non-empty string"),
    (
        {"selfhost": [{"name": "gpt", "monthly": 1, "tokens_per_second": 1}]},
        "api",
        "option names must be unique across api and selfhost",
    ),
    ({"volumes": None}, "volumes", "required"),
    ({"colour": 1}, "colour", "unknown field"),
    ({"peak_to_average": 0.5}, "peak_to_average", MULTIPLIER),
    ({"analysis_months": 0}, "analysis_months", POSITIVE),
    ({"availability_target": 2}, "availability_target", SHARE),
    ({"cached_share": -1}, "cached_share", SHARE),
    ({"hours_per_month": 0}, "hours_per_month", POSITIVE),
    ({"lens": "net"}, "lens", "must be 'full' or 'marginal'"),
    # An option's own field is named with its place in the list.
    (
        {"selfhost": [{"name": "a", "monthly": -1, "tokens_per_second": 1}]},
        "selfhost[0].monthly",
        "must be a non-negative number",
    ),
    ({"api": [{"name": "b"}]}, "api[0].output_per_mtok", "required"),
]


@pytest.mark.parametrize(("change", "field", "message"), SWEEP_REFUSALS)
def test_sweep_refusal_names_the_field_and_the_rule(change, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_sweep(_changed(_sweep(), change))
    assert (refused.value.field, refused.value.message) == (field, message)


def test_a_sweep_range_of_one_hundred_thousand_points_is_allowed() -> None:
    # The limit is inclusive: num = 100,000 builds the axis; the log scale starts anywhere
    # above 0 (1e-9 here).
    volumes = {"start": 1e-9, "stop": 1, "num": 100_000, "scale": "log"}
    request = parse_sweep(_changed(_sweep(), {"volumes": volumes}))
    assert request.spec.volumes.shape == (100_000,)
    # The grid is volumes x input shares x utilizations = 100,000 x 1 x 1 points, and
    # the default range is all of it.
    assert (request.start, request.stop) == (0, 100_000)


def test_a_sweep_range_without_a_scale_is_linear_and_the_settings_are_kept() -> None:
    data = _changed(
        _sweep(),
        {
            "volumes": {"start": 1e8, "stop": 3e8, "num": 3},
            "api": [
                {
                    "name": "gpt",
                    "input_per_mtok": 1.25,
                    "output_per_mtok": 10,
                    "cached_input_per_mtok": 0.125,
                }
            ],
            "cached_share": 0.5,
            "hours_per_month": 730,
            "lens": "marginal",
            "start": 0,
            "stop": 0,
        },
    )
    request = parse_sweep(data)
    assert request.spec.volumes.tolist() == [1e8, 2e8, 3e8]
    assert (request.spec.cached_share, request.spec.hours_per_month) == (0.5, 730.0)
    assert request.spec.lens.value == "marginal"
    # start 0 and an empty range [0, 0) are allowed; no one-off cost: none kept.
    assert (request.start, request.stop) == (0, 0)
    assert request.spec.one_off_costs == ()
    with_one_off = _changed(
        _sweep(),
        {
            "selfhost": [
                {"name": "a", "monthly": 1, "tokens_per_second": 1, "implementation_one_off": 360}
            ]
        },
    )
    assert parse_sweep(with_one_off).spec.one_off_costs == (360.0,)
