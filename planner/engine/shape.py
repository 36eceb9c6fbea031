"""Request shape: the average input and output tokens of one request.

A workload that states its shape is counted in requests as well as tokens, and its
input share follows from the shape (one rule, :attr:`RequestShape.input_share`):
``input / (input + output)``. The presets are typical shapes, each with why it looks
the way it does; a workload may state its own figures instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_non_negative


@dataclass(frozen=True, slots=True)
class RequestShape:
    """Average tokens of one request: ``input_tokens`` in, ``output_tokens`` out."""

    input_tokens: float
    output_tokens: float

    def __post_init__(self) -> None:
        for field, value in (
            ("request_shape.input_tokens", self.input_tokens),
            ("request_shape.output_tokens", self.output_tokens),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ScenarioError(field, "must be a number of at least 1")
            if not math.isfinite(value) or value < 1:
                raise ScenarioError(field, "must be a number of at least 1")

    @property
    def tokens(self) -> float:
        """Tokens of one request, input and output (also its context length)."""
        return self.input_tokens + self.output_tokens

    @property
    def input_share(self) -> float:
        """The share of tokens that are input: ``input / (input + output)``."""
        return self.input_tokens / self.tokens


@dataclass(frozen=True, slots=True)
class ShapePreset:
    key: str
    label: str
    shape: RequestShape
    why: str


# The one place the presets and their figures live (forms, the API and the CLI read here).
SHAPE_PRESETS: dict[str, ShapePreset] = {
    preset.key: preset
    for preset in (
        ShapePreset(
            "chat_assistant",
            "Chat assistant",
            RequestShape(1_000, 400),
            "a short conversation history and a question in; a few paragraphs out",
        ),
        ShapePreset(
            "rag",
            "Retrieval-augmented answers (RAG)",
            RequestShape(4_000, 300),
            "several retrieved passages fill the prompt; the answer is short and grounded",
        ),
        ShapePreset(
            "agentic_tool_use",
            "Agentic tool use",
            RequestShape(8_000, 150),
            "tool schemas, instructions and earlier steps are sent again every turn; "
            "each turn answers with one short tool call or step",
        ),
        ShapePreset(
            "batch_summarisation",
            "Batch summarisation",
            RequestShape(10_000, 500),
            "a whole document in, an abstract out; run in batches, so latency rarely matters",
        ),
    )
}


def preset_shape(key: str, *, field: str = "request_shape.preset") -> RequestShape:
    try:
        return SHAPE_PRESETS[key].shape
    except KeyError:
        known = ", ".join(SHAPE_PRESETS)
        raise ScenarioError(field, f"unknown preset {key!r} (one of {known})") from None


def requests_for(tokens: float, shape: RequestShape) -> float:
    """Requests that ``tokens`` (input and output together) make at ``shape``."""
    return require_non_negative("tokens_per_month", tokens) / shape.tokens


def cost_per_request(
    *, monthly_cost: float, tokens_per_month: float, shape: RequestShape
) -> float | None:
    """Cost of one average request; ``None`` for a month with no tokens."""
    requests = requests_for(tokens_per_month, shape)
    if requests == 0:
        return None
    return require_non_negative("monthly_cost", monthly_cost) / requests
