"""The quote's GPU memory fit, figure by figure and refusal by refusal (issue 19).

Weights take ``params x bytes per parameter`` (fp16: 2 bytes, int4: 0.5); the KV cache of
a model whose shape is unknown is taken as 20% of the weights, of a known one
``2 (K and V) x layers x kv_heads x head_dim x 2 bytes x context x sequences``; a GPU
offers 90% of its memory. The defaults: 4,096 tokens of context, 16 sequences.
"""

from __future__ import annotations

from typing import Any

import pytest

from planner.engine.contract import compute_quote, parse_quote
from planner.engine.errors import ScenarioError


def _quote(**selfhost: Any) -> dict[str, Any]:
    data = {
        "tokens_per_month": 1e9,
        "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
        "selfhost": {"monthly": 1440, "tokens_per_second": 1500, **selfhost},
    }
    return compute_quote(parse_quote(data))


def test_an_8b_model_on_one_80gb_gpu() -> None:
    # 8B x 2 bytes = 16 GB; KV 20% = 3.2 GB; 19.2 GB fits in 72 GB of one GPU.
    assert _quote(model={"params_b": 8}, gpu_vram_gb=80)["fit"] == {
        "weights_gb": 16.0,
        "kv_cache_gb": 3.2,
        "needed_gb": 19.2,
        "usable_per_gpu_gb": 72.0,
        "context_tokens": 4096,
        "concurrent_sequences": 16,
        "architecture_known": False,
        "gpus_needed": 1,
        "gpus_per_replica": 1,
        "tensor_parallel": 1,
        "nodes": 1,
    }
    assert "fit" not in _quote()


def test_a_known_shape_sizes_the_kv_cache() -> None:
    # 2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 bytes a token; x 8,192
    # tokens x 16 sequences = 17.18 GB.
    fit = _quote(
        model={"params_b": 8, "layers": 32, "kv_heads": 8, "head_dim": 128, "max_context": 8192},
        gpu_vram_gb=80,
        context_tokens=8192,
        concurrent_sequences=16,
    )["fit"]
    assert fit["kv_cache_gb"] == 17.18
    assert fit["needed_gb"] == 33.18
    assert fit["architecture_known"] is True
    assert (fit["context_tokens"], fit["concurrent_sequences"]) == (8192, 16)


def test_int4_on_a_24gb_gpu() -> None:
    # 8B x 0.5 bytes = 4 GB; KV 0.8 GB; a 24 GB GPU offers 21.6 GB.
    fit = _quote(model={"params_b": 8, "precision": "int4"}, gpu_vram_gb=24)["fit"]
    assert (fit["weights_gb"], fit["kv_cache_gb"], fit["usable_per_gpu_gb"]) == (4.0, 0.8, 21.6)


def test_a_70b_model_on_four_gpus() -> None:
    # 140 GB + 28 GB = 168 GB over 72 GB a GPU: 3 GPUs would do, tensor parallelism
    # takes a power of two: 4.
    fit = _quote(model={"params_b": 70}, gpu_vram_gb=80, gpus_per_replica=4)["fit"]
    assert (fit["needed_gb"], fit["gpus_needed"], fit["gpus_per_replica"]) == (168.0, 4, 4)
    assert (fit["tensor_parallel"], fit["nodes"]) == (4, 1)


def test_a_405b_model_spans_two_nodes() -> None:
    # 810 GB + 162 GB = 972 GB: 14 GPUs of 72 GB; 8 to a node, so 2 nodes of 8.
    fit = _quote(
        model={"params_b": 405},
        gpu_vram_gb=80,
        gpus_per_replica=16,
        gpus_per_instance=8,
        allow_multi_instance=True,
    )["fit"]
    assert (fit["gpus_needed"], fit["gpus_per_replica"]) == (16, 16)
    assert (fit["tensor_parallel"], fit["nodes"]) == (8, 2)


