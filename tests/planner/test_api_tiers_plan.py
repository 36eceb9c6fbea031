"""A real offer imported from LiteLLM's price map, priced in a plan for a workload that
buys in batch, writes to the cache and sends long requests (issue 17 item 2).

The offer is LiteLLM 1.110.2's ``anthropic.claude-sonnet-4-5-20250929-v1:0`` (Claude
Sonnet 4.5 on Bedrock), imported through the product's own path (``catalog_import_prices``)
and published. Per token in the file: input 3e-06, output 1.5e-05, cache read 3e-07,
cache creation 3.75e-06; ``_batches`` 1.5e-06 / 7.5e-06; ``_above_200k_tokens`` 6e-06 /
2.25e-05 / 6e-07 / 7.5e-06. Per 1M: $3, $15, $0.30, $3.75; batch $1.50 / $7.50; above
200K $6 / $22.50 / $0.60 / $7.50.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from planner import services
from planner.bridge.plans import build_inputs
from planner.labels import LINE_LABELS
from planner.models import Workload
from pricing.models import ApiOffer
from pricing.services import catalog_import_prices, catalog_version_publish

pytestmark = pytest.mark.django_db

LITELLM = Path(settings.BASE_DIR).parent / "shared" / "reference" / "real"
LITELLM_FILE = "litellm-model-prices-1.110.2.json"
BEDROCK_SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
# 100M tokens a month, 80% input, half of it read from the cache and 10% written to it,
# 40% through the batch API, 25% of the tokens in requests above 200K input tokens.
TRAFFIC = {
    "input_share": Decimal("0.8"),
    "cached_share": Decimal("0.5"),
    "cache_write_share": Decimal("0.1"),
    "batch_share": Decimal("0.4"),
    "long_context_shares": [{"above_tokens": 200_000, "share": 0.25}],
}


@pytest.fixture(scope="module")
def litellm_bytes() -> bytes:
    return (LITELLM / LITELLM_FILE).read_bytes()


@pytest.fixture
def litellm_version(db, litellm_bytes):
    version, report = catalog_import_prices(
        content=litellm_bytes, filename=LITELLM_FILE, price_format="litellm", actor=None
    )
    assert report.created
    return catalog_version_publish(version=version, actor=None)


def _plan(cast, version, name: str, **fields):
    workload = services.workload_create(
        organization=cast.org,
        actor=cast.owner,
        name=name,
        tokens_per_month=100_000_000,
        **fields,
    )
    offer = ApiOffer.objects.get(version=version, model_name=BEDROCK_SONNET)
    plan = services.plan_create(
        organization=cast.org,
        actor=cast.owner,
        name=name,
        workload=workload,
        catalog_version=version,
        options=[{"kind": "api", "api_offer": offer, "name": "Sonnet"}],
    )
    return plan, services.plan_compute(plan=plan, actor=cast.owner)


def test_the_imported_offer_is_priced_for_the_workloads_traffic(cast, litellm_version):
    plan, comparison = _plan(cast, litellm_version, "Batch and long", **TRAFFIC)
    # The snapshot carries what the import stored, per 1M tokens.
    snap = build_inputs(plan)["options"][0]["api"]
    assert (snap["input_per_mtok"], snap["output_per_mtok"]) == (3.0, 15.0)
    assert (snap["cached_input_per_mtok"], snap["cache_write_per_mtok"]) == (0.3, 3.75)
    assert snap["service_tiers"] == {"batch": {"input_per_mtok": 1.5, "output_per_mtok": 7.5}}
    assert snap["context_tiers"] == [
        {
            "above_tokens": 200_000,
            "input_per_mtok": 6.0,
            "output_per_mtok": 22.5,
            "cached_input_per_mtok": 0.6,
            "cache_write_per_mtok": 7.5,
        }
    ]
    (option,) = comparison.results["options"]
    # Per 1M tokens: 0.32 uncached input, 0.40 cache reads, 0.08 cache writes, 0.20 output.
    # standard short 0.96 + 0.12 + 0.30 + 3.00 = 4.38   (weight 0.6 x 0.75 = 0.45)
    # batch short    0.48 + 0.12 + 0.30 + 1.50 = 2.40   (0.4 x 0.75 = 0.30; batch restates
    #                                                     no cache price: the standard ones)
    # standard long  1.92 + 0.24 + 0.60 + 4.50 = 7.26   (0.6 x 0.25 = 0.15)
    # batch long     0.96 + 0.24 + 0.60 + 2.25 = 4.05   (0.4 x 0.25 = 0.10; input 6 x 1.5/3,
    #                                                     output 22.5 x 7.5/15 = 11.25)
    # 1.971 + 0.720 + 1.089 + 0.405 = $4.185 per 1M -> $418.50 for 100M.
    assert option["monthly"] == {"low": 418.50, "expected": 418.50, "high": 418.50}
    assert option["blended_per_mtok"] == 4.185
    assert option["cost_per_mtok"] == 4.185
    # Where the bill comes from: standard 0.6 x (0.96 + 3) = 2.376, batch 0.4 x (0.48 + 1.5)
    # = 0.792, cache reads 0.12, cache writes 0.30, long-context 0.15 x 2.88 + 0.10 x 1.65
    # = 0.597 per 1M, x 100.
    assert {k: v["expected"] for k, v in option["breakdown"].items()} == {
        "api_standard": 237.60,
        "api_batch": 79.20,
        "api_cache_read": 12.00,
        "api_cache_write": 30.00,
        "api_long_context": 59.70,
    }
    assert sum(v["expected"] for v in option["breakdown"].values()) == pytest.approx(418.50)
    # The stored snapshot recomputes to the same results.
    assert services.comparison_recompute(comparison=comparison) == comparison.results

    page = cast.client_for(cast.owner).get(
        reverse("planner:comparison_detail", args=[comparison.pk])
    )
    html = page.content.decode()
    for key in option["breakdown"]:
        assert f"<td>{LINE_LABELS[key]}</td>" in html
    assert "$59.70" in html
    assert "$418.50" in html

    response = cast.client_for(cast.owner).get(reverse("planner:plan_csv", args=[plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    parts = {row[2]: row[4] for row in rows if len(row) == 6 and row[0] == "Sonnet"}
    assert parts == {
        "total": "418.50",
        "api_standard": "237.60",
        "api_batch": "79.20",
        "api_cache_read": "12.00",
        "api_cache_write": "30.00",
        "api_long_context": "59.70",
    }


def test_defaults_leave_the_same_offer_at_its_standard_price(cast, litellm_version):
    """No shares: 0.8 x 3 + 0.2 x 15 = $5.40 per 1M -> $540.00, one API line as before."""
    _, comparison = _plan(cast, litellm_version, "Plain", input_share=Decimal("0.8"))
    (option,) = comparison.results["options"]
    assert option["monthly"]["expected"] == 540.00
    assert option["blended_per_mtok"] == 5.4
    assert option["breakdown"] == {"api": {"low": 540.0, "expected": 540.0, "high": 540.0}}


# --- the workload's fields: form and service name the field at fault --------------------


def _form_post(cast, **fields):
    data = {
        "name": "Long docs",
        "volume": "100000000",
        "volume_unit": "month",
        "days_per_month": "30",
        "input_share": "80",
        "cached_share": "50",
        "growth_per_month": "0",
        "peak_to_average": "1",
        "downtime_cost_per_hour": "0",
        **fields,
    }
    return cast.client_for(cast.owner).post(reverse("planner:workload_create"), data)


def test_the_workload_form_takes_the_traffic(cast):
    response = _form_post(
        cast, cache_write_share="10", batch_share="40", long_context="200k: 0.25\n1,000,000: 0.05"
    )
    assert response.status_code == 302
    workload = Workload.objects.get(name="Long docs")
    assert (workload.cache_write_share, workload.batch_share) == (Decimal("0.1"), Decimal("0.4"))
    assert (workload.priority_share, workload.flex_share) == (0, 0)
    assert workload.long_context_shares == [
        {"above_tokens": 200_000, "share": 0.25},
        {"above_tokens": 1_000_000, "share": 0.05},
    ]
    edit = cast.client_for(cast.owner).get(reverse("planner:workload_edit", args=[workload.pk]))
    assert edit.context["form"].initial["long_context"] == "200000: 0.25\n1000000: 0.05"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"batch_share": "70", "flex_share": "40"}, "batch_share"),
        ({"cache_write_share": "60"}, "cache_write_share"),  # 50% cached + 60% > 100%
        ({"long_context": "200k: 0.1\n128k: 0.05"}, "long_context"),  # lengths must increase
        ({"long_context": "128k: 0.1\n200k: 0.2"}, "long_context"),  # a longer one, more?
        ({"long_context": "long: 0.1"}, "long_context"),
        ({"priority_share": "150"}, "priority_share"),
    ],
)
def test_the_form_names_the_bad_traffic_field_and_saves_nothing(cast, fields, field):
    response = _form_post(cast, **fields)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not Workload.objects.exists()


def test_the_service_refuses_what_the_engine_cannot_price(cast):
    with pytest.raises(ValidationError) as error:
        services.workload_create(
            organization=cast.org,
            actor=cast.owner,
            name="Bad",
            tokens_per_month=1,
            long_context_shares=[{"above_tokens": 200_000.5, "share": 0.1}],
        )
    assert set(error.value.message_dict) == {"long_context_shares"}
    with pytest.raises(ValidationError) as error:
        services.workload_create(
            organization=cast.org,
            actor=cast.owner,
            name="Bad",
            tokens_per_month=1,
            long_context_shares=[{"above_tokens": 0, "share": 0.1}],
        )
    assert error.value.message_dict == {
        "long_context_shares": ["An input length must be positive."]
    }
    assert not Workload.objects.exists()


def test_every_part_of_an_api_bill_has_words():
    from planner.engine.api import API_PARTS

    assert set(API_PARTS) <= set(LINE_LABELS)


def test_a_sweep_for_the_workload_prices_its_traffic_as_the_plan_does(cast):
    """A sweep started for a workload takes its traffic: at the plan's point the sweep's
    API column is the plan's $418.50 (the offer holds the Bedrock prices above)."""
    from planner.bridge.plans import api_traffic_snapshot
    from planner.bridge.sweeps import clean_sweep_spec, engine_spec
    from planner.engine.sweep import evaluate_chunk
    from pricing.models import Catalog, CatalogSource, CatalogVersion, GpuOffer, VersionStatus

    version = CatalogVersion.objects.create(
        catalog=Catalog.objects.create(name="Traffic"), number=1, title="Traffic"
    )
    source = CatalogSource.objects.create(version=version, key="bedrock", description="Test")
    offer = ApiOffer.objects.create(
        version=version,
        model_name=BEDROCK_SONNET,
        source=source,
        input_per_mtok="3",
        output_per_mtok="15",
        cached_input_per_mtok="0.3",
        cache_write_per_mtok="3.75",
        service_tiers={"batch": {"input": 1.5, "output": 7.5}},
        context_tiers=[
            {
                "above_tokens": 200000,
                "input": 6,
                "output": 22.5,
                "cached_input": 0.6,
                "cache_write": 7.5,
            }
        ],
    )
    gpu = GpuOffer.objects.create(
        version=version,
        sku="H100 80GB",
        gpu_count=1,
        vram_per_gpu_gb=80,
        hourly="2.5",
        source=source,
    )
    version.status = VersionStatus.PUBLISHED
    version.save()
    plan, comparison = _plan(cast, version, "Swept", **TRAFFIC)
    cleaned = clean_sweep_spec(
        {
            "volumes": [100_000_000],
            "input_shares": [0.8],
            "api_offer_ids": [offer.pk],
            "selfhost": [{"gpu_offer_id": gpu.pk, "tokens_per_second": 1500}],
        },
        version=version,
        default_cached_share=0.5,
        default_traffic=api_traffic_snapshot(plan.workload),
    )
    point = evaluate_chunk(engine_spec(cleaned), 0, 1)
    assert round(float(point.api_monthly[0, 0]), 2) == 418.50
    assert comparison.results["options"][0]["monthly"]["expected"] == 418.50


def test_the_live_preview_takes_the_traffic_fields(cast, reference_version):
    """The shipped catalog's offers publish no batch, cache-write or long-context price:
    the same workload with 40% batch, 10% writes and long requests costs what it did
    (a write without a write price is plain input; an unsold tier is standard)."""
    import re

    def monthly(**fields) -> list[str]:
        post = {
            "name": "Chat",
            "volume": "1000000000",
            "volume_unit": "month",
            "days_per_month": "30",
            "input_share": "50",
            "cached_share": "0",
            "growth_per_month": "0",
            "peak_to_average": "1",
            "downtime_cost_per_hour": "0",
            **fields,
        }
        response = cast.client_for(cast.owner).post(reverse("planner:workload_preview"), post)
        html = response.content.decode()
        assert 'data-state="ok"' in html, html
        return re.findall(r'data-monthly="([\d.]+)"', html)

    plain = monthly()
    assert len(plain) == 3  # the guided first plan's: capable API, frontier API, self-host
    assert monthly(batch_share="40", cache_write_share="10", long_context="200k: 0.25") == plain
