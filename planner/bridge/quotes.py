"""The JSON quote contract shared by ``POST /api/v1/quote`` and ``python -m planner.engine``."""

from __future__ import annotations

from typing import Any

from planner.engine.contract import compute_quote, parse_quote


def quote(payload: Any) -> dict[str, Any]:
    """The quote of a JSON payload; raises ``ScenarioError`` naming the field."""
    return compute_quote(parse_quote(payload))
