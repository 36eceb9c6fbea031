"""Forms people can type into (issue 18 item 3): volumes with units, shares as percent,
messages naming the field and its range, an error summary, any number of self-host
options, and a catalog version switch that keeps what was typed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from planner.fields import PercentField, QuantityField
from planner.forms import WorkloadForm
from planner.models import Plan, PlanOption, Workload
from planner.models.workloads import MAX_TOKENS_PER_MONTH
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer

WORKLOAD = {
    "name": "Support bot",
    "volume": "50M",
    "volume_unit": "day",
    "days_per_month": "30",
    "input_share": "70",
    "cached_share": "0",
    "growth_per_month": "5",
    "peak_to_average": "1",
    "downtime_cost_per_hour": "0",
    "availability_target": "99.9",
}


# --- the fields, without a database ---------------------------------------------------


def test_a_quantity_field_reads_units_and_names_its_range():
    field = QuantityField(max_value=MAX_TOKENS_PER_MONTH, unit="tokens a month", label="Volume")
    assert field.clean("1.5B") == 1_500_000_000
    assert field.clean("2,000,000") == 2_000_000
    with pytest.raises(Exception, match="Volume must be between 0 and 1,000,000,000,000,000"):
        field.clean("9223372036854775807")  # 9.2 quintillion: a bigint, not a workload
    with pytest.raises(Exception, match=r"Volume: Write a number such as .* 50M or 1\.5B"):
        field.clean("50 megatokens")
    with pytest.raises(Exception, match="Volume: give a whole number"):
        field.clean("1.5")


def test_a_percent_field_takes_the_models_bounds_and_decimals():
    field = PercentField.for_model(Workload, "availability_target", label="Availability (%)")
    assert field.clean("99.9") == Decimal("0.999")
    assert field.clean("99.9999%") == Decimal("0.999999")
    with pytest.raises(Exception, match=r"Availability \(%\) must be between 0% and 100%"):
        field.clean("150")
    with pytest.raises(Exception, match="at most 4 decimal places of a percent"):
        field.clean("99.999999")
    growth = PercentField.for_model(Workload, "growth_per_month", label="Growth")
    with pytest.raises(Exception, match="Growth must be between -99% and 1000%"):
        growth.clean("-100")


# --- the workload form ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_workload_form_reads_what_people_type(cast):
    form = WorkloadForm(WORKLOAD, instance=Workload(organization=cast.org))
    assert form.is_valid(), form.errors
    fields = form.service_fields()
    assert fields["tokens_per_day"] == 50_000_000
    assert fields["input_share"] == Decimal("0.7")
    assert fields["availability_target"] == Decimal("0.999")
    assert fields["growth_per_month"] == Decimal("0.05")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("input_share", "150", "Input share (%) must be between 0% and 100%."),
        ("availability_target", "100.5", "Availability target (%) must be between 0% and 100%."),
        ("peak_to_average", "500", "Peak to average must be between 1 and 100."),
        ("days_per_month", "40", "Days per month must be between 1 and 31."),
        (
            "volume",
            "9,223,372,036,854,775,807",
            "Volume must be between 0 and 1,000,000,000,000,000 tokens a month.",
        ),
        ("volume", "-5", "Volume must be between 0 and"),
    ],
)
def test_a_value_out_of_range_is_refused_naming_the_field_and_range(cast, field, typed, message):
    response = cast.client_for(cast.owner).post(
        reverse("planner:workload_create"), {**WORKLOAD, field: typed}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error.startswith(message) for error in errors), errors
    assert not Workload.objects.exists()
    html = response.content.decode()
    # The summary at the top links to the field.
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#id_{field}"' in summary


@pytest.mark.django_db
def test_a_saved_workload_shows_percent_and_grouped_volume(cast):
    client = cast.client_for(cast.owner)
    assert client.post(reverse("planner:workload_create"), WORKLOAD).status_code == 302
    workload = Workload.objects.get(name="Support bot")
    assert (workload.tokens_per_day, workload.input_share) == (50_000_000, Decimal("0.7"))
    html = client.get(reverse("planner:workload_edit", args=[workload.pk])).content.decode()
    assert re.search(r'name="volume" value="50,000,000"', html)
    assert re.search(r'name="input_share" value="70"', html)
    assert re.search(r'name="availability_target" value="99.9"', html)


@pytest.mark.django_db
def test_money_fields_name_the_organizations_currency(cast):
    cast.org.currency = "EUR"
    cast.org.save()
    html = cast.client_for(cast.owner).get(reverse("planner:workload_create")).content.decode()
    assert "Engineer hourly rate (EUR)" in html
    assert "Downtime cost per hour (EUR)" in html


# --- the plan form --------------------------------------------------------------------


def _selfhost(n: int, gpu, **fields) -> dict[str, object]:
    base = {
        "model_name": "Llama 3.3 70B",
        "rent_mode": "on_demand",
        "gpu_offer": gpu.pk,
        "precision": "int4",
        "billing_mode": "always_on",
        "utilization": "80",
        "labor_hours_per_month": "0",
        "other_monthly": "0",
        **fields,
    }
    return {f"selfhost-{n}-{k}": v for k, v in base.items()}


def _plan_post(version, workload, *selfhosts: dict, **fields) -> dict[str, object]:
    data: dict[str, object] = {
        "version": version.pk,
        "name": "Typed plan",
        "workload": workload.pk,
        "api_offers": [api_offer(version, "GPT-5", "feb-2026").pk],
        "use_overlay": "on",
        "selfhost-TOTAL_FORMS": str(len(selfhosts)),
        "selfhost-INITIAL_FORMS": "0",
        **fields,
    }
    for option in selfhosts:
        data.update(option)
    return data


@pytest.mark.django_db
def test_an_invalid_plan_form_opens_on_a_summary_linking_each_error(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    a100 = gpu_offer(reference_version)
    data = _plan_post(
        reference_version,
        workload,
        _selfhost(0, a100),
        _selfhost(1, a100, gpu_offer="", utilization="150"),
        name="",
    )
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "3 things to fix" in summary
    assert '<a href="#id_name">Name: This field is required.</a>' in summary
    assert (
        '<a href="#id_selfhost-1-utilization">Self-host option 2: Planned utilization (%) '
        "must be between 1% and 100%.</a>" in summary
    )
    assert '<a href="#id_selfhost-1-gpu_offer">Self-host option 2: Choose a GPU offer.</a>' in (
        summary
    )
    # The linked fields are on the page, with what was typed.
    assert 'id="id_selfhost-1-utilization"' in html
    assert 'name="selfhost-1-utilization" value="150"' in html
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_a_plan_holds_any_number_of_self_host_options_and_computes_them(cast, reference_version):
    from planner import services

    workload = WorkloadFactory(organization=cast.org, tokens_per_month=2_000_000_000)
    a100, h100 = gpu_offer(reference_version), gpu_offer(reference_version, "NVIDIA H100 80GB")
    data = _plan_post(
        reference_version,
        workload,
        _selfhost(0, a100),
        _selfhost(1, h100, precision="fp8", gpu_count="2"),
        _selfhost(2, a100, model_name="Llama 3.1 8B", precision="fp16"),
        _selfhost(3, h100, model_name="Removed one", **{"DELETE": "on"}),
        hybrid_cheap="selfhost:2",
        hybrid_premium=api_offer(reference_version, "GPT-5", "feb-2026").pk,
        hybrid_share="70",
    )
    client = cast.client_for(cast.owner)
    response = client.post(reverse("planner:plan_create"), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    plan = Plan.objects.get(name="Typed plan")
    selfhosts = list(plan.options.filter(kind="selfhost").order_by("position", "pk"))
    assert [(o.model_name, o.precision) for o in selfhosts] == [
        ("Llama 3.3 70B", "int4"),
        ("Llama 3.3 70B", "fp8"),
        ("Llama 3.1 8B", "fp16"),
    ]
    assert all(o.utilization == Decimal("0.8") for o in selfhosts)
    hybrid = plan.options.get(kind="hybrid")
    assert (hybrid.cheap_option, hybrid.routed_share) == (selfhosts[2], Decimal("0.7"))
    results = services.plan_compute(plan=plan, actor=cast.owner).results
    computed = [o for o in results["options"] if o["kind"] == "selfhost"]
    assert len(computed) == 3
    assert all(o["monthly"]["expected"] > 0 for o in computed)


@pytest.mark.django_db
def test_add_a_self_host_option_keeps_what_was_typed_and_saves_nothing(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    a100 = gpu_offer(reference_version)
    data = _plan_post(reference_version, workload, _selfhost(0, a100), action="add_selfhost")
    response = cast.client_for(cast.owner).post(reverse("planner:plan_create"), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    html = response.content.decode()
    assert 'name="selfhost-0-model_name" value="Llama 3.3 70B"' in html
    assert 'name="selfhost-1-model_name"' in html
    assert "Self-host option 2" in html
    assert 'value="selfhost:1"' in html  # the hybrid may route to the new option
    assert 'id="error-summary"' not in html
    assert not Plan.objects.exists()
    # Left at its defaults, the new option is empty: the plan is created without it.
    posted = {**response.context["form"].data.dict(), "action": "create"}
    posted["api_offers"] = response.context["form"].data.getlist("api_offers")
    created = cast.client_for(cast.owner).post(reverse("planner:plan_create"), posted)
    assert created.status_code == 302, [f.errors for f in created.context["formset"]]
    assert Plan.objects.get().options.filter(kind="selfhost").count() == 1


@pytest.mark.django_db
def test_switching_the_catalog_version_keeps_everything_entered(cast, reference_version):
    from pricing.services import catalog_version_clone, catalog_version_publish

    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference_version, actor=cast.owner),
        actor=cast.owner,
    )
    workload = WorkloadFactory(organization=cast.org)
    a100 = gpu_offer(reference_version)
    gpt5 = api_offer(reference_version, "GPT-5", "feb-2026")
    data = _plan_post(
        reference_version,
        workload,
        _selfhost(0, a100, other_monthly="1234"),
        name="Kept name",
        description="Typed before switching",
        hybrid_premium=gpt5.pk,
        hybrid_cheap=f"api:{api_offer(reference_version, 'DeepSeek V3.2', 'feb-2026').pk}",
        hybrid_share="60",
        action="switch_version",
        switch_to=newer.pk,
    )
    client = cast.client_for(cast.owner)
    response = client.post(reverse("planner:plan_create"), data)
    assert response.status_code == 200
    assert response.context["version"] == newer
    html = response.content.decode()
    assert 'name="name" value="Kept name"' in html
    assert "Typed before switching" in html
    assert 'name="selfhost-0-other_monthly" value="1234"' in html
    assert 'name="hybrid_share" value="60"' in html
    new_gpt5 = api_offer(newer, "GPT-5", "feb-2026")
    new_a100 = gpu_offer(newer)
    assert re.search(rf'value="{new_gpt5.pk}"[^>]*checked', html)
    assert re.search(rf'<option value="{new_a100.pk}" selected', html)
    new_deepseek = api_offer(newer, "DeepSeek V3.2", "feb-2026")
    assert re.search(rf'<option value="api:{new_deepseek.pk}" selected', html)
    assert f'<input type="hidden" name="version" value="{newer.pk}">' in html
    assert not Plan.objects.exists()
    # Creating it then uses the new version and the moved rows.
    form = response.context["form"]
    created = client.post(
        reverse("planner:plan_create"),
        {**form.data.dict(), "action": "create", "api_offers": form.data.getlist("api_offers")},
    )
    assert created.status_code == 302, created.context["form"].errors or [
        f.errors for f in created.context["formset"]
    ]
    plan = Plan.objects.get(name="Kept name")
    assert plan.catalog_version == newer
    assert plan.options.get(kind="selfhost").gpu_offer == new_a100


@pytest.mark.django_db
def test_pressing_enter_creates_the_plan_not_a_version_switch(cast, reference_version):
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
        .content.decode()
    )
    form = html.split('id="plan-form"', 1)[1]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="create"' in first_button


@pytest.mark.django_db
def test_the_plan_form_folds_advanced_finance_away(cast, reference_version):
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
        .content.decode()
    )
    assert html.count("<fieldset") >= 5
    ownership = html.split("Ownership finance", 1)[0].rsplit("<details", 1)[1]
    assert "open" not in ownership.split(">", 1)[0]
    assert "PlanOption" not in html
    assert PlanOption.objects.count() == 0


# --- compare and diff forms -----------------------------------------------------------


def _selected(html: str, select_id: str) -> str | None:
    select = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    found = re.search(r'<option value="(\d+)"\s*selected', select)
    return found.group(1) if found else None


@pytest.mark.django_db
def test_the_plan_compare_form_starts_on_two_different_plans(cast, reference_version):
    from tests.planner.conftest import make_plan

    first = make_plan(cast.org, cast.owner, reference_version, name="First")
    second = make_plan(cast.org, cast.owner, reference_version, name="Second")
    html = cast.client_for(cast.owner).get(reverse("planner:plan_compare")).content.decode()
    picked = {_selected(html, "id_a"), _selected(html, "id_b")}
    assert picked == {str(first.pk), str(second.pk)}


@pytest.mark.django_db
def test_the_catalog_diff_form_starts_on_the_newest_version_and_the_one_before(
    cast, reference_version
):
    from pricing.services import catalog_version_clone, catalog_version_publish

    newer = catalog_version_publish(
        version=catalog_version_clone(version=reference_version, actor=cast.owner),
        actor=cast.owner,
    )
    html = cast.client_for(cast.owner).get(reverse("pricing:catalog_diff")).content.decode()
    assert _selected(html, "diff-new") == str(newer.pk)
    assert _selected(html, "diff-old") == str(reference_version.pk)
