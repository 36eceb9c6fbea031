"""Words for the keys stored results hold: one place, for pages, CSV and the API docs."""

from __future__ import annotations

from typing import NamedTuple

LENS_LABELS = {
    "full": "Full TCO",
    "marginal": "Marginal: leaves out depreciation, capital, installation, staff and "
    "implementation",
}

# Cost lines of an option (schema 2) and the components of schema-1 breakdowns.
LINE_LABELS = {
    "api": "API usage",
    # An API bill by part (planner.engine.api.API_PARTS), when it has more than standard.
    "api_standard": "API: standard tokens",
    "api_batch": "API: batch tokens",
    "api_priority": "API: priority tokens",
    "api_flex": "API: flex tokens",
    "api_cache_read": "API: cache reads",
    "api_cache_write": "API: cache writes",
    "api_long_context": "API: long-context surcharge",
    "compute": "Rented instances",
    "gpu": "GPU bill",
    "hidden_multiplier": "Hidden-cost multiplier",
    "hidden_items": "Hidden cost items",
    "labor": "Engineering time",
    "other": "Other monthly costs",
    "downtime": "Downtime",
    "depreciation": "Depreciation",
    "capital": "Cost of capital",
    "maintenance": "Maintenance",
    "energy": "Energy",
    "facilities": "Facilities",
    "staff": "Operations staff",
    "installation": "Installation",
    "implementation": "Implementation (one-off)",
    "reserve": "Reserve capacity",
    "cheap_route": "Cheap route",
    "premium_api": "Premium API",
}

# A milestone holds where *some* option of the kind costs no more than *every* other one
# (engine/crossover.py), so the words say "every": one pair's break-even is not one.
MILESTONE_LABELS = {
    "rented_beats_api": "A rented option beats every API",
    "owned_beats_api": "An owned option beats every API",
    "rented_cheapest_overall": "A rented option is the cheapest of all",
    "owned_cheapest_overall": "An owned option is the cheapest of all",
}


def line_label(key: str) -> str:
    """The words for a cost line; an unknown key reads as itself, never title-cased."""
    return LINE_LABELS.get(key, key.replace("_", " "))


# The recommendation's reasons (planner/engine/recommend.py codes): a short heading each.
REASON_LABELS = {
    "excluded_compliance": "Excluded for compliance",
    "excluded_latency": "Excluded for latency",
    "excluded_quality": "Excluded for quality",
    "quality_unknown": "Quality unknown",
    "quality_reference_unknown": "Quality floor unchecked",
    "quality_met": "Quality floor met",
    "resized_for_latency": "Resized for latency",
    "volume_tier": "Volume tier",
    "volume_tier_gap": "Between volume tiers",
    "under_50m_per_day": "Under 50M tokens a day",
    "five_questions": "Five questions",
    "no_option": "No option allowed",
    "rules_outweighed_by_cost": "Rules outweighed by cost",
    "preferred_kind_unavailable": "Preferred kind unavailable",
    "cheapest": "Cheapest",
    "not_cheapest": "Preferred over the cheapest",
}

# Latency metrics of a target (recommend.METRIC_WORDS' keys), as sentences name them.
LATENCY_METRIC_WORDS = {
    "e2e_p99": "p99",
    "ttft_p99": "p99 time to first token",
    "tpot_p99": "p99 time per output token",
}
# Where a self-hosted option's p99 comes from (``latency_source``).
LATENCY_SOURCE_LABELS = {
    "measured": "measured",
    "estimate": "estimated for the request shape",
    "catalog": "catalog figure",
}

# The five questions' figure keys, in the engine's order, as questions.
DECISION_QUESTIONS = {
    "volume_over_10b_per_month": "Volume over 10B tokens a month?",
    "data_must_stay_in_vpc": "Data must stay in your network (VPC)?",
    "needs_deep_finetuning": "Deep fine-tuning needed?",
    "has_dedicated_mlops_team": "A dedicated MLOps team?",
    "open_model_reaches_95pct_accuracy": "An open model reaches 95% of the required accuracy?",
}

