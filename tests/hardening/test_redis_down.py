"""Redis unavailable: pages and the API keep working; queueing fails clearly, writes nothing.

Decisions (docs/deploy.md, accounts/availability.py): rate limits fail open with a logged
warning; a request with ``Idempotency-Key`` is refused with 503 ``idempotency_unavailable``
(a retry could not be recognised, so nothing is done); starting a sweep is refused with a
503 "background workers unavailable" before anything is written.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.urls import resolve, reverse

from accounts.availability import ServiceUnavailableError
from accounts.generations import generation
from accounts.models import AuditEvent, Membership
from planner import sweep_services
from planner.models import Sweep, SweepChunk, SweepStatus, Workload
from tests.factories import WorkloadFactory, plan_in, sweep_catalog_version, sweep_spec_for
from tests.hardening.conftest import assert_error

pytestmark = pytest.mark.django_db

QUOTE = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def test_pages_keep_working(cast, redis_down):
    plan = plan_in(cast.org, computed=True)
    client = cast.client_for(cast.teammate)
    started = time.monotonic()
    for url in (
        reverse("planner:dashboard"),
        reverse("planner:workload_list"),
        reverse("planner:plan_list"),
        reverse("planner:plan_detail", args=[plan.pk]),
        reverse("planner:sweep_list"),
        reverse("accounts:members"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert time.monotonic() - started < 10  # no page waits on Redis
    # The plan page still shows the plan's figures, rendered from the database: the
    # cheapest option is one GPU replica at $2.50/h x 720 h = $1,800.00 (tests.factories).
    page = client.get(reverse("planner:plan_detail", args=[plan.pk])).content.decode()
    assert '<td class="num"><strong>$1,800.00</strong></td>' in page


def test_the_landing_page_keeps_working(client, redis_down):
    from pricing.services import load_reference_catalog

    load_reference_catalog()
    response = client.get("/")
    assert response.status_code == 200
    # The worked example is computed when its cache cannot be reached: GPT-5 on 1.5B
    # tokens a month at 70% input, 1,050 x $1.25 + 450 x $10 (tests/pages/test_landing.py).
    assert "$5,812.50" in response.content.decode()


def test_no_data_generation_and_writes_still_work(cast, redis_down):
    assert generation(cast.org) is None  # pages render from the database, cache nothing
    workload = WorkloadFactory(organization=cast.org)
    Workload.objects.filter(pk=workload.pk).update(name="still written")
    assert Workload.objects.get(pk=workload.pk).name == "still written"


def test_login_keeps_working(client, cast, redis_down):
    cast.owner.set_password("right-horse-battery")
    cast.owner.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": "owner@acme.test", "password": "right-horse-battery"},
    )
    assert response.status_code == 302
    assert client.get(reverse("planner:dashboard")).status_code == 200


def test_api_lists_and_quote_keep_working_and_throttles_fail_open(api, cast, redis_down, caplog):
    client = api("teammate")
    with caplog.at_level(logging.WARNING, logger="accounts.api.throttles"):
        orgs = client.get("/api/v1/orgs/")
        members = client.get("/api/v1/orgs/acme/members/")
        quote = client.post("/api/v1/quote", QUOTE, format="json")
    assert orgs.status_code == 200
    assert [o["slug"] for o in orgs.json()["results"]] == ["acme"]
    assert members.status_code == 200
    assert (
        len(members.json()["results"]) == Membership.objects.filter(organization=cast.org).count()
    )
    assert quote.status_code == 200
    assert quote.json()["api_monthly"] == 5625.0
    assert "Rate limit not applied (cache unavailable" in caplog.text


@pytest.mark.urls("tests.api.urls")
def test_idempotency_key_is_refused_with_503_and_nothing_is_done(api, cast, redis_down):
    client = api("teammate")
    mine = Membership.objects.get(user=cast.teammate)
    body = {"member": mine.pk, "note": "once"}
    echo = "/test-api/orgs/acme/echo/"

    refused = client.post(echo, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    error = assert_error(refused, 503, "idempotency_unavailable")
    assert "without the key" in error["message"]
    assert not AuditEvent.objects.filter(action="test.echo").exists()
    # Without the header the same request is served.
    assert client.post(echo, body, format="json").status_code == 201
    assert AuditEvent.objects.filter(action="test.echo").count() == 1


@pytest.fixture
def version(db):
    return sweep_catalog_version()


def test_starting_a_sweep_from_the_page_is_a_clear_503_and_writes_nothing(
    cast, version, redis_down
):
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("planner:sweep_create"),
        {
            "name": "Needs workers",
            "catalog_version": version.pk,
            "workload": "",
            "spec": json.dumps(sweep_spec_for(version)),
        },
    )
    assert response.status_code == 503
    assert b"Background workers are unavailable" in response.content
    assert b"Nothing was saved" in response.content
    assert Sweep.objects.count() == 0
    assert SweepChunk.objects.count() == 0
    assert not AuditEvent.objects.filter(action="sweep.start").exists()


def test_sweep_start_service_refuses_before_writing(cast, version, redis_down):
    with pytest.raises(ServiceUnavailableError, match="Background workers are unavailable"):
        sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="Needs workers",
            catalog_version=version,
            spec=sweep_spec_for(version),
        )
    assert Sweep.objects.count() == 0
    assert SweepChunk.objects.count() == 0


def test_validation_errors_still_come_first(cast, version, redis_down):
    # A bad spec is the user's problem to fix whatever the workers do.
    with pytest.raises(sweep_services.SweepSpecError):
        sweep_services.sweep_start(
            organization=cast.org,
            actor=cast.owner,
            name="",
            catalog_version=version,
            spec=sweep_spec_for(version),
        )


def test_broker_lost_after_the_check_marks_the_sweep_failed(cast, version, redis_down):
    """The broker dies between the check and the on-commit queueing: the sweep says so."""
    sweep = Sweep.objects.create(
        organization=cast.org,
        name="Queued then broker died",
        catalog_version=version,
        spec={},
        total_points=2,
        chunks_total=2,
    )
    for index in range(2):
        SweepChunk.objects.create(
            organization=cast.org, sweep=sweep, index=index, start=index, stop=index + 1
        )

    sweep_services.enqueue_chunks(sweep_id=sweep.pk, indices=range(2))

    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.FAILED
    assert "Background workers were unavailable" in sweep.error
    assert set(SweepChunk.objects.filter(sweep=sweep).values_list("status", flat=True)) == {
        "skipped"
    }


def test_api_sweep_start_is_a_503(api, cast, version, redis_down):
    # The route must exist: a missing sweeps route fails here instead of hiding the refusal.
    assert resolve("/api/v1/orgs/acme/sweeps/").url_name
    response = api("owner").post(
        "/api/v1/orgs/acme/sweeps/",
        {"name": "Needs workers", "catalog_version": version.pk, "spec": sweep_spec_for(version)},
        format="json",
    )
    error = assert_error(response, 503, "service_unavailable")
    assert "Background workers are unavailable" in error["message"]
    assert Sweep.objects.count() == 0
