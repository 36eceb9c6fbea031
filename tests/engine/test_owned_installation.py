"""Installation follows one stated policy (issue 15), worked by hand.

One 8-GPU server at $200,000 with $10,000 of installation, a 4-year (48-month) life,
20% residual value and an 8% cost of capital; no energy, maintenance or facilities, so
only depreciation, capital and installation move.

* ``capitalised`` (the default): the server's book value is 200,000 + 10,000. The
  hardware depreciates to its 40,000 residual, the installation to nothing, both over
  the life and by the share of each life the period uses, and both inside the cost of
  capital.
* ``expensed``: the 10,000 is charged in full at every purchase, over the period, and
  never enters the book value.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.fleet import Lens, Serving
from planner.engine.owned import InstallationPolicy, OwnedCost, ServerFinance, owned_cost

FINANCE = ServerFinance(
    server_price=200_000,
    gpus_per_server=8,
    installation_per_server=10_000,
    useful_life_years=4,
    residual_value=0.2,
    cost_of_capital=0.08,
)
SERVING = Serving(3_000, gpus_per_replica=8)


def cost(months: float, policy: str, *, lens: Lens = Lens.FULL, **changes: float) -> OwnedCost:
    finance = replace(FINANCE, installation_policy=InstallationPolicy(policy), **changes)
    return owned_cost(finance, SERVING, tokens_per_month=1e9, analysis_months=months, lens=lens)


def test_capitalised_over_one_life() -> None:
    found = cost(48, "capitalised")
    # (200,000 x 0.8 + 10,000) / 48 months = 170,000 / 48
    assert found.line("depreciation") == pytest.approx(3_541.6667, abs=1e-4)
    # book averages: hardware 200,000 x (1 - 0.8 / 2) = 120,000, installation 5,000;
    # 125,000 x 8% / 12
    assert found.line("capital") == pytest.approx(833.3333, abs=1e-4)
    assert "installation" not in {line.key for line in found.lines}  # inside the two above
    assert found.monthly == pytest.approx(4_375.0)
    assert found.capitalised == pytest.approx(210_000)
    assert found.average_book_value == pytest.approx(125_000)
    assert found.book_value_at_end == pytest.approx(40_000)  # the hardware's residual


def test_expensed_over_one_life() -> None:
    found = cost(48, "expensed")
    assert found.line("depreciation") == pytest.approx(3_333.3333, abs=1e-4)  # 160,000 / 48
    assert found.line("capital") == pytest.approx(800.0)  # 120,000 x 8% / 12
    assert found.line("installation") == pytest.approx(208.3333, abs=1e-4)  # 10,000 / 48
    assert found.monthly == pytest.approx(4_341.6667, abs=1e-4)
    assert found.capitalised == pytest.approx(200_000)
    # Over one whole life both charge the 10,000 once; capitalised adds its capital:
    # 5,000 x 8% / 12 = 33.33 a month.
    assert cost(48, "capitalised").monthly - found.monthly == pytest.approx(33.3333, abs=1e-4)


def test_a_period_past_the_life_charges_the_share_used_when_capitalised() -> None:
    # 60 months: bought twice, 12 of the second 48-month life used (a quarter).
    capitalised = cost(60, "capitalised")
    expensed = cost(60, "expensed")
    assert (capitalised.purchases, capitalised.last_life_share) == (2, 0.25)
    # Capitalised: 170,000 / 48 a month for 60 months = 212,500, i.e. the first
    # installation and a quarter of the second (2,500) inside depreciation.
    assert capitalised.line("depreciation") * 60 == pytest.approx(212_500)
    # Hardware book: 48 months averaging 120,000, then 12 averaging 200,000 x
    # (1 - 0.8 x 0.25 / 2) = 180,000 -> 132,000; installation: 48 months averaging
    # 5,000, then 12 averaging 10,000 x (1 - 0.25 / 2) = 8,750 -> 5,750.
    assert capitalised.average_book_value == pytest.approx(137_750)
    assert capitalised.line("capital") == pytest.approx(137_750 * 0.08 / 12)  # 918.33
    # At the end: 200,000 x (1 - 0.8 x 0.25) = 160,000 and 10,000 x 0.75 = 7,500 left.
    assert capitalised.book_value_at_end == pytest.approx(167_500)
    # Expensed: both installations in full, 20,000 over 60 months, whatever share of
    # the second life the period uses; the hardware depreciates by share as before.
    assert expensed.line("installation") * 60 == pytest.approx(20_000)
    assert expensed.line("depreciation") * 60 == pytest.approx(200_000)  # 160,000 x 1.25
    assert expensed.line("capital") == pytest.approx(132_000 * 0.08 / 12)  # 880.00
    assert expensed.book_value_at_end == pytest.approx(160_000)


def test_the_marginal_lens_leaves_installation_out_under_both_policies() -> None:
    # Nothing but depreciation, capital and installation here: both marginal totals are 0.
    for policy in InstallationPolicy:
        found = cost(48, policy.value, lens=Lens.MARGINAL)
        assert found.monthly == 0.0
        assert {line.key for line in found.lines if not line.in_lens} >= {
            "depreciation",
            "capital",
        }


def test_the_hidden_multiplier_scales_the_hardware_not_the_installation() -> None:
    # x1.5 on the hardware's 160,000 of depreciation, the 10,000 installation as it is:
    # (240,000 + 10,000) / 48; capital (120,000 x 1.5 + 5,000) x 8% / 12.
    found = cost(48, "capitalised", hidden_multiplier=1.5)
    assert found.line("depreciation") == pytest.approx(250_000 / 48)
    assert found.line("capital") == pytest.approx(185_000 * 0.08 / 12)
    expensed = cost(48, "expensed", hidden_multiplier=1.5)
    assert expensed.line("installation") == pytest.approx(10_000 / 48)


def test_an_unknown_policy_names_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        ServerFinance(server_price=1, installation_policy="amortised")  # type: ignore[arg-type]
    assert error.value.field == "owned.installation_policy"
    assert "capitalised, expensed" in error.value.message
    assert ServerFinance(server_price=1).installation_policy is InstallationPolicy.CAPITALISED