# Where each answer comes from: the workload's volume or a box on the workload form.
DECISION_SOURCES = {
    "volume_over_10b_per_month": "the workload's volume",
    "data_must_stay_in_vpc": "the workload's compliance setting on data leaving the network",
    "needs_deep_finetuning": "the workload's compliance setting on fine-tuning",
    "has_dedicated_mlops_team": "the workload's team facts (a dedicated MLOps team)",
    "open_model_reaches_95pct_accuracy": "the workload's team facts (open-model accuracy)",
}

# The kinds the rules may favour (recommend.OptionKind values).
OPTION_KIND_WORDS = {"api": "an API", "selfhost": "self-hosting"}

# Why a self-hosted option holds no reserve (``depth.reserve_skipped``).
RESERVE_SKIPPED = {
    "scale_to_zero_no_reserve": "Scale to zero keeps no standing replicas to hold in reserve: "
    "no reserve priced.",
}


def lens_label(key: str) -> str:
    return LENS_LABELS.get(key, key.replace("_", " "))


def milestone_label(key: str) -> str:
    return MILESTONE_LABELS.get(key, key.replace("_", " "))


# Option kinds, rent modes and billing modes as pages name them (stored as keys).
OPTION_KIND_LABELS = {"api": "API", "selfhost": "self-host", "hybrid": "hybrid"}
RENT_MODE_LABELS = {
    "on_demand": "on demand",
    "spot": "spot",
    "reserved": "reserved",
    "owned": "owned",
}
BILLING_MODE_LABELS = {
    "always_on": "always on",
    "window": "business hours",
    "scale_to_zero": "scale to zero",
}
# Schema-1 results' reliability scenarios (``reliability.by_option[].name``).
RELIABILITY_SCENARIOS = {
    "api": "API",
    "selfhost_single_region": "single region",
    "selfhost_multi_region": "multi-region",
}
# Why an option has no energy figure (``results.options[].energy.unknown_because``).
ENERGY_UNKNOWN = {
    "not_published": "unknown: the provider publishes no energy figure",
    "no_gpu_power": "unknown: the catalog has no power figure for this GPU (give its TDP)",
}
# Where a fleet's GPU power came from, when not a catalog source.
POWER_SOURCES = {"option": "your figure", "owned_finance": "ownership finance"}
# Owned servers (issue 15): the installation policy, the figures an option may leave to
# the catalog, and where such a figure came from (``depth.finance.defaults``).
INSTALLATION_POLICY_LABELS = {
    "capitalised": "capitalised with the hardware",
    "expensed": "expensed at purchase",
}
OWNED_FIGURE_LABELS = {
    "maintenance_per_year": "Maintenance a year",
    "server_base_watts": "Server base power",
    "gpu_tdp_watts": "GPU power at full load",
    "pue": "PUE",
    "usd_per_kwh": "Electricity",
    "facilities_per_server_monthly": "Facilities a server a month",
}
DEFAULT_SOURCE_LABELS = {
    "hardware": "the catalog's hardware figure",
    "catalog": "the catalog's figure",
    "assumed": "assumed: no overhead",
    "missing": "not in this catalog version",
}
FLEET_KIND_LABELS = {"rented": "rented", "owned": "owned"}
PRECISION_LABELS = {"fp16": "FP16", "fp8": "FP8", "int8": "INT8", "int4": "INT4"}
KEY_WORDS = {
    "fleet_kind": FLEET_KIND_LABELS,
    "precision": PRECISION_LABELS,
    "power_source": POWER_SOURCES,
    "latency_source": LATENCY_SOURCE_LABELS,
    "kind": OPTION_KIND_LABELS,
    "rent_mode": RENT_MODE_LABELS,
    "billing_mode": BILLING_MODE_LABELS,
    "reliability": RELIABILITY_SCENARIOS,
    "energy_unknown": ENERGY_UNKNOWN,
    "installation_policy": INSTALLATION_POLICY_LABELS,
    "owned_figure": OWNED_FIGURE_LABELS,
    "default_source": DEFAULT_SOURCE_LABELS,
}


