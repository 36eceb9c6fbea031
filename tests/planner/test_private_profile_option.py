"""The plan form offers the organization's own benchmarks for a self-host option, and only
its own (issue 15 item 4)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner import services
from planner.models import Plan
from tests.factories import WorkloadFactory, private_profile_in
from tests.planner.conftest import gpu_offer

pytestmark = pytest.mark.django_db


def _form(version, workload, profile_pk) -> dict:
    return {
        "version": version.pk,
        "name": "On our benchmark",
        "workload": workload.pk,
        "selfhost-TOTAL_FORMS": "1",
        "selfhost-INITIAL_FORMS": "0",
        "selfhost-0-model_name": "Llama 3.1 8B",
        "selfhost-0-rent_mode": "on_demand",
        "selfhost-0-gpu_offer": gpu_offer(version).pk,
        "selfhost-0-precision": "fp16",
        "selfhost-0-billing_mode": "always_on",
        "selfhost-0-utilization": "100",
        "selfhost-0-labor_hours_per_month": "0",
        "selfhost-0-other_monthly": "0",
        "selfhost-0-private_throughput_profile": profile_pk,
    }


def test_plan_form_uses_own_benchmark(cast, reference_version):
    ours = private_profile_in(cast.org, name="Our A100 run")
    private_profile_in(cast.other_org, name="Their run")
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=10_000_000_000)
    client = cast.client_for(cast.teammate)
    page = client.get(reverse("planner:plan_create") + f"?version={reference_version.pk}")
    assert "Our A100 run" in page.content.decode()
    assert "Their run" not in page.content.decode()
    response = client.post(
        reverse("planner:plan_create"), _form(reference_version, workload, ours.pk)
    )
    assert response.status_code == 302, response.context and response.context["formset"].errors
    plan = Plan.objects.get(name="On our benchmark")
    option = plan.options.get()
    assert option.private_throughput_profile == ours
    comparison = services.plan_compute(plan=plan, actor=cast.teammate)
    result = comparison.results["options"][0]
    # 1,250 tok/s from the file: 4 replicas of 1x A100 at $2/h for 10B tokens = $5,760.
    assert result["tokens_per_second"] == 1250.0
    assert result["monthly"]["expected"] == 5760.0


def test_plan_form_refuses_another_orgs_benchmark(cast, reference_version):
    theirs = private_profile_in(cast.other_org, name="Their run")
    workload = WorkloadFactory(organization=cast.org)
    response = cast.client_for(cast.owner).post(
        reverse("planner:plan_create"), _form(reference_version, workload, theirs.pk)
    )
    assert response.status_code == 400
    assert "private_throughput_profile" in response.context["formset"].forms[0].errors
    assert not Plan.objects.exists()


def test_option_clean_refuses_another_orgs_profile(cast, reference_version):
    """The model's own rule, for every path that saves an option (services, admin)."""
    from django.core.exceptions import ValidationError

    theirs = private_profile_in(cast.other_org, name="Their run")
    workload = WorkloadFactory(organization=cast.org)
    with pytest.raises(ValidationError) as caught:
        services.plan_create(
            organization=cast.org,
            actor=cast.owner,
            name="Sneaky",
            workload=workload,
            catalog_version=reference_version,
            options=[
                {
                    "kind": "selfhost",
                    "model_name": "Llama 3.1 8B",
                    "gpu_offer": gpu_offer(reference_version),
                    "private_throughput_profile": theirs,
                }
            ],
        )
    assert "private_throughput_profile" in str(caught.value)
    assert not Plan.objects.exists()


def _plan_with(org, version, throughput: list[dict]) -> Plan:
    return services.plan_create(
        organization=org,
        actor=None,
        name=f"Plan {len(throughput)} {throughput[0]}",
        workload=WorkloadFactory(organization=org),
        catalog_version=version,
        options=[
            {
                "kind": "selfhost",
                "model_name": "Llama 3.1 8B",
                "gpu_offer": gpu_offer(version),
                **figure,
            }
            for figure in throughput
        ],
    )


def test_snapshot_reads_private_profiles_in_the_same_queries(cast, reference_version):
    """A plan whose options name benchmarks is read in as many queries as one whose options
    give tokens/s, plus one: the profiles come with the options (select_related), not one
    by one, and the runs of the same setups at other concurrencies (the points a profile
    interpolates between) in one query for every option."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from planner.bridge.plans import build_inputs

    profiles = [private_profile_in(cast.org, name=f"Run {n}") for n in range(3)]
    own = _plan_with(
        cast.org, reference_version, [{"private_throughput_profile": p} for p in profiles]
    )
    explicit = _plan_with(cast.org, reference_version, [{"tokens_per_second": 1250}] * 3)
    counts = []
    for plan in (explicit, own):
        plan = Plan.objects.select_related("workload", "catalog_version", "organization").get(
            pk=plan.pk
        )
        with CaptureQueriesContext(connection) as captured:
            inputs = build_inputs(plan)
        counts.append(len(captured))
    assert [o["selfhost"]["throughput"]["planning"] for o in inputs["options"]] == [1250.0] * 3
    assert counts[1] == counts[0] + 1
