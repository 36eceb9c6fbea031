"""Depth on the pages (issue 10): lens, finance table, reserve and milestones for every
role; the lens switch; the plan form's ownership finance fields."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services
from planner.models import Comparison, Plan, PlanOption
from pricing.models import OwnedHardware
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer
from tests.planner.test_depth import milestone_plan, owned_plan

pytestmark = pytest.mark.django_db

MILESTONE_TEXT = "A rented option beats every API from 256M tokens/month (lost again at 466.6M; wins for good from 512M)"


def text(response) -> str:
    """The page's visible text, whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def computed(cast, reference_version):
    """The milestone plan (no availability target) and the case 4 plan with 0.999."""
    from tests.planner.conftest import make_plan

    plan = milestone_plan(cast, reference_version)
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    reserved = make_plan(
        cast.org, cast.owner, reference_version, availability_target=Decimal("0.999")
    )
    services.plan_compute(plan=reserved, actor=cast.owner)
    return plan, comparison, reserved


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_see_lens_reserve_and_milestones(cast, computed, who):
    plan, comparison, reserved = computed
    client = cast.client_for(getattr(cast, who))
    for url in (
        reverse("planner:plan_detail", args=[plan.pk]),
        reverse("planner:comparison_detail", args=[comparison.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        page = text(response)
        assert "Full TCO" in page
        assert MILESTONE_TEXT in page
        assert "A rented option is the cheapest of all from 256M tokens/month" in page
        assert "No availability target on the workload: no reserve priced." in page
    page = text(client.get(reverse("planner:plan_detail", args=[reserved.pk])))
    # 1 replica needed; the spare reaches 0.99994 against 0.999 for another $1,440.
    assert "1 spare replica in 1 region (2 replicas in all)" in page
    assert "reach availability 0.99994 against a target of 0.99900" in page
    assert "(one deployment: 0.99250)" in page
    assert "the reserve costs $1,440.00 a month" in page
    assert ("Change the lens or period" in page) is (who != "viewer")


def test_outsider_sees_nothing(cast, computed):
    plan, comparison, _reserved = computed
    client = cast.client_for(cast.outsider)
    assert client.get(reverse("planner:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("planner:comparison_detail", args=[comparison.pk])).status_code == 404
    assert client.get(reverse("planner:plan_lens", args=[plan.pk])).status_code == 404
    response = client.post(
        reverse("planner:plan_lens", args=[plan.pk]), {"lens": "marginal", "analysis_months": 12}
    )
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.lens == "full"


def test_owned_finance_table_on_the_page(cast, reference_version):
    plan = owned_plan(cast, reference_version)
    services.plan_compute(plan=plan, actor=cast.owner)
    page = text(cast.client_for(cast.viewer).get(reverse("planner:plan_detail", args=[plan.pk])))
    assert "Owned-server finance, monthly equivalent (Full TCO)" in page
    # Worked in tests/planner/test_depth.py (installation capitalised, energy by load).
    assert "Depreciation $5,138.89 $185,000.00 counted" in page
    assert "Energy $225.00 $8,099.84 counted" in page
    assert "Total (Full TCO) $16,847.22 $606,499.84" in page
    assert "average book value $112,500.00" in page
    assert "Installation capitalised with the hardware" in page
    assert "energy 1,875 kWh a month at the meter" in page


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_switch_the_lens_and_recompute(cast, reference_version, who):
    plan = owned_plan(cast, reference_version)
    client = cast.client_for(getattr(cast, who))
    assert client.get(reverse("planner:plan_lens", args=[plan.pk])).status_code == 200
    response = client.post(
        reverse("planner:plan_lens", args=[plan.pk]), {"lens": "marginal", "analysis_months": 36}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.lens == "marginal"
    comparison = Comparison.objects.get(plan=plan)
    assert comparison.results["lens"] == "marginal"
    page = text(client.get(reverse("planner:plan_detail", args=[plan.pk])))
    assert (
        "Marginal: leaves out depreciation, capital, installation, staff and implementation" in page
    )
    assert "Depreciation $5,138.89 $185,000.00 left out (marginal)" in page
    assert "$2,458.33 a month" in page  # maintenance, energy, facilities (test_depth.py)


def test_viewer_cannot_switch_the_lens(cast, reference_version):
    plan = owned_plan(cast, reference_version)
    client = cast.client_for(cast.viewer)
    response = client.post(
        reverse("planner:plan_lens", args=[plan.pk]), {"lens": "marginal", "analysis_months": 36}
    )
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.lens == "full"
    assert not Comparison.objects.filter(plan=plan).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"lens": "marginal", "analysis_months": 0}, "analysis_months"),
        ({"lens": "marginal", "analysis_months": 241}, "analysis_months"),
        ({"lens": "cheap", "analysis_months": 36}, "lens"),
    ],
)
def test_bad_lens_input_names_the_field_and_changes_nothing(cast, reference_version, data, field):
    plan = owned_plan(cast, reference_version)
    response = cast.client_for(cast.owner).post(reverse("planner:plan_lens", args=[plan.pk]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    plan.refresh_from_db()
    assert (plan.lens, plan.analysis_months) == ("full", 36)
    assert not Comparison.objects.filter(plan=plan).exists()


def plan_form_data(version, workload, **selfhost):
    node = OwnedHardware.objects.get(version=version, name="8x H100 HGX node")
    data = {
        "version": version.pk,
        "name": "Owned from the form",
        "workload": workload.pk,
        "api_offers": [api_offer(version, "GPT-5", "feb-2026").pk],
        "lens": "marginal",
        "analysis_months": "48",
        "selfhost-TOTAL_FORMS": "1",
        "selfhost-INITIAL_FORMS": "0",
        "selfhost-0-model_name": "Llama 3.3 70B",
        "selfhost-0-rent_mode": "owned",
        "selfhost-0-owned_hardware": node.pk,
        "selfhost-0-precision": "fp8",
        "selfhost-0-billing_mode": "always_on",
        "selfhost-0-tokens_per_second": "6000",
        "selfhost-0-utilization": "100",
        "selfhost-0-labor_hours_per_month": "0",
        "selfhost-0-other_monthly": "0",
        "selfhost-0-billing_buffer": "0",
        "selfhost-0-region_availability": "100",
        "selfhost-0-installation_per_server": "5000",
        "selfhost-0-residual_value": "10",
        "selfhost-0-cost_of_capital": "8",
        "selfhost-0-maintenance_per_year": "5",
        "selfhost-0-server_base_watts": "1500",
        "selfhost-0-facilities_per_server_monthly": "400",
        "selfhost-0-facilities_shared_monthly": "1000",
        "selfhost-0-ops_fte": "0.5",
        "selfhost-0-ops_fte_monthly_cost": "15000",
        "selfhost-0-implementation_one_off": "36000",
    }
    data.update({f"selfhost-0-{k}": v for k, v in selfhost.items()})
    return data


def test_plan_form_saves_the_ownership_finance(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    client = cast.client_for(cast.owner)
    page = client.get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
    assert "Ownership finance" in page.content.decode()
    response = client.post(
        reverse("planner:plan_create"), plan_form_data(reference_version, workload)
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    plan = Plan.objects.get(name="Owned from the form")
    assert (plan.lens, plan.analysis_months) == ("marginal", 48)
    option = plan.options.get(kind="selfhost")
    assert option.residual_value == Decimal("0.1")
    assert option.ops_fte_monthly_cost == Decimal(15000)
    assert option.server_price is None  # empty: the catalog's price
    depth = services.plan_compute(plan=plan, actor=cast.owner).results["options"][1]["depth"]
    assert depth["finance"]["server_price"] == 225000.00  # mid of $200k-250k
    assert depth["finance"]["purchases"] == 2  # 48 months of a 3-year life


@pytest.mark.parametrize(
    ("field", "value"),
    [("residual_value", "150"), ("cost_of_capital", "-10"), ("utilization", "0")],
)
def test_bad_finance_input_names_the_field_and_saves_nothing(cast, reference_version, field, value):
    workload = WorkloadFactory(organization=cast.org)
    response = cast.client_for(cast.owner).post(
        reverse("planner:plan_create"),
        plan_form_data(reference_version, workload, **{field: value}),
    )
    assert response.status_code == 400
    assert field in response.context["formset"].forms[0].errors
    assert not Plan.objects.exists()
    assert not PlanOption.objects.exists()


def test_replica_larger_than_the_instance_needs_permission(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    data = plan_form_data(
        reference_version,
        workload,
        rent_mode="on_demand",
        gpu_offer=gpu_offer(reference_version).pk,
        gpu_count="2",
        gpus_per_instance="1",
    )
    client = cast.client_for(cast.owner)
    response = client.post(reverse("planner:plan_create"), data)
    assert response.status_code == 400
    assert "gpus_per_instance" in response.context["formset"].forms[0].errors
    assert not Plan.objects.exists()
    data["selfhost-0-allow_multi_instance"] = "on"
    assert client.post(reverse("planner:plan_create"), data).status_code == 302


def test_blank_depth_fields_take_the_defaults(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    data = {
        k: ("" if k.startswith("selfhost-0-") and k[11:] in DEPTH_KEYS else v)
        for k, v in plan_form_data(reference_version, workload).items()
    }
    data["lens"], data["analysis_months"] = "", ""
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 302
    plan = Plan.objects.get(name="Owned from the form")
    assert (plan.lens, plan.analysis_months) == ("full", 36)
    option = plan.options.get(kind="selfhost")
    assert option.billing_buffer == Decimal(0)
    assert option.residual_value == Decimal(0)
    assert option.region_availability == Decimal(1)
    # Empty running costs take the catalog's figures (issue 15), never a silent 0.
    assert option.maintenance_per_year is None
    assert option.server_base_watts is None
    assert option.facilities_per_server_monthly is None
    assert option.installation_policy == "capitalised"
    assert option.gpu_load is None


def test_plan_form_saves_the_installation_policy_and_gpu_load(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    data = plan_form_data(
        reference_version, workload, installation_policy="expensed", gpu_load="50"
    )
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 302
    option = Plan.objects.get(name="Owned from the form").options.get(kind="selfhost")
    assert (option.installation_policy, option.gpu_load) == ("expensed", Decimal("0.5"))
    page = cast.client_for(cast.owner).get(reverse("planner:plan_create")).content.decode()
    assert "Expensed at purchase" in page
    assert "GPU load" in page
    bad = plan_form_data(reference_version, workload, installation_policy="amortised")
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), bad)
    assert response.status_code == 400
    assert "installation_policy" in response.context["formset"].forms[0].errors


DEPTH_KEYS = {
    "billing_buffer",
    "region_availability",
    "installation_per_server",
    "residual_value",
    "cost_of_capital",
    "maintenance_per_year",
    "server_base_watts",
    "facilities_per_server_monthly",
    "facilities_shared_monthly",
    "ops_fte",
    "ops_fte_monthly_cost",
    "implementation_one_off",
}
