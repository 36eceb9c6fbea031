"""How much GPU memory a model needs and how many GPUs of a SKU hold it.

Weights take ``params (billions) x bytes per parameter`` GB. KV cache and activations
come on top as a stated overhead fraction: 0 gives the "weights-only" figure of the
reference VRAM table, :data:`DEFAULT_OVERHEAD_FRACTION` (20%) is the planning figure.
"""

from __future__ import annotations

import math
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
