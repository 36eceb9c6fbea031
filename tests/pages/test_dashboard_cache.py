"""The dashboard body and the plan page's budget panel are cached per data generation
(accounts/generations.py): a cached page equals the page rendered without the cache, any
write shows on the very next request, and nothing crosses organizations or roles."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse

from planner.models import Plan, Workload
from tests.factories import WorkloadFactory, plan_in
from tracking.models import Budget

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def _dashboard(client) -> str:
    response = client.get(reverse("planner:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _without_csrf(html: str) -> str:
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", html)


def _count(html: str, label: str) -> int:
    match = re.search(rf">{label}</div><div class=\"big-number\">([\d,]+)<", html)
    assert match, label
    return int(match.group(1).replace(",", ""))


def test_cached_dashboard_is_the_dashboard_rendered_without_the_cache(cast, settings):
    plan_in(cast.org, computed=True)
    client = cast.client_for(cast.owner)
    settings.TENANT_PAGE_CACHE_SECONDS = 0
    uncached = _dashboard(client)
    settings.TENANT_PAGE_CACHE_SECONDS = 60
    filled, cached = _dashboard(client), _dashboard(client)
    assert _without_csrf(cached) == _without_csrf(filled) == _without_csrf(uncached)
    assert "Plan of Acme AI" in cached


def test_a_cached_dashboard_runs_no_planner_query(cast, django_assert_max_num_queries):
    plan_in(cast.org, computed=True)
    client = cast.client_for(cast.teammate)
    _dashboard(client)
    # session, user, membership, the switcher's memberships, SAVEPOINT/RELEASE
    with django_assert_max_num_queries(6) as captured:
        html = _dashboard(client)
    assert not [q for q in captured.captured_queries if "planner_" in q["sql"]]
    assert "Plan of Acme AI" in html


WRITES = {
    "new workload": lambda org: WorkloadFactory(organization=org),
    "workloads bulk-created": lambda org: Workload.objects.bulk_create(
        [WorkloadFactory.build(organization=org), WorkloadFactory.build(organization=org)]
    ),
    "workloads deleted": lambda org: Workload.objects.for_org(org).filter(plans=None).delete(),
}


@pytest.mark.parametrize("write", WRITES)
def test_every_write_shows_on_the_next_request(cast, write):
    plan_in(cast.org, computed=True)
    WorkloadFactory(organization=cast.org)
    client = cast.client_for(cast.owner)
    _dashboard(client)  # fills the cache
    WRITES[write](cast.org)
    expected = Workload.objects.for_org(cast.org).count()
    assert _count(_dashboard(client), "Workloads") == expected


def test_a_flag_set_by_queryset_update_shows_at_once(cast):
    plan = plan_in(cast.org, computed=True)
    client = cast.client_for(cast.owner)
    assert "Flagged: the recommendation changed" not in _dashboard(client)
    Plan.objects.filter(pk=plan.pk).update(flag="Prices changed: Self-host is now cheaper.")
    html = _dashboard(client)
    assert "Prices changed: Self-host is now cheaper." in html
    assert _count(html, "Flagged plans") == 1


def test_another_organizations_writes_and_cache_stay_apart(cast):
    plan_in(cast.org, computed=True)
    member = cast.client_for(cast.owner)
    outsider = cast.client_for(cast.outsider)
    assert "Plan of Acme AI" in _dashboard(member)
    assert "Plan of Acme AI" not in _dashboard(outsider)
    before = _dashboard(member)
    WorkloadFactory(organization=cast.other_org)
    assert _count(_dashboard(member), "Workloads") == _count(before, "Workloads")


@pytest.mark.parametrize(("first", "then"), [("owner", "viewer"), ("viewer", "teammate")])
def test_each_role_sees_its_own_toolbar_whoever_filled_the_cache(cast, first, then):
    new_plan = reverse("planner:plan_create")
    html = _dashboard(cast.client_for(getattr(cast, first)))
    assert (new_plan in html) is (first != "viewer")
    html = _dashboard(cast.client_for(getattr(cast, then)))
    assert (new_plan in html) is (then != "viewer")


def test_a_new_budget_shows_in_the_cached_plan_page_panel(cast):
    plan = plan_in(cast.org, computed=True)
    client = cast.client_for(cast.owner)
    url = reverse("planner:plan_detail", args=[plan.pk])
    before = client.get(url).content.decode()
    assert "1,234,567" not in before
    Budget.objects.create(
        organization=cast.org, workload=plan.workload, monthly_amount=Decimal("1234567")
    )
    assert "1,234,567" in client.get(url).content.decode()
