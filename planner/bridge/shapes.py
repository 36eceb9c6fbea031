"""Request-shape presets and the input-share rule, for forms, models and the API.

The engine (:mod:`planner.engine.shape`) is the one place the presets and their figures
live; the Django side reads them here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from planner.engine.shape import SHAPE_PRESETS, RequestShape

SHARE_PLACES = Decimal("0.00001")  # Workload.input_share keeps 5 decimals


def preset_choices() -> list[tuple[str, str]]:
    """(key, label with its figures) for every preset."""
    return [
        (
            p.key,
            f"{p.label} ({p.shape.input_tokens:,.0f} in / {p.shape.output_tokens:,.0f} out)",
        )
        for p in SHAPE_PRESETS.values()
    ]


def preset_figures(key: str) -> tuple[int, int] | None:
    """(input, output) tokens a request of the preset ``key``; None if there is none."""
    preset = SHAPE_PRESETS.get(key)
    if preset is None:
        return None
    return int(preset.shape.input_tokens), int(preset.shape.output_tokens)


def preset_notes() -> list[dict[str, object]]:
    """Every preset with its figures and why, for the form's help and the API docs."""
    return [
        {
            "key": p.key,
            "label": p.label,
            "input_tokens": int(p.shape.input_tokens),
            "output_tokens": int(p.shape.output_tokens),
            "why": p.why,
        }
        for p in SHAPE_PRESETS.values()
    ]


def shape_input_share(input_tokens: int, output_tokens: int) -> Decimal:
    """The engine's rule (input / (input + output)) to the 5 decimals a workload stores."""
    share = RequestShape(input_tokens, output_tokens).input_share
    return Decimal(repr(share)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def workload_shape_snapshot(workload: Any) -> dict[str, Any] | None:
    """A workload row's request shape as snapshot JSON (None: it states none)."""
    if workload.input_tokens_per_request is None or workload.output_tokens_per_request is None:
        return None
    shape = RequestShape(
        float(workload.input_tokens_per_request), float(workload.output_tokens_per_request)
    )
    return {
        "input_tokens": shape.input_tokens,
        "output_tokens": shape.output_tokens,
        "input_share": shape.input_share,
        "preset": workload.request_preset or None,
    }


def shape_context_tokens(workload: Any) -> int | None:
    """Context one request holds: its input and output tokens (None: no request shape)."""
    if workload.input_tokens_per_request is None or workload.output_tokens_per_request is None:
        return None
    return int(workload.input_tokens_per_request) + int(workload.output_tokens_per_request)
