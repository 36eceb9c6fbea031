"""A sweep started from the form in Chromium, at desktop and phone sizes: a preset picked,
options by name, the sweep waited for, its elapsed time read, the heatmap's slice changed
(the map changes), a CSV downloaded with its progress shown, nothing clipped on a phone.

Screenshots go to $SWEEP_SCREENSHOTS when it is set (to look at the pages)."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from planner import services
from planner.models import Sweep, SweepStatus
from pricing.models import ApiOffer, GpuOffer
from tests.factories import DEFAULT_PASSWORD, WorkloadFactory, sweep_catalog_version

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_download_slots_left"),  # it downloads the sweep's CSV
]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def plan(cast):
    version = sweep_catalog_version(api_offers=2, gpu_offers=1)
    offers = list(ApiOffer.objects.filter(version=version).order_by("pk"))
    workload = WorkloadFactory(
        organization=cast.org,
        name="Support assistant",
        tokens_per_month=2_000_000_000,
        input_share=Decimal("0.7"),
    )
    return services.plan_create(
        organization=cast.org,
        actor=None,
        name="Support bot",
        workload=workload,
        catalog_version=version,
        options=[
            {"kind": "api", "name": "Frontier API", "api_offer": offers[0]},
            {"kind": "api", "name": "Small API", "api_offer": offers[1]},
            {
                "kind": "selfhost",
                "name": "Own 8B",
                "model_name": "Open model 8B",
                "gpu_offer": GpuOffer.objects.get(version=version),
                "tokens_per_second": 1200,
            },
        ],
    )


def shot(page, name: str, at: str | None = None) -> None:
    """A screenshot of the page (of the screen at `at`, scrolled to the top of it)."""
    folder = os.environ.get("SWEEP_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        if at:
            page.locator(at).first.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=at is None)


def heatmap_cells(page) -> list[str]:
    return page.locator("#sweep-slice .heatmap td.cell").all_inner_texts()


# What reaches past the screen's edge (for the failure message).
WIDE = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right + window.scrollX > width + 1)
  .slice(0, 12).map((el) => `${el.tagName}.${el.className}#${el.id} ` +
    `${Math.round(el.getBoundingClientRect().right + window.scrollX)}`)"""


def no_wider_than_the_screen(page, width: int) -> None:
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= width, page.evaluate(WIDE, width)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_sweep_from_the_form_then_its_heatmap_at_another_share(
    cast, plan, browser, live_server, size
):
    viewport = SIZES[size]
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", cast.owner.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto("/sweeps/new/")
    # The plan's options by their names, all ticked; no JSON in sight.
    for name in ("Frontier API", "Small API", "Own 8B"):
        assert page.get_by_label(name, exact=True).is_checked()
    assert not page.locator("#id_json_spec").is_visible()
    page.select_option("#sweep-preset", "full_grid")  # submits itself
    page.wait_for_url(re.compile(r"preset=full_grid"))
    assert page.locator("#id_input_share_mode").input_value() == "range"
    assert page.locator("#id_utilization_mode").input_value() == "range"
    # The grid's size as typed: 41 volumes x 9 shares x 10 utilizations.
    assert page.locator("#sweep-points").inner_text() == "41 \u00d7 9 \u00d7 10 = 3,690 points"
    page.fill("#id_volume_steps", "21")
    assert page.locator("#sweep-points").inner_text() == "21 \u00d7 9 \u00d7 10 = 1,890 points"
    # A list shows its own inputs only.
    page.select_option("#id_utilization_mode", "list")
    assert page.locator("#id_utilization_values").is_visible()
    assert not page.locator("#id_utilization_steps").is_visible()
    page.fill("#id_utilization_values", "60, 100")
    assert page.locator("#sweep-points").inner_text() == "21 \u00d7 9 \u00d7 2 = 378 points"
    if size == "phone":
        no_wider_than_the_screen(page, viewport["width"])
    shot(page, f"sweep-form-{size}")

    page.fill("#id_name", "Where does self-hosting win?")
    page.click("button:has-text('Start sweep')")
    page.wait_for_url(re.compile(r"/sweeps/\d+/$"))
    sweep = Sweep.objects.get(organization=cast.org)
    assert [o["name"] for o in sweep.spec["api"]] == ["Frontier API", "Small API"]
    assert sweep.total_points == 378
    assert sweep.spec["utilizations"] == [0.6, 1.0]
    page.wait_for_selector('#sweep-progress[data-status="succeeded"]')
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.SUCCEEDED
    elapsed = page.locator(".sweep-elapsed").inner_text()
    assert re.match(r"Succeeded in \d+\.\d s", elapsed), elapsed
    assert page.locator("button:has-text('Cancel sweep')").count() == 0

    # The heatmap starts at the workload's 70% share, and changes with the slice.
    assert page.locator("#heatmap-slice").input_value() == "6"
    assert "(input share 70%)" in page.locator("#sweep-slice h2").first.inner_text()
    at_workload = heatmap_cells(page)
    assert len(at_workload) > 0
    shot(page, f"sweep-detail-top-{size}", at="h1")
    shot(page, f"sweep-detail-heatmap-{size}", at=".slice-form")
    page.select_option("#heatmap-slice", "0")
    page.wait_for_selector('#sweep-slice[data-slice-index="0"]')
    assert "(input share 10%)" in page.locator("#sweep-slice h2").first.inner_text()
    at_ten = heatmap_cells(page)
    assert len(at_ten) == len(at_workload)
    assert at_ten != at_workload
    assert "slice=0" in page.url  # the slice is in the address, so it can be shared
    shot(page, f"sweep-detail-slice-{size}", at=".slice-form")

    if size == "phone":
        no_wider_than_the_screen(page, viewport["width"])
        box = page.locator(".heatmap-scroll")
        # The map scrolls inside its box; the page does not.
        assert box.evaluate("el => el.scrollWidth > el.clientWidth") or box.evaluate(
            "el => el.getBoundingClientRect().right <= window.innerWidth"
        )
        last = page.locator("#sweep-slice .heatmap tbody tr").first.locator("td").last
        last.scroll_into_view_if_needed()
        assert last.is_visible()

    # A download shows that it is being prepared and then what it received.
    with page.expect_download() as download:
        page.click("a[data-download='CSV']")
    assert download.value.suggested_filename == f"sweep-{sweep.pk}.csv"
    page.wait_for_function(
        "document.getElementById('download-status').textContent.startsWith('Downloaded the CSV')"
    )
    received = int(page.locator("a[data-download='CSV']").get_attribute("data-downloaded-bytes"))
    assert received > 0
    assert page.locator("a[data-download='CSV']").inner_text() == "CSV"  # back to itself
    shot(page, f"sweep-downloaded-{size}", at="h1")
    context.close()
