"""Sentences from what stored results hold: reason codes, figures, keys and numbers.

Stored results (schema 2) hold no sentences; pages, the CSV export and the API's
``wording`` render them here, with the one money and token formatter (``formatting``) in
the comparison's currency. Words for single keys live in :mod:`planner.labels`. Schema-1
results stored sentences of their own: those are shown as they were.

Pure functions of dicts: no queries, no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from formatting import format_money, format_rate, format_tokens
from planner.labels import (
    DECISION_QUESTIONS,
    DECISION_SOURCES,
    DEFAULT_SOURCE_LABELS,
    ENERGY_UNKNOWN,
    LATENCY_METRIC_WORDS,
    OPTION_KIND_WORDS,
    OWNED_FIGURE_LABELS,
    POWER_SOURCES,
    RESERVE_SKIPPED,
    lens_label,
    line_label,
    milestone_label,
)

Figures = Mapping[str, Any]


def _share(value: Any) -> str:
    return f"{float(value):.0%}"


def _seconds(value: Any) -> str:
    return f"{float(value):g}s"


def _volume_tier(f: Figures, currency: str) -> str:
    return f"{format_tokens(f['tokens_per_month'])} tokens/month falls in the '{f['tier']}' tier"


def _volume_tier_gap(f: Figures, currency: str) -> str:
    return (
        f"{format_tokens(f['tokens_per_month'])} tokens/month falls between the published "
        f"tiers ({format_tokens(f.get('gap_min') or 0)}-{format_tokens(f.get('gap_max') or 0)} "
        "has no guidance); the costs decide"
    )


def _under_50m_per_day(f: Figures, currency: str) -> str:
    return (
        f"{format_tokens(f['tokens_per_day'])} tokens/day is under "
        f"{format_tokens(f['threshold_per_day'])}/day and there is no idle GPU fleet: use an API"
    )


def _five_questions(f: Figures, currency: str) -> str:
    yes, threshold = f["yes"], f["threshold"]
    verdict = "consider self-hosting" if yes >= threshold else "stay on an API"
    return f"{yes} of 5 questions answered yes (threshold {threshold}): {verdict}"


def answers_text(figures: Figures) -> str:
    """The five questions by answer: "yes: A, B; no: C, D, E"."""
    answers = decision_answers(figures)
    return "; ".join(
        f"{word}: " + ", ".join(a["question"].rstrip("?") for a in answers if a["answer"] is flag)
        for word, flag in (("yes", True), ("no", False))
        if any(a["answer"] is flag for a in answers)
    )


def _excluded_compliance(f: Figures, currency: str) -> str:
    return f"{f['option']} is excluded: data must stay in the network"


def _excluded_latency(f: Figures, currency: str) -> str:
    metric = LATENCY_METRIC_WORDS.get(f.get("metric") or "e2e_p99", "p99")
    return (
        f"{f['option']} is excluded: {metric} {_seconds(f['p99_latency_s'])} exceeds the "
        f"{_seconds(f['target_s'])} target"
    )


def _benchmark(f: Figures) -> str:
    return str(f.get("benchmark") or "the benchmark")


def _standing(f: Figures) -> str:
    """ "scores 50.5 on GPQA Diamond, 72.3% of Llama 4 Maverick's 69.8"."""
    return (
        f"scores {float(f['score']):g} on {_benchmark(f)}, {float(f['share']):.1%} of "
        f"{f['reference']}'s {float(f['reference_score']):g}"
    )


def _excluded_quality(f: Figures, currency: str) -> str:
    return (
        f"{f['option']} is excluded: it {_standing(f)}, below the {_share(f['min_share'])} required"
    )


def _quality_unknown(f: Figures, currency: str) -> str:
    return (
        f"{f['option']}: its {f.get('benchmark') or 'benchmark'} score is unknown, so whether "
        f"it reaches {_share(f['min_share'])} of {f['reference']}'s is not known (kept, not "
        "vouched for)"
    )


def _quality_reference_unknown(f: Figures, currency: str) -> str:
    return (
        f"no {f.get('benchmark') or 'benchmark'} score is known for {f['reference']}: the "
        f"{_share(f['min_share'])} quality floor could not be checked"
    )


def _quality_met(f: Figures, currency: str) -> str:
    return f"{f['option']} {_standing(f)}: at least the {_share(f['min_share'])} required"


def _resized_for_latency(f: Figures, currency: str) -> str:
    metrics = ", ".join(
        LATENCY_METRIC_WORDS.get(m, m) for m in str(f.get("metrics") or "").split(",") if m
    )
    return (
        f"{f['option']} runs each replica at concurrency {float(f['concurrency']):g} instead "
        f"of {float(f['planned_concurrency']):g}, with more replicas, to meet the {metrics} "
        "target"
    )


def _no_option(f: Figures, currency: str) -> str:
    return "every option is excluded by the constraints"


def _rules_outweighed_by_cost(f: Figures, currency: str) -> str:
    preferred, cheapest = f["preferred_monthly"], f["cheapest_monthly"]
    times = f"{preferred / cheapest:.1f}x" if cheapest else "more than"
    return (
        f"the rules favour {f['preferred_option']}, but it costs "
        f"{format_money(preferred, currency)}/month, {times} {f['cheapest']} at "
        f"{format_money(cheapest, currency)}: more than the {_share(f['premium_allowed'])} "
        "premium the rules may justify"
    )


def _preferred_kind_unavailable(f: Figures, currency: str) -> str:
    kind = OPTION_KIND_WORDS.get(f["preferred_kind"], f["preferred_kind"])
    return f"the rules favour {kind} but no such option is allowed"


def _cheapest(f: Figures, currency: str) -> str:
    return (
        f"{f['option']} is the cheapest allowed option at "
        f"{format_money(f['monthly'], currency)}/month"
    )


def _not_cheapest(f: Figures, currency: str) -> str:
    premium = f.get("premium_allowed")
    within = "the premium" if premium is None else f"the {_share(premium)} premium"
    return (
        f"{f['option']} costs {format_money(f['monthly'], currency)}/month, "
        f"{format_money(f['monthly'] - f['cheapest_monthly'], currency)} more than "
        f"{f['cheapest']}; the rules above favour it, within {within} they may justify"
    )


# One sentence per reason code of planner/engine/recommend.py.
REASON_SENTENCES: dict[str, Callable[[Figures, str], str]] = {
    "excluded_compliance": _excluded_compliance,
    "excluded_latency": _excluded_latency,
    "excluded_quality": _excluded_quality,
    "quality_unknown": _quality_unknown,
    "quality_reference_unknown": _quality_reference_unknown,
    "quality_met": _quality_met,
    "resized_for_latency": _resized_for_latency,
    "volume_tier": _volume_tier,
    "volume_tier_gap": _volume_tier_gap,
    "under_50m_per_day": _under_50m_per_day,
    "five_questions": _five_questions,
    "no_option": _no_option,
    "rules_outweighed_by_cost": _rules_outweighed_by_cost,
    "preferred_kind_unavailable": _preferred_kind_unavailable,
    "cheapest": _cheapest,
    "not_cheapest": _not_cheapest,
}


def reason_text(reason: Mapping[str, Any], currency: str, *, answers: bool = True) -> str:
    """A recommendation reason as a sentence, money in ``currency``.

    The five questions' sentence names each question by its answer unless ``answers`` is
    false (a page lists them beside it). A schema-1 reason keeps its stored sentence.
    """
    figures = reason.get("figures") or {}
    code = reason.get("code", "")
    if reason.get("message"):
        text = str(reason["message"])
    elif code in REASON_SENTENCES:
        text = REASON_SENTENCES[code](figures, currency)
    else:
        text = str(code).replace("_", " ")
    if answers and code == "five_questions" and decision_answers(figures):
        text += f" ({answers_text(figures)})"
    return text


def decision_answers(
    figures: Figures, tokens_per_month: float | None = None
) -> list[dict[str, Any]]:
    """The five questions the ``five_questions`` reason counted, each with its answer and
    where the answer comes from (the workload's volume, given ``tokens_per_month``, or a
    box on the workload form)."""

    def source(key: str) -> str:
        text = DECISION_SOURCES.get(key, "the workload")
        if key == "volume_over_10b_per_month" and tokens_per_month is not None:
            text += f", {format_tokens(tokens_per_month)} tokens/month"
        return text

    return [
        {"key": key, "question": question, "answer": bool(figures[key]), "source": source(key)}
        for key, question in DECISION_QUESTIONS.items()
        if key in figures
    ]


def breakeven_text(option: str, row: Mapping[str, Any]) -> str:
    """A self-hosted option against one API option: when (and whether) it costs less.

    ``row`` is one of the option's stored ``breakevens``; schema-1 rows keep their sentence.
    """
    if row.get("reason"):
        return str(row["reason"])
    if row.get("error"):
        return str(row["error"])
    other = row["api_option"]
    limit = format_tokens(row["limit"])
    crossings = row.get("crossings") or []
    first = next((c for c in crossings if c["selfhost_cheaper_above"]), None)
    if first is None and row.get("cheaper_at_start") == option:
        text = f"{option} costs less than {other} from the smallest volume"
    elif first is None:
        text = (
            f"{option} never costs less than {other} at any fleet size up to {limit} "
            "tokens/month: never breaks even"
        )
    elif first["replicas"] == 1:
        text = (
            f"{option} costs less than {other} from "
            f"{format_tokens(first['tokens_per_month'])} tokens/month"
        )
    else:
        text = (
            f"one deployment of {option} (capacity "
            f"{format_tokens(row['replica_capacity_tokens_per_month'])} tokens/month) never "
            f"costs less than {other}; with {first['replicas']} replicas it does from "
            f"{format_tokens(first['tokens_per_month'])} tokens/month"
        )
    if first is not None and len(crossings) > 1:
        text += f"; the cheaper of the two changes {len(crossings)} times up to {limit}"
    return text


def milestone_text(m: Mapping[str, Any]) -> str:
    """A first winning volume: a named milestone, or one option against another (``pair``)."""
    if m.get("key") == "pair":
        head = f"{m['challenger']} costs no more than {m['incumbent']}"
        if m.get("volume") is None:
            return f"{head}: not up to {format_tokens(m['limit'])} tokens/month"
    else:
        head = milestone_label(m["key"])
        if m.get("volume") is None:
            return f"{head}: not up to {format_tokens(m['limit'])} tokens/month"
    text = f"{head} from {format_tokens(m['volume'])} tokens/month"
    if m.get("holds_to_limit"):
        return f"{text} (holds up to {format_tokens(m['limit'])})"
    tail = f"lost again at {format_tokens(m['lost_at'])}"
    if m.get("wins_for_good_from") is not None:
        tail += f"; wins for good from {format_tokens(m['wins_for_good_from'])}"
    return f"{text} ({tail})"


def energy_basis(energy: Mapping[str, Any]) -> str:
    """How a known energy figure was reached; why it is unknown otherwise."""
    if not energy.get("known"):
        reason = str(energy.get("unknown_because") or "")
        return ENERGY_UNKNOWN.get(reason, reason.replace("_", " "))
    source = energy.get("gpu_watts_source")
    power = POWER_SOURCES.get(source) or energy.get("gpu_watts_source_description") or source
    text = (
        f"{float(energy['gpu_watts']):g} W a GPU ({power}) at {float(energy['gpu_load']):.1%} "
        f"load over {float(energy['gpu_hours']):,.0f} GPU-hours + "
        f"{float(energy['server_base_watts']):g} W server base over "
        f"{float(energy['machine_hours']):,.0f} machine-hours, x PUE {float(energy['pue']):g}"
    )
    grid = energy.get("grid")
    if grid:
        text += (
            f"; grid {grid['region']}: {float(grid['g_co2e_per_kwh']):g} g CO2e/kWh "
            f"({grid['year']}; {grid.get('source_description') or grid['source']})"
        )
    else:
        text += "; no grid intensity: carbon unknown"
    return text


def energy_text(energy: Mapping[str, Any]) -> str:
    """An option's month of electricity and carbon in words (CSV and the API)."""
    if not energy.get("known"):
        return f"Energy {energy_basis(energy)}"
    kg = energy.get("kg_co2e_per_month")
    carbon = "CO2e unknown" if kg is None else f"{float(kg):,.1f} kg CO2e"
    return f"{float(energy['kwh_per_month']):,.1f} kWh and {carbon} a month: {energy_basis(energy)}"


