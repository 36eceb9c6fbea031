"""A small hand-checkable catalog and plan for tracking tests.

API offer: $3 input / $15 output per 1M tokens. GPU: $2.50 an hour, 720 h a month,
1,000 tokens/s => one replica serves 2.592B tokens a month for $1,800. Workload: 100M
tokens a month, half input, growing 50% a month, engineer $100/h. So the API costs
$900 in month 1 and 900 x 1.5^(m-1) after.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services as planner_services
from pricing.models import (
    ApiOffer,
    Catalog,
    CatalogSource,
    CatalogVersion,
    ExchangeRate,
    GpuOffer,
    VersionStatus,
)
from tests.factories import WorkloadFactory
from tracking import services as tracking_services


def make_version(*, input_price="3", output_price="15", hourly="2.5", rates=(), second_api=None):
    catalog, _ = Catalog.objects.get_or_create(name="Tracking test catalog")
    number = CatalogVersion.objects.filter(catalog=catalog).count() + 1
    version = CatalogVersion.objects.create(catalog=catalog, number=number, title=f"v{number}")
    source = CatalogSource.objects.create(version=version, key="test-2026", description="Test")
    ApiOffer.objects.create(
        version=version,
        model_name="Model A",
        provider="Provider A",
        source=source,
        license="proprietary",
        input_per_mtok=input_price,
        output_per_mtok=output_price,
    )
    if second_api is not None:
        ApiOffer.objects.create(
            version=version,
            model_name="Model B",
            provider="Provider B",
            source=source,
            license="proprietary",
            input_per_mtok=second_api[0],
            output_per_mtok=second_api[1],
        )
    GpuOffer.objects.create(
        version=version, sku="GPU X", gpu_count=1, vram_per_gpu_gb=80, hourly=hourly, source=source
    )
    for currency, rate, as_of in rates:
        ExchangeRate.objects.create(
            version=version, currency=currency, rate=rate, as_of=as_of, source="test"
        )
    version.status = VersionStatus.PUBLISHED
    version.save()
    return version


def make_plan(org, *, version=None, growth="0.5", **workload_fields):
    version = version or make_version()
    fields = {
        "tokens_per_month": 100_000_000,
        "growth_per_month": Decimal(growth),
        "engineer_hourly_rate": Decimal(100),
        "has_mlops_team": True,
        "open_model_meets_accuracy": True,
        **workload_fields,
    }
    workload = WorkloadFactory(organization=org, **fields)
    return planner_services.plan_create(
        organization=org,
        actor=None,
        name="Chat assistant",
        workload=workload,
        catalog_version=version,
        options=[
            *(
                {"kind": "api", "api_offer": offer}
                for offer in ApiOffer.objects.filter(version=version).order_by("pk")
            ),
            {
                "kind": "selfhost",
                "model_name": "Open model 8B",
                "gpu_offer": GpuOffer.objects.get(version=version),
                "tokens_per_second": 1000,
            },
        ],
    )


def compute_with_steady_prices(plan, *, actor):
    """Computes `plan` with forecast assumptions of no price decline and a 4-week
    migration, so forecasts follow the catalog's prices as they are."""
    tracking_services.forecast_assumptions_set(
        organization=plan.organization,
        actor=actor,
        plan=plan,
        api_price_decline_per_year=Decimal(0),
        gpu_price_decline_per_year=Decimal(0),
        migration_weeks=Decimal(4),
    )
    planner_services.plan_compute(plan=plan, actor=actor)
    return plan


@pytest.fixture
def plan(cast):
    return make_plan(cast.org)
