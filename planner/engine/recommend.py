"""The recommendation: which option, and every reason with the numbers behind it.

Rules (from the reference data):

* Compliance: when data must stay in the network, options that send it out (API offers)
  are excluded.
* Latency: an option whose p99 exceeds the target is excluded.
* Quality: when the workload requires at least a share of a reference model's benchmark
  score, an option whose model is known to score below it is excluded; an option whose
  score is unknown is flagged (``quality_unknown``), never taken to meet it; the
  recommended option's standing is cited (``quality_met``). With no published score for
  the reference model the requirement cannot be checked and says so.
* Latency: an option whose p99 exceeds a target (end to end, time to first token or
  time per output token) is excluded; a self-hosted option resized to meet one (more
  replicas at a lower concurrency each) says so. An unknown figure excludes nothing.
* Volume tiers (``volume_tiers_monthly_tokens``): under 60M tokens/month a standard API;
  60M-500M a tiered API or small self-host; 500M-5B a managed GPU platform; 10B and up
  full self-host. The reference has no tier for 5B-10B; the engine says so and lets the
  costs decide.
* Under 50M tokens/day with no idle GPU fleet, use an API.
* Five questions (volume over 10B/month, data may not leave the VPC, deep fine-tuning
  needed, a dedicated MLOps team, an open model within 95% of the required accuracy):
  three or more yes -> consider self-hosting.

The rules say what to *consider*; money still counts. Among the options still allowed,
the preferred kind (API or self-host) wins when its cheapest option costs at most
``preference_premium`` (default 25%) more than the cheapest option overall: control,
fine-tuning and data residency are worth a premium, not any premium. Beyond that the
cheapest option wins and a ``rules_outweighed_by_cost`` reason says by how much.
Compliance is never traded for money: excluded options stay excluded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from planner.engine.errors import ScenarioError, require_non_negative, require_positive
from planner.engine.units import DAYS_PER_MONTH, format_tokens, format_usd

# How much dearer than the cheapest option the rule-preferred kind may be and still win.
DEFAULT_PREFERENCE_PREMIUM = 0.25


class OptionKind(StrEnum):
    API = "api"
    SELFHOST = "selfhost"


@dataclass(frozen=True, slots=True)
class VolumeTier:
    option: str
    min_tokens: float | None = None
    max_tokens: float | None = None

    def contains(self, tokens: float) -> bool:
        return (self.min_tokens is None or tokens >= self.min_tokens) and (
            self.max_tokens is None or tokens < self.max_tokens
        )


# The reference catalog's tiers; the adapter passes the published catalog's own.
DEFAULT_VOLUME_TIERS: tuple[VolumeTier, ...] = (
    VolumeTier("standard API", max_tokens=60e6),
    VolumeTier("tiered API or small self-host", min_tokens=60e6, max_tokens=500e6),
    VolumeTier("managed GPU platform", min_tokens=500e6, max_tokens=5e9),
    VolumeTier("full self-host", min_tokens=10e9),
)
API_RULE_TOKENS_PER_DAY = 50e6
# A score within this relative margin of the floor meets it: shares arrive as decimals
# (0.9) and scores as floats, and 0.9 x 80 must not fall short of 72.
QUALITY_TOLERANCE = 1e-9
FIVE_QUESTIONS_VOLUME = 10e9
FIVE_QUESTIONS_THRESHOLD = 3


@dataclass(frozen=True, slots=True)
class CostedOption:
    name: str
    kind: OptionKind
    monthly: float
    p99_latency_s: float | None = None  # end to end
    keeps_data_in_network: bool | None = None  # default: self-host yes, API no
    quality_score: float | None = None  # on the floor's benchmark; None: unknown
    ttft_p99_s: float | None = None
    tpot_p99_s: float | None = None
    # Latency targets that lowered the concurrency each replica runs at (to this one).
    resized_for: tuple[str, ...] = ()
    concurrency: float | None = None
    planned_concurrency: float | None = None

    @property
    def in_network(self) -> bool:
        if self.keeps_data_in_network is not None:
            return self.keeps_data_in_network
        return self.kind is OptionKind.SELFHOST


@dataclass(frozen=True, slots=True)
class QualityFloor:
    """At least ``min_share`` of ``reference``'s score on ``benchmark``.

    ``reference_score`` is None when no score of the reference model is known: the
    requirement is then reported as unchecked, and excludes nothing.
    """

    reference: str
    min_share: float
    reference_score: float | None = None
    benchmark: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.min_share) or not 0 < self.min_share <= 1:
            raise ScenarioError(
                "quality_min_share", "must be a number greater than 0 and at most 1"
            )
        if self.reference_score is not None:
            # A share of nothing means nothing: a reference that scores 0 is refused.
            require_positive("quality_reference_score", self.reference_score)

    def share(self, score: float | None) -> float | None:
        """``score`` as a share of the reference's (None: either is unknown)."""
        if score is None or self.reference_score is None:
            return None
        return score / self.reference_score

    def meets(self, score: float) -> bool:
        assert self.reference_score is not None
        floor = self.min_share * self.reference_score
        return score >= floor - QUALITY_TOLERANCE * max(1.0, abs(floor))


