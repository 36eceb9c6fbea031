"""Input that passed validation and still failed with a 500 (issue 16, item 11): each gets
a bound and a clear 400 naming the field, or a 404; locks are taken in one order."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Membership, Role
from planner import services as planner_services
from planner.models import Workload
from planner.models.workloads import MAX_TOKENS_PER_MONTH
from tests.factories import (
    MembershipFactory,
    WorkloadFactory,
    plan_in,
    sweep_catalog_version,
    sweep_spec_for,
)
from tests.hardening.conftest import assert_error

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
WORKLOAD = {"name": "Big", "input_share": "0.5", "growth_per_month": "0"}


def test_a_sweep_step_too_small_for_its_range_is_a_400_naming_it(api, cast):
    version = sweep_catalog_version()
    spec = sweep_spec_for(version, volumes={"min": 0, "max": 1e10, "step": 5e-324})
    body = {"name": "Tiny step", "catalog_version": version.pk, "spec": spec}
    error = assert_error(
        api("owner").post(f"{ORG}/sweeps/", body, format="json"),
        400,
        "validation_error",
        field="spec.volumes.step",
    )
    assert "too small for the range" in error["fields"]["spec.volumes.step"][0]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"tokens_per_month": MAX_TOKENS_PER_MONTH + 1}, "tokens_per_month"),
        # A day's volume at the API's own field limit is 30 times the monthly cap.
        ({"tokens_per_day": 10**15}, "tokens_per_day"),
    ],
)
def test_workload_volume_beyond_the_cap_is_a_400_naming_the_field(api, cast, fields, named):
    error = assert_error(
        api("owner").post(f"{ORG}/workloads/", {**WORKLOAD, **fields}, format="json"),
        400,
        "validation_error",
        field=named,
    )
    assert "1000000000000000" in error["fields"][named][0].replace(",", "")  # the cap
    assert not Workload.objects.filter(name="Big").exists()


def test_a_bigint_volume_per_day_in_the_form_is_refused_on_the_volume(cast):
    form = {
        "name": "Bigint",
        "volume": str(2**63 - 1),  # 9,223,372,036,854,775,807: fits the column, not a month
        "volume_unit": "day",
        "days_per_month": "30",
        "input_share": "50",
        "cached_share": "0",
        "growth_per_month": "0",
        "peak_to_average": "1",
        "downtime_cost_per_hour": "0",
        "success_rates": "",
    }
    response = cast.client_for(cast.owner).post(reverse("planner:workload_create"), form)
    assert response.status_code in (200, 400)
    assert "tokens a month" in str(response.context["form"].errors["volume"])
    assert not Workload.objects.filter(name="Bigint").exists()


def test_the_largest_workload_growing_tenfold_a_month_forecasts(api, cast):
    plan = plan_in(cast.org)
    Workload.objects.filter(pk=plan.workload_id).update(
        tokens_per_month=MAX_TOKENS_PER_MONTH, tokens_per_day=None, growth_per_month=Decimal(10)
    )
    planner_services.plan_compute(plan=plan, actor=None)
    response = api("viewer").get(f"{ORG}/plans/{plan.pk}/forecast/")
    assert response.status_code == 200, response.content
    page = cast.client_for(cast.viewer).get(reverse("planner:plan_detail", args=[plan.pk]))
    assert page.status_code == 200


def test_task_success_rates_are_bounded_in_count_and_name_length(api, cast):
    client = api("owner")
    many = {f"model {i}": 0.9 for i in range(100_000)}
    error = assert_error(
        client.post(
            f"{ORG}/workloads/",
            {**WORKLOAD, "tokens_per_month": 10**9, "task_success_rates": many},
            format="json",
        ),
        400,
        "validation_error",
        field="task_success_rates",
    )
    assert "at most 200 models" in error["fields"]["task_success_rates"][0]
    long_name = {"m" * 201: 0.9}
    assert_error(
        client.post(
            f"{ORG}/workloads/",
            {**WORKLOAD, "tokens_per_month": 10**9, "task_success_rates": long_name},
            format="json",
        ),
        400,
        "validation_error",
        field="task_success_rates",
    )
    assert not Workload.objects.filter(name="Big").exists()


def test_a_nul_byte_in_a_share_or_invitation_token_is_a_404(client):
    assert client.get("/s/abc%00def/").status_code == 404
    assert client.get("/accounts/invitations/abc%00def/").status_code == 404
    assert client.post("/accounts/invitations/abc%00def/", {}).status_code == 404


def test_an_unknown_token_is_still_a_404(client):
    assert client.get("/s/" + "x" * 43 + "/").status_code == 404
    assert client.get("/accounts/invitations/" + "x" * 43 + "/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_do_not_deadlock(cast):
    """Both requests run at once: each used to lock the other's row, then every owner
    row, in no set order. Now one waits for the other; the organization keeps an owner."""
    second = MembershipFactory(organization=cast.org, role=Role.OWNER).user
    first_membership = Membership.objects.get(user=cast.owner, organization=cast.org)
    second_membership = Membership.objects.get(user=second, organization=cast.org)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def demote(name, actor, membership):
        try:
            barrier.wait(timeout=10)
            account_services.membership_change_role(
                actor=actor, membership=membership, role=Role.ADMIN
            )
            outcomes[name] = "demoted"
        except Exception as exc:
            outcomes[name] = type(exc).__name__
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=demote, args=("a", cast.owner, second_membership)),
        threading.Thread(target=demote, args=("b", second, first_membership)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["PermissionDenied", "demoted"], outcomes
    owners = Membership.objects.filter(organization=cast.org, role=Role.OWNER).count()
    assert owners == 1


def test_workload_at_the_cap_is_accepted(api, cast):
    response = api("owner").post(
        f"{ORG}/workloads/",
        {**WORKLOAD, "tokens_per_month": MAX_TOKENS_PER_MONTH},
        format="json",
    )
    assert response.status_code == 201, response.content
    day = WorkloadFactory.build(
        organization=cast.org, tokens_per_day=MAX_TOKENS_PER_MONTH // 30, tokens_per_month=None
    )
    day.full_clean()
