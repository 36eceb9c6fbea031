"""Engine depth over the API (issue 10): the plan's lens and analysis period, the options'
finance / packing / reserve fields, the comparison's lens, milestones and each self-host
option's depth, and `analysis_months` in sweep specs. Figures are the reference catalog's
worked cases (tests/planner/test_depth.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from planner import services
from planner.models import Comparison, Plan, PlanOption, Sweep
from pricing.models import ApiOffer, OwnedHardware
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer, make_plan
from tests.planner.test_depth import OWNED, milestone_plan, owned_plan

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
FINANCE_FIELDS = {
    "server_price": "200000.0000",
    "gpus_per_server": 8,
    "installation_per_server": "5000.0000",
    "installation_policy": "capitalised",  # the default
    "useful_life_years": "3.00",
    "residual_value": "0.10000",
    "cost_of_capital": "0.0800",
    "maintenance_per_year": "0.0500",
    "server_base_watts": "1500.00",
    "gpu_tdp_watts": "700.00",
    "gpu_load": None,  # empty: the hours the tokens take
    "pue": "1.40",
    "usd_per_kwh": "0.1200",
    "facilities_per_server_monthly": "400.0000",
    "facilities_shared_monthly": "1000.0000",
    "ops_fte": "0.50",
    "ops_fte_monthly_cost": "15000.0000",
    "implementation_one_off": "36000.0000",
}


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def owned_body(version, workload, **plan_fields) -> dict:
    node = OwnedHardware.objects.get(version=version, name="8x H100 HGX node")
    option = {
        key: str(value) if isinstance(value, Decimal) else value for key, value in OWNED.items()
    }
    return {
        "name": "Owned over the API",
        "workload": workload.pk,
        "catalog_version": version.pk,
        "options": [
            {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026").pk},
            {**option, "owned_hardware": node.pk},
        ],
        **plan_fields,
    }


def depth_row(body: dict, kind: str) -> dict:
    return next(row for row in body["depth"] if row["kind"] == kind)


def lines(row: dict) -> dict:
    return {line["key"]: (line["monthly"], line["in_lens"]) for line in row["lines"]}


# --- plans: lens, analysis period and the option fields ------------------------------------


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_create_an_owned_plan_with_lens_period_and_finance_fields(
    api, cast, reference_version, who
):
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1_000_000_000)
    body = owned_body(reference_version, workload, lens="marginal", analysis_months=48)
    response = api(who).post(f"{ORG}/plans/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["lens"], created["analysis_months"]) == ("marginal", 48)
    owned = created["options"][1]
    assert owned["rent_mode"] == "owned"
    for field, value in FINANCE_FIELDS.items():
        assert owned[field] == value, field
    # Fields left out take the model's defaults.
    assert (owned["utilization"], owned["billing_buffer"], owned["allow_multi_instance"]) == (
        "1.0000",
        "0.0000",
        False,
    )
    assert "headroom" not in owned  # the one planning share is utilization
    assert (owned["replica_availability"], owned["region_availability"]) == (None, "1.000000")
    assert owned["gpus_per_instance"] is None
    plan = Plan.objects.get(pk=created["id"])
    assert (plan.lens, plan.analysis_months) == ("marginal", 48)
    option = PlanOption.objects.get(pk=owned["id"])
    assert option.cost_of_capital == Decimal("0.08")
    assert option.implementation_one_off == Decimal(36000)


def test_lens_and_period_default_to_full_and_36(api, cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    response = api("owner").post(
        f"{ORG}/plans/", owned_body(reference_version, workload), format="json"
    )
    assert response.status_code == 201
    assert (response.json()["lens"], response.json()["analysis_months"]) == ("full", 36)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lens": "cheapest"}, "lens"),
        ({"analysis_months": 0}, "analysis_months"),
        ({"analysis_months": 241}, "analysis_months"),
    ],
)
def test_bad_lens_or_period_names_the_field(api, cast, reference_version, change, field):
    workload = WorkloadFactory(organization=cast.org)
    body = owned_body(reference_version, workload, **change)
    assert_error(
        api("owner").post(f"{ORG}/plans/", body, format="json"), 400, "validation_error", field
    )
    assert not Plan.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cost_of_capital": "1.5"}, "options.1.cost_of_capital"),
        ({"residual_value": "-0.1"}, "options.1.residual_value"),
        ({"pue": "0.5"}, "options.1.pue"),
        ({"replica_availability": "0.2"}, "options.1.replica_availability"),
        ({"utilization": 0}, "options.1.utilization"),
        # A replica of 8 GPUs does not fit a 4-GPU server unless it may span servers.
        ({"gpus_per_server": 4, "gpu_count": 8}, "options.1.gpus_per_server"),
    ],
)
def test_bad_finance_fields_name_the_option_field(api, cast, reference_version, change, field):
    workload = WorkloadFactory(organization=cast.org)
    body = owned_body(reference_version, workload)
    body["options"][1].update(change)
    assert_error(
        api("owner").post(f"{ORG}/plans/", body, format="json"), 400, "validation_error", field
    )
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_patch_lens_recomputes_nothing_until_compute(api, cast, reference_version):
    plan = owned_plan(cast, reference_version)
    services.plan_compute(plan=plan, actor=cast.owner)
    client = api("teammate")
    response = client.patch(
        f"{ORG}/plans/{plan.pk}/", {"lens": "marginal", "analysis_months": 24}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["lens"], response.json()["analysis_months"]) == ("marginal", 24)
    assert Comparison.objects.filter(plan=plan).count() == 1  # nothing recomputed
    old = client.get(f"{ORG}/plans/{plan.pk}/").json()["latest_comparison"]["id"]
    assert client.get(f"{ORG}/comparisons/{old}/").json()["lens"] == "full"
    computed = client.post(f"{ORG}/plans/{plan.pk}/compute/")
    assert computed.status_code == 201
    assert (computed.json()["lens"], computed.json()["analysis_months"]) == ("marginal", 24.0)
    assert_error(
        client.patch(f"{ORG}/plans/{plan.pk}/", {"analysis_months": 500}, format="json"),
        400,
        "validation_error",
        "analysis_months",
    )
    assert_error(
        api("viewer").patch(f"{ORG}/plans/{plan.pk}/", {"lens": "full"}, format="json"),
        403,
        "permission_denied",
    )
    plan.refresh_from_db()
    assert (plan.lens, plan.analysis_months) == ("marginal", 24)


# --- comparisons: lens, milestones, depth --------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_owned_depth_lines_finance_and_lens_to_the_cent(api, cast, reference_version, who):
    comparison = services.plan_compute(plan=owned_plan(cast, reference_version), actor=cast.owner)
    response = api(who).get(f"{ORG}/comparisons/{comparison.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["lens"], body["lens_label"], body["analysis_months"]) == ("full", "Full TCO", 36.0)
    row = depth_row(body, "owned")
    assert row["option"] == comparison.results["options"][1]["name"]
    assert (row["replicas_needed"], row["machines"], row["gpus"]) == (1, 1, 8)
    # Worked in tests/planner/test_depth.py: installation capitalised, energy by load.
    assert lines(row) == {
        "depreciation": (5138.89, True),
        "capital": (750.00, True),
        "maintenance": (833.33, True),
        "energy": (225.00, True),
        "facilities": (1400.00, True),
        "staff": (7500.00, True),
        "implementation": (1000.00, True),
        "other": (0.00, True),  # no hidden, labor or other monthly costs
        "reserve": (0.00, True),
    }
    assert row["monthly"] == 16847.22
    assert row["period_total"] == 606499.84
    assert row["finance"]["purchases"] == 1
    assert row["finance"]["average_book_value"] == 112500.00
    assert row["finance"]["book_value_at_end"] == 20000.00
    assert row["finance"]["installation_policy"] == "capitalised"
    assert row["finance"]["capitalised"] == 205000.00
    assert row["finance"]["energy_kwh"] == 1874.96
    assert row["finance"]["defaults"] == []  # every figure given on the option
    assert row["reserve"] is None  # no availability target on the workload
    assert row["error"] == ""


def test_marginal_lens_over_the_api(api, cast, reference_version):
    plan = owned_plan(cast, reference_version, lens="marginal")
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    body = api("viewer").get(f"{ORG}/comparisons/{comparison.pk}/").json()
    assert body["lens"] == "marginal"
    assert body["lens_label"].startswith("Marginal: leaves out depreciation")
    row = depth_row(body, "owned")
    left_out = {key for key, (_, counted) in lines(row).items() if not counted}
    assert left_out == {"depreciation", "capital", "staff", "implementation"}
    assert row["monthly"] == 2458.33  # maintenance 833.33 + energy 225.00 + facilities 1,400


def test_the_installation_policy_and_gpu_load_over_the_api(api, cast, reference_version):
    # Expensed, as before issue 15: depreciation 200,000 x 0.9 / 36 = 5,000, capital
    # 110,000 x 8% / 12 = 733.33, installation 5,000 / 36 = 138.89; a stated load of 1:
    # (1,500 + 8 x 700) W x 720 h x 1.4 x $0.12 = $858.82 of energy.
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1_000_000_000)
    body = owned_body(reference_version, workload)
    body["options"][1] |= {"installation_policy": "expensed", "gpu_load": "1"}
    created = api("owner").post(f"{ORG}/plans/", body, format="json")
    assert created.status_code == 201, created.content
    owned = created.json()["options"][1]
    assert (owned["installation_policy"], owned["gpu_load"]) == ("expensed", "1.00000")
    computed = api("owner").post(f"{ORG}/plans/{created.json()['id']}/compute/")
    row = depth_row(computed.json(), "owned")
    found = lines(row)
    assert (found["depreciation"], found["capital"], found["installation"]) == (
        (5000.00, True),
        (733.33, True),
        (138.89, True),
    )
    assert found["energy"] == (858.82, True)
    assert row["finance"]["gpu_load"] == 1.0
    body["options"][1]["installation_policy"] = "amortised"
    assert_error(
        api("owner").post(f"{ORG}/plans/", body, format="json"),
        400,
        "validation_error",
        "options.1.installation_policy",
    )


def test_reserve_and_milestones_over_the_api(api, cast, reference_version):
    reserved = make_plan(
        cast.org, cast.owner, reference_version, availability_target=Decimal("0.999")
    )
    response = api("teammate").post(f"{ORG}/plans/{reserved.pk}/compute/")
    assert response.status_code == 201
    reserve = depth_row(response.json(), "rented")["reserve"]
    assert reserve["applied"] is True
    assert (reserve["spares"], reserve["regions"], reserve["total_replicas"]) == (1, 1, 2)
    assert reserve["availability"] == 0.99994375
    assert reserve["base_availability"] == 0.9925
    assert reserve["target"] == 0.999
    assert reserve["monthly"] == 1440.00

    milestones = services.plan_compute(
        plan=milestone_plan(cast, reference_version), actor=cast.owner
    )
    body = api("viewer").get(f"{ORG}/comparisons/{milestones.pk}/").json()
    items = {m["key"]: m for m in body["milestones"]["items"]}
    assert set(items) == {"rented_beats_api", "rented_cheapest_overall"}
    rented = items["rented_beats_api"]
    assert (rented["volume"], rented["volume_label"]) == (256_000_000, "256M")
    assert rented["holds_to_limit"] is False
    assert rented["lost_at"] == 466_560_001
    assert rented["wins_for_good_from"] == 512_000_000
    # searched up to 100x the workload's volume (at least 10B tokens/month)
    assert body["milestones"]["limit"] == max(10**10, 100 * milestones.tokens_per_month)
    pair = next(p for p in body["milestones"]["pairs"] if p["challenger_kind"] == "rented")
    assert (pair["volume"], pair["lost_at"]) == (256_000_000, 466_560_001)


def test_comparisons_list_stays_light(api, cast, reference_version, django_assert_max_num_queries):
    for _ in range(3):
        services.plan_compute(plan=owned_plan(cast, reference_version), actor=cast.owner)
    client = api("viewer")
    with django_assert_max_num_queries(6):
        response = client.get(f"{ORG}/comparisons/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert "depth" not in response.json()["results"][0]


def test_comparison_depth_for_outsider_and_anonymous(api, anon, cast, reference_version):
    comparison = services.plan_compute(plan=owned_plan(cast, reference_version), actor=cast.owner)
    assert_error(api("outsider").get(f"{ORG}/comparisons/{comparison.pk}/"), 404, "not_found")
    assert_error(
        api("outsider").get(f"/api/v1/orgs/rival/comparisons/{comparison.pk}/"), 404, "not_found"
    )
    assert_error(anon.get(f"{ORG}/comparisons/{comparison.pk}/"), 401, "not_authenticated")


# --- sweeps: analysis_months in the spec -----------------------------------------------------


def sweep_body(version, **spec) -> dict:
    offer = ApiOffer.objects.filter(version=version).order_by("pk").first()
    return {
        "name": "Depth sweep",
        "catalog_version": version.pk,
        "spec": {
            "volumes": [100_000_000, 1_000_000_000],
            "input_shares": [0.5],
            "utilizations": [1.0],
            "api_offer_ids": [offer.pk],
            "selfhost": [
                {
                    "gpu_offer_id": gpu_offer(version).pk,
                    "count": 1,
                    "tokens_per_second": 200,
                    "implementation_one_off": 36000,
                }
            ],
            **spec,
        },
    }


def test_sweep_spec_takes_analysis_months(api, cast, reference_version):
    client = api("teammate")
    response = client.post(
        f"{ORG}/sweeps/", sweep_body(reference_version, analysis_months=12), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["spec"]["analysis_months"] == 12
    assert Sweep.objects.get(pk=response.json()["id"]).spec["analysis_months"] == 12
    default = client.post(f"{ORG}/sweeps/", sweep_body(reference_version), format="json")
    assert default.json()["spec"]["analysis_months"] == 36
    for bad in (0, 241, "long"):
        assert_error(
            client.post(
                f"{ORG}/sweeps/", sweep_body(reference_version, analysis_months=bad), format="json"
            ),
            400,
            "validation_error",
            "spec.analysis_months",
        )
    assert Sweep.objects.count() == 2
