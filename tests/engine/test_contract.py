from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer
from planner.engine.compose import (
    ApiChoice,
    FleetChoice,
    OwnedFleet,
    Scenario,
    Span,
    Workload,
    compose,
)
from planner.engine.contract import cents, compute_quote, parse_quote, parse_sweep, sweep_rows
from planner.engine.crossover import costs_no_more
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import ServerFinance
from planner.engine.rented import RentedCapacity
from planner.engine.selfhost import Billing, BillingMode, FlatMonthly, OnDemandRate

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


V1_KEYS = (
    "api_monthly",
    "selfhost_monthly",
    "capacity_tokens_per_month",
    "replicas",
    "breakeven_tokens_per_month",
    "breakeven_reason",
    "cheaper",
    "ratio",
    "selfhost_cost_per_mtok",
)


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def test_case_4_quote() -> None:
    result = quote(CASE_4)
    # The version-1 keys, with their version-1 values.
    assert {key: result[key] for key in V1_KEYS} == {
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
    # Version 2 adds the crossings: one, where the API's $5.625/M reaches one replica's
    # $1,440 (1,440 / 5.625e-6 = 256,000,000 exactly); more replicas never lose again
    # (two cost $2,880 where the API costs $21,870).
    assert {key: result[key] for key in result if key not in V1_KEYS} == {
        "crossings": [{"volume": 256_000_000, "cheaper_above": "selfhost", "cheaper_below": "api"}],
        "crossings_limit": 100_000_000_000,  # 100 x the workload, as a plan searches
        "selfhost_wins_from_tokens_per_month": 256_000_000,
        "quote_version": 2,
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


def test_case_5_selfhost_wins_with_more_replicas() -> None:
    # One replica ($1,440 + $1,800 hidden = $3,240) never breaks even within its 3.888B
    # (the API's blended (0.27 + 1.10) / 2 = $0.685/M reaches $3,240 at 4.73B). Two
    # replicas cost 2 x 1,440 + 1,800 = $4,680: 4,680 / 0.685e-6 = 6,832,116,788.3 tokens,
    # so from 6,832,116,789 (the first whole token where self-hosting costs no more) up
    # to two replicas' 7.776B. A third replica ($6,120) loses again at 7,776,000,001
    # (the API then costs $5,326.56) until 6,120 / 0.685e-6 = 8,934,306,569.3; from four
    # replicas on ($7,560 against the API's $7,989.84 at 11.664B) self-hosting stays cheaper.
    data = {
        "tokens_per_month": 4e9,
        "api": {"input_per_mtok": 0.27, "output_per_mtok": 1.10},
        "selfhost": {"hourly": 2.0, "tokens_per_second": 1500, "hidden_monthly": 1800},
    }
    result = quote(data)
    assert result["breakeven_tokens_per_month"] is None
    assert result["selfhost_wins_from_tokens_per_month"] == 6_832_116_789
    assert result["crossings"] == [
        {"volume": 6_832_116_789, "cheaper_above": "selfhost", "cheaper_below": "api"},
        {"volume": 7_776_000_001, "cheaper_above": "api", "cheaper_below": "selfhost"},
        {"volume": 8_934_306_570, "cheaper_above": "selfhost", "cheaper_below": "api"},
    ]
    assert result["breakeven_reason"].endswith(
        "; with more replicas self-hosting costs no more than the API from 6.832B tokens/month"
    )


def test_single_deployment_break_even_is_the_first_crossing() -> None:
    # $1,440 at the API's $5.625/M is 256M; 1,441 / 5.625e-6 = 256,177,777.8 rounds up to
    # the first whole token where self-hosting costs no more (version 1 rounded to the
    # nearest token: 256,177,778 here too).
    data = copy.deepcopy(CASE_4)
    data["selfhost"]["monthly"] = 1441
    result = quote(data)
    assert result["breakeven_tokens_per_month"] == 256_177_778
    assert result["crossings"][0]["volume"] == 256_177_778
    # 1,440.5 / 5.625e-6 = 256,088,888.9: the first token where self-hosting costs no
    # more is 256,088,889.
    data["selfhost"]["monthly"] = 1440.5
    assert quote(data)["breakeven_tokens_per_month"] == 256_088_889
    # Where they differ: 1,441.30 / 5.625e-6 = 256,231,111.1. Version 1 answered the
    # nearest token, 256,231,111, where self-hosting still cost a fraction of a cent more;
    # version 2 answers the crossing, the first token where it costs no more.
    data["selfhost"]["monthly"] = 1441.3
    assert quote(data)["breakeven_tokens_per_month"] == 256_231_112


def test_the_crossing_search_of_slow_replicas_stops_after_1000_steps() -> None:
    # 0.05 tokens/s is 129,600 tokens a month: a plan's 10B range would take 77,161
    # replica steps (seconds of work for one request); a quote searches 1,000 of them.
    data = _with("selfhost.tokens_per_second", 0.05)
    data["tokens_per_month"] = 1e6
    result = quote(data)
    assert result["crossings_limit"] == 129_600_000
    assert result["selfhost_wins_from_tokens_per_month"] is None
    # One replica bigger than the whole range: the range grows to hold it.
    data = _with("selfhost.tokens_per_second", 2e6)  # 5.184T tokens a month
    assert quote(data)["crossings_limit"] == 5_184_000_000_000


def test_free_selfhost_breaks_even_at_zero() -> None:
    result = quote(_with("selfhost.monthly", 0))
    assert result["breakeven_tokens_per_month"] == 0
    assert result["selfhost_wins_from_tokens_per_month"] == 0
    assert result["crossings"] == []
    assert result["breakeven_reason"] == (
        "self-hosting costs nothing, so it is never dearer than the API"
    )


def test_free_api_never_breaks_even() -> None:
    data = _with("api.output_per_mtok", 0)
    data["api"]["input_per_mtok"] = 0
    result = quote(data)
    assert result["breakeven_tokens_per_month"] is None
    assert result["selfhost_wins_from_tokens_per_month"] is None
    assert result["crossings"] == []
    assert "never breaks even" in result["breakeven_reason"]


def test_downtime_of_a_fleet_is_all_its_replicas_up() -> None:
    # Case 5 runs two replicas: with each up 99% and no spare, the fleet serves its load
    # 0.99^2 of the time, down (1 - 0.9801) x 720 h = 14.328 h a month ($14,328 at $1,000
    # an hour). Version 1 charged the one deployment's 7.2 h whatever the replicas.
    data = {
        "tokens_per_month": 4e9,
        "downtime_cost_per_hour": 1000,
        "api": {"input_per_mtok": 0.27, "output_per_mtok": 1.10},
        "selfhost": {"hourly": 2.0, "tokens_per_second": 1500, "availability": 0.99},
    }
    result = quote(data)
    assert result["selfhost_downtime_cost"] == 14_328.00
    assert result["api_downtime_cost"] is None


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
    assert cents(1.5e30) == 1.5e30  # past the default decimal context's 28 digits


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # Both are one replica's availability: one of them.
        (
            {
                "availability_target": 0.999,
                "replica_availability": 0.99,
                "downtime_cost_per_hour": 1,
                "selfhost": {"availability": 0.99},
            },
            "selfhost.availability",
        ),
        # Scale-to-zero keeps no standing replicas to hold in reserve.
        (
            {
                "availability_target": 0.999,
                "replica_availability": 0.99,
                "selfhost": {"billing": {"mode": "scale_to_zero"}},
            },
            "availability_target",
        ),
        ({"region_availability": 0.999}, "availability_target"),
    ],
)
def test_availability_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    data = copy.deepcopy(CASE_4)
    for key, value in change.items():
        if key == "selfhost":
            data["selfhost"].update(value)
        else:
            data[key] = value
    with pytest.raises(ScenarioError) as error:
        parse_quote(data)
    assert error.value.field == field


