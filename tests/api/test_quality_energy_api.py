"""Quality floor and energy over the API: workload fields, results and their words."""

from __future__ import annotations

import pytest

from tests.api.conftest import assert_error
from tests.planner.test_quality_energy import named, options

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def test_a_workload_with_a_quality_floor_plans_and_reads_back(api, cast, reference_version):
    client = api("owner")
    created = client.post(
        f"{ORG}/workloads/",
        {
            "name": "Graded",
            "tokens_per_month": 1_000_000_000,
            "quality_reference_model": "Llama 4 Maverick",
            "quality_min_share": "0.7",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["quality_reference_model"] == "Llama 4 Maverick"
    assert created.json()["quality_min_share"] == "0.70000"
    version = reference_version
    body = {
        "name": "Graded plan",
        "workload": created.json()["id"],
        "catalog_version": version.pk,
        "options": [
            {**option, "api_offer": option["api_offer"].pk}
            if "api_offer" in option
            else {**option, "gpu_offer": option["gpu_offer"].pk, "grid_region": "us"}
            for option in options(version)
        ],
    }
    plan = client.post(f"{ORG}/plans/", body, format="json")
    assert plan.status_code == 201, plan.content
    computed = client.post(f"{ORG}/plans/{plan.json()['id']}/compute/")
    assert computed.status_code in (200, 201), computed.content
    comparison = computed.json()
    detail = client.get(f"{ORG}/comparisons/{comparison['id']}/").json()
    results = detail["results"]
    llama = named(results, "Llama 3.3 70B")
    # 400 W x 185.185 working hours x PUE 1.56 = 115.56 kWh; on the US grid (366 g)
    # 115.556 x 0.366 = 42.29 kg CO2e.
    assert llama["energy"]["kwh_per_month"] == 115.56
    assert llama["energy"]["kg_co2e_per_month"] == 42.29
    assert named(results, "GPT-5")["energy"]["unknown_because"] == "not_published"
    mistral = named(results, "Mistral Small 3.1")
    assert results["recommendation"]["excluded"] == [mistral["name"]]
    words = detail["wording"]
    energy = {row["option"]: row["text"] for row in words["energy"]}
    assert energy[llama["name"]].startswith("115.6 kWh and 42.3 kg CO2e a month: 400 W a GPU")
    assert energy[named(results, "GPT-5")["name"]] == (
        "Energy unknown: the provider publishes no energy figure"
    )
    assert words["quality_floor"].startswith("at least 70% of Llama 4 Maverick's 69.8 on GPQA")
    texts = {r["code"]: r["text"] for r in words["recommendation"]}
    assert texts["excluded_quality"] == (
        f"{mistral['name']} is excluded: it scores 45.96 on GPQA Diamond, 65.8% of "
        "Llama 4 Maverick's 69.8, below the 70% required"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quality_min_share": "0.9"}, "quality_reference_model"),
        ({"quality_reference_model": "GPT-5"}, "quality_min_share"),
        ({"quality_reference_model": "GPT-5", "quality_min_share": "0"}, "quality_min_share"),
        ({"quality_reference_model": "GPT-5", "quality_min_share": "2"}, "quality_min_share"),
    ],
)
def test_a_bad_quality_floor_is_400_naming_the_field(api, cast, body, field):
    response = api("owner").post(
        f"{ORG}/workloads/",
        {"name": "Bad", "tokens_per_month": 1_000_000, **body},
        format="json",
    )
    assert_error(response, 400, "validation_error", field)


def test_a_plan_option_with_an_unknown_grid_region_is_400(api, cast, reference_version):
    workload = api("owner").post(
        f"{ORG}/workloads/", {"name": "W", "tokens_per_month": 1_000_000}, format="json"
    )
    version = reference_version
    selfhost = options(version)[-1]
    response = api("owner").post(
        f"{ORG}/plans/",
        {
            "name": "Mars",
            "workload": workload.json()["id"],
            "catalog_version": version.pk,
            "options": [{**selfhost, "gpu_offer": selfhost["gpu_offer"].pk, "grid_region": "mars"}],
        },
        format="json",
    )
    error = assert_error(response, 400, "validation_error")
    assert any("grid_region" in key for key in error["fields"]), error
