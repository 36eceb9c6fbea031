"""The plan form's live estimate (issue 18 item 4), in headless Chromium at 1280x800 and
390x844: ticking an offer and filling in a self-host option prices them beside the form
(sticky on a laptop, a bar at the bottom of a phone), with the figures the plan has once
created and computed; a bad figure says which field to fix."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def reference_version(transactional_db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _previewed(page) -> dict[str, str]:
    rows = page.locator("#plan-preview tbody tr")
    return {
        rows.nth(i).locator("strong").first.inner_text(): rows.nth(i)
        .locator(".preview-monthly")
        .get_attribute("data-monthly")
        for i in range(rows.count())
    }


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_plan_form_prices_its_options_beside_it(
    cast, reference_version, page, log_in, shots, size
):
    from planner import services
    from planner.models import Plan
    from tests.factories import WorkloadFactory
    from tests.planner.conftest import api_offer, gpu_offer

    workload = WorkloadFactory(
        organization=cast.org, name="Support bot", tokens_per_month=2_000_000_000
    )
    gpt5 = api_offer(reference_version, "GPT-5", "feb-2026")
    a100 = gpu_offer(reference_version)
    viewport = DESKTOP if size == "desktop" else PHONE
    page.set_viewport_size(viewport)
    log_in(cast.owner.email, DEFAULT_PASSWORD)
    page.goto(f"/plans/new/?version={reference_version.pk}")
    # Nothing chosen yet: the estimate names what is missing, it does not fail.
    page.wait_for_selector('#plan-preview[data-state="invalid"]')
    assert "Fix these fields to see costs" in page.locator("#plan-preview").inner_text()

    page.fill("input[name=name]", "Three ways")
    page.select_option("select[name=workload]", str(workload.pk))
    page.check(f"input[name=api_offers][value='{gpt5.pk}']")
    page.wait_for_selector('#plan-preview[data-state="ok"]')
    page.fill("input[name=selfhost-0-model_name]", "Llama 3.3 70B")
    page.select_option("select[name=selfhost-0-gpu_offer]", str(a100.pk))
    page.select_option("select[name=selfhost-0-precision]", "int4")
    page.fill("input[name=selfhost-0-utilization]", "60")
    page.wait_for_selector('#plan-preview[data-state="ok"] tbody tr[data-kind="selfhost"]')
    previewed = _previewed(page)
    assert len(previewed) == 2
    page.screenshot(path=str(shots / f"plan-preview-{size}.png"))

    form = page.locator("#plan-form").bounding_box()
    if size == "desktop":
        box = page.locator("#plan-preview").bounding_box()
        assert box["x"] >= form["x"] + form["width"] - 1  # beside, not below
        assert not page.locator("#plan-preview .preview-bar").is_visible()
        # Scrolled down to the self-host option, the estimate is still in view (sticky).
        page.locator("input[name=selfhost-0-utilization]").scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 200
        box = page.locator("#plan-preview").bounding_box()
        assert -2 <= box["y"] < viewport["height"]
    else:
        bar = page.locator("#plan-preview .preview-bar")
        assert bar.is_visible()
        box = bar.bounding_box()
        assert box["y"] + box["height"] == pytest.approx(viewport["height"], abs=1)
        cheapest = page.locator("#plan-preview tr[data-cheapest] strong").first.inner_text()
        assert cheapest in bar.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=str(shots / f"plan-preview-{size}-scrolled.png"))

    # A bad figure: the estimate names the field, and the page keeps working.
    page.fill("input[name=selfhost-0-utilization]", "150")
    page.wait_for_selector('#plan-preview[data-state="invalid"]')
    assert "Planned utilization" in page.locator("#plan-preview").inner_text()
    page.fill("input[name=selfhost-0-utilization]", "60")
    page.wait_for_selector('#plan-preview[data-state="ok"]')

    # Created and computed, the plan shows the figures the estimate showed.
    page.click("button:has-text('Create plan')")
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    plan = Plan.objects.get(name="Three ways")
    comparison = services.plan_compute(plan=plan, actor=cast.owner)
    computed = {o["name"]: f"{o['monthly']['expected']:.2f}" for o in comparison.results["options"]}
    assert previewed == computed
