"""/api/v1/orgs/<slug>/comparisons/: read-only, scoped to the organization."""

from __future__ import annotations

import pytest

from planner import services
from tests.api.conftest import assert_error
from tests.factories import plan_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/comparisons/"


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_list_comparisons_constant_queries(api, cast, who, django_assert_max_num_queries):
    plans = [plan_in(cast.org, computed=True) for _ in range(6)]
    plan_in(cast.other_org, computed=True)
    client = api(who)
    # savepoint + token + cleanup + membership + page + release
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert sorted(c["plan"] for c in results) == sorted(p.pk for p in plans)
    assert "results" not in results[0]


def test_filter_by_plan_and_trigger(api, cast):
    plan = plan_in(cast.org, computed=True)
    services.plan_compute(plan=plan, actor=cast.owner)
    plan_in(cast.org, computed=True)
    client = api("viewer")
    numbers = [c["number"] for c in client.get(URL, {"plan": plan.pk}).json()["results"]]
    assert numbers == [2, 1]
    assert client.get(URL, {"trigger": "reevaluate"}).json()["results"] == []
    assert_error(client.get(URL, {"trigger": "nope"}), 400, "validation_error", "trigger")


def test_detail_has_results_and_recommendation(api, cast):
    comparison = plan_in(cast.org, computed=True).latest_comparison
    body = api("viewer").get(f"{URL}{comparison.pk}/").json()
    assert body["number"] == 1
    assert body["results"] == comparison.results
    assert body["recommendation"]["option"] == comparison.recommended_option
    assert isinstance(body["recommendation"]["reasons"], list)
    assert body["cheapest_monthly"] == str(comparison.cheapest_monthly)


def test_outsider_404_anonymous_401_nobody_writes(api, anon, cast):
    comparison = plan_in(cast.org, computed=True).latest_comparison
    assert_error(api("outsider").get(URL), 404, "not_found")
    assert_error(api("outsider").get(f"{URL}{comparison.pk}/"), 404, "not_found")
    assert_error(
        api("outsider").get(f"/api/v1/orgs/rival/comparisons/{comparison.pk}/"), 404, "not_found"
    )
    assert_error(anon.get(URL), 401, "not_authenticated")
    assert_error(api("viewer").delete(f"{URL}{comparison.pk}/"), 403, "permission_denied")
    assert_error(api("owner").delete(f"{URL}{comparison.pk}/"), 405, "method_not_allowed")
