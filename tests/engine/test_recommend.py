from __future__ import annotations

from planner.engine.recommend import (
    CostedOption,
    OptionKind,
    Situation,
    recommend,
    volume_tier,
)

API = CostedOption("GPT-5", OptionKind.API, monthly=560, p99_latency_s=1.2)
SELFHOST = CostedOption("Llama 70B on A100", OptionKind.SELFHOST, monthly=1440, p99_latency_s=3.8)


def codes(result: object) -> list[str]:
    return [reason.code for reason in result.reasons]  # type: ignore[attr-defined]


def test_volume_tiers_and_the_gap() -> None:
    assert volume_tier(30e6).figures["tier"] == "standard API"
    assert volume_tier(60e6).figures["tier"] == "tiered API or small self-host"
    assert volume_tier(1e9).figures["tier"] == "managed GPU platform"
    assert volume_tier(20e9).figures["tier"] == "full self-host"
    gap = volume_tier(7e9)
    assert gap.code == "volume_tier_gap"
    assert (gap.figures["gap_min"], gap.figures["gap_max"]) == (5e9, 10e9)


def test_under_50m_a_day_without_fleet_recommends_api() -> None:
    result = recommend(Situation(tokens_per_month=100e6), [API, SELFHOST])
    assert result.option == "GPT-5"
    assert "under_50m_per_day" in codes(result)
    rule = next(r for r in result.reasons if r.code == "under_50m_per_day")
    assert rule.figures["tokens_per_day"] == 100e6 / 30


def test_idle_fleet_lifts_the_api_rule_and_costs_decide() -> None:
    cheap_selfhost = CostedOption("owned fleet", OptionKind.SELFHOST, monthly=300)
    result = recommend(
        Situation(tokens_per_month=100e6, has_idle_gpu_fleet=True), [API, cheap_selfhost]
    )
    assert result.option == "owned fleet"
    assert "under_50m_per_day" not in codes(result)


THREE_YES = Situation(tokens_per_month=20e9, needs_deep_finetuning=True, has_mlops_team=True)


def test_three_yes_answers_favour_selfhosting_when_a_little_dearer() -> None:
    # 1,440 is 20% over 1,200: within the 25% premium the rules may justify.
    api = CostedOption("GPT-5", OptionKind.API, monthly=1200)
    result = recommend(THREE_YES, [api, SELFHOST])
    questions = next(r for r in result.reasons if r.code == "five_questions")
    assert questions.figures["yes"] == 3
    assert result.option == SELFHOST.name
    assert "not_cheapest" in codes(result)


def test_rules_do_not_buy_an_option_many_times_dearer() -> None:
    # 1,440 is 14.4x 100: consider self-hosting, but the API is what to run today.
    api = CostedOption("GPT-5", OptionKind.API, monthly=100)
    result = recommend(THREE_YES, [api, SELFHOST])
    assert result.option == "GPT-5"
    outweighed = next(r for r in result.reasons if r.code == "rules_outweighed_by_cost")
    assert outweighed.figures["preferred_option"] == SELFHOST.name
    assert outweighed.figures["cheapest_monthly"] == 100
    assert "14.4x" in outweighed.message


def test_a_free_cheapest_option_outweighs_the_rules_without_a_ratio() -> None:
    # Under 50M tokens a day the rules favour the API; a $0 self-host (a free quote) is
    # cheaper by more than any premium, and there is no "Nx" of zero to name.
    free = CostedOption("free box", OptionKind.SELFHOST, monthly=0.0)
    result = recommend(Situation(tokens_per_month=100e6), [API, free])
    assert result.option == "free box"
    outweighed = next(r for r in result.reasons if r.code == "rules_outweighed_by_cost")
    assert "more than free box at $0.00" in outweighed.message


def test_the_premium_is_a_parameter() -> None:
    api = CostedOption("GPT-5", OptionKind.API, monthly=100)
    result = recommend(THREE_YES, [api, SELFHOST], preference_premium=20.0)
    assert result.option == SELFHOST.name


def test_compliance_excludes_api_offers() -> None:
    result = recommend(
        Situation(tokens_per_month=10e6, data_must_stay_in_network=True), [API, SELFHOST]
    )
    assert result.option == SELFHOST.name
    assert result.excluded == ("GPT-5",)
    assert "excluded_compliance" in codes(result)


def test_latency_target_excludes_slow_options() -> None:
    result = recommend(
        Situation(tokens_per_month=20e9, has_idle_gpu_fleet=True, p99_latency_target_s=2.0),
        [API, SELFHOST],
    )
    assert result.option == "GPT-5"
    latency = next(r for r in result.reasons if r.code == "excluded_latency")
    assert latency.figures == {
        "option": SELFHOST.name,
        "p99_latency_s": 3.8,
        "target_s": 2.0,
        "metric": "e2e_p99",
    }


def test_nothing_allowed() -> None:
    result = recommend(
        Situation(tokens_per_month=1e6, data_must_stay_in_network=True, p99_latency_target_s=1.0),
        [API, SELFHOST],
    )
    assert result.option is None
    assert codes(result)[-1] == "no_option"
