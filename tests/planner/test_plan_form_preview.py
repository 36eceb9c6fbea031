"""The plan form's live preview (issue 18 item 4): the options being typed, priced as
creating and computing the plan prices them; bad input gets a message, never a 500;
another organization's rows are refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from planner import services
from planner.models import Plan
from pricing.models import HiddenCost
from tests.factories import WorkloadFactory
from tests.planner.conftest import api_offer, gpu_offer

pytestmark = pytest.mark.django_db

URL = reverse("planner:plan_preview")


def _selfhost(n: int, gpu, **fields) -> dict[str, object]:
    base = {
        "model_name": "Llama 3.3 70B",
        "rent_mode": "on_demand",
        "gpu_offer": gpu.pk,
        "precision": "int4",
        "billing_mode": "always_on",
        "utilization": "60",
        "labor_hours_per_month": "10",
        "other_monthly": "0",
        **fields,
    }
    return {f"selfhost-{n}-{k}": v for k, v in base.items()}


def _form(version, workload, *selfhosts: dict, **fields) -> dict[str, object]:
    data: dict[str, object] = {
        "version": version.pk,
        "name": "Previewed plan",
        "workload": workload.pk,
        "api_offers": [
            api_offer(version, "GPT-5", "feb-2026").pk,
            api_offer(version, "DeepSeek V3.2", "feb-2026").pk,
        ],
        "use_overlay": "on",
        "lens": "full",
        "analysis_months": "36",
        "selfhost-TOTAL_FORMS": str(len(selfhosts)),
        "selfhost-INITIAL_FORMS": "0",
        **fields,
    }
    for option in selfhosts:
        data.update(option)
    return data


def _rows(html: str) -> dict[str, tuple[str, str | None]]:
    """Option name -> (monthly, per 1M tokens) as the preview's data attributes say."""
    rows = {}
    for row in re.findall(r"<tr data-kind=.*?</tr>", html, re.S):
        name = re.search(r"<td><strong>([^<]+)</strong>", row).group(1)
        monthly = re.search(r'data-monthly="([\d.]+)"', row).group(1)
        per = re.search(r'data-per-mtok="([\d.]+)"', row)
        rows[name] = (monthly, per.group(1) if per else None)
    return rows


def test_the_preview_of_the_typed_plan_equals_the_plan_computed_after_saving(
    cast, reference_version
):
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=3_000_000_000)
    a100, h100 = gpu_offer(reference_version), gpu_offer(reference_version, "NVIDIA H100 80GB")
    hidden = HiddenCost.objects.filter(version=reference_version).exclude(kind="gpu").first()
    data = _form(
        reference_version,
        workload,
        _selfhost(0, a100, hidden_costs=[hidden.pk]),
        _selfhost(1, h100, precision="fp8", hidden_multiplier="1.5"),
        hybrid_cheap="selfhost:1",
        hybrid_premium=api_offer(reference_version, "GPT-5", "feb-2026").pk,
        hybrid_share="70",
        hybrid_escalation="5",
    )
    client = cast.client_for(cast.owner)
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="ok"' in html, html
    previewed = _rows(html)
    assert not Plan.objects.exists()  # nothing saved

    created = client.post(reverse("planner:plan_create"), data)
    assert created.status_code == 302
    plan = Plan.objects.get()
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    computed = {
        o["name"]: (
            f"{o['monthly']['expected']:.2f}",
            None if o["cost_per_mtok"] is None else f"{o['cost_per_mtok']:.4f}",
        )
        for o in comparison.results["options"]
    }
    assert len(computed) == 5  # two APIs, two self-hosts, the hybrid
    assert previewed == computed
    # The cheapest row and the recommendation are the computed plan's.
    cheapest = re.search(r"data-cheapest[^>]*>\s*<td><strong>([^<]+)</strong>", html).group(1)
    assert cheapest == comparison.results["cheapest"]["name"]
    recommended = comparison.results["recommendation"]["option"]
    assert f"Recommended: <strong>{recommended}</strong>" in html
    bar = html.split('class="preview-bar"', 1)[1].split("</a>", 1)[0]
    assert f"Cheapest of 5:</span> <strong>{cheapest}</strong>" in bar


def test_an_empty_name_does_not_hold_the_preview_back(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    response = cast.client_for(cast.owner).post(URL, _form(reference_version, workload, name=""))
    assert 'data-state="ok"' in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"workload": ""}, "Workload: This field is required."),
        ({"api_offers": []}, "Choose at least one API offer or self-host configuration."),
        ({"analysis_months": "9999"}, "Analysis period (months)"),
    ],
)
def test_invalid_input_answers_200_with_the_fields_to_fix(cast, reference_version, fields, message):
    workload = WorkloadFactory(organization=cast.org)
    response = cast.client_for(cast.owner).post(
        URL, {**_form(reference_version, workload), **fields}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="invalid"' in html
    assert "Fix these fields to see costs" in html
    assert message in html


def test_a_bad_self_host_option_is_named_in_the_preview(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    data = _form(
        reference_version,
        workload,
        _selfhost(0, gpu_offer(reference_version), gpu_offer="", utilization="150"),
    )
    html = cast.client_for(cast.owner).post(URL, data).content.decode()
    assert 'data-state="invalid"' in html
    assert '<a href="#id_selfhost-0-gpu_offer">Self-host option 1: Choose a GPU offer.</a>' in html
    assert "#id_selfhost-0-utilization" in html


def test_another_organizations_workload_is_refused(cast, reference_version):
    theirs = WorkloadFactory(organization=cast.other_org, name="Rival workload")
    html = cast.client_for(cast.owner).post(URL, _form(reference_version, theirs)).content.decode()
    assert 'data-state="invalid"' in html
    assert "Select a valid choice" in html
    assert "Rival workload" not in html


def test_only_writers_preview_and_only_by_post(cast, reference_version):
    workload = WorkloadFactory(organization=cast.org)
    data = _form(reference_version, workload)
    assert cast.client_for(cast.viewer).post(URL, data).status_code == 403
    assert cast.client_for(cast.teammate).post(URL, data).status_code == 200
    assert cast.client_for(cast.owner).get(URL).status_code == 405


def test_the_plan_form_posts_itself_to_the_preview(cast, reference_version):
    page = cast.client_for(cast.owner).get(reverse("planner:plan_create")).content.decode()
    assert f'hx-post="{URL}"' in page
    assert 'id="plan-preview"' in page
