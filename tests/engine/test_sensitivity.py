"""Tornado: swing of (self-host - API) by input, and where the answer flips."""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.selfhost import FlatMonthly, SelfHostConfig
from planner.engine.sensitivity import SensitivityBase, Swing, difference, tornado

# Case 4 plus engineering: API GPT-5 at 50/50 ($5.625/M) on 1B = $5,625; self-host one
# A100 $1,440 + 20 h x $100 = $3,440 -> difference -$2,185 (self-host cheaper).
BASE = SensitivityBase(
    tokens_per_month=1e9,
    api=ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0),
    selfhost=SelfHostConfig(FlatMonthly(1440), 1500),
    engineer_hours_per_month=20,
    engineer_hourly_rate=100,
)


def test_base_difference() -> None:
    assert difference(BASE) == pytest.approx(-2185)


def test_tornado_sorted_by_swing_with_flips() -> None:
    result = tornado(
        BASE,
        [
            # 0.2: 777.6M a replica -> 2 replicas: 2,880 + 2,000 - 5,625 = -745
            Swing("utilization", low=0.2, high=1.0),
            # x0.5: 720 + 2,000 - 5,625 = -2,905; x3: 4,320 + 2,000 - 5,625 = +695 (flips)
            Swing("gpu_price", low=720, high=4320),
            # $50: -3,185; $150: -1,185
            Swing("engineer_rate", pct=0.5),
            # 100M: 3,440 - 562.50 = +2,877.50 (flips); 2B: 3,440 - 11,250 = -7,810
            Swing("volume", low=1e8, high=2e9),
            # share 0: API at $10/M = 10,000 -> -6,560; share 1: $1.25/M -> +2,190 (flips)
            Swing("input_share", low=0.0, high=1.0),
        ],
    )
    assert result.base_cheaper == "selfhost"
    assert [bar.name for bar in result.bars] == [
        "volume",  # 10,687.50
        "input_share",  # 8,750
        "gpu_price",  # 3,600
        "engineer_rate",  # 2,000
        "utilization",  # 1,440
    ]
    bars = {bar.name: bar for bar in result.bars}
    assert bars["volume"].swing == pytest.approx(10_687.5)
    assert bars["volume"].flips_low
    assert not bars["volume"].flips_high
    assert bars["volume"].cheaper_low == "api"
    assert bars["gpu_price"].difference_high == pytest.approx(695)
    assert bars["gpu_price"].flips_high
    assert bars["engineer_rate"].low_value == pytest.approx(50)
    assert bars["engineer_rate"].swing == pytest.approx(2000)
    assert not bars["engineer_rate"].flips
    assert bars["utilization"].difference_low == pytest.approx(-745)
    assert bars["input_share"].difference_high == pytest.approx(2190)


def test_pct_is_clipped_to_the_inputs_range() -> None:
    bar = tornado(BASE, [Swing("utilization", pct=0.5)]).bars[0]
    assert (bar.low_value, bar.high_value) == (0.5, 1.0)


def test_bad_swings_name_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        Swing("weather", pct=0.1)
    assert error.value.field == "sensitivity.name"
    with pytest.raises(ScenarioError) as error:
        Swing("volume", low=1)
    assert error.value.field == "sensitivity.volume"
