"""Quality honestly and energy and carbon, through a plan: results, page and CSV.

The reference catalog's published figures (catalog-2026-figures.json): GPQA Diamond
Llama 4 Maverick 69.8, Llama 3.3 70B 50.5, GPT-4.1 Nano 50.3, Mistral Small 3.1 45.96;
A100 80GB 400 W; grids world 436 g (2022), us 366 g (2023); the catalog's PUE 1.56.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planner import services
from planner.forms import WorkloadForm
from planner.models.plans import OptionKind
from pricing.services import catalog_version_clone, catalog_version_publish
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer, make_plan

pytestmark = pytest.mark.django_db


def options(version, **selfhost: object) -> list[dict]:
    return [
        {"kind": OptionKind.API, "api_offer": api_offer(version, "GPT-5", "feb-2026")},
        {"kind": OptionKind.API, "api_offer": api_offer(version, "GPT-4.1 Nano", "feb-2026")},
        {
            "kind": OptionKind.API,
            "api_offer": api_offer(version, "Mistral Small 3.1", "feb-2026"),
        },
        {
            "kind": OptionKind.SELFHOST,
            "model_name": "Llama 3.3 70B",
            "gpu_offer": gpu_offer(version),
            "precision": "int4",
            **selfhost,
        },
    ]


def named(results: dict, prefix: str) -> dict:
    return next(o for o in results["options"] if o["name"].startswith(prefix))


@pytest.fixture
def plan(cast, reference_version):
    # 1B tokens a month; at least 70% of Llama 4 Maverick's 69.8 = 48.86 on GPQA Diamond.
    workload = WorkloadFactory(
        organization=cast.org,
        tokens_per_month=1_000_000_000,
        quality_reference_model="Llama 4 Maverick",
        quality_min_share=Decimal("0.7"),
        task_success_rates={"GPT-5": 0.9, "GPT-4.1 Nano": 0.5},
    )
    return make_plan(
        cast.org,
        cast.owner,
        reference_version,
        workload=workload,
        options=options(reference_version),
        name="Quality and energy",
    )


@pytest.fixture
def results(plan, cast):
    return services.plan_compute(plan=plan, actor=cast.owner).results


def test_the_floor_excludes_what_falls_short_and_flags_what_is_unknown(results) -> None:
    floor = results["quality_floor"]
    assert floor["reference_score"] == 69.8
    assert floor["benchmark"] == "GPQA Diamond"
    assert floor["source"] == "meta-llama-4-card"
    mistral = named(results, "Mistral Small 3.1")
    # 45.96 / 69.8 = 65.85%, below 70%.
    assert mistral["quality"]["share"] == pytest.approx(0.6585, abs=1e-4)
    assert mistral["quality"]["meets_floor"] is False
    assert results["recommendation"]["excluded"] == [mistral["name"]]
    nano = named(results, "GPT-4.1 Nano")
    assert nano["quality"]["share"] == pytest.approx(0.7206, abs=1e-4)  # 50.3 / 69.8
    assert nano["quality"]["meets_floor"] is True
    llama = named(results, "Llama 3.3 70B")
    assert llama["quality"]["share"] == pytest.approx(0.7235, abs=1e-4)  # 50.5 / 69.8
    gpt5 = named(results, "GPT-5")
    assert gpt5["quality"] is None  # no published score in the catalog
    reasons = {r["code"]: r for r in results["recommendation"]["reasons"]}
    assert reasons["quality_unknown"]["figures"]["option"] == gpt5["name"]
    # Nano is the cheapest allowed ($0.25/M at 50/50: $250 a month) and the recommendation
    # cites its standing.
    assert results["recommendation"]["option"] == nano["name"]
    assert reasons["quality_met"]["figures"]["option"] == nano["name"]
    assert reasons["quality_met"]["figures"]["score"] == 50.3


def test_unknown_success_rates_are_not_ranked(results) -> None:
    # GPT-5 at $5.625/M and p 0.9: 6.25 a successful 1M; Nano at $0.25/M and p 0.5:
    # attempts 1.875 x 0.25 = 0.46875, / (1 - 0.0625) = 0.5. Mistral and the self-hosted
    # Llama have no known rate: unranked, whatever their price.
    nano, gpt5 = named(results, "GPT-4.1 Nano"), named(results, "GPT-5")
    assert nano["outcome"]["cost_per_successful_mtok"] == 0.5
    assert gpt5["outcome"]["cost_per_successful_mtok"] == 6.25
    assert results["outcome_ranking"]["ranked"] == [nano["name"], gpt5["name"]]
    assert nano["outcome"]["rank"] == 1
    assert gpt5["outcome"]["rank"] == 2
    for prefix in ("Mistral", "Llama"):
        option = named(results, prefix)
        assert option["outcome"]["rank"] is None
        assert option["outcome"]["cost_per_successful_mtok"] is None
        assert option["name"] in results["outcome_ranking"]["unranked"]


def test_energy_of_the_rented_a100_and_unknown_for_apis(results) -> None:
    # The catalog profile plans 1,500 tok/s a replica: the GPU works 1e9 /
    # (1,500 x 3,600) = 185.185 h of one always-on 1-GPU instance (720 h), load 0.2572.
    # kWh = 400 W (A100) x 185.185 h x PUE 1.56 / 1000 = 115.56 (no server base given);
    # on the world grid 115.556 x 0.436 = 50.38 kg CO2e.
    energy = named(results, "Llama 3.3 70B")["energy"]
    assert energy["known"] is True
    assert energy["kwh_per_month"] == 115.56
    assert energy["kg_co2e_per_month"] == 50.38
    assert energy["pue"] == 1.56
    assert energy["gpu_load"] == pytest.approx(0.2572, abs=1e-4)
    assert energy["gpu_watts"] == 400.0
    assert energy["gpu_watts_source"] == "nvidia-a100-datasheet"
    assert energy["grid"]["region"] == "world"
    assert energy["grid"]["year"] == 2022
    # Neither the option nor its GPU offer names a grid the catalog has: the default.
    assert energy["grid"]["chosen"] == "default"
    for prefix in ("GPT-5", "GPT-4.1 Nano", "Mistral"):
        assert named(results, prefix)["energy"] == {
            "known": False,
            "unknown_because": "not_published",
        }


def test_a_named_grid_region_sets_the_carbon(cast, reference_version) -> None:
    # The same fleet with a 300 W server base on the US grid:
    # (400 x 185.185 + 300 x 720) x 1.56 / 1000 = 290,074.07 x 1.56 / 1000 = 452.52 kWh;
    # 452.516 x 0.366 = 165.62 kg CO2e.
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=options(reference_version, grid_region="us", server_base_watts=Decimal(300)),
    )
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    energy = named(results, "Llama 3.3 70B")["energy"]
    assert energy["grid"]["region"] == "us"
    assert energy["grid"]["chosen"] == "option"
    assert energy["kwh_per_month"] == 452.52
    assert energy["kg_co2e_per_month"] == 165.62


def test_the_grid_of_the_gpu_offers_region_when_the_option_names_none(
    cast, reference_version
) -> None:
    # The A100 offer in a US region: its grid (366 g) is used, 115.556 kWh x 0.366 =
    # 42.29 kg CO2e, and the result says where the grid came from.
    draft = catalog_version_clone(version=reference_version, actor=None)
    offer = gpu_offer(draft)
    offer.region = "US"
    offer.save(update_fields=["region"])
    version = catalog_version_publish(version=draft, actor=None)
    plan = make_plan(cast.org, cast.owner, version, options=options(version))
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    energy = named(results, "Llama 3.3 70B")["energy"]
    assert (energy["grid"]["region"], energy["grid"]["chosen"]) == ("us", "gpu_offer")
    assert energy["kg_co2e_per_month"] == 42.29


def test_a_grid_region_the_catalog_lacks_is_refused_naming_the_field(
    cast, reference_version
) -> None:
    with pytest.raises(ValidationError) as error:
        make_plan(
            cast.org,
            cast.owner,
            reference_version,
            options=options(reference_version, grid_region="mars"),
        )
    assert "options.3.grid_region" in error.value.message_dict


def test_the_plan_page_shows_the_figures(plan, results, cast) -> None:
    page = cast.client_for(cast.owner).get(reverse("planner:plan_detail", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    llama = named(results, "Llama 3.3 70B")["name"]
    assert f'data-option="{llama}" data-kwh="115.56" data-kg-co2e="50.38"' in html
    assert "x PUE 1.56" in html
    assert "not ranked: success rate unknown" in html
    assert "at least 70% of Llama 4 Maverick&#x27;s 69.8 on GPQA Diamond" in html
    assert "below the floor" in html
    assert "unknown: the provider publishes no energy figure" in html
    assert "400 W a GPU (NVIDIA A100 Tensor Core GPU datasheet" in html
    assert "grid world: 436 g CO2e/kWh (2022; Ember, Global Electricity Review 2023" in html
    nano = named(results, "GPT-4.1 Nano")["name"]
    assert f'data-option="{nano}" data-rank="1"' in html
    assert "is excluded: it scores 45.96 on GPQA Diamond, 65.8% of Llama 4 Maverick" in html


def test_the_csv_lists_rank_quality_and_energy(plan, results, cast) -> None:
    response = cast.client_for(cast.owner).get(reverse("planner:plan_csv", args=[plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows.index(
        [
            "option",
            "success_rate",
            "cost_per_successful_mtok_usd",
            "outcome_rank",
            "quality_score",
            "quality_benchmark",
            "quality_share_of_reference",
            "meets_quality_floor",
            "kwh_per_month",
            "kg_co2e_per_month",
            "energy",
        ]
    )
    by_name = {row[0]: row for row in rows[header + 1 :] if row}
    llama = by_name[named(results, "Llama 3.3 70B")["name"]]
    assert llama[1:4] == ["unknown", "", "not ranked"]
    assert llama[4:8] == ["50.5", "GPQA Diamond", "0.7235", "yes"]
    assert llama[8:10] == ["115.56", "50.38"]
    nano = by_name[named(results, "GPT-4.1 Nano")["name"]]
    assert nano[1:4] == ["0.5", "0.5", "1"]
    assert nano[8:10] == ["unknown", "unknown"]
    assert any(row[:1] == ["quality_floor"] for row in rows)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quality_min_share": "90"}, "quality_reference_model"),
        ({"quality_reference_model": "GPT-5"}, "quality_min_share"),
        ({"quality_reference_model": "GPT-5", "quality_min_share": "0"}, "quality_min_share"),
        ({"quality_reference_model": "GPT-5", "quality_min_share": "150"}, "quality_min_share"),
    ],
)
def test_the_workload_form_names_the_quality_field_at_fault(data: dict, field: str) -> None:
    form = WorkloadForm(
        data={
            "name": "W",
            "volume": "1000000",
            "volume_unit": "month",
            "days_per_month": "30",
            "input_share": "50",
            "cached_share": "0",
            "growth_per_month": "0",
            "peak_to_average": "1",
            "downtime_cost_per_hour": "0",
            **data,
        }
    )
    assert not form.is_valid()
    assert field in form.errors
