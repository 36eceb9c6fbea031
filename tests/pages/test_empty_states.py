"""Empty states say what to do next, with a link (issue 18, item 2): a writer is led to the
guided first plan or the page's own form; a read-only teammate is told who can act."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

START = reverse("planner:first_plan")


@pytest.mark.parametrize(
    ("page", "next_step"),
    [
        ("planner:workload_list", START),
        ("planner:plan_list", START),
        ("planner:sweep_list", reverse("planner:sweep_create")),
        ("tracking:budget_list", "#budget-form"),
        ("tracking:alert_list", reverse("tracking:budget_list")),
        ("accounts_tokens:list", "#create-token"),
    ],
)
def test_an_empty_page_links_the_next_step(cast, page, next_step):
    html = cast.client_for(cast.owner).get(reverse(page)).content.decode()

    assert 'class="muted empty-state"' in html
    assert f'href="{next_step}"' in html
    if next_step.startswith("#"):
        assert f'id="{next_step[1:]}"' in html  # the anchor it points to is on the page


@pytest.mark.parametrize("page", ["planner:workload_list", "planner:plan_list"])
def test_a_read_only_teammate_is_not_sent_to_a_form_they_cannot_use(cast, page):
    html = cast.client_for(cast.viewer).get(reverse(page)).content.decode()

    assert "Someone with write access in your organization can" in html
    assert f'href="{START}"' not in html


def test_the_dashboard_without_plans_links_the_first_plan(cast):
    html = cast.client_for(cast.teammate).get(reverse("planner:dashboard")).content.decode()

    assert "No plans yet." in html
    assert f'href="{START}"' in html
