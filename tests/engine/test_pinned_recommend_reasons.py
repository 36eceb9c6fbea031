"""The recommendation's reasons pinned whole: code, sentence and figures (issue 19).

The product shows these sentences and reads these figures by key, so a changed word, key
or figure is a defect a reader would see. Each case states the rule it exercises.
"""

from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.recommend import (
    CostedOption,
    OptionKind,
    Reason,
    Recommendation,
    Situation,
    VolumeTier,
    recommend,
    volume_tier,
)

API = CostedOption("api", OptionKind.API, 1000.0, p99_latency_s=1.2)
GPU = CostedOption("gpu", OptionKind.SELFHOST, 1100.0, p99_latency_s=3.8)


def _questions(yes: int, **answers: bool) -> Reason:
    figures: dict[str, float | str | bool | None] = {
        "yes": yes,
        "threshold": 3,
        "volume_over_10b_per_month": False,
        "data_must_stay_in_vpc": False,
        "needs_deep_finetuning": False,
        "has_dedicated_mlops_team": False,
        "open_model_reaches_95pct_accuracy": False,
        **answers,
    }
    verdict = "consider self-hosting" if yes >= 3 else "stay on an API"
    return Reason(
        "five_questions", f"{yes} of 5 questions answered yes (threshold 3): {verdict}", figures
    )


MANAGED_3B = Reason(
    "volume_tier",
    "3B tokens/month falls in the 'managed GPU platform' tier",
    {"tokens_per_month": 3e9, "tier": "managed GPU platform", "tier_min": 500e6, "tier_max": 5e9},
)
STANDARD_30M = Reason(
    "volume_tier",
    "30M tokens/month falls in the 'standard API' tier",
    {"tokens_per_month": 30e6, "tier": "standard API", "tier_min": None, "tier_max": 60e6},
)
UNDER_50M = Reason(
    "under_50m_per_day",
    "1M tokens/day is under 50M/day and there is no idle GPU fleet: use an API",
    {"tokens_per_day": 1e6, "threshold_per_day": 50e6},
)


def test_three_yes_picks_self_host_within_the_premium_and_says_what_it_costs() -> None:
    situation = Situation(
        tokens_per_month=3e9,
        needs_deep_finetuning=True,
        has_mlops_team=True,
        open_model_meets_accuracy=True,
    )
    assert recommend(situation, [API, GPU]) == Recommendation(
        "gpu",
        OptionKind.SELFHOST,
        (
            MANAGED_3B,
            _questions(
                3,
                needs_deep_finetuning=True,
                has_dedicated_mlops_team=True,
                open_model_reaches_95pct_accuracy=True,
            ),
            Reason(
                "not_cheapest",
                # $1,100 - $1,000 = $100 more; 1,100 <= 1.25 x 1,000
                "gpu costs $1,100.00/month, $100.00 more than api; the rules above favour "
                "it, within the 25% premium they may justify",
                {"option": "gpu", "monthly": 1100.0, "cheapest": "api", "cheapest_monthly": 1000.0},
            ),
        ),
        (),
    )


def test_compliance_and_latency_exclusions_leave_no_option() -> None:
    """Data must stay in: the API is out; a p99 of 3.8 s over a 2 s target: the GPU is out.
    7B tokens a month falls in the reference's 5B-10B gap."""
    situation = Situation(
        tokens_per_month=7e9, data_must_stay_in_network=True, p99_latency_target_s=2.0
    )
    assert recommend(situation, [API, GPU]) == Recommendation(
        None,
        None,
        (
            Reason(
                "excluded_compliance",
                "api is excluded: data must stay in the network",
                {"option": "api"},
            ),
            Reason(
                "excluded_latency",
                "gpu is excluded: p99 3.8s exceeds the 2s target",
                {"option": "gpu", "p99_latency_s": 3.8, "target_s": 2.0, "metric": "e2e_p99"},
            ),
            Reason(
                "volume_tier_gap",
                "7B tokens/month falls between the published tiers (5B-10B has no guidance); "
                "the costs decide",
                {"tokens_per_month": 7e9, "gap_min": 5e9, "gap_max": 10e9},
            ),
            _questions(1, data_must_stay_in_vpc=True),
            Reason("no_option", "every option is excluded by the constraints", {}),
        ),
        ("api", "gpu"),
    )


def test_a_p99_equal_to_the_target_is_allowed() -> None:
    """Latency excludes only a p99 above the target (>), not one equal to it."""
    situation = Situation(tokens_per_month=3e9, p99_latency_target_s=3.8)
    result = recommend(situation, [API, GPU])
    assert result.excluded == ()


