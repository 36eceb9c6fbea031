from __future__ import annotations

import pytest

from planner.engine.errors import ScenarioError
from planner.engine.sizing import gpus_needed, size_model, vram_needed_gb, weights_vram_gb


# The reference VRAM table (weights only); its INT4 column is rounded (3.5 -> 4, 6.5 -> 8,
# 202.5 -> ~200), so those compare with a tolerance.
@pytest.mark.parametrize(
    ("params_b", "fp16", "int4", "int4_tolerance"),
    [(7, 14, 4, 0.5), (13, 26, 8, 1.5), (70, 140, 35, 0), (405, 810, 200, 2.5)],
)
def test_reference_vram_table(
    params_b: float, fp16: float, int4: float, int4_tolerance: float
) -> None:
    assert weights_vram_gb(params_b, precision="fp16") == fp16
    assert weights_vram_gb(params_b, precision="int4") == pytest.approx(int4, abs=int4_tolerance)
    assert vram_needed_gb(params_b, precision="fp16", overhead_fraction=0) == fp16


def test_fp8_is_one_byte_per_param() -> None:
    assert weights_vram_gb(70, precision="FP8") == 70


def test_gpus_needed_with_default_overhead() -> None:
    # 70B FP16 with 20% overhead = 168 GB -> 3x A100 80GB; weights only fits 2x.
    assert size_model(params_b=70, gpu_vram_gb=80).gpus == 3
    assert size_model(params_b=70, gpu_vram_gb=80, overhead_fraction=0).gpus == 2
    # 70B INT4 fits one A100 80GB, as the reference says.
    assert size_model(params_b=70, gpu_vram_gb=80, precision="int4").gpus == 1
    assert gpus_needed(vram_needed_gb=0.0, gpu_vram_gb=24) == 1


def test_unknown_precision_names_the_field() -> None:
    with pytest.raises(ScenarioError) as error:
        weights_vram_gb(7, precision="fp6")
    assert error.value.field == "precision"
