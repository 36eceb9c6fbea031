from __future__ import annotations

import pytest

from planner.engine.api import ApiOffer
from planner.engine.outcome import attempt_cost, cheapest_per_outcome, outcome_cost


def test_expected_attempts_tend_to_one_over_success() -> None:
    assert outcome_cost(cost_per_attempt=1, success_rate=0.5, max_retries=60).expected_attempts == (
        pytest.approx(2.0)
    )
    one_shot = outcome_cost(cost_per_attempt=1, success_rate=0.5, human_correction_cost=10)
    assert one_shot.expected_attempts == 1
    assert one_shot.cost_per_task == pytest.approx(1 + 0.5 * 10)


def test_cheaper_per_token_can_lose_per_outcome() -> None:
    cheap = ApiOffer(input_per_mtok=0.1, output_per_mtok=0.4, name="cheap")
    strong = ApiOffer(input_per_mtok=1.25, output_per_mtok=10, name="strong")
    tokens = 4000
    options = [
        outcome_cost(
            name=offer.name,
            cost_per_attempt=attempt_cost(offer, tokens_per_task=tokens),
            success_rate=rate,
            max_retries=2,
            human_correction_cost=5.0,  # five minutes of a reviewer
        )
        for offer, rate in ((cheap, 0.6), (strong, 0.97))
    ]
    assert options[0].cost_per_attempt < options[1].cost_per_attempt
    assert cheapest_per_outcome(options).name == "strong"
