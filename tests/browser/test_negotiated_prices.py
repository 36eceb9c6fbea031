"""Negotiated prices in Chromium, at desktop and phone sizes: an owner enters a price on the
page, a typo is refused beside its field, the plan page offers the newer catalog version
and one click re-evaluates (issue 18 item 8)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from planner.models import Plan
from planner.models.plans import OptionKind
from pricing.models import OverlayApiOffer
from pricing.services import catalog_version_clone, catalog_version_publish, load_reference_catalog
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.planner.conftest import api_offer, make_plan

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
    ids=["desktop", "phone"],
)
def test_owner_enters_a_price_and_reevaluates_on_the_newer_version(
    cast, browser, live_server, viewport
):
    version, _ = load_reference_catalog()
    gpt5 = api_offer(version, "GPT-5", "feb-2026")
    # Published before the plan exists: publishing re-evaluates the plans of earlier
    # versions at once here (eager tasks), and this one must still be on v1.
    staff = UserFactory(is_staff=True)
    newer = catalog_version_publish(
        version=catalog_version_clone(version=version, actor=staff), actor=staff
    )
    plan = make_plan(
        cast.org,
        cast.owner,
        version,
        options=[{"kind": OptionKind.API, "api_offer": gpt5}],
        name="GPT-5 only",
    )
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", cast.owner.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto("/catalogs/")
    page.get_by_role("link", name="Negotiated prices").click()
    page.select_option("#private-version", str(version.pk))  # the plan's, not the newest
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Add an API price").click()
    assert page.url.endswith(f"?version={version.pk}")
    page.select_option("#id_replaces", str(gpt5.pk))
    page.fill("#id_output_per_mtok", "-7.50")
    page.get_by_role("button", name="Add", exact=True).click()
    error = page.locator("#id_output_per_mtok_errors")
    assert error.inner_text() == "Output price per 1M tokens must not be negative, got -7.50"
    assert not OverlayApiOffer.objects.exists()
    page.fill("#id_output_per_mtok", "7.50")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/catalogs/private-prices/?version=*")
    assert "negotiated" in page.locator("table").first.inner_text()
    assert OverlayApiOffer.objects.get().output_per_mtok == Decimal("7.50")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"negotiated-prices-{viewport['width']}.png", full_page=True)

    page.goto(f"/plans/{plan.pk}/")
    notice = page.get_by_role("status").filter(has_text="A newer catalog version is available")
    assert "copy them to v2" in notice.inner_text()  # the price is on v1 only
    page.screenshot(path=SHOTS / f"plan-newer-version-{viewport['width']}.png")
    notice.get_by_role("button", name=f"Re-evaluate with v{newer.number}").click()
    page.wait_for_url(f"**/plans/{plan.pk}/")
    assert Plan.objects.get(pk=plan.pk).catalog_version == newer
    assert page.get_by_text("A newer catalog version is available").count() == 0
    context.close()