def test_preferred_kind_unavailable_is_said_and_the_cheapest_wins() -> None:
    """30M tokens/month (1M a day) favours an API; only self-host options are offered."""
    options = [
        CostedOption("gpu", OptionKind.SELFHOST, 100.0),
        CostedOption("gpu2", OptionKind.SELFHOST, 300.0),
    ]
    assert recommend(Situation(tokens_per_month=30e6), options) == Recommendation(
        "gpu",
        OptionKind.SELFHOST,
        (
            STANDARD_30M,
            UNDER_50M,
            _questions(0),
            Reason(
                "preferred_kind_unavailable",
                "the rules favour api but no such option is allowed",
                {"preferred_kind": "api"},
            ),
            Reason(
                "cheapest",
                "gpu is the cheapest allowed option at $100.00/month",
                {"option": "gpu", "monthly": 100.0},
            ),
        ),
        (),
    )


def test_rules_outweighed_by_cost_names_the_ratio_and_the_premium() -> None:
    options = [
        CostedOption("gpu", OptionKind.SELFHOST, 100.0),
        CostedOption("api", OptionKind.API, 300.0),
    ]
    assert recommend(Situation(tokens_per_month=30e6), options) == Recommendation(
        "gpu",
        OptionKind.SELFHOST,
        (
            STANDARD_30M,
            UNDER_50M,
            _questions(0),
            Reason(
                "rules_outweighed_by_cost",
                # 300 / 100 = 3.0x, over the 25% premium
                "the rules favour api, but api costs $300.00/month, 3.0x gpu at $100.00: "
                "more than the 25% premium the rules may justify",
                {
                    "preferred_option": "api",
                    "preferred_monthly": 300.0,
                    "cheapest": "gpu",
                    "cheapest_monthly": 100.0,
                    "premium_allowed": 0.25,
                },
            ),
            Reason(
                "cheapest",
                "gpu is the cheapest allowed option at $100.00/month",
                {"option": "gpu", "monthly": 100.0},
            ),
        ),
        (),
    )


def test_a_custom_premium_is_used_and_shown() -> None:
    """A 10% premium: $1,100 is exactly 1.10 x $1,000 and still wins; its sentence says 10%."""
    situation = Situation(
        tokens_per_month=3e9,
        needs_deep_finetuning=True,
        has_mlops_team=True,
        open_model_meets_accuracy=True,
    )
    result = recommend(situation, [API, GPU], preference_premium=0.10)
    assert result.option == "gpu"
    assert result.reasons[-1].message.endswith("within the 10% premium they may justify")
    assert recommend(situation, [API, GPU], preference_premium=0.09).option == "api"


def test_gap_bounds_at_exactly_the_end_of_a_tier() -> None:
    """At exactly 5B (the managed tier's exclusive end) the gap runs 5B-10B."""
    reason = volume_tier(5e9)
    assert reason.code == "volume_tier_gap"
    assert (reason.figures["gap_min"], reason.figures["gap_max"]) == (5e9, 10e9)
    assert "(5B-10B has no guidance)" in reason.message


def test_gap_without_a_tier_on_one_side_shows_zero() -> None:
    tiers = (VolumeTier("mid", min_tokens=100.0, max_tokens=200.0),)
    below = volume_tier(50.0, tiers)
    assert (below.figures["gap_min"], below.figures["gap_max"]) == (None, 100.0)
    assert "(0-100 has no guidance)" in below.message
    above = volume_tier(250.0, tiers)
    assert (above.figures["gap_min"], above.figures["gap_max"]) == (200.0, None)
    assert "(200-0 has no guidance)" in above.message


def test_custom_tiers_are_used() -> None:
    tiers = (VolumeTier("small", max_tokens=1e6), VolumeTier("large", min_tokens=1e6))
    result = recommend(Situation(tokens_per_month=2e6), [API], tiers=tiers)
    assert result.reasons[0].figures["tier"] == "large"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"situation": Situation(tokens_per_month=-1.0), "options": [API]}, "tokens_per_month"),
        ({"situation": Situation(tokens_per_month=1.0), "options": []}, "options"),
        (
            {
                "situation": Situation(tokens_per_month=1.0),
                "options": [API],
                "preference_premium": -0.1,
            },
            "preference_premium",
        ),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as error:
        recommend(**kwargs)
    assert error.value.field == field
    assert error.value.message


def test_no_options_message() -> None:
    with pytest.raises(ScenarioError) as error:
        recommend(Situation(tokens_per_month=1.0), [])
    assert error.value.message == "needs at least one costed option"


def test_in_network_defaults_by_kind_and_can_be_overridden() -> None:
    assert CostedOption("a", OptionKind.API, 1).in_network is False
    assert CostedOption("s", OptionKind.SELFHOST, 1).in_network is True
    private = CostedOption("a", OptionKind.API, 1, keeps_data_in_network=True)
    situation = Situation(tokens_per_month=3e9, data_must_stay_in_network=True)
    assert recommend(situation, [private]).option == "a"
