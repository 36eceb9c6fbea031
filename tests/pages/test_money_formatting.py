"""Plan pages, their chart data and the CSV format money and tokens by one formatter
(formatting/), in the currency of the comparison's catalog version."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from formatting import format_money, format_tokens, money_spec
from planner import services
from planner.forms import PlanForm, SelfHostForm
from pricing.services import catalog_version_clone, catalog_version_publish
from tests.pages.test_pages import _json_script, _workload_post
from tests.planner.conftest import case4_options, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def yen_plan(cast, reference_version):
    """The computed plan of the page tests, on a copy of the reference catalog in yen."""
    draft = catalog_version_clone(version=reference_version, actor=cast.owner)
    draft.currency = "JPY"
    draft.save()
    version = catalog_version_publish(version=draft, actor=cast.owner)
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=case4_options(version, labor_hours_per_month=Decimal(10)),
        name="Yen bot",
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan


def _page(cast, plan) -> str:
    response = cast.client_for(cast.viewer).get(reverse("planner:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_chart_data_tells_the_browser_the_currency_and_labels_its_points(cast, computed_plan):
    html = _page(cast, computed_plan)
    charts = _json_script(html, "plan-charts")
    assert charts["money"] == money_spec("USD")
    points = charts["volume"]["breakevens"]
    assert points, "the Case-4-like plan has break-even points"
    for point in points:
        assert point["label"] == format_tokens(point["tokens"])
        assert point["cost_label"] == format_money(point["cost"], "USD")
    # format.js (the formatter) loads before charts.js (which uses it).
    assert html.index("js/format.js") < html.index("js/charts.js")


def test_usd_tables_read_as_the_formatter_writes(cast, computed_plan):
    html = _page(cast, computed_plan)
    for option in computed_plan.latest_comparison.results["options"]:
        assert format_money(option["monthly"]["expected"], "USD") in html
    assert not re.search(r"\$-\d", html)


def test_a_yen_catalog_shows_yen_without_minor_units_in_tables_and_chart_data(cast, yen_plan):
    html = _page(cast, yen_plan)
    results = yen_plan.latest_comparison.results
    for option in results["options"]:
        expected = format_money(option["monthly"]["expected"], "JPY")
        assert re.fullmatch(r"-?¥[\d,]+", expected)
        assert expected in html
    # The recommendation's reasons are rendered from their figures in the catalog's currency
    # too (stored results hold numbers, not sentences in dollars).
    dollars = re.search(r"\$\d", html)
    assert dollars is None, f"a dollar amount: {html[dollars.start() - 200 : dollars.end()]}"
    cheapest = results["cheapest"]
    assert (
        f"{cheapest['name']} is the cheapest allowed option at "
        f"{format_money(cheapest['monthly'], 'JPY')}/month"
    ) in html.replace("&#x27;", "'")
    assert _json_script(html, "plan-charts")["money"]["digits"] == 0
    assert _json_script(html, "plan-charts")["money"]["prefix"] == "¥"


def test_csv_names_the_currency_and_rounds_to_its_minor_units(cast, yen_plan):
    response = cast.client_for(cast.viewer).get(reverse("planner:plan_csv", args=[yen_plan.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["currency", "JPY"] in rows
    header = next(r for r in rows if r[:3] == ["option", "kind", "component"])
    assert header[3:] == ["low_jpy", "expected_jpy", "high_jpy"]
    totals = {r[0]: r for r in rows if len(r) == 6 and r[2] == "total"}
    for option in yen_plan.latest_comparison.results["options"]:
        cell = totals[option["name"]][4]
        assert re.fullmatch(r"-?\d+", cell), cell  # whole yen
        assert Decimal(cell) == Decimal(str(option["monthly"]["expected"])).quantize(
            Decimal(1), "ROUND_HALF_UP"
        )
    breakevens = [r for r in rows if len(r) == 5 and r[0] != "selfhost_option"]
    for row in breakevens:
        if row[2]:
            assert row[3] == format_tokens(float(row[2]))


def test_option_choices_show_prices_in_the_catalogs_currency(cast, yen_plan):
    version = yen_plan.catalog_version
    form = PlanForm(organization=cast.org, version=version)
    labels = [label for _value, label in form.fields["api_offers"].choices]
    assert labels
    assert all("¥" in label and "$" not in label for label in labels)
    options = SelfHostForm(version=version)
    assert all("$" not in label for _v, label in options.fields["gpu_offer"].choices)
    assert any("¥" in label for _v, label in options.fields["hidden_costs"].choices)


def test_side_by_side_does_not_subtract_yen_from_dollars(cast, computed_plan, yen_plan):
    url = reverse("planner:plan_compare") + f"?a={computed_plan.pk}&b={yen_plan.pk}"
    html = cast.client_for(cast.viewer).get(url).content.decode()
    cheapest_a = computed_plan.latest_comparison.cheapest_monthly
    cheapest_b = yen_plan.latest_comparison.cheapest_monthly
    assert format_money(cheapest_a, "USD") in html
    assert format_money(cheapest_b, "JPY") in html
    assert "different currencies" in html
    assert "data-delta" not in html.split("Cheapest monthly", 1)[1].split("</tr>", 1)[0]


def test_forecast_chart_data_carries_the_money_spec(cast, computed_plan):
    html = (
        cast.client_for(cast.viewer)
        .get(reverse("tracking:plan_forecast", args=[computed_plan.pk]))
        .content.decode()
    )
    data = _json_script(html, "forecast-data")
    assert data["money"] == money_spec(data["currency"])
    # The formatter, then the shared chart palette and helpers, then the page's charts.
    assert html.index("js/format.js") < html.index("js/charts.js") < html.index("js/tracking.js")


def test_preview_prices_api_offers_in_the_catalogs_currency(cast, yen_plan):
    # The preview prices on the newest published version: the yen copy.
    response = cast.client_for(cast.owner).post(
        reverse("planner:workload_preview"), _workload_post()
    )
    html = response.content.decode()
    assert re.search(r"¥[\d,.]+ per 1M tokens blended", html)
    assert "$" not in html


def test_budgets_list_in_their_own_currency(cast):
    from tracking import services as tracking_services

    tracking_services.budget_set(
        organization=cast.org,
        actor=cast.owner,
        workload=None,
        monthly_amount=Decimal("150000"),
        currency="JPY",
    )
    html = cast.client_for(cast.viewer).get(reverse("tracking:budget_list")).content.decode()
    assert "¥150,000" in html
    assert "150000.00" not in html


def test_cached_fragments_follow_the_formatter(monkeypatch):
    """Cached plan fragments hold formatted figures: a new formatter means new fragments."""
    from pathlib import Path

    from planner import fragments

    before = fragments._compute_version()
    read_bytes = Path.read_bytes

    def changed(path: Path) -> bytes:
        data = read_bytes(path)
        return data + b"# changed" if path.parts[-2:] == ("formatting", "money.py") else data

    monkeypatch.setattr(Path, "read_bytes", changed)
    assert fragments._compute_version() != before