def key_words(group: str, key: str) -> str:
    """The words for a stored key of ``group`` (a key of ``KEY_WORDS``)."""
    return KEY_WORDS.get(group, {}).get(key, str(key).replace("_", " "))


# --- Every key a stored result (schema 2) can hold: words, unit and help (issue 18) ------
# Pages, CSV and the API name a figure by these words, never by its key. A test walks the
# results of a plan with every kind of option (tests/presentation) and fails on a key that
# is missing here; keys that name cost lines live in LINE_LABELS, reason codes in
# REASON_LABELS, and the keys a value may hold (kinds, modes, sources) in KEY_WORDS.
class Words(NamedTuple):
    label: str
    unit: str  # a key of UNITS
    help: str = ""


UNITS = {
    "money": "",
    "money_month": "a month",
    "money_per_mtok": "per 1M tokens",
    "money_per_request": "a request",
    "money_per_1k_requests": "per 1,000 requests",
    "money_per_hour": "an hour",
    "tokens": "tokens",
    "tokens_month": "tokens a month",
    "tokens_day": "tokens a day",
    "tokens_per_second": "tokens a second",
    "requests_month": "requests a month",
    "requests_day": "requests a day",
    "requests_per_second": "requests a second",
    "share": "%",
    "seconds": "s",
    "hours": "h",
    "months": "months",
    "years": "years",
    "count": "",
    "watts": "W",
    "kwh": "kWh",
    "kg_co2e_month": "kg CO2e a month",
    "g_co2e_per_kwh": "g CO2e/kWh",
    "gb": "GB",
    "ratio": "",
    "flag": "yes/no",
    "name": "",
    "key": "",  # a stored key shown through its own words (KEY_WORDS, LINE_LABELS...)
    "text": "",
    "date": "",
    "group": "",  # holds other keys, each with its own words
    "list": "",
}

