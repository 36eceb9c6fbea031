"""Workload and plan pages for the owner, a teammate, a read-only viewer and an outsider."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from planner.models import Plan, PlanOption, Workload
from tests.factories import WorkloadFactory, plan_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(cast):
    return plan_in(cast.org, computed=True)


def object_pages(plan):
    comparison = plan.latest_comparison
    return [
        reverse("planner:plan_detail", args=[plan.pk]),
        reverse("planner:plan_history", args=[plan.pk]),
        reverse("planner:comparison_detail", args=[comparison.pk]),
        reverse("planner:plan_compare") + f"?a={plan.pk}&b={plan.pk}",
    ]


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_read_every_page(cast, plan, who):
    client = cast.client_for(getattr(cast, who))
    for url in [
        reverse("planner:dashboard"),
        reverse("planner:workload_list"),
        reverse("planner:plan_list"),
        *object_pages(plan),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert plan.name in response.content.decode() or "workloads" in url, url


def test_outsider_sees_nothing_of_the_org(cast, plan):
    client = cast.client_for(cast.outsider)
    for url in object_pages(plan)[:3]:
        assert client.get(url).status_code == 404, url
    assert (
        client.get(reverse("planner:plan_compare") + f"?a={plan.pk}&b={plan.pk}").status_code == 404
    )
    for name in ("plan_list", "dashboard"):
        assert plan.name not in client.get(reverse(f"planner:{name}")).content.decode()
    workload = plan.workload
    assert client.get(reverse("planner:workload_edit", args=[workload.pk])).status_code == 404
    assert client.post(reverse("planner:plan_compute", args=[plan.pk])).status_code == 404
    assert plan.comparisons.count() == 1


def test_viewer_cannot_write(cast, plan):
    client = cast.client_for(cast.viewer)
    assert client.get(reverse("planner:workload_create")).status_code == 403
    assert client.get(reverse("planner:plan_create")).status_code == 403
    assert client.get(reverse("planner:workload_edit", args=[plan.workload.pk])).status_code == 403
    assert client.post(reverse("planner:plan_compute", args=[plan.pk])).status_code == 403
    assert client.post(reverse("planner:plan_delete", args=[plan.pk])).status_code == 403
    assert plan.comparisons.count() == 1
    assert (
        "Recompute"
        not in client.get(reverse("planner:plan_detail", args=[plan.pk])).content.decode()
    )


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_compute_and_see_the_recommendation_first(cast, plan, who):
    client = cast.client_for(getattr(cast, who))
    response = client.post(reverse("planner:plan_compute", args=[plan.pk]), follow=True)
    assert response.status_code == 200
    assert plan.comparisons.count() == 2
    html = response.content.decode()
    assert html.index("Recommendation") < html.index("Monthly cost per option")
    assert "Comparison #2" in html
    assert 'id="chart-data"' in html
    script = html.split('<script id="chart-data" type="application/json">', 1)[1]
    data = json.loads(script.split("</script>", 1)[0])
    assert len(data["volume"]["volumes"]) == 40
    assert "{% block charts %}" not in html


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_the_recommendation_comes_right_after_the_header_before_the_budget_card(cast, plan, who):
    html = (
        cast.client_for(getattr(cast, who))
        .get(reverse("planner:plan_detail", args=[plan.pk]))
        .content.decode()
    )
    for _ in range(2):  # as rendered, then as served from the fragment cache
        actions = html.index('class="toolbar plan-actions"')
        recommendation = html.index("<h2>Recommendation</h2>")
        budget = html.index("<h2>Budget and forecast</h2>")
        assert html.index("<h1>") < actions < recommendation < budget
        assert budget < html.index("Monthly cost per option")
        assert html.count("<h2>Recommendation</h2>") == 1  # not repeated by the comparison
        html = (
            cast.client_for(getattr(cast, who))
            .get(reverse("planner:plan_detail", args=[plan.pk]))
            .content.decode()
        )
    row = html[actions : html.index("</div>", actions)]
    # Deleting is the row's last, quiet item, for writers only.
    assert ("Delete plan</a>" in row) is (who == "owner")
    if who == "owner":
        assert row.rstrip().endswith("Delete plan</a>")


def test_an_uncomputed_plan_says_so_before_the_budget_card(cast):
    plan = plan_in(cast.org)
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_detail", args=[plan.pk]))
        .content.decode()
    )
    assert html.index("Not computed yet") < html.index("<h2>Budget and forecast</h2>")


def test_a_comparison_page_still_shows_its_recommendation(cast, plan):
    comparison = plan.comparisons.get()
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:comparison_detail", args=[comparison.pk]))
        .content.decode()
    )
    assert html.count("<h2>Recommendation</h2>") == 1
    assert html.index("<h2>Recommendation</h2>") < html.index("Monthly cost per option")


def test_workload_create_with_per_day_volume(cast):
    client = cast.client_for(cast.teammate)
    response = client.post(
        reverse("planner:workload_create"),
        {
            "name": "Support bot",
            "volume": "50000000",
            "volume_unit": "day",
            "days_per_month": "30",
            "input_share": "50",
            "cached_share": "0",
            "growth_per_month": "0",
            "peak_to_average": "1",
            "downtime_cost_per_hour": "0",
            "success_rates": "GPT-5: 0.95\nLlama 3.3 70B: 0.9",
        },
    )
    assert response.status_code == 302
    workload = Workload.objects.get(name="Support bot")
    assert workload.tokens_per_day == 50_000_000
    assert workload.tokens_per_month is None
    assert workload.task_success_rates == {"GPT-5": 0.95, "Llama 3.3 70B": 0.9}
    assert workload.organization == cast.org


def test_workload_bad_input_names_the_field_and_saves_nothing(cast):
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("planner:workload_create"),
        {
            "name": "Bad",
            "volume": "-5",
            "volume_unit": "day",
            "days_per_month": "30",
            "input_share": "150",
            "cached_share": "0",
            "growth_per_month": "0",
            "peak_to_average": "1",
            "downtime_cost_per_hour": "0",
            "success_rates": "GPT-5 is good",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"volume", "input_share", "success_rates"}
    assert 'id="id_input_share_errors"' in response.content.decode()
    assert not Workload.objects.exists()


def test_workload_edit_and_delete(cast):
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1000)
    client = cast.client_for(cast.owner)
    page = client.get(reverse("planner:workload_edit", args=[workload.pk]))
    assert page.context["form"].initial["volume_unit"] == "month"
    data = {
        "name": "Renamed",
        "volume": "2000",
        "volume_unit": "day",
        "days_per_month": "30",
        "input_share": "40",
        "cached_share": "0",
        "growth_per_month": "0",
        "peak_to_average": "1",
        "downtime_cost_per_hour": "0",
    }
    assert (
        client.post(reverse("planner:workload_edit", args=[workload.pk]), data).status_code == 302
    )
    workload.refresh_from_db()
    assert (workload.name, workload.tokens_per_day, workload.tokens_per_month) == (
        "Renamed",
        2000,
        None,
    )
    assert client.post(reverse("planner:workload_delete", args=[workload.pk])).status_code == 302
    assert not Workload.objects.exists()


def test_plan_create_page_builds_api_and_selfhost_options(cast, reference_version):
    from tests.planner.conftest import api_offer, gpu_offer

    workload = WorkloadFactory(organization=cast.org)
    client = cast.client_for(cast.owner)
    page = client.get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
    assert page.status_code == 200
    assert "GPT-5 (OpenAI) · feb-2026" in page.content.decode()
    response = client.post(
        reverse("planner:plan_create"),
        {
            "version": reference_version.pk,
            "name": "From the form",
            "workload": workload.pk,
            "api_offers": [api_offer(reference_version, "GPT-5", "feb-2026").pk],
            "use_overlay": "on",
            "selfhost-TOTAL_FORMS": "2",
            "selfhost-INITIAL_FORMS": "0",
            "selfhost-0-model_name": "Llama 3.3 70B",
            "selfhost-0-rent_mode": "on_demand",
            "selfhost-0-gpu_offer": gpu_offer(reference_version).pk,
            "selfhost-0-precision": "int4",
            "selfhost-0-billing_mode": "always_on",
            "selfhost-0-utilization": "100",
            "selfhost-0-labor_hours_per_month": "0",
            "selfhost-0-other_monthly": "0",
            "selfhost-1-rent_mode": "on_demand",
            "selfhost-1-precision": "fp16",
            "selfhost-1-billing_mode": "always_on",
            "selfhost-1-utilization": "100",
            "selfhost-1-labor_hours_per_month": "0",
            "selfhost-1-other_monthly": "0",
            "hybrid_cheap": "selfhost:0",
            "hybrid_premium": api_offer(reference_version, "GPT-5", "feb-2026").pk,
            "hybrid_share": "90",
            "hybrid_escalation": "5",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    plan = Plan.objects.get(name="From the form")
    kinds = list(plan.options.values_list("kind", flat=True))
    assert kinds == ["api", "selfhost", "hybrid"]
    assert plan.options.get(kind="hybrid").cheap_option.kind == "selfhost"


def test_plan_create_with_another_orgs_workload_names_the_field(cast, reference_version):
    foreign = WorkloadFactory(organization=cast.other_org)
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("planner:plan_create"),
        {
            "version": reference_version.pk,
            "name": "Sneaky",
            "workload": foreign.pk,
            "selfhost-TOTAL_FORMS": "0",
            "selfhost-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert "workload" in response.context["form"].errors
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_plan_create_selfhost_without_gpu_names_the_field(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("planner:plan_create"),
        {
            "version": reference_version.pk,
            "name": "No GPU",
            "workload": workload.pk,
            "selfhost-TOTAL_FORMS": "1",
            "selfhost-INITIAL_FORMS": "0",
            "selfhost-0-model_name": "Llama 3.3 70B",
            "selfhost-0-rent_mode": "on_demand",
            "selfhost-0-precision": "fp16",
            "selfhost-0-billing_mode": "always_on",
            "selfhost-0-utilization": "100",
            "selfhost-0-labor_hours_per_month": "0",
            "selfhost-0-other_monthly": "0",
        },
    )
    assert response.status_code == 400
    assert "gpu_offer" in response.context["formset"].forms[0].errors
    assert not Plan.objects.exists()


def test_reevaluate_page_moves_the_plan(cast, plan):
    from pricing.services import catalog_version_clone, catalog_version_publish

    newer = catalog_version_publish(
        version=catalog_version_clone(version=plan.catalog_version, actor=cast.owner),
        actor=cast.owner,
    )
    client = cast.client_for(cast.owner)
    assert client.get(reverse("planner:plan_reevaluate", args=[plan.pk])).status_code == 200
    response = client.post(
        reverse("planner:plan_reevaluate", args=[plan.pk]), {"version": newer.pk}
    )
    assert response.status_code == 302
    assert plan.comparisons.count() == 2
    assert plan.latest_comparison.catalog_version_id == newer.pk
    viewer = cast.client_for(cast.viewer)
    assert (
        viewer.post(
            reverse("planner:plan_reevaluate", args=[plan.pk]), {"version": newer.pk}
        ).status_code
        == 403
    )


def test_side_by_side_shows_both_plans(cast, plan):
    other = plan_in(cast.org, computed=True)
    other.name = "Second plan"
    other.save()
    client = cast.client_for(cast.teammate)
    response = client.get(reverse("planner:plan_compare") + f"?a={plan.pk}&b={other.pk}")
    html = response.content.decode()
    assert response.status_code == 200
    assert plan.name in html
    assert "Second plan" in html
    assert "Cheapest monthly" in html
    # Both plans (tests.factories.plan_in): 1B tokens at 50/50 on Model 0 ($3 / $15) is
    # 0.5 x 3 + 0.5 x 15 = $9 per 1M -> $9,000; one GPU 0 replica at $2.50/h x 720 h =
    # $1,800 (1,000 tok/s x 720 h x 3,600 s = 2.59B tokens of capacity) is the cheapest,
    # shown once per plan.
    assert html.count("$1,800.00") >= 2


def test_dashboard_lists_flagged_plans(cast, plan):
    Plan.objects.filter(pk=plan.pk).update(flag="The recommendation changed from A to B.")
    html = cast.client_for(cast.viewer).get(reverse("planner:dashboard")).content.decode()
    assert "The recommendation changed from A to B." in html


def test_list_pages_and_plan_page_have_bounded_queries(cast, django_assert_max_num_queries):
    for _ in range(4):
        plan_in(cast.org, computed=True)
    client = cast.client_for(cast.owner)
    plan = Plan.objects.for_org(cast.org).first()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("planner:plan_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("planner:workload_list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("planner:dashboard")).status_code == 200
    # From scratch (cold caches), then with the cached fragments: the stored results are
    # not even loaded.
    with django_assert_max_num_queries(12):
        assert client.get(reverse("planner:plan_detail", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(9) as warm:
        assert client.get(reverse("planner:plan_detail", args=[plan.pk])).status_code == 200
    assert not [q for q in warm.captured_queries if '"results"' in q["sql"]]