def test_depth_break_even_is_one_deployment_with_its_reserve() -> None:
    # A 99.9% target on 99% replicas keeps one spare: one deployment is 2 x $1,440 =
    # $2,880, the API's $5.625/M reaches it at 512M. At 200 tok/s (headroom 0.9) one
    # replica carries 466.56M: two replicas and still one spare ($4,320; at least two of
    # three up 99.97% of the time) win from 4,320 / 5.625e-6 = 768M instead.
    data = copy.deepcopy(CASE_4)
    data.update({"availability_target": 0.999, "replica_availability": 0.99})
    result = quote(data)
    assert result["breakeven_tokens_per_month"] == 512_000_000
    assert result["breakeven_reason"].startswith("self-hosting ($2,880.00/month fixed)")
    data["selfhost"]["tokens_per_second"] = 200
    result = quote(data)
    assert result["capacity_tokens_per_month"] == 466_560_000
    assert result["breakeven_tokens_per_month"] is None
    assert result["selfhost_wins_from_tokens_per_month"] == 768_000_000
    assert "512M" in result["breakeven_reason"]
    assert "466.6M" in result["breakeven_reason"]


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


def test_sweep_workload_keys_size_the_fleet_as_a_plan() -> None:
    """peak_to_average, availability_target and lens are optional; without them the CSV is
    what it was (test_sweep_rows), with them each point is the composition's."""
    rows = list(sweep_rows(parse_sweep(dict(SWEEP, peak_to_average=4.0))))
    # A replica carries 3.888B tokens (1,500 tok/s x 720 h x 3,600 s), 0.972B at a peak of
    # 4: 1B tokens need two.
    assert rows[2][3:] == ["5625.00", "2880.00", "2", "a100"]
    reserved = list(
        sweep_rows(parse_sweep(dict(SWEEP, peak_to_average=4.0, availability_target=0.999)))
    )
    assert float(reserved[2][4]) > 2880.0  # spares for 99.9% with 99% replicas
    assert reserved[2][5] == "2"  # replicas needed; the spares are priced, not counted
    for key, value in (("lens", "gross"), ("peak_to_average", 0.5), ("availability_target", 2)):
        with pytest.raises(ScenarioError) as error:
            parse_sweep(dict(SWEEP, **{key: value}))
        assert error.value.field == key


