"""In Chromium, at desktop and phone sizes, the plan's charts read at a glance (issue 18):
a mark at every crossing the stored results hold and at the workload's volume, tooltips
on hover and on keyboard focus with amounts formatted as the tables are, a legend under
each chart naming every series, a colour and dash pattern of its own for each line, and
nothing drawn against an edge.

The plan: APIs, a rented and an owned H100 fleet and a hybrid route at 1.5B tokens a month;
the stepped fleets cross the API lines many times.
"""

from __future__ import annotations

import pytest

from formatting import format_money, format_tokens
from tests.factories import DEFAULT_PASSWORD
from tests.presentation.conftest import every_kind_options

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
VOLUME = 'canvas[data-chart="volume"]'
TOOLTIP = '.chart-tooltip[data-chart-tooltip="volume"]'


@pytest.fixture
def crossing_plan(cast, transactional_db):
    from planner import services
    from pricing.services import load_reference_catalog
    from tests.planner.conftest import make_plan

    version, _created = load_reference_catalog()
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=every_kind_options(version),
        name="Crossing lines",
        tokens_per_month=1_500_000_000,
    )
    services.plan_compute(plan=plan, actor=cast.owner)
    return plan


def _open(page, log_in, cast, plan, size):
    page.set_viewport_size(SIZES[size])
    log_in(cast.viewer.email, DEFAULT_PASSWORD)
    page.goto(f"/plans/{plan.pk}/")
    page.wait_for_selector(f"{VOLUME}[data-chart-ready]")
    page.locator(VOLUME).scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # the draw-in animation


def _hover(page, mark):
    box = page.locator(VOLUME).bounding_box()
    page.mouse.move(box["x"] + mark["x"], box["y"] + mark["y"])
    page.wait_for_selector(f'{TOOLTIP}[data-shown="true"]')
    return " ".join(page.locator(TOOLTIP).inner_text().split())


@pytest.mark.parametrize("size", SIZES)
def test_a_mark_at_every_crossing_and_at_the_workload(cast, page, log_in, crossing_plan, size):
    _open(page, log_in, cast, crossing_plan, size)
    results = crossing_plan.latest_comparison.results
    stored = results["curves"]["volume"]["crossings"]
    assert len(stored) > 3  # the lines cross several times
    canvas = page.locator(VOLUME)
    assert canvas.get_attribute("data-crossing-count") == str(len(stored))
    assert float(canvas.get_attribute("data-workload-tokens")) == results["tokens_per_month"]
    marks = page.evaluate(f"() => BreakevenCharts.markers(document.querySelector('{VOLUME}'))")
    crossings = [m for m in marks if m["kind"] == "crossing"]
    # Every stored crossing, where the results put it, and no other.
    assert sorted((m["volume"], m["cost"], m["a"], m["b"]) for m in crossings) == sorted(
        (c["volume"], c["cost"], c["cheaper_above"], c["cheaper_below"]) for c in stored
    )
    # The workload: one mark per option, at its stored expected monthly cost.
    here = {m["a"]: m["cost"] for m in marks if m["kind"] == "workload"}
    assert here == {o["name"]: o["monthly"]["expected"] for o in results["options"]}
    assert all(m["volume"] == results["tokens_per_month"] for m in marks if m["kind"] == "workload")
    # Nothing drawn outside the canvas.
    size_px = canvas.bounding_box()
    for m in marks:
        assert 0 <= m["x"] <= size_px["width"]
        assert 0 <= m["y"] <= size_px["height"]
    # The break-even table under the chart lists the same crossings.
    rows = page.locator("figure.chart-wide table.breakeven-table tbody tr")
    assert rows.count() == len(stored)


@pytest.mark.parametrize("size", SIZES)
def test_hover_shows_formatted_figures(cast, page, log_in, crossing_plan, size):
    _open(page, log_in, cast, crossing_plan, size)
    results = crossing_plan.latest_comparison.results
    marks = page.evaluate(f"() => BreakevenCharts.markers(document.querySelector('{VOLUME}'))")
    crossing = next(m for m in marks if m["kind"] == "crossing")
    text = _hover(page, crossing)
    assert f"Break-even at {format_tokens(crossing['volume'])} tokens/month" in text
    assert f"{crossing['a']} is cheaper above, {crossing['b']} below" in text
    assert f"{format_money(crossing['cost'], 'USD')} a month there" in text

    workload = next(m for m in marks if m["kind"] == "workload")
    text = _hover(page, workload)
    assert f"This workload: {format_tokens(results['tokens_per_month'])} tokens/month" in text

    # Between the marks: every option's cost at the nearest sampled volume.
    curves = results["curves"]["volume"]
    box = page.locator(VOLUME).bounding_box()
    k = len(curves["volumes"]) // 3
    x, y = page.evaluate(
        f"""(v) => {{
          const chart = Chart.getChart(document.querySelector('{VOLUME}'));
          return [chart.scales.x.getPixelForValue(v), (chart.chartArea.top + chart.chartArea.bottom) / 2];
        }}""",
        curves["volumes"][k],
    )
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_timeout(100)
    text = " ".join(page.locator(TOOLTIP).inner_text().split())
    assert f"{format_tokens(curves['volumes'][k])} tokens/month" in text
    for series in curves["series"]:
        assert series["name"] in text
        assert format_money(series["values"][k], "USD") in text


