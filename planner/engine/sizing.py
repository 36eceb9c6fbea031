"""How much GPU memory a model needs and how many GPUs of a SKU hold it.

Weights take ``params (billions) x bytes per parameter`` GB (decimal GB, as the
reference VRAM table: 70B at FP16 -> 140 GB; a GPU's "80 GB" is read the same way,
which errs a few percent towards more GPUs).

:func:`fit_replica` is what plans price on: weights + KV cache (layers x KV heads x
head dimension x 2 x bytes x context x concurrent sequences, from the model's published
architecture) inside the usable share of each GPU, as a tensor-parallel degree the node
allows. :func:`size_model` is the older rough rule (weights + a stated fraction) that
the reference table's "weights-only" column and stored schema-1 comparisons use.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.engine.errors import ScenarioError, require_non_negative, require_positive

BYTES_PER_PARAM: dict[str, float] = {
    "fp32": 4.0,
    "fp16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
}
DEFAULT_OVERHEAD_FRACTION = 0.2


def bytes_per_param(precision: str) -> float:
    try:
        return BYTES_PER_PARAM[precision.lower()]
    except KeyError:
        known = ", ".join(sorted(BYTES_PER_PARAM))
        raise ScenarioError(
            "precision", f"unknown precision {precision!r} (one of {known})"
        ) from None


def weights_vram_gb(params_b: float, *, precision: str = "fp16") -> float:
    """GB for the weights alone: 70B at FP16 -> 140 GB, at INT4 -> 35 GB."""
    return require_positive("params_b", params_b) * bytes_per_param(precision)


def vram_needed_gb(
    params_b: float,
    *,
    precision: str = "fp16",
    overhead_fraction: float = DEFAULT_OVERHEAD_FRACTION,
) -> float:
    """Weights plus ``overhead_fraction`` of them for KV cache and activations."""
    overhead = require_non_negative("overhead_fraction", overhead_fraction)
    return weights_vram_gb(params_b, precision=precision) * (1.0 + overhead)


def gpus_needed(*, vram_needed_gb: float, gpu_vram_gb: float) -> int:
    """Smallest number of GPUs whose pooled memory holds ``vram_needed_gb`` (at least 1)."""
    needed = require_non_negative("vram_needed_gb", vram_needed_gb)
    per_gpu = require_positive("gpu_vram_gb", gpu_vram_gb)
    # A hair of tolerance so 160 GB on 2x80 GB is 2 GPUs, not 3 from float noise.
    return max(1, math.ceil(needed / per_gpu - 1e-9))


@dataclass(frozen=True, slots=True)
class Sizing:
    params_b: float
    precision: str
    overhead_fraction: float
    weights_gb: float
    needed_gb: float
    gpu_vram_gb: float
    gpus: int


def size_model(
    *,
    params_b: float,
    gpu_vram_gb: float,
    precision: str = "fp16",
    overhead_fraction: float = DEFAULT_OVERHEAD_FRACTION,
) -> Sizing:
    """Memory and GPU count for a model on a GPU SKU."""
    weights = weights_vram_gb(params_b, precision=precision)
    needed = vram_needed_gb(params_b, precision=precision, overhead_fraction=overhead_fraction)
    return Sizing(
        params_b=float(params_b),
        precision=precision.lower(),
        overhead_fraction=float(overhead_fraction),
        weights_gb=weights,
        needed_gb=needed,
        gpu_vram_gb=float(gpu_vram_gb),
        gpus=gpus_needed(vram_needed_gb=needed, gpu_vram_gb=gpu_vram_gb),
    )


# --- Fitting a replica: weights + KV cache + runtime reserve -> GPUs ---------------------

# vLLM's default gpu_memory_utilization: 10% of each GPU is held back for the CUDA
# context, activations and CUDA graphs; the rest holds weights and KV cache.
USABLE_MEMORY_SHARE = 0.9
# Tensor parallelism splits attention heads and matmuls evenly over the GPUs of one
# node, so a replica inside a node takes 1, 2, 4 or 8 GPUs (the NVLink/HGX domain).
GPUS_PER_NODE = 8
# KV cache is kept at 16 bits (vLLM's kv_cache_dtype "auto" for FP16/BF16 activations),
# whatever the weights' precision, unless an option states another.
KV_CACHE_BYTES = 2.0
# When a plan states neither: one request's context and the sequences a replica keeps
# in flight (a modest batch; published throughput is measured at tens of streams).
DEFAULT_CONTEXT_TOKENS = 4096
DEFAULT_CONCURRENT_SEQUENCES = 16
# A model whose architecture is not in the catalog: KV cache as a share of its weights
# (the planning rule before architectures were held), said in the fit's note.
UNKNOWN_ARCHITECTURE_KV_SHARE = 0.2
GB = 1e9


@dataclass(frozen=True, slots=True)
class Architecture:
    """What the KV cache of a model depends on, from its published configuration.

    ``attention`` is ``"gqa"`` (multi-head and grouped-query: K and V per KV head) or
    ``"mla"`` (multi-head latent attention, DeepSeek: one compressed latent per layer,
    ``head_dim`` values wide, holding K and V together).
    """

    layers: int
    kv_heads: int
    head_dim: int
    max_context: int | None = None
    attention: str = "gqa"

    def __post_init__(self) -> None:
        for field in ("layers", "kv_heads", "head_dim"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ScenarioError(f"model.{field}", "must be a whole number >= 1")
        if self.attention not in ("gqa", "mla"):
            raise ScenarioError("model.attention", "must be 'gqa' or 'mla'")

    def kv_values_per_token(self, *, tensor_parallel: int = 1) -> int:
        """Cached values per token over all layers (K and V, or MLA's one latent).

        Tensor parallelism over more GPUs than KV heads copies a head onto each GPU
        (vLLM replicates them), so the cache grows to one head per GPU.
        """
        if self.attention == "mla":
            return self.layers * self.head_dim
        heads = max(self.kv_heads, tensor_parallel)
        return self.layers * 2 * heads * self.head_dim


@dataclass(frozen=True, slots=True)
class ReplicaFit:
    """The memory one replica needs and the GPUs that hold it.

    ``gpus`` is what the replica is priced on: the GPUs asked for, or more when they
    cannot hold the model (``raised``), never fewer.
    """

    weights_gb: float
    kv_cache_gb: float
    needed_gb: float
    usable_per_gpu_gb: float
    context_tokens: int
    concurrent_sequences: int
    architecture_known: bool
    gpus_needed: int
    gpus_asked: int
    gpus: int
    tensor_parallel: int
    nodes: int

    @property
    def raised(self) -> bool:
        return self.gpus > self.gpus_asked


def kv_cache_gb(
    architecture: Architecture | None,
    *,
    weights_gb: float,
    context_tokens: int,
    concurrent_sequences: int,
    kv_bytes: float = KV_CACHE_BYTES,
    tensor_parallel: int = 1,
) -> float:
    """KV cache for ``concurrent_sequences`` requests of ``context_tokens`` each.

    Llama 3.3 70B (80 layers x 8 KV heads x 128) at 16 bits: 80 x 8 x 128 x 2 x 2 B =
    327,680 B a token; 16 sequences of 4,096 tokens -> 21.47 GB.
    """
    if architecture is None:
        return weights_gb * UNKNOWN_ARCHITECTURE_KV_SHARE
    tokens = context_tokens * concurrent_sequences
    values = architecture.kv_values_per_token(tensor_parallel=tensor_parallel)
    return values * kv_bytes * tokens / GB


def fit_replica(
    *,
    params_b: float,
    precision: str,
    gpu_vram_gb: float,
    architecture: Architecture | None = None,
    context_tokens: int | None = None,
    concurrent_sequences: int | None = None,
    gpus_asked: int = 1,
    gpus_per_node: int = GPUS_PER_NODE,
    allow_multi_node: bool = False,
) -> ReplicaFit:
    """GPUs per replica for a model on a GPU: a tensor-parallel degree a node allows.

    Needed memory = weights (params x bytes at the precision) + KV cache; it must fit
    in the GPUs' usable memory (:data:`USABLE_MEMORY_SHARE` of each). Inside a node
    the degree is a power of two up to the node's GPUs; beyond one node, whole nodes
    (pipeline stages) and only when ``allow_multi_node``, else the fit is refused.
    A context longer than the model's maximum is refused. The replica is priced on
    ``max(gpus_asked, gpus_needed)``.
    """
    vram = require_positive("gpu_vram_gb", gpu_vram_gb)
    if isinstance(gpus_asked, bool) or not isinstance(gpus_asked, int) or gpus_asked < 1:
        raise ScenarioError("gpu_count", "must be a whole number >= 1")
    node = max(1, int(gpus_per_node))
    context = DEFAULT_CONTEXT_TOKENS if context_tokens is None else int(context_tokens)
    sequences = (
        DEFAULT_CONCURRENT_SEQUENCES if concurrent_sequences is None else int(concurrent_sequences)
    )
    if context < 1:
        raise ScenarioError("context_tokens", "must be a whole number >= 1")
    if sequences < 1:
        raise ScenarioError("concurrent_sequences", "must be a whole number >= 1")
    if architecture and architecture.max_context and context > architecture.max_context:
        raise ScenarioError(
            "context_tokens",
            f"{context:,} tokens is longer than the model's maximum context "
            f"({architecture.max_context:,})",
        )
    weights = weights_vram_gb(params_b, precision=precision)
    usable = vram * USABLE_MEMORY_SHARE

    def needed_at(gpus: int) -> float:
        kv = kv_cache_gb(
            architecture,
            weights_gb=weights,
            context_tokens=context,
            concurrent_sequences=sequences,
            tensor_parallel=min(gpus, node),
        )
        return weights + kv

    gpus = _fewest_gpus(needed_at, usable, node=node, allow_multi_node=allow_multi_node)
    priced = max(gpus, gpus_asked)
    needed = needed_at(priced)
    return ReplicaFit(
        weights_gb=weights,
        kv_cache_gb=needed - weights,
        needed_gb=needed,
        usable_per_gpu_gb=usable,
        context_tokens=context,
        concurrent_sequences=sequences,
        architecture_known=architecture is not None,
        gpus_needed=gpus,
        gpus_asked=gpus_asked,
        gpus=priced,
        tensor_parallel=min(priced, node),
        nodes=-(-priced // node),
    )


def _fewest_gpus(
    needed_at: Callable[[int], float], usable_gb: float, *, node: int, allow_multi_node: bool
) -> int:
    # A hair of tolerance so float noise never adds a GPU at an exact fit.
    def holds(gpus: int) -> bool:
        return gpus * usable_gb >= needed_at(gpus) - 1e-9

    degree = 1
    while degree <= node:
        if holds(degree):
            return degree
        degree *= 2
    if holds(node):  # a node of 6 GPUs, say: its whole width
        return node
    needed = needed_at(node)
    nodes = math.ceil(needed / (usable_gb * node) - 1e-9)
    if not allow_multi_node:
        raise ScenarioError(
            "allow_multi_instance",
            f"the model needs {needed:,.0f} GB but one node of {node} GPUs holds "
            f"{usable_gb * node:,.0f} GB usable: allow a replica to span {nodes} nodes, "
            "use a lower precision or a GPU with more memory",
        )
    return nodes * node