def floor_text(floor: Mapping[str, Any]) -> str:
    """The workload's quality floor with the reference score and its source."""
    head = f"at least {_share(floor['min_share'])} of {floor['reference']}'s"
    if floor.get("reference_score") is None:
        return f"{head} benchmark score; the catalog has none for it, so it is not checked"
    cited = floor.get("source_description") or floor.get("source") or ""
    when = f", {floor['as_of']}" if floor.get("as_of") else ""
    return f"{head} {float(floor['reference_score']):g} on {floor['benchmark']} ({cited}{when})"


def quality_text(quality: Mapping[str, Any] | None) -> str:
    """An option's published score and where it stands against the floor."""
    if not quality or quality.get("model_score") is None:
        return "no published score"
    text = f"{float(quality['model_score']):g} on {quality['benchmark']} ({quality['model']})"
    if quality.get("share") is not None:
        verdict = {True: "meets the floor", False: "below the floor"}.get(
            quality.get("meets_floor"), ""
        )
        text += f", {float(quality['share']):.1%} of the reference" + (
            f": {verdict}" if verdict else ""
        )
    return text


def _secs(value: Any) -> str:
    """Seconds as a page reads them: 29.9 s, 0.53 s, 0.098 s."""
    number = float(value)
    return f"{number:.3g} s" if number < 10 else f"{number:,.1f} s"


