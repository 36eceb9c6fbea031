"""An organization's own API and GPU offers (its private prices) can be chosen in the plan
form, labelled "(your price)": only its own, only on the chosen catalog version; the plan
saves and computes them as private prices, and the form's preview prices them too."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services
from planner.models import Plan
from pricing.services import private_price_add
from tests.factories import WorkloadFactory, published_catalog_version
from tests.planner.conftest import api_offer

pytestmark = pytest.mark.django_db


def _private(org, owner, version):
    add = {"organization": org, "version": version, "actor": owner}
    llm = private_price_add(
        **add,
        kind="api",
        model_name="Acme Llama",
        provider="Acme",
        input_per_mtok=Decimal("0.5"),
        output_per_mtok=Decimal("1.5"),
    )
    gpu = private_price_add(
        **add, kind="gpu", sku="NVIDIA H100 80GB", gpu_count=1, vram_per_gpu_gb=80, hourly=1.25
    )
    return llm, gpu


def _post(version, workload, llm, gpu, **fields):
    return {
        "version": version.pk,
        "name": "With our prices",
        "workload": workload.pk,
        "api_offers": [api_offer(version, "GPT-5", "feb-2026").pk],
        "private_api_offers": [llm.pk],
        "use_overlay": "on",
        "selfhost-TOTAL_FORMS": "1",
        "selfhost-INITIAL_FORMS": "0",
        "selfhost-0-model_name": "Llama 3.3 70B",
        "selfhost-0-rent_mode": "on_demand",
        "selfhost-0-private_gpu_offer": gpu.pk,
        "selfhost-0-precision": "int4",
        "selfhost-0-billing_mode": "always_on",
        "selfhost-0-utilization": "60",
        "selfhost-0-labor_hours_per_month": "0",
        "selfhost-0-other_monthly": "0",
        **fields,
    }


def test_the_plan_form_offers_the_organizations_own_offers_as_its_price(cast, reference_version):
    _private(cast.org, cast.owner, reference_version)
    _private(cast.other_org, cast.outsider, reference_version)
    page = cast.client_for(cast.owner).get(
        reverse("planner:plan_create") + f"?version={reference_version.pk}"
    )
    html = page.content.decode()
    assert "Acme Llama (Acme) · private — $0.50 in / $1.50 out per M (your price)" in html
    assert "1× NVIDIA H100 80GB · private — $1.25/h (your price)" in html  # noqa: RUF001
    # The other organization's rows are not choices: one of each, ours.
    assert html.count("(your price)</label>") == 1
    assert html.count("(your price)</option>") == 1


def test_an_organization_without_private_offers_sees_no_private_choice(cast, reference_version):
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
        .content.decode()
    )
    assert "Your private API offers" not in html
    assert "your private GPU offer" not in html


def test_a_plan_saves_and_computes_the_private_offers(cast, reference_version):
    llm, gpu = _private(cast.org, cast.owner, reference_version)
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1_000_000_000)
    client = cast.client_for(cast.owner)
    data = _post(reference_version, workload, llm, gpu)
    preview = client.post(reverse("planner:plan_preview"), data).content.decode()
    assert 'data-state="ok"' in preview, preview
    response = client.post(reverse("planner:plan_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get(name="With our prices")
    options = list(plan.options.order_by("position"))
    assert [o.private_api_offer_id for o in options] == [None, llm.pk, None]
    assert options[2].private_gpu_offer_id == gpu.pk
    assert options[2].gpu_offer_id is None
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    by_name = {o["name"]: o for o in results["options"]}
    private_api = by_name[options[1].name]
    assert private_api["private_price"] is True
    assert by_name[options[0].name]["private_price"] is False
    # 1B tokens at the workload's half input: 500M x $0.50 + 500M x $1.50 = $1,000.
    assert private_api["monthly"]["expected"] == pytest.approx(1000.0)
    # The private GPU's $1.25 an hour (per GPU) prices the self-host replica.
    comparison = plan.comparisons.get()
    pricing = comparison.inputs["options"][2]["selfhost"]["pricing"]
    assert pricing["hourly"] == [1.25 * pricing_gpus(comparison), 1.25 * pricing_gpus(comparison)]
    # Its memory is the private row's (80 GB a GPU): Llama 3.3 70B at INT4 fits one.
    machine = comparison.inputs["options"][2]["selfhost"]["machine"]
    assert (machine["vram_per_gpu_gb"], machine["count"]) == (80.0, 1)
    assert f'data-monthly="{private_api["monthly"]["expected"]:.2f}"' in preview
    row = preview.split(f"<strong>{options[1].name}</strong>", 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge">your price</span>' in row


def test_another_organizations_private_offers_are_refused(cast, reference_version):
    llm, gpu = _private(cast.other_org, cast.outsider, reference_version)
    workload = WorkloadFactory(organization=cast.org)
    client = cast.client_for(cast.owner)
    data = _post(reference_version, workload, llm, gpu)
    response = client.post(reverse("planner:plan_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert not Plan.objects.exists()
    preview = client.post(reverse("planner:plan_preview"), data).content.decode()
    assert 'data-state="invalid"' in preview
    assert "Acme Llama" not in preview


def test_private_offers_of_another_catalog_version_are_refused(cast, reference_version):
    older = published_catalog_version()
    llm, gpu = _private(cast.org, cast.owner, older)
    workload = WorkloadFactory(organization=cast.org)
    response = cast.client_for(cast.owner).post(
        reverse("planner:plan_create"), _post(reference_version, workload, llm, gpu)
    )
    assert response.status_code == 400
    assert not Plan.objects.exists()


def test_a_catalog_gpu_and_a_private_one_together_are_refused(cast, reference_version):
    from tests.planner.conftest import gpu_offer

    llm, gpu = _private(cast.org, cast.owner, reference_version)
    workload = WorkloadFactory(organization=cast.org)
    data = _post(
        reference_version,
        workload,
        llm,
        gpu,
        **{"selfhost-0-gpu_offer": gpu_offer(reference_version).pk},
    )
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 400
    assert "Choose a catalog GPU offer or yours, not both." in response.content.decode()


def pricing_gpus(comparison) -> int:
    """GPUs a replica of the self-host option is priced on (1 per the private offer)."""
    return int(comparison.inputs["options"][2]["selfhost"]["machine"]["count"])


def test_switching_the_catalog_version_names_the_private_offers_left_behind(
    cast, reference_version
):
    from pricing.services import catalog_version_clone, catalog_version_publish

    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference_version, actor=cast.owner),
        actor=cast.owner,
    )
    llm, gpu = _private(cast.org, cast.owner, reference_version)
    workload = WorkloadFactory(organization=cast.org)
    data = _post(reference_version, workload, llm, gpu, action="switch_version", switch_to=newer.pk)
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 200
    assert response.context["version"] == newer
    notice = response.content.decode().split('class="notice"', 1)[1].split("</div>", 1)[0]
    assert "Acme Llama (your price)" in notice
    assert "1\u00d7 NVIDIA H100 80GB (your price)" in notice
    form = response.context["form"]
    assert form.data.getlist("private_api_offers") == []
    assert form.data["selfhost-0-private_gpu_offer"] == ""