def test_sweep_chunk_bounds_and_names() -> None:
    request = parse_sweep(dict(SWEEP, start=1, stop=2))
    assert len(list(sweep_rows(request))) == 2
    with pytest.raises(ScenarioError) as error:
        parse_sweep(dict(SWEEP, api=[{"output_per_mtok": 1}]))
    assert error.value.field == "api[0].name"
    with pytest.raises(ScenarioError) as error:
        parse_sweep(dict(SWEEP, volumes={"start": 0, "stop": 1, "num": 2, "scale": "cubic"}))
    assert error.value.field == "volumes.scale"


# --- the quote is the composition -------------------------------------------------------
# Bounds: workloads up to 10B tokens/month (the crossing search then reaches at most 1T)
# and replicas of at least 1,000 tokens/s at a headroom of at least 0.5 and a
# peak-to-average of at most 2, so one replica step is at least 648M tokens/month.


@st.composite
def quotes(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tokens_per_month": draw(st.floats(0, 1e10)),
        "input_share": draw(st.floats(0, 1)),
        "api": {
            "input_per_mtok": draw(st.floats(0, 20)),
            "output_per_mtok": draw(st.floats(0, 80)),
        },
        "selfhost": {"tokens_per_second": draw(st.floats(1000, 20_000))},
    }
    api, selfhost = data["api"], data["selfhost"]
    if draw(st.booleans()):
        api["cached_input_per_mtok"] = draw(st.floats(0, 2))
        data["cached_share"] = draw(st.floats(0, 1))
    price_key = draw(st.sampled_from(["monthly", "hourly"]))
    selfhost[price_key] = draw(st.floats(0, 20_000) if price_key == "monthly" else st.floats(0, 30))
    for key, values in (
        ("hidden_monthly", st.floats(0, 5000)),
        ("hidden_multiplier", st.floats(1, 2)),
        ("utilization", st.floats(0.5, 1)),
    ):
        if draw(st.booleans()):
            selfhost[key] = draw(values)
    if draw(st.booleans()):
        selfhost["availability"] = draw(st.floats(0.9, 1))
        data["downtime_cost_per_hour"] = draw(st.floats(0, 10_000))
    if not draw(st.booleans()):
        return data
    # Engine depth.
    data["lens"] = draw(st.sampled_from(["full", "marginal"]))
    data["analysis_months"] = draw(st.floats(1, 60))
    if "utilization" not in selfhost and draw(st.booleans()):
        selfhost["headroom"] = draw(st.floats(0.5, 1))
    gpus = draw(st.sampled_from([1, 2]))
    selfhost.update(
        {
            "peak_to_average": draw(st.floats(1, 2)),
            "gpus_per_replica": gpus,
            "gpus_per_instance": draw(st.sampled_from([gpus, 8])),
            "ops_fte": draw(st.floats(0, 2)),
            "ops_fte_monthly_cost": draw(st.floats(0, 15_000)),
            "implementation_one_off": draw(st.floats(0, 100_000)),
        }
    )
    mode = draw(st.sampled_from(["always_on", "window", "scale_to_zero"]))
    selfhost["billing"] = {"mode": mode}
    if mode == "window":
        selfhost["billing"]["window_hours"] = draw(st.floats(200, 720))
    elif mode == "scale_to_zero" and draw(st.booleans()):
        selfhost["billing"]["buffer"] = draw(st.floats(0, 0.5))
    if mode != "scale_to_zero" and "availability" not in selfhost and draw(st.booleans()):
        data["availability_target"] = draw(st.floats(0.9, 0.9999))
        data["replica_availability"] = draw(st.floats(0.95, 0.999))
        data["region_availability"] = draw(st.floats(0.9999, 1))
    if draw(st.booleans()):
        data["owned"] = {
            "server_price": draw(st.floats(0, 400_000)),
            "gpus_per_server": 8,
            "useful_life_years": draw(st.floats(1, 6)),
            "cost_of_capital": draw(st.floats(0, 0.2)),
            "gpu_tdp_watts": draw(st.floats(0, 1000)),
            "usd_per_kwh": draw(st.floats(0, 0.3)),
            "tokens_per_second": draw(st.floats(1000, 20_000)),
        }
    return data


