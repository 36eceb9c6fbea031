"""In Chromium, the forecast and sensitivity charts (static/js/tracking.js) are drawn in
the shared palette of static/js/charts.js: Okabe-Ito colours, each line its own dash
pattern, the legend as a list under the chart and tooltips formatted as the tables."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.urls import reverse

from formatting import format_money
from tests.factories import DEFAULT_PASSWORD
from tests.tracking.conftest import compute_with_steady_prices, make_plan
from tracking import services

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAWN = """(id) => {
  const chart = Chart.getChart(document.getElementById(id));
  const palette = window.BreakevenCharts.palette;
  return {
    lines: palette.lines,
    dashes: palette.dashes,
    muted: palette.muted,
    datasets: chart.data.datasets.map((d) => ({
      label: d.label, colour: d.borderColor, fill: d.backgroundColor, dash: d.borderDash || [],
    })),
    legend: [...chart.canvas.parentNode.nextElementSibling.querySelectorAll(".chart-legend-item")]
      .map((b) => b.textContent),
    tooltip: chart.options.plugins.tooltip.callbacks.label({
      dataset: chart.data.datasets[0], parsed: {y: 12345.678}, raw: [0, 12345.678],
    }),
  };
}"""


@pytest.fixture
def computed(cast, transactional_db):
    plan = compute_with_steady_prices(make_plan(cast.org), actor=cast.owner)
    services.budget_set(
        organization=cast.org,
        actor=cast.owner,
        workload=None,
        monthly_amount=Decimal("2000"),
        currency="USD",
    )
    return plan


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_forecast_lines_use_the_shared_palette_and_dashes(cast, page, log_in, computed, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(cast.viewer.email, DEFAULT_PASSWORD)
    page.goto(reverse("tracking:plan_forecast", args=[computed.pk]))
    page.wait_for_selector("#forecast-chart[data-chart-ready]")
    drawn = page.evaluate(DRAWN, "forecast-chart")
    api, selfhost, budget = drawn["datasets"]
    assert api["label"].startswith("API: ")
    assert selfhost["label"].startswith("Self-host: ")
    assert budget["label"] == "Budget"
    # The plan charts' first two line styles, then the budget in the muted ink.
    assert (api["colour"], api["dash"]) == (drawn["lines"][0], drawn["dashes"][0])
    assert (selfhost["colour"], selfhost["dash"]) == (drawn["lines"][1], drawn["dashes"][1])
    assert budget["colour"] == drawn["muted"]
    assert len({tuple(d["dash"]) for d in drawn["datasets"]}) == 3  # every line its own dash
    # The legend is the list under the chart; tooltips read as the table's money.
    assert drawn["legend"] == [api["label"], selfhost["label"], "Budget"]
    assert drawn["tooltip"] == f"{api['label']}: {format_money(12345.678, 'USD')}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0]  # nothing wider than the screen
    if shots := os.environ.get("SCREENSHOTS"):  # to look at them: SCREENSHOTS=<dir>
        page.screenshot(path=f"{shots}/forecast-{viewport[0]}.png", full_page=True)


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_tornado_bars_use_the_shared_palette(cast, page, log_in, computed, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(cast.viewer.email, DEFAULT_PASSWORD)
    page.goto(reverse("tracking:plan_sensitivity", args=[computed.pk]))
    page.wait_for_selector("#tornado-chart[data-chart-ready]")
    drawn = page.evaluate(DRAWN, "tornado-chart")
    low, high = drawn["datasets"]
    assert (low["label"], low["fill"]) == ("Input low", drawn["lines"][0])
    assert (high["label"], high["fill"]) == ("Input high", drawn["lines"][1])
    assert drawn["legend"] == ["Input low", "Input high"]
    assert drawn["tooltip"] == f"Input low: {format_money(12345.678, 'USD')}"
    # Every input's name whole on the axis (wrapped, never cut off), at either size.
    ticks = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById("tornado-chart"));
          const scale = chart.scales.y;
          chart.ctx.font = Chart.helpers.toFont(scale.options.ticks.font).string;
          return scale.ticks.map((t) => {
            const lines = [].concat(t.label);
            const widest = Math.max(...lines.map((l) => chart.ctx.measureText(l).width));
            return {text: lines.join(" "), fits: widest <= scale.right};
          });
        }"""
    )
    names = page.eval_on_selector_all(
        "tr[data-input] td:first-child", "cells => cells.map((c) => c.textContent)"
    )  # the table's inputs, in its order
    assert len(names) == 5
    assert [t["text"] for t in ticks] == names
    assert all(t["fits"] for t in ticks), ticks
    if shots := os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{shots}/tornado-{viewport[0]}.png", full_page=True)