def test_more_gpus_than_needed_are_priced_as_asked() -> None:
    fit = _quote(model={"params_b": 8}, gpu_vram_gb=80, gpus_per_replica=4)["fit"]
    assert (fit["gpus_needed"], fit["gpus_per_replica"], fit["tensor_parallel"]) == (1, 4, 4)


@pytest.mark.parametrize(
    ("selfhost", "field", "message"),
    [
        (
            {"model": {"params_b": 70}, "gpu_vram_gb": 80},
            "selfhost.gpus_per_replica",
            "the model needs 168.0 GB a replica (weights 140.0 GB + KV cache 28.0 GB): 1 GPU(s) "
            "of 80 GB cannot hold it; price a replica of 4 GPUs",
        ),
        ({"gpu_vram_gb": 80}, "selfhost.gpu_vram_gb", "only applies with selfhost.model"),
        ({"context_tokens": 80}, "selfhost.context_tokens", "only applies with selfhost.model"),
        (
            {"concurrent_sequences": 8},
            "selfhost.concurrent_sequences",
            # Requests at once also set a shaped workload's serving concurrency.
            "only applies with selfhost.model or request_shape",
        ),
        ({"model": {"params_b": 70}}, "selfhost.gpu_vram_gb", "required with selfhost.model"),
        (
            {"model": {"params_b": 70, "layers": 80}, "gpu_vram_gb": 80},
            "selfhost.model.kv_heads",
            "required with layers, kv_heads, head_dim",
        ),
        (
            {"model": {"params_b": 70, "layers": 80, "kv_heads": 8}, "gpu_vram_gb": 80},
            "selfhost.model.head_dim",
            "required with layers, kv_heads, head_dim",
        ),
        (
            {"model": {"params_b": 70, "head_dim": 128}, "gpu_vram_gb": 80},
            "selfhost.model.layers",
            "required with layers, kv_heads, head_dim",
        ),
        (
            {"model": {"params_b": 70, "precision": "fp3"}, "gpu_vram_gb": 80},
            "selfhost.model.precision",
            "unknown precision 'fp3' (one of bf16, fp16, fp32, fp8, int4, int8)",
        ),
        ({"model": {"layers": 3}, "gpu_vram_gb": 24}, "selfhost.model.params_b", "required"),
        (
            {
                "model": {
                    "params_b": 8,
                    "attention": "xyz",
                    "layers": 32,
                    "kv_heads": 8,
                    "head_dim": 128,
                },
                "gpu_vram_gb": 80,
            },
            "selfhost.model.attention",
            "must be 'gqa' or 'mla'",
        ),
        (
            {
                "model": {
                    "params_b": 8,
                    "layers": 32,
                    "kv_heads": 8,
                    "head_dim": 128,
                    "max_context": 4096,
                },
                "gpu_vram_gb": 80,
                "context_tokens": 8192,
            },
            "selfhost.context_tokens",
            "8,192 tokens is longer than the model's maximum context (4,096)",
        ),
        (
            {"model": {"params_b": 8, "colour": 1}, "gpu_vram_gb": 80},
            "selfhost.model.colour",
            "unknown field",
        ),
        (
            {"model": {"params_b": 8}, "gpu_vram_gb": 0},
            "selfhost.gpu_vram_gb",
            "must be a positive number",
        ),
    ],
)
def test_fit_refusal_names_the_field_and_the_rule(selfhost, field, message) -> None:
    with pytest.raises(ScenarioError) as refused:
        _quote(**selfhost)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_fit_figures_are_rounded_to_the_megabyte() -> None:
    # 7.61535B x 2 bytes = 15.2307 GB -> 15.231; KV 20% = 3.04614 -> 3.046; needed
    # 18.27684 -> 18.277; a 24.0001 GB GPU offers 21.60009 GB -> 21.6.
    fit = _quote(model={"params_b": 7.61535}, gpu_vram_gb=24.0001)["fit"]
    assert (fit["weights_gb"], fit["kv_cache_gb"], fit["needed_gb"]) == (15.231, 3.046, 18.277)
    assert fit["usable_per_gpu_gb"] == 21.6
