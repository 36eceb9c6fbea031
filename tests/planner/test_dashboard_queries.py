"""Dashboard and plan list: the headline counts come from one query, plan tables do not
load the engine's JSON, and the query counts stay pinned (BENCHMARKS.md "## Load")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner import selectors
from planner.models import Plan
from tests.factories import WorkloadFactory, plan_in

pytestmark = pytest.mark.django_db


def test_dashboard_counts_are_the_organizations_own(cast):
    for _ in range(3):
        plan_in(cast.org, computed=True)
    flagged = plan_in(cast.org, computed=False)
    Plan.objects.filter(pk=flagged.pk).update(flag="Prices changed.")
    plan_in(cast.other_org, computed=True)  # another organization's: never counted
    WorkloadFactory(organization=cast.org)
    counts = selectors.dashboard_counts(organization=cast.org)
    assert counts == {"workloads": 5, "plans": 4, "flagged": 1, "comparisons": 3}
    empty = selectors.dashboard_counts(organization=cast.other_org)
    assert empty == {"workloads": 1, "plans": 1, "flagged": 0, "comparisons": 1}


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_dashboard_shows_counts_with_few_queries(
    cast, who, django_assert_max_num_queries, settings
):
    settings.TENANT_PAGE_CACHE_SECONDS = 0  # the queries of a page rendered from scratch
    for _ in range(4):
        plan_in(cast.org, computed=True)
    client = cast.client_for(getattr(cast, who))
    client.get(reverse("planner:dashboard"))  # session and caches warm
    # session, user, membership, counts (one query, was four), the switcher's membership
    # list, recent plans + their latest comparison, flagged plans, running sweeps; and the
    # request's SAVEPOINT / RELEASE (ATOMIC_REQUESTS inside the test's transaction)
    with django_assert_max_num_queries(11) as captured:
        response = client.get(reverse("planner:dashboard"))
    assert response.status_code == 200
    counting = [q for q in captured.captured_queries if 'FROM "planner_workload"' in q["sql"]]
    assert len(counting) == 1  # the four headline counts
    html = response.content.decode()
    assert "Plan of Acme AI" in html


def test_dashboard_outsider_sees_only_their_organization(cast):
    plan_in(cast.org, computed=True)
    html = cast.client_for(cast.outsider).get(reverse("planner:dashboard")).content.decode()
    assert "Plan of Acme AI" not in html


def test_plan_tables_do_not_load_results_json(cast, django_assert_max_num_queries):
    for _ in range(3):
        plan_in(cast.org, computed=True)
    plans = list(selectors.plans_for_table(organization=cast.org))
    with django_assert_max_num_queries(0):
        for plan in plans:
            latest = plan.latest_comparison
            assert latest.recommended_option
            assert latest.cheapest_monthly is not None
    assert all("results" in p.latest_comparison.get_deferred_fields() for p in plans)
    client = cast.client_for(cast.viewer)
    with django_assert_max_num_queries(8) as captured:
        assert client.get(reverse("planner:plan_list")).status_code == 200
    assert not [q for q in captured.captured_queries if '"results"' in q["sql"]]
