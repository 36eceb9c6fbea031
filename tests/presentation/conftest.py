"""A plan with every kind of option and every optional figure, for the words tests.

APIs (one with a private price), a rented fleet on spot instances in business hours, an
owned node, a hybrid route; a workload with a request shape, latency targets, a quality
floor, success rates, an availability target and a downtime cost. Its stored results
hold every key a schema-2 result can hold (the tests walk them).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from pricing.models import OwnedHardware
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer, make_plan


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def every_kind_options(version) -> list[dict]:
    llama = {
        "model_name": "Llama 3.3 70B",
        "params_b": Decimal(70),
        "precision": "fp8",
        "gpu_count": 2,
        "hidden_multiplier": Decimal("1.3"),
        "labor_hours_per_month": Decimal(10),
        "utilization": Decimal("0.8"),
    }
    return [
        {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "Claude Sonnet 4.5", "feb-2026")},
        {"kind": "api", "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026")},
        {
            "kind": "selfhost",
            "name": "Llama on rented H100",
            "gpu_offer": gpu_offer(version, "NVIDIA H100 80GB"),
            "gpus_per_instance": 2,
            **llama,
        },
        {
            "kind": "selfhost",
            "name": "Llama on spot A100, business hours",
            "gpu_offer": gpu_offer(version),
            "rent_mode": "spot",
            "billing_mode": "window",
            "window_hours": Decimal(10),
            "model_name": "Llama 3.3 70B",
            "precision": "int4",
            "tokens_per_second": Decimal(1500),
        },
        {
            "kind": "selfhost",
            "name": "Llama on an owned H100 node",
            "rent_mode": "owned",
            "owned_hardware": OwnedHardware.objects.get(version=version, name="8x H100 HGX node"),
            "gpus_per_server": 8,
            **llama,
            "tokens_per_second": Decimal(1728),
        },
        {
            "kind": "hybrid",
            "api_offer": api_offer(version, "GPT-5", "feb-2026"),
            "cheap_ref": 2,
            "routed_share": Decimal("0.8"),
            "escalation_rate": Decimal("0.1"),
        },
    ]


@pytest.fixture
def every_kind_plan(cast, reference_version):
    """1.5B tokens a month (50M a day), 70% input, with every optional figure stated."""
    workload = WorkloadFactory(
        organization=cast.org,
        name="Support assistant, 50M/day",
        tokens_per_month=1_500_000_000,
        input_share=Decimal("0.7"),
        availability_target=Decimal("0.999"),
        downtime_cost_per_hour=Decimal(2000),
        peak_to_average=Decimal(2),
        input_tokens_per_request=2000,
        output_tokens_per_request=300,
        latency_p99_target_s=Decimal(30),
        quality_reference_model="Llama 4 Maverick",
        quality_min_share=Decimal("0.7"),
        task_success_rates={"GPT-5": 0.9, "Llama 3.3 70B": 0.8},
        has_mlops_team=True,
    )
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        workload=workload,
        options=every_kind_options(reference_version),
        name="Every kind of option",
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan
