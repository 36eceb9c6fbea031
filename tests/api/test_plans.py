# ruff: noqa: RUF001 - option names use the multiplication sign on purpose
"""/api/v1/orgs/<slug>/plans/: CRUD with nested options, compute, re-evaluate, comparisons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from planner import services
from planner.models import Comparison, Plan, PlanOption
from pricing.models import GpuOffer, OverlayApiOffer, PriceOverlay
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory, plan_in
from tests.planner.conftest import api_offer, gpu_offer

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/plans/"


@pytest.fixture
def reference_version(db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def case4_body(version, workload) -> dict:
    """Worked case 4: Llama 3.3 70B on 1x A100 80GB ($2/h) vs GPT-5, DeepSeek V3.2, Gemini."""
    return {
        "name": "Case 4",
        "workload": workload.pk,
        "catalog_version": version.pk,
        "options": [
            {"kind": "api", "api_offer": api_offer(version, "GPT-5", "feb-2026").pk},
            {"kind": "api", "api_offer": api_offer(version, "DeepSeek V3.2", "feb-2026").pk},
            {"kind": "api", "api_offer": api_offer(version, "Gemini 2.5 Flash", "feb-2026").pk},
            {
                "kind": "selfhost",
                "model_name": "Llama 3.3 70B",
                "gpu_offer": gpu_offer(version).pk,
                "precision": "int4",
            },
        ],
    }


@pytest.fixture
def case4(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1_000_000_000)
    return case4_body(reference_version, workload)


def option_named(results, prefix):
    return next(o for o in results["options"] if o["name"].startswith(prefix))


# --- list and read ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_list_plans_with_options_constant_queries(
    api, cast, who, django_assert_max_num_queries
):
    plans = [plan_in(cast.org, computed=True) for _ in range(4)]
    plan_in(cast.other_org)
    client = api(who)
    # savepoint + token + cleanup + membership + page + latest comparisons + options
    # + options' hidden costs + release
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(p["id"] for p in results) == sorted(p.pk for p in plans)
    first = results[0]
    assert [o["kind"] for o in first["options"]] == ["api", "selfhost"]
    assert first["latest_comparison"]["number"] == 1


def test_plan_list_queries_do_not_grow_with_plans(api, cast, django_assert_max_num_queries):
    for _ in range(12):
        plan_in(cast.org, computed=True)
    client = api("viewer")
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert len(response.json()["results"]) == 12


def test_outsider_gets_404_and_anonymous_401(api, anon, cast):
    plan = plan_in(cast.org)
    outsider = api("outsider")
    for path in (URL, f"{URL}{plan.pk}/", f"{URL}{plan.pk}/comparisons/"):
        assert_error(outsider.get(path), 404, "not_found")
    assert_error(outsider.post(f"{URL}{plan.pk}/compute/"), 404, "not_found")
    assert_error(outsider.delete(f"{URL}{plan.pk}/"), 404, "not_found")
    assert_error(outsider.get(f"/api/v1/orgs/rival/plans/{plan.pk}/"), 404, "not_found")
    assert_error(anon.get(URL), 401, "not_authenticated")
    assert Plan.objects.filter(pk=plan.pk).exists()
    assert not Comparison.objects.exists()


def test_viewer_reads_but_cannot_write(api, cast, case4):
    plan = plan_in(cast.org)
    viewer = api("viewer")
    assert viewer.get(f"{URL}{plan.pk}/").status_code == 200
    assert_error(viewer.post(URL, case4, format="json"), 403, "permission_denied")
    assert_error(
        viewer.patch(f"{URL}{plan.pk}/", {"name": "x"}, format="json"), 403, "permission_denied"
    )
    assert_error(viewer.delete(f"{URL}{plan.pk}/"), 403, "permission_denied")
    assert_error(viewer.post(f"{URL}{plan.pk}/compute/"), 403, "permission_denied")
    assert_error(
        viewer.post(f"{URL}{plan.pk}/reevaluate/", {"version": 1}, format="json"),
        403,
        "permission_denied",
    )
    assert Plan.objects.filter(organization=cast.org).count() == 1
    assert not Comparison.objects.exists()


# --- create -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_create_plan_with_options(api, cast, case4, who):
    response = api(who).post(URL, case4, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    plan = Plan.objects.get(pk=body["id"])
    assert plan.organization == cast.org
    assert [o["name"] for o in body["options"]][-1] == "Llama 3.3 70B on 1× NVIDIA A100 80GB"
    assert plan.options.count() == 4
    assert body["latest_comparison"] is None
    assert AuditEvent.objects.filter(action="plan.create", organization=cast.org).exists()


def test_other_orgs_workload_is_400_naming_field_nothing_written(api, cast, case4):
    theirs = WorkloadFactory(organization=cast.other_org)
    error = assert_error(
        api("owner").post(URL, {**case4, "workload": theirs.pk}, format="json"),
        400,
        "validation_error",
        "workload",
    )
    # Same message as an id that does not exist: nothing about the other tenant leaks.
    missing = assert_error(
        api("owner").post(URL, {**case4, "workload": 987654321}, format="json"),
        400,
        "validation_error",
        "workload",
    )
    assert error["fields"]["workload"][0].replace(str(theirs.pk), "N") == missing["fields"][
        "workload"
    ][0].replace("987654321", "N")
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_other_orgs_private_offer_is_400_naming_option_field(api, cast, case4, reference_version):
    overlay = PriceOverlay.objects.create(
        organization=cast.other_org, base_version=reference_version, name="Rival prices"
    )
    theirs = OverlayApiOffer.objects.create(
        overlay=overlay, model_name="Secret model", output_per_mtok="1.00"
    )
    body = {
        **case4,
        "options": [*case4["options"], {"kind": "api", "private_api_offer": theirs.pk}],
    }
    assert_error(
        api("owner").post(URL, body, format="json"),
        400,
        "validation_error",
        "options.4.private_api_offer",
    )
    assert not Plan.objects.exists()


def test_own_private_offer_is_accepted(api, cast, case4, reference_version):
    overlay = PriceOverlay.objects.create(
        organization=cast.org, base_version=reference_version, name="Our prices"
    )
    ours = OverlayApiOffer.objects.create(
        overlay=overlay, model_name="Negotiated GPT-5", output_per_mtok="8.00", input_per_mtok="1"
    )
    body = {**case4, "options": [{"kind": "api", "private_api_offer": ours.pk}]}
    response = api("owner").post(URL, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["options"][0]["private_api_offer"] == ours.pk


def test_row_of_another_catalog_version_is_400_naming_option_field(
    api, cast, case4, reference_version
):
    from tests.factories import sweep_catalog_version

    other_version = sweep_catalog_version(api_offers=1, gpu_offers=1)
    body = dict(case4)
    body["options"] = [
        case4["options"][0],
        {**case4["options"][3], "gpu_offer": GpuOffer.objects.get(version=other_version).pk},
    ]
    error = assert_error(
        api("owner").post(URL, body, format="json"),
        400,
        "validation_error",
        "options.1.gpu_offer",
    )
    assert "catalog version" in error["fields"]["options.1.gpu_offer"][0]
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_option_missing_offer_and_empty_options_are_400(api, case4):
    client = api("owner")
    assert_error(
        client.post(URL, {**case4, "options": [{"kind": "api"}]}, format="json"),
        400,
        "validation_error",
        "options.0.api_offer",
    )
    assert_error(
        client.post(URL, {**case4, "options": []}, format="json"),
        400,
        "validation_error",
        "options",
    )
    assert not Plan.objects.exists()


def test_create_plan_is_idempotent(api, cast, case4):
    client = api("owner")
    headers = {"HTTP_IDEMPOTENCY_KEY": "plan-1"}
    first = client.post(URL, case4, format="json", **headers)
    again = client.post(URL, case4, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Plan.objects.count() == 1
    assert_error(
        client.post(URL, {**case4, "name": "Other"}, format="json", **headers),
        422,
        "idempotency_conflict",
    )
    assert Plan.objects.count() == 1


# --- update and delete ------------------------------------------------------------------


def test_teammate_renames_plan_but_options_stay(api, cast):
    plan = plan_in(cast.org)
    response = api("teammate").patch(
        f"{URL}{plan.pk}/", {"name": "Renamed", "options": []}, format="json"
    )
    assert response.status_code == 200, response.content
    plan.refresh_from_db()
    assert plan.name == "Renamed"
    assert plan.options.count() == 2
    assert AuditEvent.objects.get(action="plan.update").changes == {
        "name": [f"Plan of {cast.org.name}", "Renamed"]
    }


def test_delete_plan(api, cast):
    plan = plan_in(cast.org, computed=True)
    assert api("owner").delete(f"{URL}{plan.pk}/").status_code == 204
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert not Comparison.objects.exists()


# --- compute, comparisons, re-evaluate --------------------------------------------------


def test_compute_case4_to_the_cent(api, cast, case4):
    client = api("teammate")
    plan_id = client.post(URL, case4, format="json").json()["id"]
    response = client.post(f"{URL}{plan_id}/compute/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == 1
    assert body["tokens_per_month"] == 1_000_000_000
    llama = option_named(body["results"], "Llama 3.3 70B")
    assert llama["monthly"] == {"low": 1440.00, "expected": 1440.00, "high": 1440.00}
    breakevens = {b["api_option"].split(" (")[0]: b for b in llama["breakevens"]}
    assert breakevens["GPT-5"]["tokens_per_month"] == 256_000_000
    assert option_named(body["results"], "GPT-5")["monthly"]["expected"] == 5625.00
    assert body["cheapest_option"].startswith("Gemini 2.5 Flash")
    assert body["cheapest_monthly"] == "375.00"
    # Stored results hold codes and figures; the recommendation reads them as sentences.
    stored = body["results"]["recommendation"]
    assert all("message" not in reason for reason in stored["reasons"])
    shown = body["recommendation"]
    assert {**shown, "reasons": [r | {"message": None} for r in shown["reasons"]]} == {
        **stored,
        "reasons": [r | {"message": None} for r in stored["reasons"]],
    }
    messages = {r["code"]: r["message"] for r in shown["reasons"]}
    assert messages["cheapest"] == (
        "Gemini 2.5 Flash (Google) · feb-2026 is the cheapest allowed option at $375.00/month"
    )
    assert [w["text"] for w in body["wording"]["recommendation"]] == list(messages.values())
    assert body["recommendation"]["option"] == body["recommended_option"]
    # The stored row is the one returned.
    assert Comparison.objects.get(pk=body["id"]).cheapest_monthly == Decimal("375.00")


def test_compute_is_idempotent_with_a_key(api, cast):
    plan = plan_in(cast.org)
    client = api("owner")
    first = client.post(f"{URL}{plan.pk}/compute/", HTTP_IDEMPOTENCY_KEY="c-1")
    again = client.post(f"{URL}{plan.pk}/compute/", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Comparison.objects.count() == 1
    # Without a key every POST computes again.
    assert client.post(f"{URL}{plan.pk}/compute/").json()["number"] == 2


def test_comparisons_of_a_plan_newest_first_constant_queries(
    api, cast, django_assert_max_num_queries
):
    plan = plan_in(cast.org)
    for _ in range(5):
        services.plan_compute(plan=plan, actor=cast.owner)
    client = api("viewer")
    # savepoint + token + cleanup + membership + plan + page + release
    with django_assert_max_num_queries(7):
        response = client.get(f"{URL}{plan.pk}/comparisons/", {"page_size": 3})
    assert response.status_code == 200
    body = response.json()
    assert [c["number"] for c in body["results"]] == [5, 4, 3]
    assert "results" not in body["results"][0]
    following = client.get(body["next"]).json()
    assert [c["number"] for c in following["results"]] == [2, 1]


def new_version_with_a100_at(reference_version, actor, hourly: str):
    from pricing.services import catalog_version_clone, catalog_version_publish

    draft = catalog_version_clone(version=reference_version, actor=actor)
    GpuOffer.objects.filter(
        version=draft, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    ).update(hourly=Decimal(hourly))
    return catalog_version_publish(version=draft, actor=actor)


def test_reevaluate_returns_comparison_and_flag(api, cast, case4, reference_version):
    client = api("owner")
    plan_id = client.post(URL, case4, format="json").json()["id"]
    client.post(f"{URL}{plan_id}/compute/")
    newer = new_version_with_a100_at(reference_version, cast.owner, "0.40")
    response = client.post(f"{URL}{plan_id}/reevaluate/", {"version": newer.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["comparison"]["number"] == 2
    assert body["comparison"]["catalog_version"] == newer.pk
    assert body["comparison"]["cheapest_monthly"] == "288.00"
    assert body["flag"].startswith(
        "The recommendation and the cheapest option changed from Gemini 2.5 Flash"
    )
    plan = client.get(f"{URL}{plan_id}/").json()
    assert plan["catalog_version"] == newer.pk
    assert plan["flag"] == body["flag"]


def test_reevaluate_needs_a_published_version(api, cast):
    plan = plan_in(cast.org)
    client = api("owner")
    assert_error(
        client.post(f"{URL}{plan.pk}/reevaluate/", {}, format="json"),
        400,
        "validation_error",
        "version",
    )
    assert_error(
        client.post(f"{URL}{plan.pk}/reevaluate/", {"version": 999999}, format="json"),
        400,
        "validation_error",
        "version",
    )
    assert not Comparison.objects.exists()


def test_rate_limit_applies_to_plans(api, cast, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/min", "quote": "3/min", "anon": "3/min"},
    }
    plan = plan_in(cast.org)
    client = api("owner")
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{plan.pk}/").status_code == 200
    assert client.post(f"{URL}{plan.pk}/compute/").status_code == 201
    response = client.get(URL)
    assert_error(response, 429, "throttled")
    assert response["Retry-After"]
