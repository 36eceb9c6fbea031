"""Usage routing rules and organization-wide usage imports over the API (issue 17, item 6):
every role, cross-organization ids, one upload feeding several workloads, the job and its
report, pinned query counts on lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory
from tracking.models import ActualUsageMonth, UsageImportJob, UsageRoutingRule
from tracking.usage import services as usage_services

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
RULES = f"{ORG}/usage-routing-rules/"
IMPORTS = f"{ORG}/usage-imports/"
# Our format with the routing labels; a tool-free, ISO-dated file of two teams.
OURS = b"""date,model,input_tokens,output_tokens,cost,team,cached_input_tokens
2026-06-01,m,1000,100,1.50,team-a,400
2026-06-02,m,2000,200,2.25,team-b,0
2026-06-03,m,30,3,0.03,team-c,0
"""


@pytest.fixture
def workloads(cast):
    return {
        "a": WorkloadFactory(organization=cast.org, name="A"),
        "b": WorkloadFactory(organization=cast.org, name="B"),
    }


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_writers_manage_rules(api, cast, workloads, who):
    client = api(who)
    response = client.post(
        RULES,
        {"dimension": "team", "value": "team-a", "workload": workloads["a"].pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("dimension", "value", "workload")} == {
        "dimension": "team",
        "value": "team-a",
        "workload": workloads["a"].pk,
    }
    rule_url = f"{RULES}{body['id']}/"
    assert_error(
        client.post(
            RULES,
            {"dimension": "team", "value": "team-a", "workload": workloads["b"].pk},
            format="json",
        ),
        400,
        "validation_error",
        "value",
    )
    moved = client.patch(
        rule_url, {"workload": workloads["b"].pk, "value": "ignored"}, format="json"
    )
    assert moved.status_code == 200
    assert (moved.json()["workload"], moved.json()["value"]) == (workloads["b"].pk, "team-a")
    assert UsageRoutingRule.objects.get().workload == workloads["b"]
    assert client.delete(rule_url).status_code == 204
    assert not UsageRoutingRule.objects.exists()


def test_rules_refuse_another_organization_s_workload_and_bad_dimensions(api, cast, workloads):
    theirs = WorkloadFactory(organization=cast.other_org)
    client = api("owner")
    assert_error(
        client.post(
            RULES, {"dimension": "team", "value": "x", "workload": theirs.pk}, format="json"
        ),
        400,
        "validation_error",
        "workload",
    )
    assert_error(
        client.post(
            RULES,
            {"dimension": "colour", "value": "x", "workload": workloads["a"].pk},
            format="json",
        ),
        400,
        "validation_error",
        "dimension",
    )
    assert not UsageRoutingRule.objects.exists()


def test_rules_for_viewer_outsider_and_anonymous(api, anon, cast, workloads):
    rule = usage_services.routing_rule_create(
        organization=cast.org, actor=cast.owner, dimension="tag", value="t", workload=workloads["a"]
    )
    viewer = api("viewer")
    assert [r["id"] for r in viewer.get(RULES).json()["results"]] == [rule.pk]
    assert viewer.get(f"{RULES}{rule.pk}/").status_code == 200
    data = {"dimension": "tag", "value": "u", "workload": workloads["a"].pk}
    assert_error(viewer.post(RULES, data, format="json"), 403, "permission_denied")
    assert_error(viewer.delete(f"{RULES}{rule.pk}/"), 403, "permission_denied")
    outsider = api("outsider")
    assert_error(outsider.get(RULES), 404, "not_found")
    assert_error(outsider.delete(f"{RULES}{rule.pk}/"), 404, "not_found")
    assert_error(
        api("outsider").get(f"/api/v1/orgs/rival/usage-routing-rules/{rule.pk}/"), 404, "not_found"
    )
    assert_error(anon.get(RULES), 401, "not_authenticated")
    assert UsageRoutingRule.objects.filter(pk=rule.pk).exists()


def test_rules_list_in_bounded_queries(api, cast, django_assert_max_num_queries):
    for i in range(6):
        usage_services.routing_rule_create(
            organization=cast.org,
            actor=cast.owner,
            dimension="team",
            value=f"t{i}",
            workload=WorkloadFactory(organization=cast.org),
        )
    client = api("viewer")
    # savepoint + token + cleanup + membership + page (workloads joined) + release
    with django_assert_max_num_queries(6):
        response = client.get(RULES)
    assert len(response.json()["results"]) == 6


def test_one_upload_feeds_several_workloads(
    api, cast, workloads, django_capture_on_commit_callbacks
):
    for team, name in (("team-a", "a"), ("team-b", "b")):
        usage_services.routing_rule_create(
            organization=cast.org,
            actor=cast.owner,
            dimension="team",
            value=team,
            workload=workloads[name],
        )
    client = api("teammate")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            IMPORTS,
            {"file_format": "breakeven", "file": SimpleUploadedFile("june.csv", OURS)},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert response.json()["workload"] is None
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded", job
    assert job["url"] == response["Location"]
    report = job["report"]
    # team-c has no rule and no workload was chosen: left out, counted.
    assert report["unrouted"]["rows"] == 1
    assert report["unrouted"]["top"]["team"] == [["team-c", 1]]
    assert report["workloads"] == {
        str(workloads["a"].pk): {
            "chat_tokens": 1100,
            "cached_input_tokens": 400,
            "chat_cost": "1.50",
            "requests": 1,
        },
        str(workloads["b"].pk): {
            "chat_tokens": 2200,
            "cached_input_tokens": 0,
            "chat_cost": "2.25",
            "requests": 1,
        },
    }
    assert set(
        ActualUsageMonth.objects.values_list(
            "workload__name", "input_tokens", "cached_input_tokens"
        )
    ) == {("A", 1000, 400), ("B", 2000, 0)}
    actuals = client.get(f"{ORG}/workloads/{workloads['a'].pk}/actuals/").json()
    # 400 cached of 1,000 input.
    assert [(m["tokens"], m["cached_share"], m["cost"]) for m in actuals["months"]] == [
        (1100, "0.40000", "1.50")
    ]
    assert actuals["other_usage"] == []
    assert actuals["suggestions"]["cached_share"] == "0.40000"
    applied = client.post(f"{ORG}/workloads/{workloads['a'].pk}/actuals/apply/")
    assert applied.json()["applied"]["cached_share"] == "0.40000"
    workloads["a"].refresh_from_db()
    assert str(workloads["a"].cached_share) == "0.40000"
    listed = client.get(IMPORTS).json()["results"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_upload_options_are_checked(api, cast, workloads):
    client = api("owner")
    theirs = WorkloadFactory(organization=cast.other_org)
    for data, field in [
        ({"file_format": "breakeven", "workload": theirs.pk}, "workload"),
        ({"file_format": "breakeven", "date_order": "ymd"}, "date_order"),
        ({"file_format": "excel"}, "file_format"),
    ]:
        data["file"] = SimpleUploadedFile("u.csv", OURS)
        assert_error(client.post(IMPORTS, data, format="multipart"), 400, "validation_error", field)
    bad_header = {"file_format": "litellm", "file": SimpleUploadedFile("u.csv", OURS)}
    error = assert_error(
        client.post(IMPORTS, bad_header, format="multipart"), 400, "validation_error", "file"
    )
    assert "Row 1, field startTime: column is missing from the header" in error["fields"]["file"]
    assert not UsageImportJob.objects.exists()


def test_import_jobs_for_viewer_outsider_and_anonymous(api, anon, cast, workloads):
    job = usage_services.usage_import_start(
        organization=cast.org,
        actor=cast.owner,
        workload=workloads["a"],
        content=OURS,
        file_format="breakeven",
    )
    viewer = api("viewer")
    assert viewer.get(f"{IMPORTS}{job.pk}/").json()["status"] == "queued"
    upload = {"file_format": "breakeven", "file": SimpleUploadedFile("u.csv", OURS)}
    assert_error(viewer.post(IMPORTS, upload, format="multipart"), 403, "permission_denied")
    outsider = api("outsider")
    assert_error(outsider.get(IMPORTS), 404, "not_found")
    theirs = f"/api/v1/orgs/rival/usage-imports/{job.pk}/"
    assert_error(outsider.get(theirs), 404, "not_found")
    assert_error(anon.get(IMPORTS), 401, "not_authenticated")


def test_import_jobs_list_in_bounded_queries(api, cast, workloads, django_assert_max_num_queries):
    for _ in range(5):
        usage_services.usage_import_start(
            organization=cast.org,
            actor=cast.owner,
            workload=workloads["a"],
            content=OURS,
            file_format="breakeven",
        )
    client = api("viewer")
    with django_assert_max_num_queries(6):
        response = client.get(IMPORTS)
    assert len(response.json()["results"]) == 5
