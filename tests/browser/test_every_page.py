"""Every page in Chromium, walked the way the tenancy harness walks routes (tests/browser/
walk.py), logged in as the demo organization's owner (and logged out for public pages):

* axe-core (from npm, served by our own static pipeline) finds no serious or critical
  violation, at desktop (1280x800) and phone (390x844) sizes;
* on the phone nothing is wider than the screen, the folded menu leaves the page its room,
  and every table cell can be scrolled into view inside its table's box;
* every page has a title of its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.templatetags.static import static
from django.test import Client

from tests.browser.walk import Demo, Page, demo_site, site_pages

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE = "vendor/axe-core/axe.min.js"
# The phone's top bar with the menu folded: brand and button on one line (it was ~340 px).
FOLDED_TOPBAR_MAX_PX = 80

AXE_SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): ` +
         v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | "));
}"""

# Every cell of every table (fallback tables opened) is brought into view by scrolling the
# page and its table's box, and is then what the screen shows at its far edge: nothing
# clips it and nothing (a pinned column) covers it.
UNREACHABLE_CELLS = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const lost = [];
  const width = document.documentElement.clientWidth;
  document.querySelectorAll("table").forEach((table, t) => {
    if (!table.getClientRects().length) return;
    const rows = Array.from(table.rows);
    // All rows of a short table; the first 20, the last 5 and every differently shaped row of a long one.
    const picked = rows.filter((row, i) => rows.length <= 40 || i < 20 || i >= rows.length - 5 ||
                               row.cells.length !== rows[i - 1].cells.length);
    picked.forEach((row) => Array.from(row.cells).forEach((cell, c) => {
      if (!cell.getClientRects().length) return;
      cell.scrollIntoView({block: "start", inline: "end"});
      const box = cell.getBoundingClientRect();
      const x = Math.min(box.right, width) - 2;
      const y = Math.max(box.top, 0) + Math.min(box.height / 2, 8);
      const seen = x > 0 && x < width ? document.elementFromPoint(x, y) : null;
      if (!seen || !(seen === cell || cell.contains(seen))) {
        lost.push(`table ${t + 1} row ${row.rowIndex + 1} cell ${c + 1} ` +
                  `("${cell.textContent.trim().slice(0, 30)}") shows ${seen ? seen.tagName : "nothing"}`);
      }
    }));
  });
  window.scrollTo(0, 0);
  return lost.slice(0, 10);
}"""


@pytest.fixture
def demo(transactional_db) -> Demo:
    return demo_site()


def _pages(demo: Demo) -> list[Page]:
    member = Client()
    member.force_login(demo.owner)
    return site_pages(demo, member)


def _contexts(browser: Any, live_server: Any, demo: Demo, viewport: dict[str, int]):
    visitor = browser.new_context(base_url=live_server.url, viewport=viewport)
    member = browser.new_context(base_url=live_server.url, viewport=viewport)
    page = member.new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", demo.owner.email)
    page.fill("input[name=password]", demo.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.close()
    return visitor, member


def _open(context: Any, path: str) -> Any:
    page = context.new_page()
    page.set_default_timeout(20_000)
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} -> {response.status}"
    page.wait_for_load_state("load")
    return page


def _axe(page: Any) -> list[str]:
    page.add_script_tag(url=static(AXE))
    return page.evaluate(AXE_SERIOUS)


def _walk(browser: Any, live_server: Any, demo: Demo, viewport: dict[str, int]) -> list[str]:
    pages = _pages(demo)
    # Guards the walk itself: a shallow walk would make every check pass.
    keys = {p.key for p in pages}
    for key in ("planner:dashboard", "planner:plan_detail", "planner:sweep_detail",
                "pricing:catalog_detail", "planner:shared_plan", "accounts:signup",
                "tracking:plan_forecast", "accounts:members"):  # fmt: skip
        assert key in keys, f"the walk misses {key}"
    assert len(pages) >= 35
    visitor, member = _contexts(browser, live_server, demo, viewport)
    phone = viewport["width"] < 760
    problems: list[str] = []
    titles: dict[str, str] = {}
    for spec in pages:
        page = _open(visitor if spec.visitor else member, spec.path)
        where = f"{spec.key} {spec.path}{' (logged out)' if spec.visitor else ''}"
        title = page.title()
        titles.setdefault(title, where)
        if titles[title] != where:
            problems.append(f"{where}: title {title!r} is also {titles[title]}'s")
        if not title.endswith(" · Breakeven") or title == "Breakeven · Breakeven":
            problems.append(f"{where}: title {title!r} names no page")
        problems += [f"{where}: axe {v}" for v in _axe(page)]
        if phone:
            page_width = page.evaluate("document.documentElement.scrollWidth")
            if page_width > viewport["width"]:
                problems.append(f"{where}: {page_width} px wide on a {viewport['width']} px phone")
            if not spec.visitor:
                topbar = page.evaluate(
                    "(document.querySelector('.topbar') || {offsetHeight: 0}).offsetHeight"
                )
                if topbar > FOLDED_TOPBAR_MAX_PX:
                    problems.append(f"{where}: the top bar takes {topbar} px with the menu folded")
            problems += [f"{where}: {cell}" for cell in page.evaluate(UNREACHABLE_CELLS)]
        page.close()
    visitor.close()
    member.close()
    return problems


def test_every_page_at_desktop_size(browser, live_server, demo):
    problems = _walk(browser, live_server, demo, DESKTOP)
    assert not problems, "\n".join(problems)


def test_every_page_on_a_phone(browser, live_server, demo):
    problems = _walk(browser, live_server, demo, PHONE)
    assert not problems, "\n".join(problems)
