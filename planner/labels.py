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
