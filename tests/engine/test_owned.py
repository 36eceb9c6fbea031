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
    months: float, *, lens: Lens = Lens.FULL, volume: float = 1e9, **changes: object
) -> OwnedCost:
    finance = replace(FINANCE, **changes)
    return owned_cost(finance, SERVING, tokens_per_month=volume, analysis_months=months, lens=lens)


# Installation is capitalised (the default): the server's book value is 100,000 + 2,000,
# the hardware depreciated to its 10,000 residual and the installation to nothing.
# 1e9 tokens at 1,500 tok/s keep a replica's 2 GPUs working 1e9 / (1,500 x 3,600) =
# 185.19 h: 370.37 GPU-hours of the 8 x 720 = 5,760 installed (a load of 6.43%).
@pytest.mark.parametrize(
    ("months", "key", "expected"),
    [
        # 36 months = one 3-year life: one purchase, the whole life used.
        ("36", "depreciation", (100_000 * 0.9 + 2_000) / 36),  # 2,555.56
        # average book value over a full life: (102,000 + 10,000) / 2 = 56,000; x 6% / 12
        ("36", "capital", 56_000 * 0.06 / 12),  # 280.00
        ("36", "maintenance", 100_000 * 0.12 / 12),  # 1,000.00
        # base 1,000 W x 720 h = 720 kWh, GPUs 370.37 h x 500 W = 185.19 kWh;
        # 905.19 kWh x PUE 1.5 x $0.10 = $135.78
        ("36", "energy", (1_000 * 720 + 1e9 / (1_500 * 3_600) * 2 * 500) * 1.5 * 0.10 / 1000),
        ("36", "facilities", 300 + 1_000),  # one server + the shared amount
        ("36", "staff", 0.5 * 10_000),  # 5,000.00
        ("36", "installation", 0.0),  # no line of its own: inside depreciation and capital
        ("36", "implementation", 36_000 / 36),  # 1,000.00
        # 48 months: the fleet is bought (and installed) twice, a third of the 2nd life used.
        ("48", "depreciation", 92_000 / 36),  # (92,000 + 92,000 / 3) / 48 = 2,555.56 a month
        # hardware book: 36 months averaging 55,000, then 12 averaging 100,000 - 90,000 x
        # (1/3) / 2 = 85,000 -> 62,500; installation: 36 months averaging 1,000, then 12
        # averaging 2,000 x (1 - (1/3) / 2) = 1,666.67 -> 1,166.67; 63,666.67 x 0.5%
        ("48", "capital", (62_500 + 3_500 / 3) * 0.06 / 12),  # 318.33
        ("48", "implementation", 36_000 / 48),  # 750.00
        # 24 months: two thirds of one life; the hardware averages 100,000 - 90,000 x
        # (2/3) / 2 = 70,000, the installation 2,000 x (1 - (2/3) / 2) = 1,333.33
        ("24", "capital", (70_000 + 4_000 / 3) * 0.06 / 12),  # 356.67
        ("24", "depreciation", 92_000 / 36),
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
    # 2,555.56 + 280 + 1,000 + 135.78 + 1,300 + 5,000 + 1,000
    assert full.monthly == pytest.approx(11_271.3333, abs=1e-4)
    assert full.capitalised == pytest.approx(102_000)
    assert full.book_value_at_end == pytest.approx(10_000)  # the residual value
    assert full.gpu_load == pytest.approx(1e9 / (1_500 * 3_600) * 2 / (8 * 720))  # 6.43%

    replaced = cost(48)
    assert replaced.purchases == 2
    assert replaced.last_life_share == pytest.approx(1 / 3)
    assert replaced.average_book_value == pytest.approx(62_500 + 3_500 / 3)
    # 100,000 - 30,000 of hardware, 2,000 - 666.67 of installation
    assert replaced.book_value_at_end == pytest.approx(70_000 + 4_000 / 3)


def test_residual_value_zero_depreciates_everything() -> None:
    # 102,000 (hardware and its capitalised installation) depreciated to nothing
    assert cost(36, residual_value=0.0).line("depreciation") == pytest.approx(102_000 / 36)
    # book falls 102,000 -> 0, averaging 51,000
    assert cost(36, residual_value=0.0).line("capital") == pytest.approx(51_000 * 0.005)


def test_marginal_lens_leaves_out_sunk_and_fixed_items() -> None:
    marginal = cost(36, lens=Lens.MARGINAL)
    assert marginal.lens is Lens.MARGINAL
    energy = (1_000 * 720 + 1e9 / (1_500 * 3_600) * 2 * 500) * 1.5 * 0.10 / 1000  # 135.78
    assert marginal.monthly == pytest.approx(
        1_000 + energy + 1_300
    )  # maintenance, energy, facilities
    excluded = {line.key for line in marginal.lines if not line.in_lens}
    assert excluded == {"depreciation", "capital", "staff", "implementation"}
    expensed = cost(36, lens=Lens.MARGINAL, installation_policy="expensed")
    excluded = {line.key for line in expensed.lines if not line.in_lens}
    assert excluded == {"depreciation", "capital", "installation", "staff", "implementation"}


def test_servers_step_with_replicas() -> None:
    # 5 replicas of 2 GPUs: 4 per server -> 2 servers, 16 GPUs installed. 5 x 3.888B
    # tokens keep 5 replicas busy all 720 h: 5 x 2 x 720 = 7,200 GPU-hours x 500 W =
    # 3,600 kWh, and 2 servers' base 2 x 1,000 W x 720 h = 1,440 kWh; x 1.5 x $0.10.
    five = cost(36, volume=3.888e9 * 5)
    assert (five.replicas, five.servers, five.gpus) == (5, 2, 16)
    assert five.line("energy") == pytest.approx((1_440 + 3_600) * 1.5 * 0.10)  # $756
    assert five.gpu_load == pytest.approx(7_200 / (16 * 720))  # 62.5%: 6 GPU slots idle


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