def serving_text(serving: Mapping[str, Any]) -> str:
    """How a self-hosted replica serves the request shape, in a sentence (``serving``)."""
    parts = []
    concurrency = serving.get("concurrency")
    if concurrency is not None:
        text = f"each replica runs {float(concurrency):g} requests at once"
        resized = serving.get("resized_for") or []
        if resized:
            targets = ", ".join(LATENCY_METRIC_WORDS.get(m, m) for m in resized)
            text += (
                f" (lowered from {float(serving['planned_concurrency']):g} to meet the "
                f"{targets} target)"
            )
        parts.append(text)
    parts.append(
        f"{float(serving['tokens_per_second']):,.0f} tok/s of this request shape"
        + (
            ""
            if serving.get("prefill_measured")
            else " (no prefill rate: input counted at the output rate)"
        )
    )
    latency = serving.get("latency")
    if latency:
        how = "measured" if latency.get("measured") else "estimated"
        parts.append(
            f"end to end p50 {_secs(latency['e2e_p50_s'])}, p99 {_secs(latency['e2e_p99_s'])}; "
            f"first token p99 {_secs(latency['ttft_p99_s'])}; per output token p99 "
            f"{_secs(latency['tpot_p99_s'])} ({how})"
        )
    unmet = serving.get("unmet_targets") or []
    if unmet:
        missed = ", ".join(LATENCY_METRIC_WORDS.get(m, m) for m in unmet)
        parts.append(f"misses the {missed} target even at the lowest measured concurrency")
    return "; ".join(parts)


