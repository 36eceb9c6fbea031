from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer
from planner.engine.hybrid import hybrid_cost
from planner.engine.selfhost import FlatMonthly, SelfHostConfig

GPT5 = ApiOffer(input_per_mtok=1.25, output_per_mtok=10.0)
NANO = ApiOffer(input_per_mtok=0.1, output_per_mtok=0.4)


def test_escalations_are_paid_twice() -> None:
    result = hybrid_cost(
        tokens_per_month=100e6, routed_share=0.8, escalation_rate=0.1, premium=GPT5, cheap=NANO
    )
    assert result.cheap_tokens == pytest.approx(80e6)
    assert result.premium_tokens == pytest.approx(20e6 + 8e6)
    assert result.monthly == pytest.approx(80 * 0.25 + 28 * 5.625)
    assert result.all_premium_monthly == pytest.approx(562.5)
    assert result.savings_vs_all_premium == pytest.approx(562.5 - 20 - 157.5)
    assert result.savings_vs_all_cheap < 0  # all-nano is cheaper still


def test_hybrid_with_selfhost_vs_all_selfhost() -> None:
    selfhost = SelfHostConfig(FlatMonthly(1440), 1500)
    result = hybrid_cost(tokens_per_month=5e9, routed_share=0.7, premium=GPT5, cheap=selfhost)
    assert result.cheap_monthly == 1440  # 3.5B fits one replica
    assert result.all_cheap_monthly == 2880  # 5B needs two
    assert result.savings_vs_all_cheap == pytest.approx(2880 - 1440 - 1.5e3 * 5.625)