@dataclass(frozen=True, slots=True)
class Situation:
    tokens_per_month: float
    has_idle_gpu_fleet: bool = False
    data_must_stay_in_network: bool = False
    needs_deep_finetuning: bool = False
    has_mlops_team: bool = False
    open_model_meets_accuracy: bool = False  # reaches 95% of the required accuracy
    p99_latency_target_s: float | None = None  # end to end
    days_per_month: float = DAYS_PER_MONTH
    quality: QualityFloor | None = None
    ttft_p99_target_s: float | None = None
    tpot_p99_target_s: float | None = None

    def latency_checks(self, option: CostedOption) -> list[tuple[str, float, float]]:
        """(metric, the option's p99, target) for every target the option has a figure for."""
        checks = (
            ("e2e_p99", option.p99_latency_s, self.p99_latency_target_s),
            ("ttft_p99", option.ttft_p99_s, self.ttft_p99_target_s),
            ("tpot_p99", option.tpot_p99_s, self.tpot_p99_target_s),
        )
        return [
            (metric, value, target)
            for metric, value, target in checks
            if value is not None and target is not None
        ]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    message: str
    figures: dict[str, float | str | bool | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recommendation:
    option: str | None
    kind: OptionKind | None
    reasons: tuple[Reason, ...]
    excluded: tuple[str, ...]


METRIC_WORDS = {
    "e2e_p99": "p99",
    "ttft_p99": "p99 time to first token",
    "tpot_p99": "p99 time per output token",
}


def _resized(option: CostedOption) -> Reason:
    metrics = ", ".join(METRIC_WORDS[m] for m in option.resized_for)
    return Reason(
        "resized_for_latency",
        f"{option.name} runs each replica at concurrency {option.concurrency:g} instead of "
        f"{option.planned_concurrency:g}, with more replicas, to meet the {metrics} target",
        {
            "option": option.name,
            "metrics": ",".join(option.resized_for),
            "concurrency": option.concurrency,
            "planned_concurrency": option.planned_concurrency,
        },
    )


def volume_tier(tokens: float, tiers: Sequence[VolumeTier] = DEFAULT_VOLUME_TIERS) -> Reason:
    for tier in tiers:
        if tier.contains(tokens):
            return Reason(
                "volume_tier",
                f"{format_tokens(tokens)} tokens/month falls in the '{tier.option}' tier",
                {
                    "tokens_per_month": tokens,
                    "tier": tier.option,
                    "tier_min": tier.min_tokens,
                    "tier_max": tier.max_tokens,
                },
            )
    below = max(
        (t.max_tokens for t in tiers if t.max_tokens and t.max_tokens <= tokens), default=None
    )
    above = min(
        (t.min_tokens for t in tiers if t.min_tokens and t.min_tokens > tokens), default=None
    )
    return Reason(
        "volume_tier_gap",
        f"{format_tokens(tokens)} tokens/month falls between the published tiers "
        f"({format_tokens(below or 0)}-{format_tokens(above or 0)} has no guidance); "
        "the costs decide",
        {"tokens_per_month": tokens, "gap_min": below, "gap_max": above},
    )


def five_questions(situation: Situation) -> Reason:
    answers = {
        "volume_over_10b_per_month": situation.tokens_per_month > FIVE_QUESTIONS_VOLUME,
        "data_must_stay_in_vpc": situation.data_must_stay_in_network,
        "needs_deep_finetuning": situation.needs_deep_finetuning,
        "has_dedicated_mlops_team": situation.has_mlops_team,
        "open_model_reaches_95pct_accuracy": situation.open_model_meets_accuracy,
    }
    yes = sum(answers.values())
    verdict = "consider self-hosting" if yes >= FIVE_QUESTIONS_THRESHOLD else "stay on an API"
    return Reason(
        "five_questions",
        f"{yes} of 5 questions answered yes (threshold {FIVE_QUESTIONS_THRESHOLD}): {verdict}",
        {"yes": yes, "threshold": FIVE_QUESTIONS_THRESHOLD, **answers},
    )


def recommend(
    situation: Situation,
    options: Sequence[CostedOption],
    *,
    tiers: Sequence[VolumeTier] = DEFAULT_VOLUME_TIERS,
    preference_premium: float = DEFAULT_PREFERENCE_PREMIUM,
) -> Recommendation:
    """Apply the rules and return the recommended option with its reasons."""
    tokens = require_non_negative("tokens_per_month", situation.tokens_per_month)
    premium = require_non_negative("preference_premium", preference_premium)
    if not options:
        raise ScenarioError("options", "needs at least one costed option")
    reasons: list[Reason] = []
    excluded: list[str] = []
    allowed: list[CostedOption] = []
    for option in options:
        if situation.data_must_stay_in_network and not option.in_network:
            excluded.append(option.name)
            reasons.append(
                Reason(
                    "excluded_compliance",
                    f"{option.name} is excluded: data must stay in the network",
                    {"option": option.name},
                )
            )
            continue
        missed = [
            (metric, value, target)
            for metric, value, target in situation.latency_checks(option)
            if value > target
        ]
        if missed:
            metric, value, target = missed[0]
            value = float(f"{value:.3g}")  # an estimate: three figures say it
            excluded.append(option.name)
            reasons.append(
                Reason(
                    "excluded_latency",
                    f"{option.name} is excluded: {METRIC_WORDS[metric]} {value:g}s exceeds "
                    f"the {target:g}s target",
                    {
                        "option": option.name,
                        "p99_latency_s": value,
                        "target_s": target,
                        "metric": metric,
                    },
                )
            )
            continue
        quality = _quality_reason(situation.quality, option)
        if quality is not None:
            reasons.append(quality)
            if quality.code == "excluded_quality":
                excluded.append(option.name)
                continue
        if option.resized_for:
            reasons.append(_resized(option))
        allowed.append(option)
    floor = situation.quality
    if floor is not None and floor.reference_score is None:
        reasons.append(
            Reason(
                "quality_reference_unknown",
                f"no {floor.benchmark or 'benchmark'} score is known for {floor.reference}: "
                f"the {floor.min_share:.0%} quality floor could not be checked",
                {
                    "reference": floor.reference,
                    "benchmark": floor.benchmark or None,
                    "min_share": floor.min_share,
                },
            )
        )

    reasons.append(volume_tier(tokens, tiers))
    per_day = tokens / situation.days_per_month
    prefer: OptionKind | None = None
    if per_day < API_RULE_TOKENS_PER_DAY and not situation.has_idle_gpu_fleet:
        prefer = OptionKind.API
        reasons.append(
            Reason(
                "under_50m_per_day",
                f"{format_tokens(per_day)} tokens/day is under {format_tokens(API_RULE_TOKENS_PER_DAY)}"
                "/day and there is no idle GPU fleet: use an API",
                {"tokens_per_day": per_day, "threshold_per_day": API_RULE_TOKENS_PER_DAY},
            )
        )
    questions = five_questions(situation)
    reasons.append(questions)
    if questions.figures["yes"] >= FIVE_QUESTIONS_THRESHOLD:  # type: ignore[operator]
        prefer = OptionKind.SELFHOST
    if situation.data_must_stay_in_network:
        prefer = OptionKind.SELFHOST

    if not allowed:
        reasons.append(Reason("no_option", "every option is excluded by the constraints", {}))
        return Recommendation(None, None, tuple(reasons), tuple(excluded))
    cheapest = min(allowed, key=lambda o: o.monthly)
    preferred = [o for o in allowed if o.kind is prefer]
    choice = min(preferred, key=lambda o: o.monthly) if preferred else cheapest
    if choice.monthly > cheapest.monthly * (1 + premium):
        # A free cheapest option (a $0 self-host quote) has no ratio to name.
        times = f"{choice.monthly / cheapest.monthly:.1f}x" if cheapest.monthly > 0 else "more than"
        reasons.append(
            Reason(
                "rules_outweighed_by_cost",
                f"the rules favour {choice.kind.value}, but {choice.name} costs "
                f"{format_usd(choice.monthly)}/month, {times} "
                f"{cheapest.name} at {format_usd(cheapest.monthly)}: more than the "
                f"{premium:.0%} premium the rules may justify",
                {
                    "preferred_option": choice.name,
                    "preferred_monthly": choice.monthly,
                    "cheapest": cheapest.name,
                    "cheapest_monthly": cheapest.monthly,
                    "premium_allowed": premium,
                },
            )
        )
        choice = cheapest
    if prefer is not None and not preferred:
        reasons.append(
            Reason(
                "preferred_kind_unavailable",
                f"the rules favour {prefer.value} but no such option is allowed",
                {"preferred_kind": prefer.value},
            )
        )
    if choice is cheapest:
        reasons.append(
            Reason(
                "cheapest",
                f"{choice.name} is the cheapest allowed option at {format_usd(choice.monthly)}/month",
                {"option": choice.name, "monthly": choice.monthly},
            )
        )
    else:
        reasons.append(
            Reason(
                "not_cheapest",
                f"{choice.name} costs {format_usd(choice.monthly)}/month, "
                f"{format_usd(choice.monthly - cheapest.monthly)} more than {cheapest.name}; "
                f"the rules above favour it, within the {premium:.0%} premium they may justify",
                {
                    "option": choice.name,
                    "monthly": choice.monthly,
                    "cheapest": cheapest.name,
                    "cheapest_monthly": cheapest.monthly,
                },
            )
        )
    met = _quality_met(floor, choice)
    if met is not None:
        reasons.append(met)
    return Recommendation(choice.name, choice.kind, tuple(reasons), tuple(excluded))


def _quality_figures(floor: QualityFloor, option: CostedOption) -> dict[str, float | str | None]:
    return {
        "option": option.name,
        "score": option.quality_score,
        "share": floor.share(option.quality_score),
        "min_share": floor.min_share,
        "reference": floor.reference,
        "reference_score": floor.reference_score,
        "benchmark": floor.benchmark or None,
        "source": floor.source or None,
    }


def _quality_reason(floor: QualityFloor | None, option: CostedOption) -> Reason | None:
    """Excluded below the floor, flagged when unknown; nothing when it meets it."""
    if floor is None or floor.reference_score is None:
        return None
    figures = _quality_figures(floor, option)
    if option.quality_score is None:
        return Reason(
            "quality_unknown",
            f"{option.name}: its {floor.benchmark or 'benchmark'} score is unknown, so whether "
            f"it reaches {floor.min_share:.0%} of {floor.reference}'s is not known (kept, not "
            "vouched for)",
            figures,
        )
    if floor.meets(option.quality_score):
        return None
    return Reason(
        "excluded_quality",
        f"{option.name} is excluded: it scores {option.quality_score:g} on "
        f"{floor.benchmark or 'the benchmark'}, {figures['share']:.1%} of "
        f"{floor.reference}'s {floor.reference_score:g}, below the "
        f"{floor.min_share:.0%} required",
        figures,
    )


def _quality_met(floor: QualityFloor | None, choice: CostedOption) -> Reason | None:
    """The recommended option's standing against the floor, when both scores are known."""
    if floor is None or floor.reference_score is None or choice.quality_score is None:
        return None
    figures = _quality_figures(floor, choice)
    return Reason(
        "quality_met",
        f"{choice.name} scores {choice.quality_score:g} on "
        f"{floor.benchmark or 'the benchmark'}, {figures['share']:.1%} of "
        f"{floor.reference}'s {floor.reference_score:g}: at least the "
        f"{floor.min_share:.0%} required",
        figures,
    )
