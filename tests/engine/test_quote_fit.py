"""The quote's GPU memory fit: reported, or a replica too small refused (issue 15)."""

from __future__ import annotations

import pytest

from planner.engine.contract import compute_quote, parse_quote
from planner.engine.errors import ScenarioError

LLAMA_70B = {"params_b": 70, "layers": 80, "kv_heads": 8, "head_dim": 128, "max_context": 131072}


def quote(**selfhost):
    return {
        "tokens_per_month": 1e9,
        "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
        "selfhost": {"monthly": 1440, "tokens_per_second": 1500, **selfhost},
    }


def test_a_fitting_replica_reports_its_fit_and_keeps_its_price():
    # INT4: 35 GB + 80 x 8 x 128 x 2 x 2 B x 65,536 = 21.475 GB = 56.475 GB <= 72: one GPU.
    result = compute_quote(
        parse_quote(quote(model={**LLAMA_70B, "precision": "int4"}, gpu_vram_gb=80))
    )
    assert result["fit"] == {
        "weights_gb": 35.0,
        "kv_cache_gb": 21.475,
        "needed_gb": 56.475,
        "usable_per_gpu_gb": 72.0,
        "context_tokens": 4096,
        "concurrent_sequences": 16,
        "architecture_known": True,
        "gpus_needed": 1,
        "gpus_per_replica": 1,
        "tensor_parallel": 1,
        "nodes": 1,
    }
    # Worked case 4's figures are untouched: $1,440, 3.888B tokens a month.
    assert result["selfhost_monthly"] == 1440.0
    assert result["capacity_tokens_per_month"] == 3_888_000_000
    assert "fit" not in compute_quote(parse_quote(quote()))


def test_a_replica_too_small_is_refused_with_the_gpus_it_needs():
    # FP8: 70 + 21.475 = 91.475 GB > 72: two GPUs a replica.
    with pytest.raises(ScenarioError) as refused:
        parse_quote(quote(model={**LLAMA_70B, "precision": "fp8"}, gpu_vram_gb=80))
    assert refused.value.field == "selfhost.gpus_per_replica"
    assert "needs 91.5 GB" in refused.value.message
    assert "price a replica of 2 GPUs" in refused.value.message
    # Two GPUs a replica, on a two-GPU instance: priced as given.
    result = compute_quote(
        parse_quote(
            quote(
                model={**LLAMA_70B, "precision": "fp8"},
                gpu_vram_gb=80,
                gpus_per_replica=2,
                gpus_per_instance=2,
            )
        )
    )
    assert (result["fit"]["gpus_needed"], result["fit"]["gpus_per_replica"]) == (2, 2)


@pytest.mark.parametrize(
    ("selfhost", "field"),
    [
        ({"gpu_vram_gb": 80}, "selfhost.gpu_vram_gb"),
        ({"model": LLAMA_70B}, "selfhost.gpu_vram_gb"),
        ({"model": {"layers": 80}, "gpu_vram_gb": 80}, "selfhost.model.params_b"),
        ({"model": {"params_b": 7, "layers": 32}, "gpu_vram_gb": 80}, "selfhost.model.kv_heads"),
        (
            {"model": {"params_b": 7, "precision": "fp4"}, "gpu_vram_gb": 80},
            "selfhost.model.precision",
        ),
        (
            {
                "model": {**LLAMA_70B, "precision": "int4"},
                "gpu_vram_gb": 80,
                "context_tokens": 200000,
            },
            "selfhost.context_tokens",
        ),
        (
            {
                "model": {
                    "params_b": 7,
                    "attention": "x",
                    "layers": 1,
                    "kv_heads": 1,
                    "head_dim": 1,
                },
                "gpu_vram_gb": 80,
            },
            "selfhost.model.attention",
        ),
    ],
)
def test_bad_fit_inputs_name_their_field(selfhost, field):
    with pytest.raises(ScenarioError) as refused:
        parse_quote(quote(**selfhost))
    assert refused.value.field == field
