"""Quality honestly: unknown success rates are not ranked, and a quality floor excludes
only what is known to fall short of it."""

from __future__ import annotations

import dataclasses

import pytest

from planner.engine import compose as eng
from planner.engine.api import ApiOffer
from planner.engine.errors import ScenarioError
from planner.engine.recommend import CostedOption, OptionKind, QualityFloor, Situation, recommend
from tests.engine.test_compose import DEEPSEEK, GPT5, rented

NANO = ApiOffer(output_per_mtok=0.4, input_per_mtok=0.1, name="Nano")


def test_an_unknown_success_rate_is_not_ranked_as_if_it_always_succeeded() -> None:
    # 1e9 tokens at 50/50. Per 1M tokens: GPT-5 5.625, DeepSeek 0.685, one rented A100
    # $1,440 / 1,000 = 1.44. With 3 retries a successful 1M tokens costs
    #   DeepSeek (p 0.5): attempts (1 - 0.5^4) / 0.5 = 1.875 -> 1.284375, / (1 - 0.0625)
    #     = 1.37;
    #   GPT-5 (p 0.9): attempts (1 - 0.1^4) / 0.9 = 1.1110 -> 6.24938, / (1 - 0.0001)
    #     = 6.25.
    # The rented option's rate is unknown: taken as 100% it would cost 1.44 and rank
    # second, ahead of GPT-5. It is not ranked at all.
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9),
            (
                eng.ApiChoice("GPT-5", GPT5, success_rate=0.9),
                rented(),
                eng.ApiChoice("DeepSeek", DEEPSEEK, success_rate=0.5),
            ),
        )
    )
    assert found.option("DeepSeek").cost_per_successful_mtok == pytest.approx(1.37)
    assert found.option("GPT-5").cost_per_successful_mtok == pytest.approx(6.25)
    assert found.outcome_ranking == ("DeepSeek", "GPT-5")
    assert found.outcome_unranked == ("Rented",)
    assert found.option("DeepSeek").outcome_rank == 1
    assert found.option("GPT-5").outcome_rank == 2
    assert found.option("Rented").outcome_rank is None
    assert found.option("Rented").cost_per_successful_mtok is None


def test_a_known_rate_of_zero_ranks_last() -> None:
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9),
            (
                eng.ApiChoice("Never", NANO, success_rate=0.0),
                eng.ApiChoice("GPT-5", GPT5, success_rate=0.9),
            ),
        )
    )
    assert found.outcome_ranking == ("GPT-5", "Never")


# --- the quality floor ----------------------------------------------------------------

FLOOR = QualityFloor("Reference", 0.9, reference_score=80.0, benchmark="GPQA Diamond")


def _recommend(score: float | None) -> tuple[tuple[str, ...], list[str]]:
    # Two options: the cheap one carries the score under test, the dear one 80 (the
    # reference itself). 0.9 x 80 = 72 is the floor.
    options = [
        CostedOption("Cheap", OptionKind.API, 100.0, quality_score=score),
        CostedOption("Dear", OptionKind.API, 1_000.0, quality_score=80.0),
    ]
    found = recommend(Situation(tokens_per_month=1e9, quality=FLOOR), options)
    return found.excluded, [r.code for r in found.reasons]


def test_a_score_at_the_floor_meets_it() -> None:
    excluded, codes = _recommend(72.0)  # 72 / 80 = 90%: exactly the floor
    assert excluded == ()
    assert "quality_met" in codes


def test_a_score_just_below_the_floor_is_excluded() -> None:
    excluded, codes = _recommend(71.99)  # 89.99% of 80
    assert excluded == ("Cheap",)
    assert "excluded_quality" in codes


def test_a_score_above_the_floor_meets_it() -> None:
    excluded, _ = _recommend(72.01)
    assert excluded == ()


def test_the_floor_holds_through_decimal_shares() -> None:
    # 70% of Llama 3.3 70B's 50.5 is 35.35; in floats 0.7 x 50.5 = 35.349999999999994,
    # and a score of 35.35 must still meet it.
    floor = QualityFloor("Llama 3.3 70B", 0.7, reference_score=50.5)
    assert floor.meets(35.35)
    assert not floor.meets(35.34)


