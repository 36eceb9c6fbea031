"""The whole new-user journey in Chromium (issue 18, done-when), at desktop and phone sizes:

landing page -> sign-up -> the verification link from the outbox -> log in -> a workload
preset on the dashboard -> the plan, computed, with its recommendation and reasons -> a
chart tooltip and the break-even (crossing) markers -> a share link opened logged out.

Every click the user makes from the sign-up button to the recommendation is counted
(opening the emailed link is one): at most five. Screenshots of each step are saved to
bench/out/journey/ (the README shows a few, copied to docs/screenshots/).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.models import Plan

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "journey"
MAX_CLICKS_TO_RECOMMENDATION = 5
PASSWORD = "analytical-engine-1843"

# The cost-vs-volume chart's break-even markers as drawn: (API option, tokens a month) of
# each point of the dataset that carries them (static/js/charts.js). Kept in one place so
# a change to how the chart draws them changes one function.
DRAWN_CROSSINGS = """() => {
  const chart = Chart.getChart(document.querySelector('canvas[data-chart="volume"]'));
  const marks = chart.data.datasets.filter((d) => d.breakevens);
  return marks.flatMap((d) => d.breakevens.map((p) => [p.api, p.tokens]));
}"""
# Hover the line of the first option at the workload's volume; the tooltip Chart.js shows.
HOVER_POINT = """() => {
  const canvas = document.querySelector('canvas[data-chart="volume"]');
  const chart = Chart.getChart(canvas);
  const meta = chart.getDatasetMeta(0);
  const point = meta.data[Math.floor(meta.data.length / 2)];
  const box = canvas.getBoundingClientRect();
  return {x: box.left + point.x, y: box.top + point.y};
}"""
TOOLTIP = """() => {
  const tooltip = Chart.getChart(document.querySelector('canvas[data-chart="volume"]')).tooltip;
  return {active: tooltip.getActiveElements().length, opacity: tooltip.opacity,
          title: tooltip.title || [], body: (tooltip.body || []).flatMap((b) => b.lines)};
}"""


class Clicks:
    """The page's clicks, counted: what the user does with the mouse or a tap."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def follow(self, url: str) -> None:
        """Opening a link from outside the page (the email): one click."""
        self.count += 1
        self.page.goto(url)


def _shot(page, size: str, step: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{size}-{step}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_new_user_journey(size, browser, live_server, reference_version, mailoutbox):
    # Reduced motion: charts draw without animation, so the tooltip is whole when shot.
    context = browser.new_context(
        base_url=live_server.url, viewport=SIZES[size], reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    clicks = Clicks(page)
    email = f"ada-{size}@example.com"

    # --- landing page: what it answers, and the way to sign up ---------------------------
    page.goto("/")
    assert page.locator("h1").count() == 1
    _shot(page, size, "1-landing")
    page.click("main a[href='/accounts/signup/']")  # before sign-up: not counted
    page.wait_for_url("**/accounts/signup/")

    # --- sign-up, then the link from the outbox, then log in --------------------------------
    page.fill("input[name=email]", email)
    page.fill("input[name=name]", "Ada Lovelace")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=organization_name]", "Lovelace Labs")
    _shot(page, size, "2-signup")
    clicks.click("button:has-text('Create account')")
    page.wait_for_url("**/accounts/signup/sent/")
    message = next(m for m in mailoutbox if email in m.to)
    link = re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", message.body)
    assert link is not None, message.body
    clicks.follow(link.group(1))
    page.wait_for_url("**/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    clicks.click("button:has-text('Log in')")
    page.wait_for_url(live_server.url + "/")

    # --- the dashboard offers the presets: pick one, give a volume -------------------------
    assert page.locator("#first-plan-heading").is_visible()
    clicks.click("label[for=preset-rag]")
    page.fill("input[name=volume]", "50000000")
    _shot(page, size, "3-first-plan")
    clicks.click("button:has-text('Create my first plan')")
    page.wait_for_url(re.compile(r"/plans/\d+/$"))

    # --- the recommendation and its reasons, at most five clicks from sign-up --------------
    plan = Plan.objects.get(organization__name="Lovelace Labs")
    comparison = plan.latest_comparison
    assert comparison is not None
    recommended = comparison.results["recommendation"]["option"]
    assert recommended
    assert clicks.count <= MAX_CLICKS_TO_RECOMMENDATION, clicks.count
    card = page.locator(".card", has=page.locator("h2", has_text="Recommendation")).first
    assert card.locator(".big-number").inner_text().strip() == recommended
    reasons = card.locator("ul.reasons > li")
    assert reasons.count() == len(comparison.results["recommendation"]["reasons"])
    assert reasons.count() >= 1
    assert reasons.first.is_visible()
    # The chosen options and why: the cheapest capable API, a frontier API, a self-host.
    description = page.locator(".plan-description").text_content()
    for why in ("Cheapest capable API:", "Frontier API:", "Self-host:"):
        assert why in description
    card.evaluate("(card) => card.scrollIntoView()")
    _shot(page, size, "4-recommendation")

    # --- a chart tooltip, and a marker at every crossing -----------------------------------
    page.wait_for_selector('canvas[data-chart="volume"][data-chart-ready]')
    page.evaluate(
        "() => document.querySelector('canvas[data-chart=\"volume\"]')"
        ".closest('figure').scrollIntoView()"
    )
    point = page.evaluate(HOVER_POINT)
    page.mouse.move(point["x"], point["y"])
    # Shown, and whole (no fade-in with reduced motion).
    page.wait_for_function(
        """() => { const t = Chart.getChart(document.querySelector('canvas[data-chart="volume"]'))
                     .tooltip; return t.getActiveElements().length > 0 && t.opacity === 1; }"""
    )
    tooltip = page.evaluate(TOOLTIP)
    assert tooltip["active"] >= 1
    assert any("tokens/month" in line for line in tooltip["title"]), tooltip
    assert tooltip["body"], tooltip
    # What the user sees: the tooltip box beside the chart (charts.js draws it as HTML).
    shown = page.locator('.chart-tooltip[data-chart-tooltip="volume"][data-shown="true"]')
    shown.wait_for(state="visible")
    assert "tokens/month" in shown.inner_text()
    _shot(page, size, "5-chart-tooltip")
    curves = comparison.results["curves"]["volume"]
    crossings = {
        (c["cheaper_below"], c["volume"])
        for pair in comparison.results["crossings"]
        for c in pair["crossings"]
        if curves["volumes"][0] <= c["volume"] <= curves["volumes"][-1]
    }
    drawn = {(api, tokens) for api, tokens in page.evaluate(DRAWN_CROSSINGS)}
    assert crossings, "the preset plan's lines cross inside the chart"
    assert drawn == crossings

    # --- a share link, opened logged out ----------------------------------------------------
    page.click("button:has-text('Create a share link')")
    page.wait_for_selector("input.copy-field")
    shared = page.locator("input.copy-field").first.input_value()
    visitor = browser.new_context(viewport=SIZES[size])
    anonymous = visitor.new_page()
    response = anonymous.goto(shared)
    assert response is not None
    assert response.status == 200
    assert plan.name in anonymous.content()
    assert recommended in anonymous.locator("body").inner_text()
    assert anonymous.locator("text=Log out").count() == 0
    _shot(anonymous, size, "6-shared")
    visitor.close()
    context.close()


@pytest.fixture
def reference_version(transactional_db):
    from pricing.services import load_reference_catalog

    version, _created = load_reference_catalog()
    return version
