"""In Chromium, the plan page reads in the order of the decision: header, one tidy row of
actions (deleting a quiet link at its end, not alone on a second line), the
recommendation, then the budget card and the costs behind it."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, plan_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAYOUT = """() => {
  const top = (el) => el.getBoundingClientRect().top + window.scrollY;
  const heading = (text) => [...document.querySelectorAll("h2")].find((h) => h.textContent.trim() === text);
  const items = [...document.querySelectorAll(".plan-actions > a, .plan-actions > form")];
  const box = (el) => el.getBoundingClientRect();
  const del = [...document.querySelectorAll(".plan-actions a")].find((a) => a.textContent === "Delete plan");
  const first = items[0];
  return {
    recommendation: top(heading("Recommendation")),
    budget: top(heading("Budget and forecast")),
    costs: top(heading("Monthly cost per option")),
    actionsBottom: box(document.querySelector(".plan-actions")).bottom + window.scrollY,
    last: items[items.length - 1].textContent.trim(),
    deleteOnFirstRow: del ? Math.abs((box(del).top + box(del).bottom) / 2 - (box(first).top + box(first).bottom) / 2) < 4 : null,
    belowFirstRow: items.filter((el) => box(el).top >= box(first).bottom).map((el) => el.textContent.trim()),
  };
}"""


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_the_recommendation_follows_one_row_of_actions(cast, page, log_in, viewport):
    plan = plan_in(cast.org, computed=True)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    log_in(cast.owner.email, DEFAULT_PASSWORD)
    page.goto(reverse("planner:plan_detail", args=[plan.pk]))
    layout = page.evaluate(LAYOUT)
    assert layout["actionsBottom"] < layout["recommendation"] < layout["budget"] < layout["costs"]
    assert layout["last"] == "Delete plan"
    if shots := os.environ.get("SCREENSHOTS"):  # to look at them: SCREENSHOTS=<dir>
        page.screenshot(path=f"{shots}/plan-{viewport[0]}.png")
    if viewport[0] == 1280:  # every action on one line at desktop width, Delete included
        assert layout["belowFirstRow"] == [], layout
        assert layout["deleteOnFirstRow"], layout
