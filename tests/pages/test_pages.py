"""Pages people log in for: charts data, live preview, exports, share links, compare,
sweep heatmap, field errors, and a bounded number of queries on every page."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from planner import services
from planner.models import PlanShareLink, Workload
from tests.factories import _sweep_in, plan_in
from tests.planner.conftest import case4_options, make_plan

pytestmark = pytest.mark.django_db


def _json_script(html: str, element_id: str) -> dict:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


# --- charts ----------------------------------------------------------------------------


def test_plan_page_has_every_chart_with_data_matching_the_comparison(cast, computed_plan):
    response = cast.client_for(cast.owner).get(
        reverse("planner:plan_detail", args=[computed_plan.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    charts = _json_script(html, "plan-charts")
    results = computed_plan.latest_comparison.results
    for kind in ("volume", "breakdown", "utilization", "uncertainty"):
        assert f'data-chart="{kind}"' in html
    assert html.count('role="img"') == 4
    assert html.count('<details class="fallback">') == 4
    # Stacked breakdown: the parts in the total add up to each option's expected monthly cost.
    breakdown = charts["breakdown"]
    assert breakdown["options"] == [o["name"] for o in results["options"]]
    for i, option in enumerate(results["options"]):
        parts = sum(p["values"][i] or 0 for p in breakdown["parts"] if p["in_total"])
        assert parts == pytest.approx(option["monthly"]["expected"], abs=0.02)
        assert breakdown["totals"][i] == option["monthly"]["expected"]
    # Monte Carlo band: the self-host option's P10/P50/P90, as computed.
    selfhost = next(o for o in results["options"] if o["kind"] == "selfhost")
    row = next(r for r in charts["uncertainty"]["rows"] if r["label"] == selfhost["name"])
    assert (row["p10"], row["p50"], row["p90"]) == (
        selfhost["monte_carlo"]["selfhost"]["p10"],
        selfhost["monte_carlo"]["selfhost"]["p50"],
        selfhost["monte_carlo"]["selfhost"]["p90"],
    )
    # Crossing markers: every crossing of every pair inside the chart's range, no other.
    volumes = charts["volume"]["volumes"]
    crossings = {
        (c["volume"], c["cheaper_above"])
        for pair in results["crossings"]
        for c in pair["crossings"]
        if volumes[0] <= c["volume"] <= volumes[-1]
    }
    markers = charts["volume"]["breakevens"]
    assert {(m["tokens"], m["selfhost"]) for m in markers} == crossings
    assert markers  # the computed plan crosses inside its range
    # The break-even table's crossings are among them, on the API line at that volume.
    for be in selfhost["breakevens"]:
        for c in be["crossings"]:
            if volumes[0] <= c["tokens_per_month"] <= volumes[-1]:
                assert (
                    c["tokens_per_month"],
                    selfhost["name"] if c["selfhost_cheaper_above"] else be["api_option"],
                ) in crossings
    for point in markers:
        api_name = (
            point["api"]
            if point["api"] in {o["name"] for o in results["options"] if o["kind"] == "api"}
            else point["selfhost"]
        )
        api = next(o for o in results["options"] if o["name"] == api_name)
        if api["kind"] == "api":
            expected = api["blended_per_mtok"] * point["tokens"] / 1e6
            assert point["cost"] == pytest.approx(expected, rel=0.01)
    assert [s["step"] for s in charts["volume"]["series"]] == [
        o["kind"] == "selfhost" for o in results["options"]
    ]


def test_comparison_page_draws_the_same_charts(cast, computed_plan):
    comparison = computed_plan.latest_comparison
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:comparison_detail", args=[comparison.pk]))
        .content.decode()
    )
    charts = _json_script(html, "plan-charts")
    assert charts["recommended"] == comparison.recommended_option
    assert "/static/js/charts.js" in html
    assert "/static/vendor/chart.js/chart.umd.min.js" in html


def test_uncomputed_plan_has_no_charts(cast, reference_version):
    plan = make_plan(
        cast.org, cast.owner, reference_version, options=case4_options(reference_version)
    )
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_detail", args=[plan.pk]))
        .content.decode()
    )
    assert "Not computed yet" in html
    assert 'id="plan-charts"' not in html


def test_no_inline_scripts_or_style_attributes_on_the_plan_page(cast, computed_plan):
    html = (
        cast.client_for(cast.owner)
        .get(reverse("planner:plan_detail", args=[computed_plan.pk]))
        .content.decode()
    )
    assert " style=" not in html
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, script


# --- live preview ----------------------------------------------------------------------


def _workload_post(**overrides) -> dict:
    data = {
        "name": "Chat",
        "description": "",
        "volume": "1000000000",
        "volume_unit": "month",
        "days_per_month": "30",
        "input_share": "50",
        "cached_share": "0",
        "growth_per_month": "0",
        "peak_to_average": "1",
        "downtime_cost_per_hour": "0",
        "success_rates": "",
    }
    data.update(overrides)
    return data


def test_preview_prices_the_guided_first_plans_options(cast, reference_version):
    """No plan yet: the options a guided first plan would compare, at the typed figures."""
    from planner.bridge.onboarding import first_plan_options
    from planner.models import Workload

    client = cast.client_for(cast.teammate)
    response = client.post(reverse("planner:workload_preview"), _workload_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="ok"' in html
    roles = re.findall(r'data-role="(\w+)"', html)
    assert roles == ["capable", "frontier", "reference"]
    picks = first_plan_options(
        version=reference_version,
        organization=cast.org,
        workload=Workload(
            organization=cast.org, tokens_per_month=1_000_000_000, input_share=Decimal("0.5")
        ),
    )
    names = re.findall(r"<td><strong>([^<]+)</strong>", html)
    assert names == [picks.capable.label, picks.frontier.label, picks.selfhost.label]
    # 1B tokens/month: each API's blended price at the workload's mix x 1,000.
    monthly = [float(m) for m in re.findall(r'data-monthly="([\d.]+)"', html)]
    assert monthly[0] == pytest.approx(picks.capable.blended_per_mtok * 1000, abs=0.01)
    assert monthly[1] == pytest.approx(picks.frontier.blended_per_mtok * 1000, abs=0.01)
    assert monthly[2] == pytest.approx(picks.selfhost.monthly, abs=0.01)
    assert "cheapest capable API" in html
    assert "1,000,000,000" in html


def test_preview_follows_the_volume(cast, reference_version):
    client = cast.client_for(cast.owner)
    url = reverse("planner:workload_preview")
    small = client.post(url, _workload_post(volume="1000000")).content.decode()
    big = client.post(url, _workload_post(volume="1000000000")).content.decode()
    cheapest = lambda html: float(re.findall(r'data-monthly="([\d.]+)"', html)[0])  # noqa: E731
    assert cheapest(big) == pytest.approx(cheapest(small) * 1000, rel=1e-3)


def test_preview_names_the_wrong_field_and_saves_nothing(cast, reference_version):
    before = Workload.objects.count()
    response = cast.client_for(cast.owner).post(
        reverse("planner:workload_preview"), _workload_post(input_share="200", volume="")
    )
    html = response.content.decode()
    assert 'data-state="invalid"' in html
    assert "Input share" in html
    assert "Volume" in html
    assert 'href="#id_input_share"' in html
    assert Workload.objects.count() == before


def test_preview_is_for_writers_only(cast, reference_version):
    response = cast.client_for(cast.viewer).post(
        reverse("planner:workload_preview"), _workload_post()
    )
    assert response.status_code == 403


def test_workload_form_shows_errors_beside_fields_and_saves_nothing(cast):
    before = Workload.objects.count()
    response = cast.client_for(cast.owner).post(
        reverse("planner:workload_create"), _workload_post(input_share="150", name="")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<div class="field field-error">\s*<label for="id_input_share">', html)
    assert re.search(r'<div class="field field-error">\s*<label for="id_name">', html)
    assert 'id="id_input_share_errors"' in html
    assert Workload.objects.count() == before
    assert 'hx-post="/workloads/preview/"' in html


# --- exports and share links -----------------------------------------------------------


def test_plan_csv_has_costs_to_the_cent_and_neutralises_formulas(cast, reference_version):
    plan = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=case4_options(reference_version),
        name="=HYPERLINK(1)",
    )
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    response = cast.client_for(cast.viewer).get(reverse("planner:plan_csv", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["plan", "'=HYPERLINK(1)"]
    totals = {r[0]: r for r in rows if len(r) == 6 and r[2] == "total"}
    for option in comparison.results["options"]:
        assert Decimal(totals[option["name"]][4]) == Decimal(str(option["monthly"]["expected"]))
    assert any(r[:1] == ["selfhost_option"] for r in rows)


def test_outsider_cannot_export_or_print_a_plan(cast, computed_plan):
    client = cast.client_for(cast.outsider)
    assert client.get(reverse("planner:plan_csv", args=[computed_plan.pk])).status_code == 404
    assert client.get(reverse("planner:plan_report", args=[computed_plan.pk])).status_code == 404


def test_printable_report_has_no_navigation(cast, computed_plan):
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:plan_report", args=[computed_plan.pk]))
        .content.decode()
    )
    assert "Support bot" in html
    assert 'class="mainnav"' not in html
    assert "Print / save as PDF" in html
    assert 'id="plan-charts"' in html


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owner_or_admin_shares_and_revokes_a_plan(cast, computed_plan, client, who):
    member = cast.client_for(getattr(cast, who))
    response = member.post(reverse("planner:plan_share", args=[computed_plan.pk]))
    assert response.status_code == 302
    link = PlanShareLink.objects.get(plan=computed_plan)
    url = reverse("planner:shared_plan", args=[link.token])
    shared = client.get(url)  # anonymous
    html = shared.content.decode()
    assert shared.status_code == 200
    assert "Support bot" in html
    assert "Acme AI" not in html  # nothing of the organization beyond the plan
    assert 'class="mainnav"' not in html
    assert shared["X-Robots-Tag"] == "noindex, nofollow"
    detail = member.get(reverse("planner:plan_detail", args=[computed_plan.pk])).content.decode()
    assert link.token in detail
    assert member.post(reverse("planner:plan_share_revoke", args=[link.pk])).status_code == 302
    assert client.get(url).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is not None


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_teammates_and_viewers_cannot_share(cast, computed_plan, who):
    response = cast.client_for(getattr(cast, who)).post(
        reverse("planner:plan_share", args=[computed_plan.pk])
    )
    assert response.status_code == 403
    assert not PlanShareLink.objects.exists()


def test_outsider_cannot_share_or_revoke(cast, computed_plan):
    client = cast.client_for(cast.outsider)
    assert client.post(reverse("planner:plan_share", args=[computed_plan.pk])).status_code == 404
    link = PlanShareLink.objects.create(organization=cast.org, plan=computed_plan)
    assert client.post(reverse("planner:plan_share_revoke", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_unknown_share_token_is_404(client, db):
    assert client.get(reverse("planner:shared_plan", args=["nope"])).status_code == 404


# --- compare and sweeps ----------------------------------------------------------------


def test_compare_page_shows_the_difference(cast, reference_version):
    a = make_plan(
        cast.org, cast.owner, reference_version, options=case4_options(reference_version), name="A"
    )
    b = make_plan(
        cast.org,
        cast.owner,
        reference_version,
        options=case4_options(reference_version),
        name="B",
        tokens_per_month=2_000_000_000,
    )
    ca = services.plan_compute(plan=a, actor=cast.owner)
    cb = services.plan_compute(plan=b, actor=cast.owner)
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:plan_compare") + f"?a={a.pk}&b={b.pk}")
        .content.decode()
    )
    assert "Difference (B \u2212 A)" in html
    assert "+1,000,000,000" in html  # tokens per month
    # Cheapest in both: Gemini 2.5 Flash at 50/50, 0.5 x $0.15 + 0.5 x $0.60 = $0.375 per
    # 1M: A 1,000M -> $375.00, B 2,000M -> $750.00, so B - A = +$375.00.
    assert (ca.cheapest_monthly, cb.cheapest_monthly) == (Decimal("375.00"), Decimal("750.00"))
    assert 'data-delta="375.00"' in html


def test_sweep_page_has_a_heatmap_with_legend(cast):
    sweep = _sweep_in(cast.org)
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("planner:sweep_detail", args=[sweep.pk]))
        .content.decode()
    )
    names = sweep.summary["option_names"]
    grid = sweep.summary["map"]
    cells = re.findall(r'<td class="cell heat-(\d)"', html)
    assert len(cells) == len(grid["volumes"]) * len(grid["utilizations"])
    first_row = [names[i] for i in grid["cheapest"][0]]
    assert [names[int(c)] for c in cells[: len(first_row)]] == first_row
    assert 'class="legend"' in html
    assert 'data-status="succeeded"' in html
    assert 'data-percent="100"' in html


# --- navigation ------------------------------------------------------------------------


def test_nav_links_every_section(cast):
    html = cast.client_for(cast.owner).get(reverse("planner:dashboard")).content.decode()
    for name in (
        "planner:workload_list",
        "planner:plan_list",
        "planner:sweep_list",
        "pricing:catalog_list",
        "accounts:members",
        "accounts_tokens:list",
    ):
        assert f'href="{reverse(name)}"' in html
    assert 'aria-current="page">Dashboard' in html


# --- query counts ----------------------------------------------------------------------


@pytest.fixture
def busy_org(cast, reference_version):
    """Several plans (computed), workloads and sweeps, so an N+1 would show."""
    plans = []
    for n in range(3):
        plan = make_plan(
            cast.org,
            cast.owner,
            reference_version,
            options=case4_options(reference_version),
            name=f"P{n}",
        )
        services.plan_compute(plan=plan, actor=cast.owner)
        plans.append(plan)
    plan_in(cast.org, computed=True)
    sweeps = [_sweep_in(cast.org) for _ in range(2)]
    return {"plans": plans, "sweeps": sweeps, "version": reference_version}


PAGES = {
    "dashboard": (lambda d: reverse("planner:dashboard"), 15),
    "workloads": (lambda d: reverse("planner:workload_list"), 9),
    "plans": (lambda d: reverse("planner:plan_list"), 10),
    "plan": (lambda d: reverse("planner:plan_detail", args=[d["plans"][0].pk]), 16),
    "comparison": (
        lambda d: reverse("planner:comparison_detail", args=[d["plans"][0].latest_comparison.pk]),
        11,
    ),
    "compare": (
        lambda d: reverse("planner:plan_compare") + f"?a={d['plans'][0].pk}&b={d['plans'][1].pk}",
        12,
    ),
    "sweeps": (lambda d: reverse("planner:sweep_list"), 10),
    "sweep": (lambda d: reverse("planner:sweep_detail", args=[d["sweeps"][0].pk]), 10),
    "catalogs": (lambda d: reverse("pricing:catalog_list"), 10),
    "catalog": (lambda d: reverse("pricing:catalog_detail", args=[d["version"].pk]), 18),
    "members": (lambda d: reverse("accounts:members"), 10),
    "tokens": (lambda d: reverse("accounts_tokens:list"), 9),
    "workload_form": (lambda d: reverse("planner:workload_create"), 8),
    "report": (lambda d: reverse("planner:plan_report", args=[d["plans"][0].pk]), 10),
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_renders_with_bounded_queries(
    cast, busy_org, django_assert_max_num_queries, page
):
    url_for, limit = PAGES[page]
    client = cast.client_for(cast.owner)
    url = url_for(busy_org)
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200, url


def test_dashboard_shows_running_sweeps_and_not_finished_ones(cast):
    from planner.models import Sweep, SweepStatus
    from tests.factories import sweep_catalog_version

    version = sweep_catalog_version()
    common = {"organization": cast.org, "catalog_version": version, "spec": {}, "chunks_total": 4}
    Sweep.objects.create(name="Half way", total_points=1000, done_points=500, **common)
    Sweep.objects.create(
        name="Long done", status=SweepStatus.SUCCEEDED, total_points=10, done_points=10, **common
    )
    Sweep.objects.create(
        name="Rival sweep",
        **{**common, "organization": cast.other_org},
        total_points=10,
    )

    html = cast.client_for(cast.viewer).get(reverse("planner:dashboard")).content.decode()

    assert "Running sweeps" in html
    assert "Half way" in html
    assert 'value="50"' in html
    assert "Long done" not in html
    assert "Rival sweep" not in html
