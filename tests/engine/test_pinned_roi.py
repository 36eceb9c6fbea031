"""Engineering time priced (roi.py), as it is today (issue 19): the product does not call
it yet; these pin what it computes so wiring it in cannot change a figure silently."""

from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.roi import engineering_cost, engineering_roi


def test_engineering_cost_is_hours_times_rate() -> None:
    # reference case 7: 110 h x $100 = $11,000 a month
    assert engineering_cost(hours_per_month=110.0, hourly_rate=100.0) == 11_000.0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hours_per_month": -1.0, "hourly_rate": 1.0}, "hours_per_month"),
        ({"hours_per_month": 1.0, "hourly_rate": -1.0}, "hourly_rate"),
    ],
)
def test_engineering_cost_refusals_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        engineering_cost(**kwargs)
    assert error.value.field == field


def test_case7_net_is_negative_and_never_pays_back() -> None:
    roi = engineering_roi(api_spend_saved_monthly=1800.0, engineering_cost_monthly=11_000.0)
    assert roi.net_monthly == -9200.0
    assert roi.upfront_cost == 0.0
    assert roi.payback_months is None
    assert not roi.worth_it


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (
            {"api_spend_saved_monthly": -1.0, "engineering_cost_monthly": 0.0},
            "api_spend_saved_monthly",
        ),
        (
            {"api_spend_saved_monthly": 0.0, "engineering_cost_monthly": -1.0},
            "engineering_cost_monthly",
        ),
        (
            {"api_spend_saved_monthly": 0.0, "engineering_cost_monthly": 0.0, "upfront_cost": -1.0},
            "upfront_cost",
        ),
    ],
)
def test_engineering_roi_refusals_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        engineering_roi(**kwargs)
    assert error.value.field == field