def test_the_excluded_reason_carries_the_figures() -> None:
    found = recommend(
        Situation(tokens_per_month=1e9, quality=FLOOR),
        [
            CostedOption("Cheap", OptionKind.API, 100.0, quality_score=60.0),
            CostedOption("Dear", OptionKind.API, 1_000.0, quality_score=80.0),
        ],
    )
    (reason,) = [r for r in found.reasons if r.code == "excluded_quality"]
    # 60 / 80 = 75%, below the 90% required.
    assert reason.figures["share"] == pytest.approx(0.75)
    assert reason.figures["min_share"] == 0.9
    assert reason.figures["benchmark"] == "GPQA Diamond"
    # The reference model and its score, which the reason's sentence names (issue 19).
    assert (reason.figures["reference"], reason.figures["reference_score"]) == ("Reference", 80.0)
    assert found.option == "Dear"
    (met,) = [r for r in found.reasons if r.code == "quality_met"]
    assert met.figures["option"] == "Dear"
    assert met.figures["share"] == pytest.approx(1.0)


def test_an_unknown_score_is_flagged_not_excluded_nor_taken_to_meet_the_floor() -> None:
    excluded, codes = _recommend(None)
    assert excluded == ()
    assert "quality_unknown" in codes
    # The sentence says what is not known (issue 19, a mutation survivor).
    found = recommend(
        Situation(tokens_per_month=1e9, quality=FLOOR),
        [
            CostedOption("Cheap", OptionKind.API, 100.0, quality_score=None),
            CostedOption("Dear", OptionKind.API, 1_000.0, quality_score=80.0),
        ],
    )
    (unknown,) = [r for r in found.reasons if r.code == "quality_unknown"]
    assert unknown.message == (
        "Cheap: its GPQA Diamond score is unknown, so whether it reaches 90% of "
        "Reference's is not known (kept, not vouched for)"
    )
    # The cheap option wins on cost, and its quality is not claimed.
    assert "quality_met" not in codes


def test_an_unknown_reference_score_checks_nothing_and_says_so() -> None:
    found = recommend(
        Situation(tokens_per_month=1e9, quality=QualityFloor("Mystery", 0.9)),
        [CostedOption("Cheap", OptionKind.API, 100.0, quality_score=10.0)],
    )
    assert found.excluded == ()
    assert [r.code for r in found.reasons if r.code.startswith("quality")] == [
        "quality_reference_unknown"
    ]


def test_the_floor_validates_its_share_and_reference() -> None:
    with pytest.raises(ScenarioError) as error:
        QualityFloor("Reference", 0.0)
    assert error.value.field == "quality_min_share"
    with pytest.raises(ScenarioError) as error:
        QualityFloor("Reference", 1.5)
    assert error.value.field == "quality_min_share"
    with pytest.raises(ScenarioError) as error:
        QualityFloor("Reference", 0.9, reference_score=0.0)
    assert error.value.field == "quality_reference_score"


def test_compose_excludes_below_the_floor_and_a_hybrid_scores_its_weaker_route() -> None:
    # Reference 69.8 (Llama 4 Maverick on GPQA Diamond); 70% of it is 48.86.
    # Nano at 50.3 (72.1%) meets it; the rented Llama 3.3 70B at 45 (64.5%) does not;
    # a hybrid routing to the rented option scores the lower of 87 and 45: excluded too.
    floor = QualityFloor("Llama 4 Maverick", 0.7, reference_score=69.8, benchmark="GPQA")
    found = eng.compose(
        eng.Scenario(
            eng.Workload(1e9, quality_floor=floor),
            (
                eng.ApiChoice("Nano", NANO, quality_score=50.3),
                dataclasses.replace(rented(), quality_score=45.0),
                eng.HybridChoice(
                    "Hybrid", GPT5, cheap="Rented", routed_share=0.5, quality_score=87.0
                ),
            ),
        )
    )
    assert found.option("Nano").quality_share == pytest.approx(50.3 / 69.8)
    assert found.option("Hybrid").quality_score == 45.0
    assert found.recommendation.excluded == ("Rented", "Hybrid")
    assert found.recommendation.option == "Nano"
    assert found.cheapest == "Nano"
    assert "quality_met" in [r.code for r in found.recommendation.reasons]
