"""The reference worked cases (README cases 1-8), to the cent."""

from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer, api_monthly_cost, blended_price_per_mtok
from planner.engine.breakeven import breakeven_volume
from planner.engine.capacity import capacity_tokens_per_month
from planner.engine.contract import cents
from planner.engine.hidden import HiddenCostItem, HiddenCostKind, labor, total_with_hidden
from planner.engine.hybrid import hybrid_cost
from planner.engine.roi import engineering_roi
from planner.engine.selfhost import FlatMonthly, SelfHostConfig, SpotRate, rental_cost
from planner.engine.tokens import monthly_tokens
from planner.engine.units import HOURS_PER_YEAR

GPT5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0, name="GPT-5")
DEEPSEEK_V32 = ApiOffer(input_per_mtok=0.27, output_per_mtok=1.10, name="DeepSeek V3.2 feb-2026")
GEMINI_FLASH = ApiOffer(input_per_mtok=0.15, output_per_mtok=0.60, name="Gemini 2.5 Flash")
DEEPSEEK_V4_FLASH_GLOBAL = ApiOffer(output_per_mtok=0.25, name="DeepSeek V4 Flash global-2026")
QWEN3_32B_GLOBAL = ApiOffer(output_per_mtok=0.28, name="Qwen3-32B global-2026")
A100_CAPACITY = 3.888e9


def test_case_1_reference_slip_engine_says_7_50() -> None:
    # The reference README says 1M tokens/day x 30 days x $0.25/M = $12.50/month and
    # "32x cheaper" than $400. But 30M tokens x $0.25 per 1M is $7.50: the reference has
    # an arithmetic slip. The engine computes $7.50, and 400 / 7.50 = 53.3x.
    tokens = monthly_tokens(tokens_per_day=1e6)
    assert tokens == 30e6
    api = api_monthly_cost(DEEPSEEK_V4_FLASH_GLOBAL, tokens_per_month=tokens)
    assert cents(api) == 7.50
    assert round(400 / api, 1) == 53.3


@pytest.mark.parametrize(
    ("tokens_per_day", "offer", "expected_monthly"),
    [
        (50e6, DEEPSEEK_V4_FLASH_GLOBAL, 375.00),  # case 2
        (500e6, DEEPSEEK_V4_FLASH_GLOBAL, 3750.00),  # case 3
        (500e6, QWEN3_32B_GLOBAL, 4200.00),  # case 3
    ],
)
def test_cases_2_and_3_output_only_prices(
    tokens_per_day: float, offer: ApiOffer, expected_monthly: float
) -> None:
    tokens = monthly_tokens(tokens_per_day=tokens_per_day)
    assert cents(api_monthly_cost(offer, tokens_per_month=tokens, input_share=0.7)) == (
        expected_monthly
    )


def test_case_2_ratio_range() -> None:
    api = api_monthly_cost(DEEPSEEK_V4_FLASH_GLOBAL, tokens_per_month=1.5e9)
    assert round(1000 / api, 1) == 2.7
    assert round(2000 / api, 1) == 5.3


def test_case_4_capacity() -> None:
    assert capacity_tokens_per_month(tokens_per_second=1500) == A100_CAPACITY
    assert SelfHostConfig(FlatMonthly(1440), 1500).capacity_tokens_per_month() == A100_CAPACITY


@pytest.mark.parametrize(
    ("offer", "blended", "fixed", "expected_tokens"),
    [
        (GPT5, 5.625, 1440.0, 256e6),  # case 4
        (DEEPSEEK_V32, 0.685, 1440.0, 2_102_189_781),  # case 4, ~2.10B
        (GEMINI_FLASH, 0.375, 1440.0, 3.84e9),  # case 4
        (GPT5, 5.625, 3240.0, 576e6),  # case 5
    ],
)
def test_cases_4_and_5_breakeven(
    offer: ApiOffer, blended: float, fixed: float, expected_tokens: float
) -> None:
    assert blended_price_per_mtok(offer, input_share=0.5) == pytest.approx(blended, rel=1e-12)
    result = breakeven_volume(
        offer, selfhost_fixed_monthly=fixed, capacity_tokens_per_month=A100_CAPACITY
    )
    assert result.tokens_per_month is not None
    assert round(result.tokens_per_month) == pytest.approx(expected_tokens, abs=1)


def test_case_4_api_at_1b() -> None:
    api = api_monthly_cost(GPT5, tokens_per_month=1e9)
    assert cents(api) == 5625.00
    assert round(api / 1440, 1) == 3.9


def test_case_5_hidden_costs() -> None:
    items = [
        labor(hours=15, hourly_rate=100),
        HiddenCostItem(HiddenCostKind.INFRASTRUCTURE, "k8s, monitoring, LB", monthly=300),
    ]
    total = total_with_hidden(gpu_monthly=1440, items=items)
    assert cents(total) == 3240.00
    assert total / 1440 == 2.25


def test_case_5_deepseek_exceeds_capacity() -> None:
    result = breakeven_volume(
        DEEPSEEK_V32, selfhost_fixed_monthly=3240, capacity_tokens_per_month=A100_CAPACITY
    )
    assert result.tokens_per_month is None
    assert result.reason == (
        "break-even 4.73B tokens/month exceeds the deployment's capacity of 3.888B "
        "tokens/month: self-hosting on this deployment never breaks even"
    )


def test_case_6_h100_spot_year() -> None:
    assert HOURS_PER_YEAR == 8760
    cost = rental_cost(SpotRate(hourly=1.65), hours=0.7 * HOURS_PER_YEAR)
    assert cents(cost) == 10117.80


def test_case_7_engineer_time() -> None:
    roi = engineering_roi(api_spend_saved_monthly=1800, engineering_cost_monthly=11000)
    assert roi.net_monthly == -9200
    assert not roi.worth_it
    assert roi.payback_months is None


def test_case_8_hybrid_premium_share() -> None:
    selfhost = SelfHostConfig(FlatMonthly(1440), 1500)
    result = hybrid_cost(tokens_per_month=100e6, routed_share=0.9, premium=GPT5, cheap=selfhost)
    assert result.premium_tokens == pytest.approx(10e6)
    assert cents(result.premium_monthly) == 56.25
    assert cents(result.monthly) == 1440 + 56.25
