"""The experience end to end in headless Chromium: workload with a live preview, a plan
with charts whose data matches the comparison, a sweep whose progress bar climbs to 100%,
and an outsider who cannot open the plan."""

from __future__ import annotations

import re

import pytest

from planner.models import Comparison, Plan, Sweep, Workload
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reference_version(transactional_db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


def _cheapest_monthly(page) -> float:
    return float(
        page.locator('#workload-preview tr[data-role="capable"] .preview-monthly').get_attribute(
            "data-monthly"
        )
    )


def test_workload_plan_charts_sweep_and_outsider(
    cast, reference_version, page, log_in, settings, monkeypatch
):
    from pricing.models import ApiOffer, GpuOffer

    log_in(cast.owner.email, DEFAULT_PASSWORD)

    # --- a workload, with the live preview following the volume -------------------------
    page.goto("/workloads/new/")
    page.fill("input[name=name]", "Support bot")
    page.select_option("select[name=volume_unit]", "month")
    page.fill("input[name=volume]", "10000000")
    page.wait_for_selector(
        '#workload-preview[data-state="ok"] .preview-volume[data-tokens="10000000"]'
    )
    small = _cheapest_monthly(page)
    page.fill("input[name=volume]", "1000000000")
    page.wait_for_selector('#workload-preview .preview-volume[data-tokens="1000000000"]')
    big = _cheapest_monthly(page)
    assert big == pytest.approx(small * 100, rel=1e-3)
    assert page.locator('#workload-preview tr[data-role="reference"]').count() == 1
    # A wrong value is named in the preview, and nothing is saved.
    page.fill("input[name=input_share]", "300")
    page.wait_for_selector('#workload-preview[data-state="invalid"]')
    assert "Input share" in page.locator("#workload-preview").inner_text()
    assert not Workload.objects.exists()
    page.fill("input[name=input_share]", "50")
    page.wait_for_selector('#workload-preview[data-state="ok"]')
    page.click("button:has-text('Save workload')")
    page.wait_for_url("**/workloads/")
    workload = Workload.objects.get(organization=cast.org, name="Support bot")
    assert workload.tokens_per_month == 1_000_000_000

    # --- a plan on the reference catalog, computed ---------------------------------------
    gpt5 = ApiOffer.objects.get(
        version=reference_version, model_name="GPT-5", source__key="feb-2026"
    )
    deepseek = ApiOffer.objects.get(
        version=reference_version, model_name="DeepSeek V3.2", source__key="feb-2026"
    )
    a100 = GpuOffer.objects.get(
        version=reference_version, sku="NVIDIA A100 80GB", gpu_count=1, source__key="feb-2026"
    )
    page.goto(f"/plans/new/?version={reference_version.pk}")
    page.fill("input[name=name]", "Support: API vs Llama")
    page.select_option("select[name=workload]", str(workload.pk))
    page.check(f'input[name=api_offers][value="{gpt5.pk}"]')
    page.check(f'input[name=api_offers][value="{deepseek.pk}"]')
    page.fill("input[name=selfhost-0-model_name]", "Llama 3.3 70B")
    page.select_option("select[name=selfhost-0-gpu_offer]", str(a100.pk))
    page.select_option("select[name=selfhost-0-precision]", "int4")
    page.click("button:has-text('Create plan')")
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan = Plan.objects.get(organization=cast.org, name="Support: API vs Llama")
    page.click("button:has-text('Compute')")
    page.wait_for_selector('canvas[data-chart="breakdown"][data-chart-ready]')
    comparison = Comparison.objects.get(plan=plan)
    results = comparison.results

    # The stacked breakdown drawn by Chart.js adds up to each option's expected cost.
    drawn = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('canvas[data-chart="breakdown"]'));
          return {labels: chart.data.labels,
                  datasets: chart.data.datasets.map(d => ({key: d.partKey, inTotal: d.inTotal, data: d.data}))};
        }"""
    )
    assert drawn["labels"] == [o["name"] for o in results["options"]]
    for i, option in enumerate(results["options"]):
        total = sum(d["data"][i] for d in drawn["datasets"] if d["inTotal"])
        assert total == pytest.approx(option["monthly"]["expected"], abs=0.02)
        shown = page.locator("tr.option-total").nth(i).locator("td").nth(3).inner_text()
        assert float(shown.strip("$").replace(",", "")) == pytest.approx(total, abs=0.02)

    # Cost vs volume: one line per option (self-host stepped) plus the break-even points.
    volume = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('canvas[data-chart="volume"]'));
          return {x: chart.options.scales.x.type,
                  datasets: chart.data.datasets.map(d => ({label: d.label, stepped: d.stepped,
                     points: d.data.map(p => [p.x, p.y]), breakevens: d.breakevens || null}))};
        }"""
    )
    assert volume["x"] == "logarithmic"
    curves = results["curves"]["volume"]
    for i, series in enumerate(curves["series"]):
        drawn_series = volume["datasets"][i]
        assert [p[1] for p in drawn_series["points"]] == series["values"]
        assert [p[0] for p in drawn_series["points"]] == curves["volumes"]
        assert bool(drawn_series["stepped"]) == (series["kind"] == "selfhost")
    selfhost = next(o for o in results["options"] if o["kind"] == "selfhost")
    # A mark at every crossing of every pair inside the chart's range, and no other.
    crossings = {
        (c["cheaper_below"], c["volume"])
        for pair in results["crossings"]
        for c in pair["crossings"]
        if curves["volumes"][0] <= c["volume"] <= curves["volumes"][-1]
    }
    marks = next((d for d in volume["datasets"] if d["breakevens"]), None)
    drawn_marks = {(p["api"], p["tokens"]) for p in marks["breakevens"]} if marks else set()
    assert crossings
    assert drawn_marks == crossings

    # Uncertainty: the self-host P10-P90 band and P50 from the Monte Carlo results.
    band = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('canvas[data-chart="uncertainty"]'));
          return {labels: chart.data.labels, band: chart.data.datasets[0].data, median: chart.data.datasets[1].data};
        }"""
    )
    row = band["labels"].index(selfhost["name"])
    mc = selfhost["monte_carlo"]["selfhost"]
    assert band["band"][row] == [mc["p10"], mc["p90"]]
    assert band["median"][row] == mc["p50"]
    assert page.locator('canvas[data-chart][role="img"]').count() == 4

    # --- a sweep: the progress bar climbs to 100% while chunks finish --------------------
    settings.SWEEP_CHUNK_POINTS = 100  # the form's default preset: 41 volumes x 9 shares
    queued: list[int] = []
    monkeypatch.setattr(
        "planner.sweep_services.enqueue_chunks",
        lambda *, sweep_id, indices: queued.append(sweep_id),
    )
    page.goto("/sweeps/new/")
    page.fill("input[name=name]", "Where does self-hosting win?")
    page.click("button:has-text('Start sweep')")
    page.wait_for_url(re.compile(r"/sweeps/\d+/$"))
    sweep = Sweep.objects.get(organization=cast.org)
    assert queued == [sweep.pk]
    assert sweep.chunks_total >= 3
    assert page.locator("button:has-text('Cancel sweep')").is_visible()
    assert page.locator("progress.sweep-progress").get_attribute("value") == "0"

    from planner.sweep_services import sweep_chunk_run, sweep_finalize

    seen = []
    for index in range(sweep.chunks_total):
        sweep_chunk_run(sweep_id=sweep.pk, index=index)
        sweep.refresh_from_db()
        done = sweep.done_points
        page.wait_for_selector(f'progress.sweep-progress[value="{done}"]', timeout=10_000)
        seen.append(int(page.locator("#sweep-progress").get_attribute("data-percent")))
    assert seen == sorted(seen)
    assert seen[0] < 100
    assert seen[-1] == 100
    sweep_finalize(sweep_id=sweep.pk)
    # Finished: the poll answers HX-Refresh and the page reloads with the results.
    page.wait_for_selector(".heatmap td.cell", timeout=10_000)
    assert page.locator('#sweep-progress[data-status="succeeded"]').count() == 1
    assert page.locator("button:has-text('Cancel sweep')").count() == 0

    # --- an outsider cannot open the plan ----------------------------------------------
    page.context.clear_cookies()
    log_in(cast.outsider.email, DEFAULT_PASSWORD)
    response = page.goto(f"/plans/{plan.pk}/")
    assert response.status == 404
    assert "Support: API vs Llama" not in page.content()
