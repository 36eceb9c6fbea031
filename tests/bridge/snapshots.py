"""Schema-2 plan snapshots written by hand, for the bridge's tests without a database.

A snapshot is the JSON ``planner.bridge.plans.snapshot_of`` stores on a comparison: it is
the bridge's input contract, so a test can write one directly. The defaults describe a
small plan: 1B tokens a month at 50/50 input, one API offer and one rented A100 at $2/h.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

TIMES = "\u00d7"
# Four comparisons stored by the schema-1 code (tests/planner/test_stored_v1.py).
STORED_V1: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "planner" / "data" / "comparisons_v1.json").read_text()
)


def by_name(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A stored result's options by name."""
    return {option["name"]: option for option in results["options"]}


def api_snap(
    name: str = "GPT-5 (OpenAI) \u00b7 feb-2026",
    *,
    input_per_mtok: float | None = 1.25,
    output_per_mtok: float = 10.0,
    cached: float | None = None,
    tiers: list[dict[str, Any]] | None = None,
    model_name: str | None = "GPT-5",
    private: bool = False,
    p99: float | None = 1.2,
) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "api",
        "p99_latency_s": p99,
        "api": {
            "label": name,
            "key": [model_name or "model", "OpenAI", "feb-2026"],
            "model_name": model_name,
            "input_per_mtok": input_per_mtok,
            "output_per_mtok": output_per_mtok,
            "cached_input_per_mtok": cached,
            "private": private,
            "tiers": tiers or [],
        },
    }


def selfhost_snap(
    name: str = "Llama on A100",
    *,
    hourly: tuple[float, float] = (2.0, 2.0),
    tps: tuple[float, float, float] = (1500.0, 1500.0, 1500.0),  # low, planning, high
    count: int = 1,
    gpus_per_instance: int | None = None,
    utilization: float = 1.0,
    hidden_items: list[tuple[float, float]] = (),  # type: ignore[assignment]
    hidden_multiplier: float | None = None,
    labor_hours: float = 0.0,
    labor_rate: tuple[float, float] = (0.0, 0.0),
    other_monthly: float = 0.0,
    billing_mode: str = "always_on",
    window_hours: float | None = None,
    pricing_type: str = "on_demand",
    owned: dict[str, Any] | None = None,
    replica_availability: float = 0.99,
    region_availability: float = 1.0,
    ops_fte: float = 0.0,
    ops_fte_monthly_cost: float = 0.0,
    implementation_one_off: float = 0.0,
    buffer_fraction: float = 0.0,
    p99: float | None = 2.0,
    model_name: str = "Llama 3.3 70B",
) -> dict[str, Any]:
    per_instance = gpus_per_instance or count
    depth: dict[str, Any] = {
        "headroom": utilization,
        "ops_fte": ops_fte,
        "ops_fte_monthly_cost": ops_fte_monthly_cost,
        "implementation_one_off": implementation_one_off,
        "replica_availability": replica_availability,
        "region_availability": region_availability,
        "allow_multi": False,
        "gpus_per_replica": count,
    }
    if owned is None:
        depth |= {
            "kind": "rented",
            "gpus_per_instance": per_instance,
            "pricing_type": pricing_type,
            "instance_hourly": (hourly[0] + hourly[1]) / 2 / count * per_instance,
            "buffer_fraction": buffer_fraction,
        }
        pricing: dict[str, Any] = {"type": pricing_type, "hourly": list(hourly)}
    else:
        depth |= {"kind": "owned", **owned}
        pricing = {"type": "owned", "purchase_price": owned["server_price_span"]}
    return {
        "name": name,
        "kind": "selfhost",
        "p99_latency_s": p99,
        "selfhost": {
            "model_name": model_name,
            "params_b": 70.0,
            "precision": "bf16",
            "machine": {
                "label": f"{count}{TIMES} A100 80GB",
                "sku": "A100 80GB",
                "count": count,
                "vram_per_gpu_gb": 80.0,
                "vram_total_gb": 80.0 * count,
                "key": ["A100 80GB", count, "Lambda", "feb-2026"],
            },
            "pricing": pricing,
            "billing": {"mode": billing_mode, "window_hours": window_hours},
            "throughput": {
                "planning": tps[1],
                "range": [tps[0], tps[2]],
                "source": "vLLM bf16 benchmark",
            },
            "utilization": utilization,
            "hidden_items": [
                {"label": f"item {i}", "kind": "monitoring", "monthly": list(pair)}
                for i, pair in enumerate(hidden_items)
            ],
            "hidden_multiplier": hidden_multiplier,
            "labor": {"hours": labor_hours, "hourly_rate": list(labor_rate)},
            "other_monthly": other_monthly,
            "depth": depth,
        },
    }


def hybrid_snap(
    name: str = "Hybrid",
    *,
    cheap_index: int,
    routed_share: float,
    escalation_rate: float = 0.0,
    premium: dict[str, Any] | None = None,
) -> dict[str, Any]:
    snap = copy.deepcopy(premium or api_snap(name))
    snap["name"] = name
    snap["kind"] = "hybrid"
    snap["hybrid"] = {
        "cheap_index": cheap_index,
        "routed_share": routed_share,
        "escalation_rate": escalation_rate,
    }
    return snap


def snapshot(
    options: list[dict[str, Any]] | None = None,
    *,
    tokens: float = 1e9,
    input_share: float = 0.5,
    cached_share: float = 0.0,
    days_per_month: float = 30.0,
    peak_to_average: float = 1.0,
    availability_target: float | None = None,
    downtime_cost_per_hour: float = 0.0,
    api_availability: tuple[float, float] = (0.999, 0.999),
    success_rates: dict[str, float] | None = None,
    volume_tiers: list[dict[str, Any]] | None = None,
    lens: str = "full",
    analysis_months: float = 36.0,
    samples: int = 0,
    seed: int = 20_260_101,
    hours_per_month: float = 720.0,
    **flags: Any,
) -> dict[str, Any]:
    workload = {
        "name": "Support bot",
        "tokens_per_month": tokens,
        "days_per_month": days_per_month,
        "input_share": input_share,
        "cached_share": cached_share,
        "growth_per_month": 0.0,
        "peak_to_average": peak_to_average,
        "latency_p99_target_s": None,
        "availability_target": availability_target,
        "downtime_cost_per_hour": downtime_cost_per_hour,
        "data_must_stay_in_network": False,
        "needs_finetuning": False,
        "has_mlops_team": False,
        "has_idle_gpu_fleet": False,
        "open_model_meets_accuracy": False,
        "task_success_rates": success_rates or {},
    }
    workload |= flags
    return {
        "schema": 2,
        "catalog_version_id": 1,
        "overlay_id": None,
        "hours_per_month": hours_per_month,
        "workload": workload,
        "assumptions": {
            "availability": {
                "api": list(api_availability),
                "selfhost_single_region": [0.99, 0.99],
                "selfhost_multi_region": None,
            },
            "volume_tiers": volume_tiers or [],
        },
        "options": options if options is not None else [api_snap(), selfhost_snap()],
        "monte_carlo": {"samples": samples, "seed": seed},
        "depth": {"lens": lens, "analysis_months": analysis_months},
    }