def reserve_note(depth: Mapping[str, Any]) -> str:
    """Why a self-hosted option holds no reserve, when it says so ("" otherwise)."""
    if depth.get("reserve_note"):
        return str(depth["reserve_note"])
    skipped = depth.get("reserve_skipped")
    return RESERVE_SKIPPED.get(skipped, str(skipped).replace("_", " ")) if skipped else ""


def _gb(value: Any) -> str:
    return f"{float(value):,.1f} GB"


def fit_text(option: Mapping[str, Any]) -> str:
    """How a self-hosted replica's GPUs follow from its memory ("" when not sized)."""
    fit = option.get("fit")
    if not fit:
        return ""
    kv = (
        f"KV cache {_gb(fit['kv_cache_gb'])} for {fit['concurrent_sequences']:,} requests of "
        f"{fit['context_tokens']:,} tokens"
        if fit["architecture_known"]
        else f"KV cache estimated at {_share(fit['kv_share_estimate'])} of the weights, "
        f"{_gb(fit['kv_cache_gb'])} (the model's architecture is not in the catalog)"
    )
    gpus = fit["gpus"]
    held = (
        f"{gpus} GPU{'s' if gpus != 1 else ''} hold {_gb(gpus * fit['usable_per_gpu_gb'])} "
        f"usable ({_share(fit['usable_share'])} of each)"
    )
    layout = f"tensor parallel {fit['tensor_parallel']}"
    if fit["nodes"] > 1:
        layout += f" across {fit['nodes']} nodes"
    text = (
        f"{option.get('model_name', 'The model')} at {str(option.get('precision', '')).upper()} "
        f"needs {_gb(fit['needed_gb'])} a replica (weights {_gb(fit['weights_gb'])} + {kv}); "
        f"{held}: {layout}."
    )
    if fit["raised"]:
        asked = fit["gpus_asked"]
        text += f" Priced on {gpus} GPUs a replica: the {asked} asked for cannot hold the model."
    return text


