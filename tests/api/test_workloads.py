"""/api/v1/orgs/<slug>/workloads/ for owner, teammate, viewer, outsider and anonymous."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from planner.models import Workload
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/workloads/"
BODY = {"name": "Support bot", "tokens_per_month": 1_000_000_000, "input_share": "0.5"}


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_list_their_workloads_only(api, cast, who, django_assert_max_num_queries):
    mine = [WorkloadFactory(organization=cast.org, name=f"W{i}") for i in range(12)]
    WorkloadFactory(organization=cast.other_org, name="Theirs")
    client = api(who)
    # savepoint + token + token cleanup + membership + page + release
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.status_code == 200
    assert [w["id"] for w in response.json()["results"]] == sorted(
        (w.pk for w in mine), key=lambda pk: Workload.objects.get(pk=pk).name
    )
    assert response.json()["results"][0]["monthly_tokens"] == 1_000_000_000


def test_list_filters_and_orders(api, cast):
    WorkloadFactory(organization=cast.org, name="Alpha chat")
    WorkloadFactory(organization=cast.org, name="Beta search")
    client = api("viewer")
    names = [w["name"] for w in client.get(URL, {"name": "beta"}).json()["results"]]
    assert names == ["Beta search"]
    names = [w["name"] for w in client.get(URL, {"ordering": "-name"}).json()["results"]]
    assert names == ["Beta search", "Alpha chat"]


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_create_workload_audited(api, cast, who):
    response = api(who).post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    workload = Workload.objects.get(pk=response.json()["id"])
    assert workload.organization == cast.org
    assert workload.tokens_per_month == 1_000_000_000
    assert AuditEvent.objects.filter(action="workload.create", organization=cast.org).exists()


def test_viewer_cannot_create_update_or_delete(api, cast):
    workload = WorkloadFactory(organization=cast.org)
    viewer = api("viewer")
    assert_error(viewer.post(URL, BODY, format="json"), 403, "permission_denied")
    assert_error(
        viewer.patch(f"{URL}{workload.pk}/", {"name": "x"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(viewer.delete(f"{URL}{workload.pk}/"), 403, "permission_denied")
    assert Workload.objects.filter(organization=cast.org).count() == 1


def test_outsider_and_anonymous(api, anon, cast):
    workload = WorkloadFactory(organization=cast.org)
    outsider = api("outsider")
    assert_error(outsider.get(URL), 404, "not_found")
    assert_error(outsider.get(f"{URL}{workload.pk}/"), 404, "not_found")
    assert_error(outsider.post(URL, BODY, format="json"), 404, "not_found")
    # Their own organization's URL with our id: not found either.
    assert_error(outsider.get(f"/api/v1/orgs/rival/workloads/{workload.pk}/"), 404, "not_found")
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_both_volumes_is_400_naming_field_nothing_saved(api, cast):
    body = {**BODY, "tokens_per_day": 1000}
    error = assert_error(
        api("owner").post(URL, body, format="json"), 400, "validation_error", "tokens_per_month"
    )
    assert "not both" in error["fields"]["tokens_per_month"][0]
    assert not Workload.objects.exists()


def test_bad_share_is_400_naming_field(api):
    assert_error(
        api("owner").post(URL, {**BODY, "input_share": "1.5"}, format="json"),
        400,
        "validation_error",
        "input_share",
    )


def test_update_and_delete(api, cast):
    workload = WorkloadFactory(organization=cast.org, name="Old")
    client = api("teammate")
    response = client.patch(
        f"{URL}{workload.pk}/", {"name": "New", "cached_share": "0.25"}, format="json"
    )
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert (workload.name, str(workload.cached_share)) == ("New", "0.25000")
    assert client.delete(f"{URL}{workload.pk}/").status_code == 204
    assert not Workload.objects.filter(pk=workload.pk).exists()


def test_delete_workload_used_by_plan_is_400(api, cast):
    from tests.factories import plan_in

    plan = plan_in(cast.org)
    error = assert_error(api("owner").delete(f"{URL}{plan.workload_id}/"), 400, "validation_error")
    assert "plans" in error["message"]
    assert Workload.objects.filter(pk=plan.workload_id).exists()
