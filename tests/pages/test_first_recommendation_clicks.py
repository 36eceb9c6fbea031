"""From sign-up, the first recommendation is at most five clicks away (issue 18).

Walked with the test client as a browser would: each step is a click the user makes (a
button that submits a form, or the link in the verification email), and each form is
submitted from the page the previous click led to, with the fields and defaults that
page shows. Typing is not a click. The browser test (tests/browser/
test_new_user_journey.py) counts the same walk in Chromium.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from planner.models import Plan

pytestmark = pytest.mark.django_db

MAX_CLICKS = 5


class _Forms(HTMLParser):
    """The forms of a page: action and the values their inputs would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif self.forms and tag in ("input", "select") and a.get("name"):
            fields = self.forms[-1]["fields"]
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    fields[a["name"]] = a.get("value", "on")
            elif tag == "input":
                fields[a["name"]] = a.get("value") or ""
            else:
                fields.setdefault(a["name"], None)  # the first selected option, below
        elif self.forms and tag == "option":
            fields = self.forms[-1]["fields"]
            for name, value in fields.items():
                if value is None and ("selected" in a):
                    fields[name] = a.get("value")


def _form(html: str, action: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if form["action"] == action:
            return {k: v for k, v in form["fields"].items() if v is not None}
    raise AssertionError(f"no form posting to {action}")


class _User:
    def __init__(self) -> None:
        self.client = Client()
        self.clicks = 0
        self.page = ""
        self.url = ""

    def open(self, url: str) -> None:
        """Typing an address (or following a link before sign-up): not counted."""
        response = self.client.get(url, follow=True)
        self.page, self.url = response.content.decode(), response.request["PATH_INFO"]

    def click_link(self, url: str) -> None:
        self.clicks += 1
        self.open(url)

    def submit(self, action: str, typed: dict[str, str]) -> None:
        """Fill in what the user types and press the form's button: one click."""
        self.clicks += 1
        data = {**_form(self.page, action), **typed}
        response = self.client.post(action or self.url, data, follow=True)
        assert response.status_code == 200
        self.page, self.url = response.content.decode(), response.request["PATH_INFO"]


def test_the_first_recommendation_is_at_most_five_clicks_from_sign_up(
    reference_version, mailoutbox, django_capture_on_commit_callbacks
):
    user = _User()
    user.open(reverse("accounts:signup"))
    with django_capture_on_commit_callbacks(execute=True):
        user.submit(
            "",
            {
                "email": "grace@example.com",
                "name": "Grace Hopper",
                "password": "cobol-compiler-1959",
                "organization_name": "Hopper Labs",
            },
        )
    link = re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", mailoutbox[0].body)
    assert link is not None
    user.click_link(link.group(1))
    assert user.url == reverse("accounts:login")
    user.submit(
        reverse("accounts:login"),
        {"username": "grace@example.com", "password": "cobol-compiler-1959"},
    )
    assert user.url == reverse("planner:dashboard")
    # The dashboard's first-plan form, with the preset the user picks (a click on it).
    user.clicks += 1
    user.submit(reverse("planner:first_plan"), {"preset": "batch_summarisation"})

    plan = Plan.objects.get(organization__name="Hopper Labs")
    assert user.url == reverse("planner:plan_detail", args=[plan.pk])
    recommended = plan.latest_comparison.results["recommendation"]["option"]
    assert f'<p class="big-number">{recommended}</p>' in user.page
    assert user.clicks <= MAX_CLICKS, user.clicks
    assert user.clicks == 5  # sign up, the emailed link, log in, a preset, create
