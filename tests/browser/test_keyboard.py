"""The site by keyboard alone, in Chromium: the skip link, a form tabbed through in order
and submitted, the charts' table fallbacks opened, the phone menu, and a wide table
scrolled sideways. Every stop shows where the focus is."""

from __future__ import annotations

from typing import Any

import pytest

from planner.models import Workload
from tests.browser.walk import Demo, demo_site

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_TABS = 400

# The focused element, and whether it shows a focus indicator (an outline or a ring).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
               style.boxShadow !== "none";
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "",
          text: (el.textContent || "").trim().slice(0, 40), visible: ring,
          inMain: !!el.closest("#main"), id: el.id || "",
          cls: el.className && typeof el.className === "string" ? el.className : ""};
}"""

# What Tab should visit in a form, in document order: every rendered, enabled control (one
# stop per radio group), summaries of folded sections, links and buttons.
FORM_STOPS = """(selector) => {
  const form = document.querySelector(selector);
  const seenRadio = new Set();
  return Array.from(form.querySelectorAll("input, select, textarea, button, a[href], summary"))
    .filter((el) => el.type !== "hidden" && !el.disabled && el.getClientRects().length &&
                    el.tabIndex >= 0)
    .filter((el) => {
      if (el.type !== "radio") return true;
      if (seenRadio.has(el.name)) return false;
      seenRadio.add(el.name);
      return true;
    })
    .map((el) => el.getAttribute("name") || el.textContent.trim().slice(0, 40));
}"""


@pytest.fixture
def demo(transactional_db) -> Demo:
    return demo_site()


@pytest.fixture
def contexts(browser):
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _logged_in(
    browser: Any, live_server: Any, demo: Demo, viewport: dict[str, int], contexts: list[Any]
) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    # The login form by keyboard too: type, Tab, type, Enter.
    page.focus("input[name=username]")
    page.keyboard.type(demo.owner.email)
    page.keyboard.press("Tab")
    page.keyboard.type(demo.password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _tab_until(page: Any, wanted: Any, *, key: str = "Tab") -> list[dict[str, Any]]:
    """Press Tab until `wanted(focused)`; every stop on the way must show its focus."""
    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        stops.append(focused)
        assert focused["visible"], f"no focus indicator on {focused}"
        if wanted(focused):
            return stops
    pytest.fail(f"not reached in {MAX_TABS} presses of {key}; last stops: {stops[-5:]}")


def test_skip_link_and_the_charts_table_fallbacks(browser, live_server, demo, contexts):
    page = _logged_in(browser, live_server, demo, DESKTOP, contexts)
    page.goto(f"/plans/{demo.plan.pk}/")
    page.wait_for_selector("canvas[data-chart-ready]")
    # The first stop is the skip link, shown on focus; it jumps past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Skip to content"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"]

    # Every chart's table fallback opens from the keyboard and shows its rows.
    fallbacks = page.locator("details.fallback")
    assert fallbacks.count() >= 3
    for index in range(fallbacks.count()):
        summary_text = fallbacks.nth(index).locator("summary").inner_text()
        _tab_until(page, lambda f, text=summary_text: f["tag"] == "summary" and f["text"] == text)
        assert not fallbacks.nth(index).evaluate("d => d.open")
        page.keyboard.press("Enter")
        assert fallbacks.nth(index).evaluate("d => d.open")
        rows = fallbacks.nth(index).locator("tbody tr")
        assert rows.count() > 0
        assert rows.first.is_visible()


def test_a_form_tabbed_through_in_order_and_submitted(browser, live_server, demo, contexts):
    page = _logged_in(browser, live_server, demo, DESKTOP, contexts)
    page.goto("/workloads/new/")
    expected = page.evaluate(FORM_STOPS, "#workload-form")
    assert expected[0] == "name"
    assert "Save workload" in expected
    page.focus("input[name=name]")
    page.keyboard.type("Typed by keyboard")
    visited = ["name"]
    # Tab from the first field to the last control of the form, in document order.
    while visited[-1] != expected[-1]:
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"no focus indicator on {focused}"
        visited.append(focused["name"] or focused["text"])
        if focused["name"] == "volume":
            page.keyboard.type("20000000")
        assert len(visited) <= len(expected), f"Tab left the expected order: {visited}"
    assert visited == expected
    # Back to the submit button and Enter saves the workload.
    _tab_until(page, lambda f: f["text"] == "Save workload", key="Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/workloads/")
    saved = Workload.objects.get(organization=demo.organization, name="Typed by keyboard")
    # The volume typed, in the form's default unit (a day).
    assert saved.tokens_per_day == 20_000_000


def test_the_phone_menu_and_a_wide_table_by_keyboard(browser, live_server, demo, contexts):
    page = _logged_in(browser, live_server, demo, PHONE, contexts)
    page.goto(f"/plans/{demo.plan.pk}/")
    page.wait_for_selector("canvas[data-chart-ready]")
    menu = page.locator("#topbar-menu")
    assert not menu.is_visible()
    toggle = page.get_by_role("button", name="Menu")
    _tab_until(page, lambda f: f["text"] == "Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["text"] == "Dashboard"
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert page.evaluate(FOCUSED)["text"] == "Menu"

    # The cost table is wider than the phone: its box takes the focus and scrolls by arrows.
    cost_box = page.locator(".table-scroll:has(tr.option-total)").first
    assert cost_box.get_attribute("tabindex") == "0"
    assert cost_box.get_attribute("role") == "region"
    assert cost_box.get_attribute("aria-label") == "Monthly cost per option (scrolls sideways)"
    _tab_until(page, lambda f: "table-scroll" in f["cls"] and f["tag"] == "div")
    assert cost_box.evaluate("b => b === document.activeElement")
    assert cost_box.evaluate("b => b.scrollLeft") == 0
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    # Keyboard scrolling is animated: wait for the box to move.
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=5_000)