def scenario_of(data: dict[str, Any]) -> Scenario:
    """The scenario a quote describes, written out from the help text's rules."""
    api, selfhost = data["api"], data["selfhost"]
    depth = any(
        key in data
        for key in (
            "lens",
            "analysis_months",
            "owned",
            "availability_target",
            "replica_availability",
            "region_availability",
        )
    ) or any(key in selfhost for key in ("headroom", "peak_to_average", "billing", "ops_fte"))
    serving = Serving(
        selfhost["tokens_per_second"],
        gpus_per_replica=selfhost.get("gpus_per_replica", 1),
        headroom=selfhost.get("headroom", selfhost.get("utilization", 0.9 if depth else 1.0)),
        peak_to_average=selfhost.get("peak_to_average", 1.0),
    )
    billing = selfhost.get("billing", {"mode": "always_on"})
    price = selfhost.get("monthly", selfhost.get("hourly"))
    rented = RentedCapacity(
        FlatMonthly(price) if "monthly" in selfhost else OnDemandRate(price),
        serving,
        gpus_per_instance=selfhost.get("gpus_per_instance", serving.gpus_per_replica),
        billing=Billing(
            BillingMode(billing["mode"]), billing.get("window_hours"), billing.get("buffer", 0.0)
        ),
        hidden_multiplier=selfhost.get("hidden_multiplier", 1.0),
        other_monthly=selfhost.get("hidden_monthly", 0.0),
        ops_fte=selfhost.get("ops_fte", 0.0),
        ops_fte_monthly_cost=selfhost.get("ops_fte_monthly_cost", 0.0),
        implementation_one_off=selfhost.get("implementation_one_off", 0.0),
        name="selfhost",
    )
    reliability = {
        key: value
        for key, value in (
            (
                "replica_availability",
                data.get("replica_availability", selfhost.get("availability")),
            ),
            ("region_availability", data.get("region_availability")),
        )
        if value is not None
    }
    options: list[Any] = [
        ApiChoice(
            "api",
            ApiOffer(
                output_per_mtok=api["output_per_mtok"],
                input_per_mtok=api.get("input_per_mtok"),
                cached_input_per_mtok=api.get("cached_input_per_mtok"),
            ),
        ),
        FleetChoice(
            "selfhost",
            rented,
            price=Span.of(price),
            tokens_per_second=Span.of(serving.tokens_per_second),
            other_monthly=Span.of(rented.other_monthly),
            **reliability,
        ),
    ]
    if "owned" in data:
        finance = dict(data["owned"])
        owned_serving = replace(serving, tokens_per_second=finance.pop("tokens_per_second"))
        options.append(
            FleetChoice(
                "owned",
                OwnedFleet(ServerFinance(**finance), owned_serving),
                price=Span.of(finance["server_price"]),
                tokens_per_second=Span.of(owned_serving.tokens_per_second),
                other_monthly=Span.of(0.0),
                **reliability,
            )
        )
    tokens = data["tokens_per_month"]
    return Scenario(
        workload=Workload(
            tokens_per_month=tokens,
            input_share=data["input_share"],
            cached_share=data.get("cached_share", 0.0),
            availability_target=data.get("availability_target"),
            downtime_cost_per_hour=data.get("downtime_cost_per_hour", 0.0),
        ),
        options=tuple(options),
        lens=Lens(data.get("lens", "full")),
        analysis_months=data.get("analysis_months", 36.0),
        monte_carlo_samples=0,
        # None: the composition's own search range, as for a plan
        limit_tokens=None,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=quotes())