def test_keyboard_focus_shows_the_tooltip(cast, page, log_in, crossing_plan):
    _open(page, log_in, cast, crossing_plan, "desktop")
    page.locator(VOLUME).focus()
    page.wait_for_selector(f'{TOOLTIP}[data-shown="true"]')
    # Focus opens at the workload's volume; Page Down goes to the first crossing.
    assert "tokens/month" in page.locator(TOOLTIP).inner_text()
    page.keyboard.press("PageDown")
    assert page.locator(TOOLTIP).inner_text().startswith("Break-even at ")
    page.keyboard.press("Escape")
    page.wait_for_selector(f'{TOOLTIP}[data-shown="false"]', state="attached")


@pytest.mark.parametrize("size", SIZES)
def test_legends_name_every_series_and_lines_look_different(
    cast, page, log_in, crossing_plan, size
):
    _open(page, log_in, cast, crossing_plan, size)
    results = crossing_plan.latest_comparison.results
    drawn = page.evaluate(
        """() => {
          const out = {};
          document.querySelectorAll('canvas[data-chart][data-chart-ready]').forEach((c) => {
            const chart = Chart.getChart(c);
            out[c.dataset.chart] = {
              legend: [...c.closest('figure').querySelectorAll('.chart-legend li')].map((li) => li.innerText.trim()),
              canvasLegend: chart.options.plugins.legend.display,
              datasets: chart.data.datasets.map((d) => ({label: d.label, colour: d.borderColor, dash: d.borderDash || [], marker: d.marker || null})),
            };
          });
          return out;
        }"""
    )
    assert set(drawn) == {"volume", "breakdown", "uncertainty", "utilization"}
    for kind, chart in drawn.items():
        assert chart["canvasLegend"] is False, kind  # a list under the chart instead
        assert sorted(chart["legend"]) == sorted(d["label"] for d in chart["datasets"]), kind
    volume = drawn["volume"]
    names = [o["name"] for o in results["options"]]
    for name in names:
        assert any(label.startswith(name) for label in volume["legend"]), name
    lines = [d for d in volume["datasets"] if d["marker"] is None]
    assert len(lines) == len(names)
    # A colour and a dash pattern of its own for each line: rented and owned differ.
    assert len({(d["colour"], tuple(d["dash"])) for d in lines}) == len(lines)
    assert len({d["colour"] for d in lines}) == len(lines)
    assert len({tuple(d["dash"]) for d in lines}) == len(lines)
    # Bar parts: no two the same colour.
    parts = page.evaluate(
        """() => Chart.getChart(document.querySelector('canvas[data-chart="breakdown"]'))
            .data.datasets.map((d) => d.backgroundColor)"""
    )
    assert len(set(parts)) == len(parts)


@pytest.mark.parametrize("size", SIZES)
def test_nothing_is_drawn_against_an_edge(cast, page, log_in, crossing_plan, size):
    _open(page, log_in, cast, crossing_plan, size)
    page.wait_for_selector('canvas[data-chart="uncertainty"][data-chart-ready]')
    room = page.evaluate(
        """() => {
          const chart = (kind) => Chart.getChart(document.querySelector(`canvas[data-chart="${kind}"]`));
          const band = chart('uncertainty');
          const p90 = Math.max(...band.data.datasets[0].data.map((r) => r[1]));
          const volume = chart('volume');
          const top = Math.max(...volume.data.datasets.flatMap((d) => d.data.map((p) => p.y || 0)));
          return {p90, bandMax: band.scales.x.max, top, volumeMax: volume.scales.y.max,
                  labelWidth: band.scales.y.width, left: band.chartArea.left};
        }"""
    )
    # The P90 end and the dearest point sit inside their axes, not on the edge.
    assert room["bandMax"] > room["p90"] * 1.05
    assert room["volumeMax"] > room["top"] * 1.05
    # Option names wrap onto lines within the axis: the axis fits left of the bars.
    assert room["labelWidth"] <= room["left"] + 1


def test_a_legend_entry_hides_and_shows_its_line(cast, page, log_in, crossing_plan):
    _open(page, log_in, cast, crossing_plan, "desktop")
    first = page.locator("figure.chart-wide .chart-legend button").first
    assert first.get_attribute("aria-pressed") == "true"
    first.click()
    assert first.get_attribute("aria-pressed") == "false"
    visible = f"() => Chart.getChart(document.querySelector('{VOLUME}')).isDatasetVisible(0)"
    assert page.evaluate(visible) is False
    first.press("Enter")  # the same from the keyboard; focus stays on the entry
    assert first.get_attribute("aria-pressed") == "true"
    assert page.evaluate(visible) is True
    assert page.evaluate("() => document.activeElement.classList.contains('chart-legend-item')")
