from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from planner.engine.contract import cents, compute_quote, parse_quote, parse_sweep, sweep_rows
from planner.engine.errors import ScenarioError

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def test_case_4_quote() -> None:
    assert quote(CASE_4) == {
        "api_monthly": 5625.0,
        "selfhost_monthly": 1440.0,
        "capacity_tokens_per_month": 3_888_000_000,
        "replicas": 1,
        "breakeven_tokens_per_month": 256_000_000,
        "breakeven_reason": (
            "self-hosting ($1,440.00/month fixed) costs the same as the API at 256M "
            "tokens/month; below that the API is cheaper"
        ),
        "cheaper": "selfhost",
        "ratio": 3.9063,
        "selfhost_cost_per_mtok": 1.44,
    }
    json.dumps(quote(CASE_4), allow_nan=False)


def test_case_5_with_hidden_and_deepseek() -> None:
    data = {
        "tokens_per_month": 4e9,
        "api": {"input_per_mtok": 0.27, "output_per_mtok": 1.10},
        "selfhost": {"hourly": 2.0, "tokens_per_second": 1500, "hidden_monthly": 1800},
    }
    result = quote(data)
    assert result["breakeven_tokens_per_month"] is None
    assert "4.73B" in result["breakeven_reason"]
    assert "3.888B" in result["breakeven_reason"]
    assert result["replicas"] == 2
    assert result["selfhost_monthly"] == 2 * 1440 + 1800
    assert result["api_monthly"] == 2740.00
    assert result["cheaper"] == "api"


def test_case_1_tokens_per_day_output_only() -> None:
    result = quote(
        {
            "tokens_per_day": 1e6,
            "api": {"output_per_mtok": 0.25},
            "selfhost": {"monthly": 400, "tokens_per_second": 100},
        }
    )
    assert result["api_monthly"] == 7.50  # not the reference's $12.50: see test_cases.py
    assert result["ratio"] == 53.3333
    assert result["cheaper"] == "api"


def test_hidden_multiplier_per_replica_and_downtime() -> None:
    data = copy.deepcopy(CASE_4)
    data["selfhost"].update({"hidden_multiplier": 2.0, "hidden_monthly": 100, "availability": 0.99})
    data["api"]["availability"] = 0.999
    data["downtime_cost_per_hour"] = 5000
    result = quote(data)
    assert result["selfhost_monthly"] == 1440 * 2 + 100
    assert result["api_downtime_cost"] == 3600.00
    assert result["selfhost_downtime_cost"] == 36000.00


def test_cached_share() -> None:
    data = copy.deepcopy(CASE_4)
    data["api"]["cached_input_per_mtok"] = 0.125
    data["cached_share"] = 1.0
    assert quote(data)["api_monthly"] == cents(1e3 * (0.5 * 0.125 + 0.5 * 10))


def test_zero_volume() -> None:
    data = dict(CASE_4, tokens_per_month=0)
    result = quote(data)
    assert result["api_monthly"] == 0
    assert result["ratio"] is None
    assert result["selfhost_cost_per_mtok"] is None


def test_cents_round_half_up() -> None:
    assert cents(2.675) == 2.68
    assert cents(0.125) == 0.13


def _with(path: str, value: object) -> dict[str, Any]:
    data = copy.deepcopy(CASE_4)
    *parents, leaf = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    target[leaf] = value
    return data


def _without(path: str) -> dict[str, Any]:
    data = copy.deepcopy(CASE_4)
    *parents, leaf = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    del target[leaf]
    return data


INVALID = [
    (_without("api.output_per_mtok"), "api.output_per_mtok"),
    (_without("selfhost.tokens_per_second"), "selfhost.tokens_per_second"),
    (_without("tokens_per_month"), "tokens_per_month"),
    (_without("api"), "api"),
    (_without("selfhost.monthly"), "selfhost.monthly"),
    (_with("api.output_per_mtok", -1), "api.output_per_mtok"),
    (_with("api.output_per_mtok", float("nan")), "api.output_per_mtok"),
    (_with("tokens_per_month", float("inf")), "tokens_per_month"),
    (_with("api.output_per_mtok", "10"), "api.output_per_mtok"),
    (_with("api.output_per_mtok", True), "api.output_per_mtok"),
    (_with("input_share", 1.5), "input_share"),
    (_with("selfhost.utilization", 0), "selfhost.utilization"),
    (_with("selfhost.utilization", 1.2), "selfhost.utilization"),
    (_with("selfhost.hidden_multiplier", 0.5), "selfhost.hidden_multiplier"),
    (_with("colour", "blue"), "colour"),
    (_with("api.discount", 0.1), "api.discount"),
    (_with("selfhost.gpu", "a100"), "selfhost.gpu"),
    (_with("tokens_per_day", 1e6), "tokens_per_day"),
    (_with("selfhost.hourly", 2.0), "selfhost.monthly"),
    (_with("api", [1, 2]), "api"),
    (_with("cached_share", 0.5), "cached_share"),
    (_with("days_per_month", 31), "days_per_month"),
    (_with("api.availability", 0.999), "downtime_cost_per_hour"),
]


@pytest.mark.parametrize(("data", "field"), INVALID)
def test_invalid_input_names_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_quote(data)
    assert error.value.field == field


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ScenarioError) as error:
        parse_quote([CASE_4])
    assert error.value.field == "scenario"


SWEEP = {
    "volumes": {"start": 1e8, "stop": 1e10, "num": 3, "scale": "log"},
    "input_shares": [0.5],
    "api": [{"name": "gpt-5", "input_per_mtok": 1.25, "output_per_mtok": 10}],
    "selfhost": [{"name": "a100", "monthly": 1440, "tokens_per_second": 1500}],
}


def test_sweep_rows() -> None:
    rows = list(sweep_rows(parse_sweep(SWEEP)))
    assert rows[0] == [
        "volume",
        "input_share",
        "utilization",
        "api:gpt-5",
        "selfhost:a100",
        "replicas:a100",
        "cheapest",
    ]
    assert rows[1][3:] == ["562.50", "1440.00", "1", "gpt-5"]
    assert rows[3][3:] == ["56250.00", "4320.00", "3", "a100"]


def test_sweep_chunk_bounds_and_names() -> None:
    request = parse_sweep(dict(SWEEP, start=1, stop=2))
    assert len(list(sweep_rows(request))) == 2
    with pytest.raises(ScenarioError) as error:
        parse_sweep(dict(SWEEP, api=[{"output_per_mtok": 1}]))
    assert error.value.field == "api[0].name"
    with pytest.raises(ScenarioError) as error:
        parse_sweep(dict(SWEEP, volumes={"start": 0, "stop": 1, "num": 2, "scale": "cubic"}))
    assert error.value.field == "volumes.scale"
