"""The quote contract's engine-depth fields, the sweep's analysis period, and lenses."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.engine.api import ApiOffer
from planner.engine.contract import compute_quote, parse_quote, parse_sweep, sweep_rows
from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import ServerFinance, owned_cost
from planner.engine.rented import RentedCapacity, rented_cost
from planner.engine.selfhost import FlatMonthly, OnDemandRate, SelfHostConfig
from planner.engine.sweep import SweepSpec, evaluate_chunk, with_analysis_months

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"hourly": 2, "tokens_per_second": 1500},
}


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def test_existing_inputs_get_no_new_keys() -> None:
    assert "lens" not in quote(CASE_4)
    assert "first_winning_volume" not in quote(CASE_4)


def test_depth_quote_with_reserve_and_owned() -> None:
    data = copy.deepcopy(CASE_4)
    data.update(
        {
            "lens": "full",
            "availability_target": 0.999,
            "replica_availability": 0.99,
            "owned": {"server_price": 36_000, "gpus_per_server": 1, "useful_life_years": 3},
        }
    )
    data["selfhost"].update({"headroom": 1.0, "ops_fte": 0.1, "ops_fte_monthly_cost": 10_000})
    result = quote(data)
    json.dumps(result, allow_nan=False)
    assert result["lens"] == "full"
    # rented: 1 replica ($1,440) + 1 spare ($1,440) + staff 0.1 x $10,000
    assert result["selfhost_monthly"] == 1440 + 1440 + 1000
    assert result["replicas"] == 2
    detail = result["selfhost_detail"]
    assert detail["lines"]["reserve"] == {"monthly": 1440.0, "in_lens": True}
    assert detail["reserve"]["spares"] == 1
    assert detail["reserve"]["availability"] == 0.9999
    # owned: $36,000 over 36 months = $1,000 a server; 2 servers (one a spare)
    assert result["owned_monthly"] == 2000.0
    assert result["owned_detail"]["lines"]["reserve"]["monthly"] == 1000.0
    assert result["cheapest"] == "owned"
    # rented $3,880 (2 replicas + staff) <= API $5.625/M from 3,880 / 5.625 M = 689.78M
    milestones = result["first_winning_volume"]
    assert milestones["rented_beats_api"]["volume"] == 689_777_778
    # owned $2,000 <= API from 2,000 / 5.625 M = 355.56M
    assert milestones["owned_beats_api"]["volume"] == 355_555_556
    assert result["breakeven_tokens_per_month"] == 689_777_778


def test_marginal_lens_in_the_quote() -> None:
    data = copy.deepcopy(CASE_4)
    data["lens"] = "marginal"
    data["selfhost"].update({"headroom": 1.0, "ops_fte": 1, "ops_fte_monthly_cost": 10_000})
    result = quote(data)
    assert result["selfhost_monthly"] == 1440.0
    assert result["selfhost_detail"]["lines"]["staff"] == {"monthly": 10_000.0, "in_lens": False}


def test_billing_packing_and_utilization_as_headroom() -> None:
    data = copy.deepcopy(CASE_4)
    data["tokens_per_month"] = 10e9
    data["selfhost"] = {
        "hourly": 10,
        "tokens_per_second": 1000,
        "gpus_per_replica": 2,
        "gpus_per_instance": 8,
        "utilization": 0.9,
        "billing": {"mode": "window", "window_hours": 720},
    }
    result = quote(data)
    # as test_rented.test_always_on: 5 replicas, 2 instances x $10 x 720
    assert result["selfhost_monthly"] == 14_400.0
    assert result["selfhost_detail"]["instances"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"selfhost": {"gpus_per_replica": 16, "gpus_per_instance": 8}},
            "selfhost.gpus_per_instance",
        ),
        ({"selfhost": {"headroom": 0.9, "utilization": 0.9}}, "selfhost.headroom"),
        ({"selfhost": {"billing": {"mode": "sometimes"}}}, "selfhost.billing.mode"),
        ({"selfhost": {"billing": {"mode": "window"}}}, "selfhost.billing.window_hours"),
        ({"selfhost": {"gpus_per_instance": 1.5}}, "selfhost.gpus_per_instance"),
        ({"lens": "partial"}, "lens"),
        ({"availability_target": 0.999}, "replica_availability"),
        ({"owned": {"gpus_per_server": 8}}, "owned.server_price"),
        ({"owned": {"server_price": 1, "colour": "red"}}, "owned.colour"),
        ({"analysis_months": 0}, "analysis_months"),
    ],
)
def test_depth_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    data = copy.deepcopy(CASE_4)
    for key, value in change.items():
        if key == "selfhost":
            data["selfhost"].update(value)
        else:
            data[key] = value
    with pytest.raises(ScenarioError) as error:
        quote(data)
    assert error.value.field == field


def test_sweep_analysis_months_spreads_one_offs() -> None:
    request = parse_sweep(
        {
            "volumes": [1e9],
            "analysis_months": 24,
            "api": [{"name": "gpt-5", "input_per_mtok": 1.25, "output_per_mtok": 10}],
            "selfhost": [
                {
                    "name": "a100",
                    "monthly": 1440,
                    "tokens_per_second": 1500,
                    "implementation_one_off": 24_000,
                }
            ],
        }
    )
    rows = list(sweep_rows(request))
    assert rows[1][4] == f"{1440 + 24_000 / 24:.2f}"  # $2,440.00
    spec = with_analysis_months(request.spec, 48)
    assert evaluate_chunk(spec, 0, 1).selfhost_monthly[0, 0] == pytest.approx(1440 + 500)


def test_sweep_default_keeps_behaviour() -> None:
    spec = SweepSpec(
        np.array([1e9]),
        np.array([0.5]),
        np.array([1.0]),
        (ApiOffer(output_per_mtok=1.0),),
        (SelfHostConfig(FlatMonthly(1440), 1500),),
    )
    assert spec.analysis_months == 36
    assert evaluate_chunk(spec, 0, 1).selfhost_monthly[0, 0] == 1440


@settings(max_examples=100, deadline=None)
@given(
    volume=st.floats(0, 1e11),
    price=st.floats(0, 500_000),
    months=st.floats(1, 120),
    life=st.floats(0.5, 8),
    residual=st.floats(0, 1),
    rate=st.floats(0, 0.3),
    fte=st.floats(0, 5),
    hourly=st.floats(0, 100),
)
def test_marginal_never_exceeds_full(
    volume: float,
    price: float,
    months: float,
    life: float,
    residual: float,
    rate: float,
    fte: float,
    hourly: float,
) -> None:
    serving = Serving(1500, gpus_per_replica=2)
    finance = ServerFinance(
        server_price=price,
        useful_life_years=life,
        residual_value=residual,
        cost_of_capital=rate,
        maintenance_per_year=0.1,
        installation_per_server=1000,
        ops_fte=fte,
        ops_fte_monthly_cost=12_000,
        implementation_one_off=50_000,
        gpu_tdp_watts=700,
        usd_per_kwh=0.1,
    )
    rented = RentedCapacity(
        OnDemandRate(hourly), serving, gpus_per_instance=8, ops_fte=fte, ops_fte_monthly_cost=9000
    )
    for lens_cost in (
        lambda lens: owned_cost(
            finance, serving, tokens_per_month=volume, analysis_months=months, lens=lens
        ),
        lambda lens: rented_cost(
            rented, tokens_per_month=volume, analysis_months=months, lens=lens
        ),
    ):
        full, marginal = lens_cost(Lens.FULL), lens_cost(Lens.MARGINAL)
        assert marginal.monthly <= full.monthly + 1e-9
        assert marginal.lens is Lens.MARGINAL
