"""Energy and carbon in the quote contract (CLI and POST /api/v1/quote share it)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from planner.engine.contract import compute_quote, parse_quote
from planner.engine.errors import ScenarioError
from tests.engine.test_cli import run

CASE_4 = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"hourly": 2, "tokens_per_second": 1500},
}


def quote(data: dict[str, Any]) -> dict[str, Any]:
    return compute_quote(parse_quote(data))


def with_energy(**selfhost: float) -> dict[str, Any]:
    data = copy.deepcopy(CASE_4)
    data["selfhost"].update(selfhost)
    return data


def test_energy_of_one_rented_h100_and_the_api_unknown() -> None:
    # Busy: 1e9 / (1,500 x 3,600) = 185.185 replica-hours of one always-on replica
    # (720 h): load 0.2572. kWh = (700 x 185.185 + 500 x 720) x 1.2 / 1000 = 587.556;
    # on a 436 g/kWh grid 587.556 x 0.436 = 256.174 kg CO2e.
    data = with_energy(gpu_watts=700, server_base_watts=500, pue=1.2)
    data["grid_g_co2e_per_kwh"] = 436
    result = quote(data)
    assert result["energy"] == {
        "api": None,
        "selfhost": {
            "kwh_per_month": 587.556,
            "kg_co2e_per_month": 256.174,
            "gpu_load": 0.2572,
            "gpu_hours": 720.0,
            "machine_hours": 720.0,
            "gpu_watts": 700.0,
            "server_base_watts": 500.0,
            "pue": 1.2,
        },
    }
    # The costs keep their meaning: energy is reported, not priced, for rented GPUs.
    assert result["selfhost_monthly"] == 1440.0
    assert result["api_monthly"] == 5625.0


def test_no_grid_no_carbon_and_no_inputs_no_key() -> None:
    result = quote(with_energy(gpu_watts=700))
    # 700 W x 185.185 h = 129.630 kWh; no grid intensity given.
    assert result["energy"]["selfhost"]["kwh_per_month"] == 129.63
    assert result["energy"]["selfhost"]["kg_co2e_per_month"] is None
    assert "energy" not in quote(CASE_4)


def test_owned_energy_is_its_energy_line_in_kwh() -> None:
    # One 8-GPU server: its GPUs work 1e9 / (1,500 x 3,600) x 2 = 370.370 of 5,760
    # GPU-hours (load 0.0643) at 700 W; its 2,000 W base runs all 720 hours, PUE 1.3:
    # (700 x 370.370 + 2,000 x 720) x 1.3 / 1000 = 2,209.037 kWh; at $0.12 that is the
    # $265.08 energy line; on a 366 g/kWh grid 808.508 kg CO2e.
    data = copy.deepcopy(CASE_4)
    data["owned"] = {
        "server_price": 250_000,
        "gpus_per_server": 8,
        "gpu_tdp_watts": 700,
        "server_base_watts": 2000,
        "pue": 1.3,
        "usd_per_kwh": 0.12,
    }
    data["selfhost"]["gpus_per_replica"] = 2
    data["selfhost"]["gpus_per_instance"] = 2
    data["grid_g_co2e_per_kwh"] = 366
    result = quote(data)
    owned = result["energy"]["owned"]
    assert owned["kwh_per_month"] == 2209.037
    assert owned["kg_co2e_per_month"] == 808.508
    assert owned["gpu_load"] == 0.0643
    assert result["owned_detail"]["lines"]["energy"]["monthly"] == 265.08
    assert result["energy"]["selfhost"] is None  # no gpu_watts for the rented fleet


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pue": 1.2}, "selfhost.pue"),
        ({"server_base_watts": 100}, "selfhost.server_base_watts"),
        ({"gpu_watts": 700, "pue": 0.8}, "selfhost.pue"),
        ({"gpu_watts": -1}, "selfhost.gpu_watts"),
    ],
)
def test_bad_energy_input_names_the_field(change: dict[str, float], field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_quote(with_energy(**change))
    assert error.value.field == field


def test_cli_quote_and_help_document_energy() -> None:
    data = with_energy(gpu_watts=700)
    result = run("quote", stdin=json.dumps(data))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["energy"]["selfhost"]["kwh_per_month"] == 129.63
    text = run("quote", "--help").stdout
    for key in (
        "gpu_watts",
        "grid_g_co2e_per_kwh",
        "kwh_per_month",
        "kg_co2e_per_month",
        "gpu_load",
    ):
        assert key in text