_W = Words
RESULT_KEYS: dict[str, Words] = {
    # the result and the workload it answers
    "schema": _W("Result format", "count", "The version of the stored result's layout."),
    "tokens_per_month": _W("Tokens a month", "tokens_month"),
    "tokens_per_day": _W("Tokens a day", "tokens_day"),
    "input_share": _W("Input share", "share", "The share of tokens that are input (prompt)."),
    "request_shape": _W("Request shape", "group", "Input and output tokens of one request."),
    "input_tokens": _W("Input tokens a request", "tokens"),
    "output_tokens": _W("Output tokens a request", "tokens"),
    "requests_per_month": _W("Requests a month", "requests_month"),
    "requests_per_day": _W("Requests a day", "requests_day"),
    "hours_per_month": _W("Hours a month", "hours"),
    "options": _W("Options", "group"),
    "lens": _W("Lens", "key", "Which costs count: full TCO or marginal."),
    "analysis_months": _W("Analysis period", "months"),
    # an option
    "name": _W("Option", "name"),
    "kind": _W("Kind", "key", "API, self-host or hybrid."),
    "p99_latency_s": _W("p99 latency", "seconds", "End-to-end latency of 99% of requests."),
    "monthly": _W("Monthly cost", "money_month"),
    "low": _W("Low", "money_month", "The cheap end of the stated ranges."),
    "expected": _W("Expected", "money_month"),
    "high": _W("High", "money_month", "The dear end of the stated ranges."),
    "breakdown": _W("Cost by component", "group"),
    "availability": _W("Availability", "share"),
    "downtime_hours": _W("Downtime", "hours", "Expected hours down a month."),
    "downtime_cost": _W("Downtime cost", "money_month"),
    "downtime_cost_per_hour": _W("Cost of an hour down", "money_per_hour"),
    "monthly_with_downtime": _W("Cost incl. downtime", "money_month"),
    "cost_per_mtok": _W("Cost per 1M tokens", "money_per_mtok"),
    "cost_per_request": _W("Cost a request", "money_per_request"),
    "cost_per_1k_requests": _W("Cost per 1,000 requests", "money_per_1k_requests"),
    "outcome": _W("Cost per successful outcome", "group"),
    "success_rate": _W("Success rate", "share", "Share of tasks the model gets right."),
    "known": _W("Known", "flag"),
    "max_retries": _W("Retries of a failed attempt", "count"),
    "cost_per_successful_mtok": _W("Cost per 1M successful tokens", "money_per_mtok"),
    "rank": _W("Rank", "count", "1 is the cheapest per successful outcome."),
    "quality": _W("Quality", "group"),
    "score": _W("Score", "ratio", "A published benchmark score."),
    "share": _W("Share of the reference score", "share"),
    "meets_floor": _W("Meets the quality floor", "flag"),
    "model": _W("Model", "name"),
    "model_score": _W("Published score", "ratio"),
    "benchmark": _W("Benchmark", "name"),
    "source": _W("Source", "key", "A catalog source; its description says what it is."),
    "source_description": _W("Source", "text"),
    "as_of": _W("As of", "date"),
    "energy": _W("Energy and carbon", "group"),
    "unknown_because": _W("Why unknown", "key"),
    "kwh_per_month": _W("Energy a month", "kwh"),
    "kg_co2e_per_month": _W("Carbon a month", "kg_co2e_month"),
    "carbon_known": _W("Carbon known", "flag"),
    "gpu_load": _W("GPU load", "share", "Share of the GPUs' time spent serving."),
    "gpu_hours": _W("GPU-hours a month", "hours"),
    "machine_hours": _W("Machine-hours a month", "hours"),
    "gpu_watts": _W("GPU power", "watts"),
    "gpu_watts_source": _W("GPU power from", "key"),
    "gpu_watts_source_description": _W("GPU power from", "text"),
    "server_base_watts": _W("Server base power", "watts"),
    "pue": _W("PUE", "ratio", "Power usage effectiveness of the data centre."),
    "grid": _W("Grid", "group"),
    "region": _W("Grid region", "name"),
    "g_co2e_per_kwh": _W("Grid carbon intensity", "g_co2e_per_kwh"),
    "year": _W("Year", "count"),
    "chosen": _W("Chosen by", "text"),
    "offer": _W("API offer", "name"),
    "output_only": _W("Output-only price", "flag", "One price charged on all tokens."),
    "private_price": _W("Your private price", "flag"),
    "blended_per_mtok": _W("Blended price", "money_per_mtok"),
    "latency_source": _W("Latency from", "key"),
    # a self-hosted option
    "model_name": _W("Model", "name"),
    "machine": _W("Machine", "name"),
    "fleet_kind": _W("Fleet", "key", "Rented or owned."),
    "rent_mode": _W("Rental", "key"),
    "billing_mode": _W("Billing", "key"),
    "precision": _W("Precision", "key"),
    "fit": _W("Memory fit", "group"),
    "throughput_source": _W("Throughput from", "text"),
    "tokens_per_second": _W("Throughput a replica", "tokens_per_second"),
    "tokens_per_second_range": _W("Throughput range", "tokens_per_second"),
    "utilization": _W("Planned utilization", "share"),
    "replicas": _W("Replicas", "count"),
    "spares": _W("Spare replicas", "count"),
    "regions": _W("Regions", "count"),
    "total_replicas": _W("Replicas in all", "count"),
    "gpus": _W("GPUs", "count"),
    "machines": _W("Machines", "count"),
    "capacity_tokens_per_month": _W("Capacity", "tokens_month"),
    "served_utilization": _W("Capacity used", "share"),
    "billed_hours": _W("Billed hours a month", "hours"),
    "hidden_multiplier": _W("Hidden-cost multiplier", "ratio"),
    "depth": _W("Ownership and reserve", "group"),
    "serving": _W("Serving", "group"),
    "breakevens": _W("Break-even", "group"),
    "engineering_vs_api": _W("Engineering against an API", "group"),
    "monte_carlo": _W("Monte Carlo", "group"),
    # memory fit
    "architecture_known": _W("Architecture known", "flag"),
    "concurrent_sequences": _W("Requests at once", "count"),
    "context_tokens": _W("Context length", "tokens"),
    "gpus_asked": _W("GPUs asked for", "count"),
    "gpus_needed": _W("GPUs needed", "count"),
    "kv_cache_gb": _W("KV cache", "gb"),
    "kv_share_estimate": _W(
        "KV cache estimate", "share", "Of the weights, without an architecture."
    ),
    "needed_gb": _W("Memory a replica", "gb"),
    "nodes": _W("Nodes", "count"),
    "raised": _W("GPUs raised to fit", "flag"),
    "tensor_parallel": _W("Tensor parallel", "count"),
    "usable_per_gpu_gb": _W("Usable memory a GPU", "gb"),
    "usable_share": _W("Usable share of a GPU", "share"),
    "weights_gb": _W("Weights", "gb"),
    # serving and latency
    "concurrency": _W("Requests at once a replica", "count"),
    "planned_concurrency": _W("Planned requests at once", "count"),
    "decode_tokens_per_second": _W("Output rate", "tokens_per_second"),
    "prefill_tokens_per_second": _W("Prefill rate", "tokens_per_second"),
    "prefill_measured": _W("Prefill rate measured", "flag"),
    "requests_per_second": _W("Requests a second", "requests_per_second"),
    "resized_for": _W("Resized for", "list", "Latency targets the concurrency was lowered for."),
    "unmet_targets": _W("Targets missed", "list"),
    "latency": _W("Latency", "group"),
    "measured": _W("Measured", "flag"),
    "e2e_p50_s": _W("End to end p50", "seconds"),
    "e2e_p99_s": _W("End to end p99", "seconds"),
    "ttft_p50_s": _W("First token p50", "seconds"),
    "ttft_p99_s": _W("First token p99", "seconds"),
    "tpot_p50_s": _W("Per output token p50", "seconds"),
    "tpot_p99_s": _W("Per output token p99", "seconds"),
    # ownership depth
    "replicas_needed": _W("Replicas needed", "count"),
    "lines": _W("Line items", "group"),
    "key": _W("Item", "key"),
    "period": _W("Over the period", "money"),
    "in_lens": _W("In this lens", "flag"),
    "period_total": _W("Total over the period", "money"),
    "reserve": _W("Reserve", "group"),
    "reserve_skipped": _W("No reserve", "key"),
    "reserve_note": _W("No reserve", "text"),
    "needed": _W("Replicas needed", "count"),
    "base_availability": _W("Availability of one deployment", "share"),
    "target": _W("Availability target", "share"),
    "applied": _W("Reserve held", "flag"),
    "gpus_per_instance": _W("GPUs an instance", "count"),
    "billed_instance_hours": _W("Billed instance-hours", "hours"),
    "finance": _W("Owned-server finance", "group"),
    "servers": _W("Servers", "count"),
    "gpus_per_server": _W("GPUs a server", "count"),
    "server_price": _W("Server price", "money"),
    "useful_life_years": _W("Useful life", "years"),
    "residual_value": _W("Residual value", "share", "Of the price, at the end of its life."),
    "purchases": _W("Purchases in the period", "count"),
    "last_life_share": _W("Last purchase's life used", "share"),
    "acquisition": _W("A purchase", "money"),
    "average_book_value": _W("Average book value", "money"),
    "book_value_at_end": _W("Book value at the end", "money"),
    "installation_policy": _W("Installation", "key"),
    "capitalised": _W("Book value a purchase", "money"),
    "energy_kwh": _W("Energy at the meter", "kwh"),
    "defaults": _W("Left to the catalog", "group"),
    "field": _W("Figure", "key"),
    "value": _W("Value", "ratio"),
    # break-even against an API, crossings and curves
    "api_option": _W("Against", "name"),
    "reachable": _W("Breaks even", "flag"),
    "one_deployment": _W("On one deployment", "flag"),
    "crossings": _W("Crossings", "group", "Every volume where the cheaper of two options changes."),
    "selfhost_cheaper_above": _W("Self-host cheaper above", "flag"),
    "cheaper_at_start": _W("Cheaper at the smallest volume", "name"),
    "cheaper_at_limit": _W("Cheaper at the search limit", "name"),
    "limit": _W("Searched up to", "tokens_month"),
    "replica_capacity_tokens_per_month": _W("One replica carries", "tokens_month"),
    "error": _W("Could not be found", "text"),
    "a": _W("Option", "name"),
    "b": _W("Against", "name"),
    "a_kind": _W("Kind", "key"),
    "b_kind": _W("Kind", "key"),
    "volume": _W("Volume", "tokens_month"),
    "cheaper_above": _W("Cheaper above", "name"),
    "cheaper_below": _W("Cheaper below", "name"),
    "cost": _W("Monthly cost there", "money_month"),
    "curves": _W("Charts", "group"),
    "workload_tokens_per_month": _W("This workload", "tokens_month"),
    "volumes": _W("Tokens a month", "tokens_month"),
    "series": _W("Series", "group"),
    "step": _W("Steps a replica at a time", "flag"),
    "values": _W("Values", "list"),
    "points": _W("Utilization", "share"),
    # engineering and Monte Carlo
    "vs": _W("Against", "name"),
    "api_spend_saved_monthly": _W("API spend saved", "money_month"),
    "engineering_monthly": _W("Engineering", "money_month"),
    "net_monthly": _W("Net", "money_month"),
    "upfront": _W("One-off cost", "money"),
    "payback_months": _W("Pays back in", "months"),
    "samples": _W("Draws", "count"),
    "seed": _W("Random seed", "name", "Fixes the draws so a result can be recomputed."),
    "api": _W("API", "group"),
    "selfhost": _W("Self-host", "group"),
    "p10": _W("P10", "money_month", "One draw in ten costs less."),
    "p50": _W("Median (P50)", "money_month"),
    "p90": _W("P90", "money_month", "One draw in ten costs more."),
    "p_selfhost_cheaper": _W("Chance self-hosting is cheaper", "share"),
    # hybrid
    "cheap_option": _W("Cheap route", "name"),
    "routed_share": _W("Routed to the cheap model", "share"),
    "escalation_rate": _W("Escalated to the premium model", "share"),
    "cheap_tokens": _W("Tokens on the cheap route", "tokens_month"),
    "premium_tokens": _W("Tokens on the premium route", "tokens_month"),
    # recommendation, cheapest, reliability, milestones, outcome ranking, quality floor
    "recommendation": _W("Recommendation", "group"),
    "option": _W("Option", "name"),
    "reasons": _W("Reasons", "group"),
    "code": _W("Reason", "key"),
    "figures": _W("Figures", "group"),
    "excluded": _W("Excluded options", "list"),
    "cheapest": _W("Cheapest", "name"),
    "reliability": _W("Reliability", "group"),
    "by_option": _W("By option", "group"),
    "milestones": _W("First winning volume", "group"),
    "items": _W("Milestones", "group"),
    "pairs": _W("Each pair", "group"),
    "challenger": _W("Option", "name"),
    "incumbent": _W("Against", "name"),
    "challenger_kind": _W("Kind", "key"),
    "incumbent_kind": _W("Kind", "key"),
    "holds_to_limit": _W("Holds up to the limit", "flag"),
    "lost_at": _W("Lost again at", "tokens_month"),
    "wins_for_good_from": _W("Wins for good from", "tokens_month"),
    "outcome_ranking": _W("Outcome ranking", "group"),
    "ranked": _W("Ranked", "list"),
    "unranked": _W("Not ranked", "list"),
    "quality_floor": _W("Quality floor", "group"),
    "reference": _W("Reference model", "name"),
    "reference_score": _W("Reference score", "ratio"),
    "min_share": _W("Required share", "share"),
    # a reason's figures (planner/engine/recommend.py)
    "yes": _W("Questions answered yes", "count"),
    "threshold": _W("Yes answers to consider self-hosting", "count"),
    "tier": _W("Volume tier", "name"),
    "tier_min": _W("Tier from", "tokens_month"),
    "tier_max": _W("Tier up to", "tokens_month"),
    "gap_min": _W("Gap from", "tokens_month"),
    "gap_max": _W("Gap up to", "tokens_month"),
    "threshold_per_day": _W("Threshold", "tokens_day"),
    "metric": _W("Latency measure", "key"),
    "metrics": _W("Latency measures", "list"),
    "target_s": _W("Latency target", "seconds"),
    "preferred_option": _W("Favoured option", "name"),
    "preferred_kind": _W("Favoured kind", "key"),
    "preferred_monthly": _W("Favoured option a month", "money_month"),
    "cheapest_monthly": _W("Cheapest a month", "money_month"),
    "premium_allowed": _W("Premium the rules may justify", "share"),
    **{key: _W(question, "flag") for key, question in DECISION_QUESTIONS.items()},
    # a sweep's summary (planner/sweep_services.py)
    "option_names": _W("Options", "list"),
    "n_api": _W("API options", "count"),
    "shape": _W("Grid size (volumes, input shares, utilizations)", "list"),
    "wins": _W("Cheapest at", "count", "Grid points where each option is the cheapest."),
    "win_share": _W("Share of the grid", "share"),
    "map": _W("Cheapest option by volume and utilization", "group"),
    "heatmap": _W("Cheapest option by volume, at each slice of the other axes", "group"),
    "columns": _W("Heatmap columns", "key", "The axis across the map: utilization or input share."),
    "column_values": _W("Column values", "list"),
    "slice_axis": _W("Sliced along", "key", "The axis the map is cut at: one map a value."),
    "slice_values": _W("Slice values", "list"),
    "utilizations": _W("GPU utilization", "share"),
    "selfhost_from_volume": _W("Self-hosting wins from", "group"),
    "frontier_count": _W("Places where the cheapest option changes", "count"),
    "frontier": _W("Where the cheapest option changes", "group"),
    "volume_below": _W("Volume below", "tokens_month"),
    "volume_above": _W("Volume above", "tokens_month"),
    "from": _W("From", "name"),
    "to": _W("To", "name"),
}
# Dicts whose keys are not field names: cost lines, or options by name.
RESULT_KEYED_BY = {
    "breakdown": "line",
    "by_option": "option",
    "wins": "option",
    "win_share": "option",
}


def result_words(key: str) -> Words | None:
    """The words, unit and help of a stored result's key (None: a key without words)."""
    return RESULT_KEYS.get(key)


# The inputs a sensitivity (tornado) moves (planner/engine/sensitivity.INPUTS).
SENSITIVITY_INPUTS = {
    "utilization": Words("GPU utilization", "share", "The share of GPU time spent serving."),
    "gpu_price": Words("GPU bill a month", "money_month", "The fleet's hardware bill."),
    "engineer_rate": Words("Engineer hourly rate", "money_per_hour"),
    "volume": Words("Volume", "tokens_month"),
    "input_share": Words("Input share", "share"),
}