def owned_default_text(item: Mapping[str, Any], currency: str) -> str:
    """A figure an owned option left to the catalog, with its value and where it came
    from: "Maintenance a year: 7.5% of the price (the catalog's figure)"."""
    field, value = str(item["field"]), float(item["value"])
    shown = {
        "maintenance_per_year": f"{value * 100:g}% of the price",
        "server_base_watts": f"{value:,.0f} W",
        "gpu_tdp_watts": f"{value:,.0f} W",
        "pue": f"{value:g}",
        "usd_per_kwh": f"{format_rate(value, currency)}/kWh",
        "facilities_per_server_monthly": format_money(value, currency),
    }.get(field, f"{value:g}")
    label = OWNED_FIGURE_LABELS.get(field, field.replace("_", " "))
    source = DEFAULT_SOURCE_LABELS.get(str(item["source"]), str(item["source"]))
    return f"{label}: {shown} ({source})"


def wording(results: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """Every sentence a stored result's pages show, keyed as the result is (for the API)."""
    rec = results.get("recommendation") or {}
    milestones = results.get("milestones") or {}
    lens = results.get("lens")
    return {
        "lens": None if lens is None else lens_label(lens),
        "recommendation": [
            {"code": r.get("code"), "text": reason_text(r, currency)}
            for r in rec.get("reasons") or []
        ],
        "breakevens": [
            {
                "option": o["name"],
                "api_option": be["api_option"],
                "text": breakeven_text(o["name"], be),
            }
            for o in results.get("options") or []
            for be in o.get("breakevens") or []
        ],
        "milestones": [
            {"key": m["key"], "text": milestone_text(m)}
            for m in [*(milestones.get("items") or []), *(milestones.get("pairs") or [])]
        ],
        "energy": [
            {"option": o["name"], "text": energy_text(o["energy"])}
            for o in results.get("options") or []
            if o.get("energy")
        ],
        "quality": [
            {"option": o["name"], "text": quality_text(o.get("quality"))}
            for o in results.get("options") or []
            if "quality" in o
        ],
        "quality_floor": None
        if not results.get("quality_floor")
        else floor_text(results["quality_floor"]),
        "fits": [
            {"option": o["name"], "text": fit_text(o)}
            for o in results.get("options") or []
            if o.get("fit")
        ],
        "serving": [
            {"option": o["name"], "text": serving_text(o["serving"])}
            for o in results.get("options") or []
            if o.get("serving")
        ],
        "lines": {
            key: line_label(key)
            for o in results.get("options") or []
            for key in [
                *(o.get("breakdown") or {}),
                *(line["key"] for line in (o.get("depth") or {}).get("lines") or []),
            ]
        },
    }


# --- the API's documented views of a stored result: the same words, added at read time ---


def recommendation_view(rec: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The stored recommendation with each reason's ``message`` rendered (schema 1 kept it)."""
    return {
        **rec,
        "reasons": [{**r, "message": reason_text(r, currency)} for r in rec.get("reasons") or []],
    }


def milestone_view(m: Mapping[str, Any]) -> dict[str, Any]:
    """A stored milestone with its label, token labels and sentence."""

    def tokens(value: Any) -> str | None:
        return None if value is None else format_tokens(value)

    return {
        **m,
        "label": m.get("label") or milestone_label(m["key"]),
        "volume_label": tokens(m.get("volume")),
        "lost_at_label": tokens(m.get("lost_at")),
        "wins_for_good_from_label": tokens(m.get("wins_for_good_from")),
        "limit_label": format_tokens(m["limit"]),
        "reason": m.get("reason") or milestone_text(m),
    }


def milestones_view(milestones: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **milestones,
        "items": [milestone_view(m) for m in milestones.get("items") or []],
        "pairs": [milestone_view(m) for m in milestones.get("pairs") or []],
    }


def depth_view(depth: Mapping[str, Any]) -> dict[str, Any]:
    """A stored depth block with its lens label, line labels and reserve note."""
    out = dict(depth)
    if "lens" in depth:
        out["lens_label"] = depth.get("lens_label") or lens_label(depth["lens"])
    out["lines"] = [
        {**line, "label": line.get("label") or line_label(line["key"])}
        for line in depth.get("lines") or []
    ]
    out["reserve_note"] = reserve_note(depth)
    return out
