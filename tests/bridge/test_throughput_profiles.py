"""Which catalog throughput profile a self-hosted option plans on, and its figure (issue 19).

``pick_throughput_profile`` and ``profile_tokens_per_second`` read catalog profile rows;
a stand-in with a row's attributes serves here (tests/planner exercises them on the
reference catalog). The rules, from the docstring: the GPU SKU and count must match; the
model must match by name or by size (within 0.5B); a named model beats a same-sized one;
a matching precision beats a blank, which beats another precision.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from planner.bridge.plans import (
    _count_in_setup,
    _params_in_text,
    comparison_columns,
    pick_throughput_profile,
    profile_tokens_per_second,
)


def profile(**changes: Any) -> SimpleNamespace:
    row = {
        "setup": "vLLM, 1x A100 80GB",
        "gpu_sku": "NVIDIA A100 80GB",
        "gpu_count": 1,
        "model_name": "Llama 3.3 70B",
        "model_params_b": 70.0,
        "precision": "fp8",
        "planning_tok_s": None,
        "aggregate_output_tok_s": None,
        "output_tok_s_per_gpu": None,
        "output_tok_s_low": None,
        "output_tok_s_high": None,
        "single_stream_output_tok_s": None,
        **changes,
    }
    return SimpleNamespace(**row)


@pytest.mark.parametrize(
    ("changes", "gpus", "figure"),
    [
        # The planning figure first, widened to include it.
        (
            {"planning_tok_s": 900, "output_tok_s_low": 1000, "output_tok_s_high": 1200},
            1,
            (900.0, [900.0, 1200.0]),
        ),
        ({"aggregate_output_tok_s": 800}, 1, (800.0, [800.0, 800.0])),
        # Per GPU times the GPUs.
        ({"output_tok_s_per_gpu": 300}, 4, (1200.0, [1200.0, 1200.0])),
        # The middle of a range.
        ({"output_tok_s_low": 1000, "output_tok_s_high": 1400}, 1, (1200.0, [1000.0, 1400.0])),
        # One end of a range only: the single stream figure.
        ({"output_tok_s_low": 1000, "single_stream_output_tok_s": 50}, 1, (50.0, [50.0, 50.0])),
        ({"single_stream_output_tok_s": 50}, 1, (50.0, [50.0, 50.0])),
        ({}, 1, None),
    ],
)
def test_profile_tokens_per_second(changes, gpus, figure) -> None:
    assert profile_tokens_per_second(profile(**changes), gpu_count=gpus) == figure


def _pick(profiles: list[SimpleNamespace], **ask: Any) -> SimpleNamespace | None:
    query = {
        "model_name": "Llama 3.3 70B",
        "params_b": 70.0,
        "gpu_sku": "A100 80GB",
        "gpu_count": 1,
        "precision": "fp8",
        **ask,
    }
    return pick_throughput_profile(profiles, **query)


def test_the_gpu_and_its_count_must_match() -> None:
    found = profile(planning_tok_s=1000)
    assert _pick([found]) is found  # "NVIDIA" and case are ignored in the SKU
    assert _pick([found], gpu_sku="H100 80GB") is None
    assert _pick([found], gpu_count=2) is None
    # No SKU on the row: the setup text must name it; no count: the setup's "2x".
    by_setup = profile(gpu_sku="", gpu_count=None, setup="vLLM 2x A100 80GB", planning_tok_s=1)
    assert _pick([by_setup], gpu_count=2) is by_setup
    assert _pick([by_setup], gpu_count=1) is None
    # Neither count nor "Nx" in the setup: one GPU.
    plain = profile(gpu_count=None, setup="vLLM A100", planning_tok_s=1)
    assert _pick([plain]) is plain


def test_a_named_model_beats_one_of_the_same_size() -> None:
    same_size = profile(model_name="Qwen 72B", model_params_b=70.3, planning_tok_s=2000)
    named = profile(planning_tok_s=1000)
    assert _pick([same_size, named]) is named
    assert _pick([same_size]) is same_size  # within 0.5B
    too_big = profile(model_name="Qwen 72B", model_params_b=70.6, planning_tok_s=1)
    assert _pick([too_big]) is None
    # The size may come from the setup text ("70B"); without a size at all, no match.
    from_setup = profile(
        model_name="", model_params_b=None, setup="vLLM, 70B, 1x A100 80GB", planning_tok_s=1
    )
    assert _pick([from_setup], model_name="Other") is from_setup
    assert _pick([from_setup], model_name="Other", params_b=None) is None
    # The model named in the setup text counts as named.
    in_setup = profile(
        model_name="", model_params_b=None, setup="Llama 3.3 70B on 1x A100 80GB", planning_tok_s=1
    )
    assert _pick([in_setup, same_size]) is in_setup


def test_a_matching_precision_beats_a_blank_which_beats_another() -> None:
    other = profile(precision="int4", planning_tok_s=3)
    blank = profile(precision="", planning_tok_s=2)
    same = profile(precision="FP8", planning_tok_s=1)
    assert _pick([other, blank, same]) is same
    assert _pick([other, blank]) is blank
    assert _pick([other]) is other
    # A profile without an output figure is skipped; ties keep the first.
    assert _pick([profile(), other]) is other
    first, second = profile(planning_tok_s=1), profile(planning_tok_s=2)
    assert _pick([first, second]) is first


def test_setup_text_readers() -> None:
    assert _count_in_setup("vLLM 8x H100") == 8
    assert _count_in_setup("8 x H100") == 8
    assert _count_in_setup("H100") is None
    assert _params_in_text("Llama 3.3 70B") == 70.0
    assert _params_in_text("Qwen2.5 1.5b instruct") == 1.5
    assert _params_in_text("Llama 3.3") is None


def test_comparison_columns() -> None:
    results = {
        "recommendation": {"option": "A100"},
        "cheapest": {"name": "A100", "monthly": 1440.5},
        "tokens_per_month": 1e9 + 0.4,
    }
    # Stored money (already in cents) as a Decimal of two places, volume to whole tokens.
    columns = comparison_columns(results)
    assert columns["recommended_option"] == "A100"
    assert columns["cheapest_option"] == "A100"
    assert str(columns["cheapest_monthly"]) == "1440.50"
    assert columns["tokens_per_month"] == 1_000_000_000
    empty = comparison_columns(
        {"recommendation": {"option": None}, "cheapest": None, "tokens_per_month": 5.6}
    )
    assert empty == {
        "recommended_option": "",
        "cheapest_option": "",
        "cheapest_monthly": None,
        "tokens_per_month": 6,
    }
