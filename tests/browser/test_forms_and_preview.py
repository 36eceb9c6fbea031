"""Forms people can type into, with the estimate beside them (issue 18 items 3 and 4), in
headless Chromium at a laptop's 1280x800 and a phone's 390x844: "50M" typed reads as 50
million, the preview prices the plan's own options and stays in view (sticky beside the
form; a bar at the bottom of a phone), and a bad plan form opens on its error summary."""

from __future__ import annotations

import os
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


def _edit_with_preview(page, workload, volume: str) -> None:
    page.goto(f"/workloads/{workload.pk}/edit/")
    page.fill("input[name=volume]", volume)
    page.select_option("select[name=volume_unit]", "month")
    page.wait_for_selector(
        '#workload-preview[data-state="ok"][data-plan] .preview-volume[data-tokens="50000000"]'
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_estimate_stays_beside_the_form(cast, reference_version, page, log_in, shots, size):
    from tests.planner.conftest import make_plan

    plan = make_plan(cast.org, cast.owner, reference_version, name="Our comparison")
    viewport = DESKTOP if size == "desktop" else PHONE
    page.set_viewport_size(viewport)
    log_in(cast.owner.email, DEFAULT_PASSWORD)
    _edit_with_preview(page, plan.workload, "50M")
    names = page.locator("#workload-preview tbody td strong").all_inner_texts()
    assert names == [o.name for o in plan.options.order_by("position", "pk")]
    page.screenshot(path=str(shots / f"workload-preview-{size}.png"))

    form = page.locator("#workload-form").bounding_box()
    if size == "desktop":
        preview = page.locator("#workload-preview").bounding_box()
        assert preview["x"] >= form["x"] + form["width"] - 1  # beside, not below
        assert not page.locator("#workload-preview .preview-bar").is_visible()
        # Scrolled down to the last fields, the estimate is still in view (sticky).
        page.locator("button:has-text('Save workload')").scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 200
        box = page.locator("#workload-preview").bounding_box()
        assert -2 <= box["y"] < viewport["height"]
    else:
        bar = page.locator("#workload-preview .preview-bar")
        assert bar.is_visible()
        box = bar.bounding_box()
        assert box["y"] + box["height"] == pytest.approx(viewport["height"], abs=1)
        assert box["height"] < 90  # a bar, not the table
        cheapest = page.locator("#workload-preview tr[data-cheapest] strong").inner_text()
        assert cheapest in bar.inner_text()
        # Still at the bottom of the screen while the first fields are filled in.
        page.locator("input[name=name]").focus()
        box = bar.bounding_box()
        assert box["y"] + box["height"] == pytest.approx(viewport["height"], abs=1)
        page.screenshot(path=str(shots / f"workload-preview-{size}-top.png"))
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_bad_plan_form_opens_on_its_summary(cast, reference_version, page, log_in, shots, size):
    from tests.factories import WorkloadFactory

    WorkloadFactory(organization=cast.org, name="Support bot")
    viewport = DESKTOP if size == "desktop" else PHONE
    page.set_viewport_size(viewport)
    log_in(cast.owner.email, DEFAULT_PASSWORD)
    page.goto(f"/plans/new/?version={reference_version.pk}")
    page.screenshot(path=str(shots / f"plan-form-{size}.png"), full_page=True)
    # A second self-host option, added without losing what was typed.
    page.fill("input[name=name]", "Three ways")
    page.fill("input[name=selfhost-0-model_name]", "Llama 3.3 70B")
    page.fill("input[name=selfhost-0-utilization]", "150")
    page.click("button:has-text('Add a self-host option')")
    page.wait_for_selector("input[name=selfhost-1-model_name]")
    assert page.input_value("input[name=name]") == "Three ways"
    assert page.locator("#error-summary").count() == 0
    page.click("button:has-text('Create plan')")
    summary = page.locator("#error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    box = summary.bounding_box()
    assert -2 <= box["y"] < viewport["height"]  # in view, not 2,000 px down
    page.screenshot(path=str(shots / f"plan-form-errors-{size}.png"))
    link = summary.locator('a[href="#id_selfhost-0-utilization"]')
    assert "must be between 1% and 100%" in link.inner_text()
    link.click()
    field = page.locator("#id_selfhost-0-utilization")
    assert field.input_value() == "150"
    box = field.bounding_box()
    assert -2 <= box["y"] < viewport["height"]
