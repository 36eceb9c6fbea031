"""In Chromium, the charts format amounts as the tables beside them do: the chart script
(static/js/format.js through charts.js) against Python's formatting.format_money, on a
plan priced in yen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from formatting import format_money, format_tokens
from planner import services
from pricing.services import catalog_version_clone, catalog_version_publish
from tests.factories import DEFAULT_PASSWORD
from tests.planner.conftest import case4_options, make_plan

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yen_plan(cast, transactional_db):
    from pricing.services import load_reference_catalog

    reference, _created = load_reference_catalog()
    draft = catalog_version_clone(version=reference, actor=cast.owner)
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


def test_chart_tooltips_and_axes_read_as_the_tables(cast, page, log_in, yen_plan):
    log_in(cast.viewer.email, DEFAULT_PASSWORD)
    page.goto(f"/plans/{yen_plan.pk}/")
    page.wait_for_selector('canvas[data-chart="breakdown"][data-chart-ready]')
    page.wait_for_selector('canvas[data-chart="volume"][data-chart-ready]')
    amounts = [0, 1234.5, -4980.4, 5891.666, 12345678.9]
    drawn = page.evaluate(
        """(amounts) => {
          const chart = (kind) => Chart.getChart(document.querySelector(`canvas[data-chart="${kind}"]`));
          const breakdown = chart("breakdown");
          const dataset = breakdown.data.datasets[0];
          const label = breakdown.options.plugins.tooltip.callbacks.label;
          const volume = chart("volume");
          return {
            part: dataset.label,
            tooltips: amounts.map((x) => label({dataset, parsed: {x}})),
            axis: breakdown.options.scales.x.title.text,
            tokens: volume.options.plugins.tooltip.callbacks.title([{parsed: {x: 651600000}}]),
          };
        }""",
        amounts,
    )
    assert drawn["tooltips"] == [f"{drawn['part']}: {format_money(x, 'JPY')}" for x in amounts]
    assert drawn["axis"] == "JPY per month"
    assert drawn["tokens"] == f"{format_tokens(651_600_000)} tokens/month"
