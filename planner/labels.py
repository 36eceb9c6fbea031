"""Words for the keys stored results hold: one place, for pages, CSV and the API docs."""

from __future__ import annotations

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

MILESTONE_LABELS = {
    "rented_beats_api": "Rented beats API",
    "owned_beats_api": "Owned beats API",
    "rented_cheapest_overall": "Rented cheapest overall",
    "owned_cheapest_overall": "Owned cheapest overall",
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
KEY_WORDS = {
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
