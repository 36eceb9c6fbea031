"""Routing rules belong to an organization: managed on the usage page by writers, used by
that organization's imports only, and invisible to anyone else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import WorkloadFactory
from tracking.models import ActualUsageMonth, UsageImportJob, UsageRoutingRule
from tracking.usage import services as usage_services
from tracking.usage.routing import Router

pytestmark = pytest.mark.django_db

OURS = b"""date,model,input_tokens,output_tokens,cost,team
2026-06-01,m,100,10,1.00,team-a
2026-06-02,m,200,20,2.00,team-b
"""


def test_precedence_key_then_tags_then_team_user_model_group():
    router = Router(
        rules=[
            ("key", "k", 1),
            ("tag", "t2", 2),
            ("tag", "t1", 3),
            ("team", "a", 4),
            ("user", "u", 5),
            ("model_group", "g", 6),
        ],
        default=7,
    )
    labels = {"key": "k", "team": "a", "user": "u", "model_group": "g", "tags": ("t1", "t2")}
    assert router.route(**labels) == 1
    assert router.route(**(labels | {"key": "x"})) == 3  # the row's first tag with a rule
    assert router.route(**(labels | {"key": "x", "tags": ()})) == 4
    assert router.route(**(labels | {"key": "x", "tags": (), "team": "z"})) == 5
    assert router.route(key="", team="", user="", model_group="g", tags=()) == 6
    assert router.route(key="", team="", user="", model_group="", tags=()) == 7


def test_a_rule_names_a_workload_of_its_own_organization(cast):
    theirs = WorkloadFactory(organization=cast.other_org)
    with pytest.raises(ValidationError) as exc:
        usage_services.routing_rule_create(
            organization=cast.org, actor=cast.owner, dimension="team", value="a", workload=theirs
        )
    assert exc.value.message_dict == {"workload": ["Choose a workload of this organization."]}
    mine = WorkloadFactory(organization=cast.org)
    for dimension, value, field in [("colour", "a", "dimension"), ("team", "  ", "value")]:
        with pytest.raises(ValidationError) as exc:
            usage_services.routing_rule_create(
                organization=cast.org,
                actor=cast.owner,
                dimension=dimension,
                value=value,
                workload=mine,
            )
        assert list(exc.value.message_dict) == [field]
    usage_services.routing_rule_create(
        organization=cast.org, actor=cast.owner, dimension="team", value=" a ", workload=mine
    )
    with pytest.raises(ValidationError) as exc:
        usage_services.routing_rule_create(
            organization=cast.org, actor=cast.owner, dimension="team", value="a", workload=mine
        )
    assert exc.value.message_dict == {"value": ["There is already a rule for this team."]}
    assert UsageRoutingRule.objects.get().value == "a"


def test_another_organization_s_rules_never_route_my_rows(cast):
    mine, theirs = (
        WorkloadFactory(organization=cast.org, name="Mine"),
        WorkloadFactory(organization=cast.other_org, name="Theirs"),
    )
    usage_services.routing_rule_create(
        organization=cast.other_org,
        actor=cast.outsider,
        dimension="team",
        value="team-a",
        workload=theirs,
    )
    usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=mine,
        content=OURS,
        file_format="breakeven",
    )
    assert set(ActualUsageMonth.objects.values_list("workload__name", "input_tokens")) == {
        ("Mine", 300)
    }
    # The same rule in my organization sends team-a's row elsewhere.
    other = WorkloadFactory(organization=cast.org, name="Other")
    usage_services.routing_rule_create(
        organization=cast.org, actor=cast.owner, dimension="team", value="team-a", workload=other
    )
    usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=mine,
        content=OURS,
        file_format="breakeven",
    )
    # June of "Mine" is replaced by this file's: team-b's row alone.
    assert set(ActualUsageMonth.objects.values_list("workload__name", "input_tokens")) == {
        ("Mine", 200),
        ("Other", 100),
    }


@pytest.mark.parametrize(("who", "status"), [("owner", 302), ("teammate", 302), ("viewer", 403)])
def test_writers_add_and_delete_rules_on_the_usage_page(cast, who, status):
    workload = WorkloadFactory(organization=cast.org, name="Support")
    client = cast.client_for(getattr(cast, who))
    url = reverse("tracking:usage_imports")
    response = client.post(
        url, {"action": "rule", "dimension": "tag", "value": "support", "workload": workload.pk}
    )
    assert response.status_code == status
    if status == 403:
        assert not UsageRoutingRule.objects.exists()
        return
    rule = UsageRoutingRule.objects.get()
    assert (rule.organization, rule.dimension, rule.value, rule.workload) == (
        cast.org,
        "tag",
        "support",
        workload,
    )
    page = client.get(url).content.decode()
    assert "<code>support</code>" in page
    assert client.post(reverse("tracking:routing_rule_delete", args=[rule.pk])).status_code == 302
    assert not UsageRoutingRule.objects.exists()


def test_the_usage_page_refuses_a_workload_of_another_organization(cast):
    theirs = WorkloadFactory(organization=cast.other_org)
    response = cast.client_for(cast.owner).post(
        reverse("tracking:usage_imports"),
        {"action": "rule", "dimension": "team", "value": "a", "workload": theirs.pk},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not UsageRoutingRule.objects.exists()


def test_rules_and_uploads_are_invisible_to_other_organizations(
    cast, django_capture_on_commit_callbacks
):
    workload = WorkloadFactory(organization=cast.org, name="Support")
    rule = usage_services.routing_rule_create(
        organization=cast.org,
        actor=cast.owner,
        dimension="team",
        value="secret-team",
        workload=workload,
    )
    with django_capture_on_commit_callbacks(execute=True):
        cast.client_for(cast.owner).post(
            reverse("tracking:usage_imports"),
            {
                "file_format": "breakeven",
                "file": SimpleUploadedFile("acme-usage.csv", OURS),
                "workload": workload.pk,
            },
        )
    assert UsageImportJob.objects.get().status == "succeeded"
    outsider = cast.client_for(cast.outsider)
    page = outsider.get(reverse("tracking:usage_imports")).content.decode()
    assert "secret-team" not in page
    assert "acme-usage.csv" not in page
    response = outsider.post(reverse("tracking:routing_rule_delete", args=[rule.pk]))
    assert response.status_code == 404
    assert UsageRoutingRule.objects.filter(pk=rule.pk).exists()
    # A viewer of the organization sees both, and may change neither.
    viewer = cast.client_for(cast.viewer)
    page = viewer.get(reverse("tracking:usage_imports")).content.decode()
    assert "secret-team" in page
    assert "acme-usage.csv" in page
    assert viewer.post(reverse("tracking:routing_rule_delete", args=[rule.pk])).status_code == 403


def test_the_usage_page_lists_in_bounded_queries(cast, django_assert_max_num_queries):
    for i in range(8):
        workload = WorkloadFactory(organization=cast.org)
        usage_services.routing_rule_create(
            organization=cast.org,
            actor=cast.owner,
            dimension="team",
            value=f"t{i}",
            workload=workload,
        )
        usage_services.usage_import(
            organization=cast.org,
            actor=cast.owner,
            workload=workload,
            content=OURS,
            file_format="breakeven",
        )
    client = cast.client_for(cast.owner)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("tracking:usage_imports")).status_code == 200
