"""A sweep point equals the plan at that point (issue 14, "Done when").

One catalog and one workload; a plan and a sweep built from the same rows. At the plan's
own volume, input share and utilization, the sweep names the same cost for every option
(to the cent), the same cheapest option and the same first break-even. The rows exercise
what used to differ: a GPU offer with no spot price and no spot discount of its own (the
plan prices it at spot through the catalog's discount), a volume tier starting at 0,
cached prices, the hidden multiplier and flat costs, peak-to-average, an availability
target, and owned hardware.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from planner import services
from planner.bridge.composition import evaluate
from planner.bridge.plans import build_inputs
from planner.bridge.sweeps import SweepSpecError, clean_sweep_spec, engine_spec
from planner.engine.sweep import breakeven_grid, evaluate_chunk
from tests.factories import OrganizationFactory, WorkloadFactory

pytestmark = pytest.mark.django_db

TOKENS = 2_000_000_000
SHARE = 0.7
UTILIZATION = 0.6


@pytest.fixture
def catalog():
    return make_catalog(spot_discount=True)


def make_catalog(*, spot_discount: bool):
    from pricing.models import (
        ApiOffer,
        Catalog,
        CatalogSource,
        CatalogVersion,
        EngineFigure,
        FigureSection,
        GpuOffer,
        OwnedHardware,
        VersionStatus,
    )

    catalog, _ = Catalog.objects.get_or_create(name="Parity catalog")
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=catalog.versions.count() + 1,
        title="Parity",
        electricity_price_per_kwh=Decimal("0.12"),
        pue=Decimal("1.3"),
    )
    source = CatalogSource.objects.create(version=version, key="parity", description="Test")
    tiered = ApiOffer.objects.create(
        version=version,
        model_name="Frontier",
        provider="Lab",
        source=source,
        license="proprietary",
        input_per_mtok="3",
        output_per_mtok="15",
        cached_input_per_mtok="0.3",
        volume_tiers=[
            {"min_mtok": 0, "input": 2.5, "output": 12},
            {"min_mtok": 800, "input": 2, "output": 10},
        ],
    )
    cheap = ApiOffer.objects.create(
        version=version,
        model_name="Small",
        provider="Lab",
        source=source,
        license="proprietary",
        input_per_mtok="0.5",
        output_per_mtok="1.5",
    )
    gpu = GpuOffer.objects.create(
        version=version,
        sku="H100 80GB",
        gpu_count=1,
        vram_per_gpu_gb=80,
        hourly="2.5",
        source=source,
    )
    if spot_discount:
        EngineFigure.objects.create(
            version=version,
            section=FigureSection.SPOT_DISCOUNT,
            value_low=Decimal("0.5"),
            value_high=Decimal("0.7"),
        )
    hardware = OwnedHardware.objects.create(
        version=version,
        name="8x H100 server",
        vram_gb=640,
        price=Decimal("250000"),
        power_w=Decimal("10000"),
    )
    version.status = VersionStatus.PUBLISHED
    version.save()
    return version, tiered, cheap, gpu, hardware


def test_a_sweep_point_equals_the_plan_at_that_point(catalog):
    version, tiered, cheap, gpu, hardware = catalog
    assert gpu.spot_hourly is None
    assert gpu.spot_discount is None  # only the catalog-wide discount prices spot
    org = OrganizationFactory()
    workload = WorkloadFactory(
        organization=org,
        tokens_per_month=TOKENS,
        input_share=Decimal(str(SHARE)),
        cached_share=Decimal("0.2"),
        peak_to_average=Decimal("1.5"),
        availability_target=Decimal("0.999"),
    )
    plan = services.plan_create(
        organization=org,
        actor=None,
        name="Parity",
        workload=workload,
        catalog_version=version,
        options=[
            {"kind": "api", "name": "frontier", "api_offer": tiered},
            {"kind": "api", "name": "small", "api_offer": cheap},
            {
                "kind": "selfhost",
                "name": "spot",
                "model_name": "Open 70B",
                "gpu_offer": gpu,
                "rent_mode": "spot",
                "tokens_per_second": 1800,
                "utilization": Decimal(str(UTILIZATION)),
                "hidden_multiplier": Decimal("1.2"),
                "other_monthly": Decimal(400),
                "implementation_one_off": Decimal(12000),
            },
            {
                "kind": "selfhost",
                "name": "owned",
                "model_name": "Open 70B",
                "owned_hardware": hardware,
                "rent_mode": "owned",
                "gpu_count": 8,
                "tokens_per_second": 9000,
                "utilization": Decimal(str(UTILIZATION)),
            },
        ],
    )
    results = evaluate(build_inputs(plan))

    cleaned = clean_sweep_spec(
        {
            "volumes": [TOKENS],
            "input_shares": [SHARE],
            "utilizations": [UTILIZATION],
            "cached_share": 0.2,
            "peak_to_average": 1.5,
            "availability_target": 0.999,
            "api_offer_ids": [tiered.pk, cheap.pk],
            "selfhost": [
                {
                    "gpu_offer_id": gpu.pk,
                    # The plan's model: 70B at FP16 with no published architecture is
                    # 140 GB + 20% = 168 GB, four 80 GB GPUs (288 usable) a replica on
                    # both sides.
                    "model_name": "Open 70B",
                    "pricing": "spot",
                    "tokens_per_second": 1800,
                    "hidden_multiplier": 1.2,
                    "hidden_monthly": 400,
                    "implementation_one_off": 12000,
                },
                {
                    "owned_hardware_id": hardware.pk,
                    "model_name": "Open 70B",
                    "count": 8,
                    "tokens_per_second": 9000,
                },
            ],
        },
        version=version,
    )
    assert cleaned["api"][0]["tiers"][0]["from_tokens"] == 0  # kept, as the plan keeps it
    spec = engine_spec(cleaned)
    point = evaluate_chunk(spec, 0, 1)
    sweep_costs = [*point.api_monthly[0], *point.selfhost_monthly[0]]
    plan_costs = [option["monthly"]["expected"] for option in results["options"]]
    assert len(sweep_costs) == len(plan_costs) == 4
    assert results["options"][2]["fit"]["gpus"] == 4  # priced on the GPUs that hold it
    for sweep_cost, plan_cost in zip(sweep_costs, plan_costs, strict=True):
        assert abs(sweep_cost - plan_cost) <= 0.005 + 1e-9
    # The reserve is in both: the fleets hold spares for 99.9%.
    assert results["options"][2]["spares"] + results["options"][2]["regions"] > 1
    plan_names = [option["name"] for option in results["options"]]
    assert plan_names[int(point.cheapest[0])] == results["cheapest"]["name"]
    assert [int(r) for r in point.replicas[0]] == [o["replicas"] for o in results["options"][2:]]

    # The break-even of each fleet against each API offer: the plan's first crossing.
    grid = breakeven_grid(spec)
    for c, fleet in enumerate(results["options"][2:]):
        for row in fleet["breakevens"]:
            o = plan_names.index(row["api_option"])
            value = grid[0, 0, o, c]
            if row["tokens_per_month"] is not None:
                assert value == row["tokens_per_month"]
            elif not row["reachable"]:
                assert math.isnan(value)


def test_spot_without_any_price_or_discount_names_the_option():
    # No spot price, no discount on the offer, none catalog-wide: the plan refuses too.
    version, tiered, _cheap, gpu, hardware = make_catalog(spot_discount=False)
    request = {
        "volumes": [TOKENS],
        "api_offer_ids": [tiered.pk],
        "selfhost": [
            {"owned_hardware_id": hardware.pk, "count": 8, "tokens_per_second": 9000},
            {"gpu_offer_id": gpu.pk, "pricing": "spot", "tokens_per_second": 1800},
        ],
    }
    with pytest.raises(SweepSpecError) as error:
        clean_sweep_spec(request, version=version)
    assert error.value.field == "selfhost[1].pricing"
    assert "no spot price or discount" in error.value.message
    request["selfhost"] = [
        {"owned_hardware_id": hardware.pk, "tokens_per_second": 9000, "billing": "window"}
    ]
    with pytest.raises(SweepSpecError) as error:
        clean_sweep_spec(request, version=version)
    assert error.value.field == "selfhost[0].billing"


def test_a_spec_stored_before_schema_2_prices_as_it_did():
    # A cleaned spec as stored before issue 14: no schema, workload or lens; one-GPU
    # configs with their rate. It keeps its figures: $2.5/h x 720 h, x1.3, + $500.
    stored = {
        "volumes": [1e9],
        "input_shares": [0.5],
        "utilizations": [1.0],
        "cached_share": 0.0,
        "hours_per_month": 720.0,
        "api": [
            {
                "id": 1,
                "name": "Model 0",
                "input_per_mtok": 3.0,
                "output_per_mtok": 15.0,
                "cached_input_per_mtok": None,
                "tiers": [],
            }
        ],
        "selfhost": [
            {
                "gpu_offer_id": 1,
                "name": "1x GPU 0 on-demand",
                "count": 1,
                "tokens_per_second": 1500.0,
                "pricing": "on_demand",
                "rate": 2.5,
                "billing": "always_on",
                "window_hours": None,
                "hidden_monthly": 500.0,
                "hidden_multiplier": 1.3,
            }
        ],
    }
    point = evaluate_chunk(engine_spec(stored), 0, 1)
    assert point.api_monthly[0, 0] == pytest.approx(9000.0)
    assert point.selfhost_monthly[0, 0] == pytest.approx(2.5 * 720 * 1.3 + 500)
    assert point.replicas[0, 0] == 1
