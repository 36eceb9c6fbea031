"""Planner fixtures: the reference catalog (published through pricing's own importer)
and helpers that build the worked-case plans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from planner.models.plans import OptionKind
from pricing.models import ApiOffer, GpuOffer, HiddenCost


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def api_offer(version, model_name: str, source_key: str) -> ApiOffer:
    return ApiOffer.objects.get(version=version, model_name=model_name, source__key=source_key)


def gpu_offer(version, sku: str = "NVIDIA A100 80GB", count: int = 1, key: str = "feb-2026"):
    return GpuOffer.objects.get(version=version, sku=sku, gpu_count=count, source__key=key)


def case4_options(version, **selfhost: object) -> list[dict]:
    """Llama 3.3 70B on 1x A100 80GB ($2/h) vs GPT-5 and DeepSeek V3.2 (feb-2026)."""
    return [
        {"kind": OptionKind.API, "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": OptionKind.API, "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026")},
        {"kind": OptionKind.API, "api_offer": api_offer(version, "Gemini 2.5 Flash", "feb-2026")},
        {
            "kind": OptionKind.SELFHOST,
            "model_name": "Llama 3.3 70B",
            "gpu_offer": gpu_offer(version),
            "precision": "int4",
            **selfhost,
        },
    ]


def make_plan(
    org, actor, version, *, workload=None, options=None, name="Case 4", **workload_fields
):
    from tests.factories import WorkloadFactory

    if workload is None:
        fields = {"tokens_per_month": 1_000_000_000, "input_share": Decimal("0.5")}
        fields.update(workload_fields)
        workload = WorkloadFactory(organization=org, **fields)
    return services.plan_create(
        organization=org,
        actor=actor,
        name=name,
        workload=workload,
        catalog_version=version,
        options=options if options is not None else case4_options(version),
    )


def hidden_item(version, text: str) -> HiddenCost:
    return HiddenCost.objects.get(version=version, item__icontains=text)
