"""GPU memory fit of one replica, each figure derived from first principles (issue 15).

Memory a replica needs = weights + KV cache, inside 90% of each GPU (vLLM's default
gpu_memory_utilization holds back the rest for the CUDA context, activations, graphs):

- weights = params (billions) x bytes per parameter GB (FP16 2, FP8 1, INT4 0.5);
- KV cache = layers x KV heads x head dim x 2 (K and V) x 2 bytes (16-bit cache)
  x context tokens x concurrent sequences.

GPUs per replica: the smallest tensor-parallel degree 1, 2, 4, 8 (one node) whose usable
memory holds it; whole nodes beyond that only when a replica may span nodes.
"""

from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.sizing import Architecture, fit_replica

# Llama 3.3 70B (config.json): 80 layers, 8 KV heads, head dim 128, 131,072 context.
LLAMA_70B = Architecture(layers=80, kv_heads=8, head_dim=128, max_context=131_072)
# 80 x 8 x 128 x 2 x 2 B = 327,680 B a token.
LLAMA_70B_KV_BYTES_PER_TOKEN = 327_680
# Defaults: 16 sequences of 4,096 tokens = 65,536 tokens -> 21.47483648 GB.
DEFAULT_KV_GB = LLAMA_70B_KV_BYTES_PER_TOKEN * 65_536 / 1e9


def llama_70b(precision: str, vram: float, **kw):
    return fit_replica(
        params_b=70, precision=precision, gpu_vram_gb=vram, architecture=LLAMA_70B, **kw
    )


def test_kv_bytes_per_token_follow_the_architecture():
    assert LLAMA_70B.kv_values_per_token() * 2 == LLAMA_70B_KV_BYTES_PER_TOKEN
    assert pytest.approx(21.47483648) == DEFAULT_KV_GB


@pytest.mark.parametrize(
    ("precision", "vram", "weights", "gpus"),
    [
        # FP16: 140 + 21.47 = 161.47 GB. 80 GB GPUs hold 72 usable: 2 x 72 = 144 < 161.47,
        # 4 x 72 = 288 -> 4. 141 GB GPUs hold 126.9: 2 x 126.9 = 253.8 -> 2.
        ("fp16", 80, 140.0, 4),
        ("fp16", 141, 140.0, 2),
        # FP8: 70 + 21.47 = 91.47 GB: 80 GB -> 2 (144); 141 GB -> 1 (126.9 >= 91.47).
        ("fp8", 80, 70.0, 2),
        ("fp8", 141, 70.0, 1),
        # INT4: 35 + 21.47 = 56.47 GB: one 80 GB GPU (72) holds it.
        ("int4", 80, 35.0, 1),
    ],
)
def test_a_70b_model_at_default_context(precision, vram, weights, gpus):
    fit = llama_70b(precision, vram)
    assert fit.weights_gb == pytest.approx(weights)
    assert fit.kv_cache_gb == pytest.approx(DEFAULT_KV_GB)
    assert fit.needed_gb == pytest.approx(weights + DEFAULT_KV_GB)
    assert fit.usable_per_gpu_gb == pytest.approx(vram * 0.9)
    assert (fit.context_tokens, fit.concurrent_sequences) == (4096, 16)
    assert fit.gpus_needed == gpus
    assert fit.gpus == gpus  # one GPU asked: priced at what it needs, never fewer
    assert fit.raised is (gpus > 1)
    assert fit.tensor_parallel == gpus
    assert fit.nodes == 1


@pytest.mark.parametrize(
    ("precision", "vram", "gpus"),
    [
        # Long context: 4 sequences of 131,072 tokens = 524,288 tokens x 327,680 B
        # = 171.80 GB of KV cache.
        # FP8: 70 + 171.80 = 241.80 GB: 80 GB -> 4 (288; 2 x 72 = 144 is short).
        ("fp8", 80, 4),
        # 141 GB -> 2 (253.8 >= 241.80).
        ("fp8", 141, 2),
        # FP16: 140 + 171.80 = 311.80 GB: 80 GB -> 8 (4 x 72 = 288 is short).
        ("fp16", 80, 8),
        # 141 GB -> 4 (507.6; 2 x 126.9 = 253.8 is short).
        ("fp16", 141, 4),
    ],
)
def test_a_70b_model_with_long_contexts(precision, vram, gpus):
    fit = llama_70b(precision, vram, context_tokens=131_072, concurrent_sequences=4)
    kv = LLAMA_70B_KV_BYTES_PER_TOKEN * 524_288 / 1e9
    assert kv == pytest.approx(171.798691840)
    assert fit.kv_cache_gb == pytest.approx(kv)
    assert fit.gpus == gpus


def test_a_context_longer_than_the_model_allows_is_refused():
    with pytest.raises(ScenarioError) as refused:
        llama_70b("fp8", 80, context_tokens=131_073)
    assert refused.value.field == "context_tokens"
    assert "131,072" in str(refused.value)


def test_more_gpus_asked_than_needed_are_priced_as_asked():
    fit = llama_70b("int4", 80, gpus_asked=4)
    assert (fit.gpus_needed, fit.gpus, fit.raised) == (1, 4, False)


def test_a_mixture_of_experts_model_is_sized_on_total_parameters():
    # Llama 4 Maverick: 400B total (17B active), 48 layers, 8 KV heads, head dim 128.
    # KV: 48 x 8 x 128 x 2 x 2 = 196,608 B a token x 65,536 = 12.884901888 GB.
    maverick = Architecture(layers=48, kv_heads=8, head_dim=128, max_context=1_048_576)
    fit = fit_replica(params_b=400, precision="fp8", gpu_vram_gb=80, architecture=maverick)
    # 400 + 12.88 = 412.88 GB: 4 x 72 = 288 is short, 8 x 72 = 576 holds it. Sized on the
    # 17B active parameters it would have been one GPU.
    assert fit.weights_gb == pytest.approx(400.0)
    assert fit.kv_cache_gb == pytest.approx(12.884901888)
    assert fit.gpus == 8
    # INT4: 200 + 12.88 = 212.88 GB -> 4 GPUs (288).
    assert (
        fit_replica(params_b=400, precision="int4", gpu_vram_gb=80, architecture=maverick).gpus == 4
    )


def test_latent_attention_caches_one_latent_and_spans_nodes_only_when_allowed():
    # DeepSeek V3.2 (MLA): 61 layers x 576 cached values (512 latent + 64 rope) x 2 B
    # = 70,272 B a token x 65,536 = 4.605345792 GB; FP8 weights 671 GB -> 675.61 GB.
    mla = Architecture(layers=61, kv_heads=1, head_dim=576, max_context=163_840, attention="mla")
    kw = {"params_b": 671, "precision": "fp8", "architecture": mla}
    # 141 GB GPUs: 8 x 126.9 = 1,015.2 GB holds it in one node.
    assert fit_replica(gpu_vram_gb=141, **kw).gpus == 8
    # 80 GB GPUs: one node holds 576 GB: refused unless a replica may span nodes...
    with pytest.raises(ScenarioError) as refused:
        fit_replica(gpu_vram_gb=80, **kw)
    assert refused.value.field == "allow_multi_instance"
    assert "span 2 nodes" in str(refused.value)
    # ...then ceil(675.61 / 576) = 2 nodes of 8 GPUs.
    spanning = fit_replica(gpu_vram_gb=80, allow_multi_node=True, **kw)
    assert spanning.kv_cache_gb == pytest.approx(4.605345792)
    assert (spanning.gpus, spanning.tensor_parallel, spanning.nodes) == (16, 8, 2)


def test_tensor_parallel_beyond_the_kv_heads_copies_them():
    # GLM-4-32B: 61 layers, 2 KV heads, head dim 128. 48 sequences of 32,768 tokens =
    # 1,572,864 tokens. At TP 2: 61 x 2 x 128 x 2 x 2 = 62,464 B a token -> 98.247 GB;
    # 64 + 98.25 = 162.25 GB > 2 x 72 = 144. At TP 4 each GPU keeps a copy of a head:
    # 61 x 4 x 128 x 2 x 2 = 124,928 B -> 196.494 GB; 64 + 196.49 = 260.49 <= 288.
    glm = Architecture(layers=61, kv_heads=2, head_dim=128, max_context=32_768)
    fit = fit_replica(
        params_b=32,
        precision="fp16",
        gpu_vram_gb=80,
        architecture=glm,
        context_tokens=32_768,
        concurrent_sequences=48,
    )
    assert fit.gpus == 4
    assert fit.kv_cache_gb == pytest.approx(124_928 * 1_572_864 / 1e9)


def test_an_unknown_architecture_is_estimated_and_says_so():
    # No architecture: KV cache as 20% of the weights: 27B FP16 = 54 + 10.8 = 64.8 GB.
    fit = fit_replica(params_b=27, precision="fp16", gpu_vram_gb=80)
    assert fit.architecture_known is False
    assert fit.kv_cache_gb == pytest.approx(10.8)
    assert fit.gpus == 1
    # On 24 GB GPUs (21.6 usable): 2 x 21.6 = 43.2 short, 4 x 21.6 = 86.4 -> 4.
    assert fit_replica(params_b=27, precision="fp16", gpu_vram_gb=24).gpus == 4


def test_a_small_server_is_its_own_node():
    # Qwen3-8B on a 2x RTX 4090 box: 8 x 2 = 16 GB + 36 x 8 x 128 x 2 x 2 = 147,456 B
    # x 65,536 = 9.664 GB -> 25.66 GB > 21.6 (one 24 GB card), <= 43.2 (both).
    qwen = Architecture(layers=36, kv_heads=8, head_dim=128, max_context=40_960)
    fit = fit_replica(
        params_b=8, precision="fp16", gpu_vram_gb=24, architecture=qwen, gpus_per_node=2
    )
    assert fit.gpus == 2
    # The same model with a 4x longer context does not fit the box: 16 + 38.65 = 54.65 GB.
    with pytest.raises(ScenarioError) as refused:
        fit_replica(
            params_b=8,
            precision="fp16",
            gpu_vram_gb=24,
            architecture=qwen,
            gpus_per_node=2,
            context_tokens=16_384,
        )
    assert refused.value.field == "allow_multi_instance"


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("context_tokens", {"context_tokens": 0}),
        ("concurrent_sequences", {"concurrent_sequences": 0}),
        ("gpu_count", {"gpus_asked": 0}),
        ("gpu_vram_gb", {"gpu_vram_gb": 0}),
    ],
)
def test_bad_inputs_name_their_field(field, kw):
    args = {"params_b": 8, "precision": "fp16", "gpu_vram_gb": 80} | kw
    with pytest.raises(ScenarioError) as refused:
        fit_replica(**args)
    assert refused.value.field == field


def test_an_architecture_must_be_whole():
    with pytest.raises(ScenarioError) as refused:
        Architecture(layers=0, kv_heads=8, head_dim=128)
    assert refused.value.field == "model.layers"
    with pytest.raises(ScenarioError) as refused:
        Architecture(layers=1, kv_heads=8, head_dim=128, attention="mqa")
    assert refused.value.field == "model.attention"
