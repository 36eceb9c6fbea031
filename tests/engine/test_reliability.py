from __future__ import annotations

import pytest

from planner.engine.reliability import (
    combined_availability,
    compare_reliability,
    downtime_cost,
    downtime_hours,
)


def test_downtime_hours_and_cost() -> None:
    assert downtime_hours(0.999) == pytest.approx(0.72)
    assert downtime_cost(0.99, cost_per_hour=5000) == pytest.approx(36_000)


def test_two_regions() -> None:
    assert combined_availability(0.99) == pytest.approx(0.9999)


def test_compare_api_single_multi_region() -> None:
    api, single, multi = compare_reliability(
        api_monthly=5625,
        api_availability=0.999,
        selfhost_gpu_monthly=1440,
        selfhost_other_monthly=1800,
        single_region_availability=0.99,
        multi_region_availability=0.999,
        downtime_cost_per_hour=5000,
    )
    assert single.total == pytest.approx(3240 + 36_000)
    assert multi.monthly == 2 * 1440 + 1800
    assert multi.downtime_cost == pytest.approx(3600)
    assert api.total == pytest.approx(5625 + 3600)
    # At $5,000/h of downtime the single-region self-host is the dearest option and the
    # second region pays for itself.
    assert single.total > api.total > multi.total