def test_the_quote_is_the_composition_of_its_scenario(data: dict[str, Any]) -> None:
    result = quote(data)
    scenario = scenario_of(data)
    found = compose(scenario)
    api, selfhost = found.option("api"), found.option("selfhost")
    assert selfhost.fleet is not None
    assert result["quote_version"] == 2
    assert result["api_monthly"] == cents(api.monthly.expected)
    assert result["selfhost_monthly"] == cents(selfhost.monthly.expected)
    assert result["replicas"] == selfhost.fleet.total_replicas
    assert result["cheaper"] == (
        "api" if api.monthly.expected <= selfhost.monthly.expected else "selfhost"
    )
    assert result["crossings_limit"] == found.limit_tokens
    assert result["crossings"] == sorted(
        (
            {"volume": c.volume, "cheaper_above": c.cheaper_above, "cheaper_below": c.cheaper_below}
            for pair in found.pairs
            for c in pair.crossings
        ),
        key=lambda c: c["volume"],
    )
    (pair,) = [p for p in found.pairs if {p.a, p.b} == {"api", "selfhost"}]
    wins = (
        0
        if pair.cheaper_at_start == "selfhost"
        else next((c.volume for c in pair.crossings if c.cheaper_above == "selfhost"), None)
    )
    assert result["selfhost_wins_from_tokens_per_month"] == wins
    # One deployment: the same first crossing, if one replica carries that volume.
    one_replica = result["capacity_tokens_per_month"]
    if wins is not None and wins < one_replica:
        assert result["breakeven_tokens_per_month"] == wins
    elif wins is None or wins > one_replica + 1:
        assert result["breakeven_tokens_per_month"] is None
    if wins is not None and result["breakeven_tokens_per_month"] is not None:
        # The self-host costs no more than the API from the break-even volume.
        assert costs_no_more(found.cost_at("selfhost", wins), found.cost_at("api", wins))
    if "owned" in data:
        assert result["owned_monthly"] == cents(found.option("owned").monthly.expected)
        assert result["cheapest"] == found.cheapest
    if "downtime_cost_per_hour" in data:
        assert result["selfhost_downtime_cost"] == cents(selfhost.downtime_cost)
    json.dumps(result, allow_nan=False)
