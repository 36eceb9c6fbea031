"""The workload form's live preview shows the options the user compares (issue 18 item 4):
the workload's plan's own options, else the organization's latest plan's; never another
organization's."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.planner.conftest import make_plan

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Support bot",
    "volume": "1B",
    "volume_unit": "month",
    "days_per_month": "30",
    "input_share": "50",
    "cached_share": "0",
    "growth_per_month": "0",
    "peak_to_average": "1",
    "downtime_cost_per_hour": "0",
}


def _preview(client, workload=None, **fields):
    url = reverse("planner:workload_preview")
    if workload is not None:
        url += f"?workload={workload}"
    html = client.post(url, {**FORM, **fields}).content.decode()
    assert 'data-state="ok"' in html, html
    names = re.findall(r"<td><strong>([^<]+)</strong>", html)
    return html, names


def test_the_preview_prices_the_workloads_plan_options(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version, name="Our comparison")
    other = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        name="Another",
        options=[{"kind": "api", "api_offer": plan.options.first().api_offer}],
    )
    client = cast.client_for(cast.owner)
    html, names = _preview(client, workload=plan.workload.pk)
    assert names == [o.name for o in plan.options.order_by("position", "pk")]
    assert "Our comparison" in html
    assert f'data-plan="{plan.pk}"' in html
    # Exactly one row is the cheapest, and the phone's bar names it with its figure.
    cheapest = re.search(r"data-cheapest>\s*<td><strong>([^<]+)</strong>", html).group(1)
    monthly = dict(
        re.findall(r'<td><strong>([^<]+)</strong>.*?data-monthly="([\d.]+)"', html, re.S)
    )
    assert float(monthly[cheapest]) == min(float(v) for v in monthly.values())
    bar = html.split('class="preview-bar"', 1)[1].split("</a>", 1)[0]
    assert cheapest in bar
    assert f"Cheapest of {len(names)}" in bar
    # A new workload: the organization's most recently changed plan.
    _html, names = _preview(client)
    assert names == [o.name for o in other.options.all()]


def test_a_typed_figure_changes_the_plans_prices(cast, reference_version):
    plan = make_plan(cast.org, cast.owner, reference_version)
    client = cast.client_for(cast.owner)
    small, _ = _preview(client, workload=plan.workload.pk, volume="10M")
    big, _ = _preview(client, workload=plan.workload.pk, volume="1B")
    first = lambda html: float(re.search(r'data-monthly="([\d.]+)"', html).group(1))  # noqa: E731
    assert first(big) == pytest.approx(first(small) * 100, rel=1e-6)


def test_another_organizations_plan_is_never_previewed(cast, reference_version):
    theirs = make_plan(cast.other_org, cast.outsider, reference_version, name="Rival plan")
    html, names = _preview(cast.client_for(cast.owner), workload=theirs.workload.pk)
    assert "Rival plan" not in html
    assert "data-plan" not in html
    # No plan of our own: the options a guided first plan would compare.
    assert 'data-role="reference"' in html
    assert names
