"""Owned servers: every finance line item, hand-checked (arithmetic in the comments)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import OwnedCost, ServerFinance, owned_cost

FINANCE = ServerFinance(
    server_price=100_000,
    gpus_per_server=8,
    installation_per_server=2_000,
    useful_life_years=3,
    residual_value=0.1,
    cost_of_capital=0.06,
    maintenance_per_year=0.12,
    server_base_watts=1_000,
    gpu_tdp_watts=500,
    pue=1.5,
    usd_per_kwh=0.10,
    facilities_per_server_monthly=300,
    facilities_shared_monthly=1_000,
    ops_fte=0.5,
    ops_fte_monthly_cost=10_000,
    implementation_one_off=36_000,
)
# 2-GPU replicas at 1,500 tok/s, no headroom: 1,500 x 720 h x 3,600 s = 3.888B a replica.
SERVING = Serving(1500, gpus_per_replica=2, headroom=1.0)


def cost(
    months: float, *, lens: Lens = Lens.FULL, volume: float = 1e9, **changes: float
) -> OwnedCost:
    finance = replace(FINANCE, **changes)
    return owned_cost(finance, SERVING, tokens_per_month=volume, analysis_months=months, lens=lens)


@pytest.mark.parametrize(
    ("months", "key", "expected"),
    [
        # 36 months = one 3-year life: one purchase, the whole life used.
        ("36", "depreciation", 100_000 * 0.9 / 36),  # 2,500.00
        # average book value over a full life: (100,000 + 10,000) / 2 = 55,000; x 6% / 12
        ("36", "capital", 55_000 * 0.06 / 12),  # 275.00
        ("36", "maintenance", 100_000 * 0.12 / 12),  # 1,000.00
        # (1,000 W base + 8 GPUs x 500 W) x 720 h x PUE 1.5 x $0.10 / 1,000 = $540
        ("36", "energy", 5_000 * 720 * 1.5 * 0.10 / 1000),
        ("36", "facilities", 300 + 1_000),  # one server + the shared amount
        ("36", "staff", 0.5 * 10_000),  # 5,000.00
        ("36", "installation", 2_000 / 36),  # one purchase over 36 months: 55.56
        ("36", "implementation", 36_000 / 36),  # 1,000.00
        # 48 months: the fleet is replaced once (2 purchases), a third of the 2nd life used.
        ("48", "depreciation", 2_500),  # (90,000 + 30,000) / 48 = 2,500 a month
        # book: 36 months averaging 55,000, then 12 averaging 100,000 - 90,000 x (1/3) / 2
        # = 85,000 -> (36 x 55,000 + 12 x 85,000) / 48 = 62,500; x 0.5% = 312.50
        ("48", "capital", 62_500 * 0.06 / 12),
        ("48", "installation", 2 * 2_000 / 48),  # installed twice: 83.33
        ("48", "implementation", 36_000 / 48),  # 750.00
        # 24 months: two thirds of one life; book averages 100,000 - 90,000 x (2/3) / 2
        ("24", "capital", 70_000 * 0.06 / 12),  # 350.00
        ("24", "depreciation", 2_500),
    ],
)
def test_owned_line_items(months: str, key: str, expected: float) -> None:
    assert cost(float(months)).line(key) == pytest.approx(expected)


def test_owned_totals_purchases_and_book_values() -> None:
    full = cost(36)
    assert full.replicas == 1
    assert full.servers == 1  # 4 two-GPU replicas fit one 8-GPU server
    assert full.gpus == 8
    assert full.purchases == 1
    assert full.last_life_share == pytest.approx(1.0)
    # 2,500 + 275 + 1,000 + 540 + 1,300 + 5,000 + 55.56 + 1,000
    assert full.monthly == pytest.approx(11_670.5556, abs=1e-4)
    assert full.book_value_at_end == pytest.approx(10_000)  # the residual value

    replaced = cost(48)
    assert replaced.purchases == 2
    assert replaced.last_life_share == pytest.approx(1 / 3)
    assert replaced.average_book_value == pytest.approx(62_500)
    assert replaced.book_value_at_end == pytest.approx(70_000)  # 100,000 - 30,000


def test_residual_value_zero_depreciates_everything() -> None:
    assert cost(36, residual_value=0.0).line("depreciation") == pytest.approx(100_000 / 36)
    # book falls 100,000 -> 0, averaging 50,000
    assert cost(36, residual_value=0.0).line("capital") == pytest.approx(50_000 * 0.005)


def test_marginal_lens_leaves_out_sunk_and_fixed_items() -> None:
    marginal = cost(36, lens=Lens.MARGINAL)
    assert marginal.lens is Lens.MARGINAL
    assert marginal.monthly == pytest.approx(1_000 + 540 + 1_300)  # maintenance, energy, facilities
    excluded = {line.key for line in marginal.lines if not line.in_lens}
    assert excluded == {"depreciation", "capital", "installation", "staff", "implementation"}


def test_servers_step_with_replicas() -> None:
    # 5 replicas of 2 GPUs: 4 per server -> 2 servers, 16 GPUs installed.
    five = cost(36, volume=3.888e9 * 5)
    assert (five.replicas, five.servers, five.gpus) == (5, 2, 16)
    assert five.line("energy") == pytest.approx(2 * 5_000 * 720 * 1.5 * 0.10 / 1000)


def test_replica_bigger_than_a_server() -> None:
    big = Serving(1500, gpus_per_replica=16, headroom=1.0)
    with pytest.raises(ScenarioError) as error:
        owned_cost(FINANCE, big, tokens_per_month=1e9)
    assert error.value.field == "owned.gpus_per_server"
    finance = ServerFinance(server_price=100_000, allow_multi_server=True)
    assert owned_cost(finance, big, tokens_per_month=1e9).servers == 2


def test_bad_finance_inputs_name_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        ServerFinance(server_price=1, residual_value=1.5)
    assert error.value.field == "owned.residual_value"
    with pytest.raises(ScenarioError) as error:
        ServerFinance(server_price=1, gpus_per_server=0)
    assert error.value.field == "owned.gpus_per_server"
