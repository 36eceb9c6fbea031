"""Sweeps cannot starve other organizations: quotas per organization, their own queue, and
a few chunks of a sweep in the queue at a time (issue 16, item 8)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from planner import sweep_services, tasks
from planner.models import Sweep, SweepStatus
from planner.sweep_admission import CHUNKS_IN_FLIGHT, SweepQuotaError
from tests.api.conftest import assert_error, token_client
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(db):
    return sweep_catalog_version()


def start(org, version, *, chunk_size=None, name="Grid", **overrides):
    return sweep_services.sweep_start(
        organization=org,
        actor=None,
        name=name,
        catalog_version=version,
        spec=sweep_spec_for(version, **overrides),
        chunk_size=chunk_size,
    )


@pytest.fixture
def queue(monkeypatch):
    """The sweeps queue as a list: (sweep id, chunk index) in the order tasks were sent."""
    sent: list[tuple[int, int]] = []

    def apply_async(*, args, task_id, **kwargs):
        sent.append(tuple(args))

    monkeypatch.setattr(tasks.sweep_chunk_compute, "apply_async", apply_async)
    monkeypatch.setattr(
        tasks.sweep_finalize_task,
        "apply_async",
        lambda *, args, task_id, **kwargs: sweep_services.sweep_finalize(sweep_id=args[0]),
    )
    return sent


# --- quotas --------------------------------------------------------------------------------


def test_sweeps_running_at_once_are_capped_per_organization(cast, version, settings):
    settings.SWEEPS_ACTIVE_PER_ORGANIZATION = 1
    first = start(cast.org, version)  # stays queued: its chunks are never run here
    with pytest.raises(SweepQuotaError, match=r"already has 1 sweep queued or running"):
        start(cast.org, version, name="Second")
    assert Sweep.objects.filter(organization=cast.org).count() == 1  # nothing written
    start(cast.other_org, version)  # another organization has its own quota
    sweep_services.sweep_cancel(sweep=first, actor=None)
    assert start(cast.org, version, name="After cancel").status == SweepStatus.QUEUED


def test_points_a_day_are_capped_per_organization(cast, version, settings):
    settings.SWEEP_POINTS_PER_DAY_PER_ORGANIZATION = 100
    first = start(cast.org, version)  # 60 points
    sweep_services.sweep_cancel(sweep=first, actor=None)
    with pytest.raises(SweepQuotaError, match=r"has 60 points .* started 60 of its 100 points"):
        start(cast.org, version, name="Second")
    # Points started more than 24 hours ago no longer count.
    Sweep.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert start(cast.org, version, name="Next day").total_points == 60


def test_the_api_answers_429_naming_the_quota(cast, version, settings):
    settings.SWEEPS_ACTIVE_PER_ORGANIZATION = 1
    start(cast.org, version)
    body = {"name": "Grid", "catalog_version": version.pk, "spec": sweep_spec_for(version)}
    response = token_client(cast.teammate).post("/api/v1/orgs/acme/sweeps/", body, format="json")
    error = assert_error(response, 429, "sweep_quota")
    assert "the most allowed at once (1)" in error["message"]
    assert Sweep.objects.count() == 1


def test_the_page_shows_the_quota(cast, version, settings):
    settings.SWEEPS_ACTIVE_PER_ORGANIZATION = 1
    start(cast.org, version)
    response = cast.client_for(cast.teammate).post(
        reverse("planner:sweep_create"),
        {
            "name": "Grid",
            "catalog_version": version.pk,
            "workload": "",
            "spec": json.dumps(sweep_spec_for(version)),
        },
    )
    assert response.status_code == 429
    assert "the most allowed at once (1)" in response.content.decode()
    assert Sweep.objects.count() == 1


# --- queues and fairness ------------------------------------------------------------------


def test_sweep_tasks_have_their_own_queue():
    from config.celery import app

    for name in ("planner.sweep_chunk_compute", "planner.sweep_finalize"):
        assert app.amqp.router.route({}, name)["queue"].name == "sweeps"
    assert app.amqp.router.route({}, "tracking.deliver_webhook")["queue"].name == "notifications"


def test_a_small_sweep_is_queued_behind_a_few_chunks_of_a_big_one(
    cast, version, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        big = start(cast.org, version, chunk_size=5)  # 12 chunks
    with django_capture_on_commit_callbacks(execute=True):
        small = start(cast.other_org, version, volumes=[1e9], input_shares=[0.5])
    assert big.chunks_total == 12
    # Only the big sweep's first chunks are waiting, then the small sweep's only one.
    assert queue == [(big.pk, 0), (big.pk, 1), (small.pk, 0)]
    assert CHUNKS_IN_FLIGHT == 2

    # A recorded chunk hands its place to the next chunk of its sweep.
    with django_capture_on_commit_callbacks(execute=True):
        sweep_services.sweep_chunk_run(sweep_id=big.pk, index=0)
    assert queue[-1] == (big.pk, 2)


def test_every_chunk_is_queued_once_and_the_sweep_finishes(
    cast, version, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sweep = start(cast.org, version, chunk_size=7)  # 9 chunks
    waiting = max_waiting = len(queue)
    position = 0
    while position < len(queue):  # a worker taking the oldest task each time
        sweep_id, index = queue[position]
        position += 1
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_services.sweep_chunk_run(sweep_id=sweep_id, index=index) == "done"
        waiting = len(queue) - position
        max_waiting = max(max_waiting, waiting)
    assert sorted(index for _, index in queue) == list(range(9))
    assert max_waiting <= CHUNKS_IN_FLIGHT
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.SUCCEEDED
    assert sweep.done_points == 60


# --- a worker's memory ------------------------------------------------------------------------


def test_finalizing_builds_the_break_even_grid_only_when_the_archive_keeps_it(
    cast, version, queue, django_capture_on_commit_callbacks, monkeypatch
):
    from planner.sweep_selectors import sweep_grid

    built = []
    summarize = sweep_services.summarize

    def watching_summarize(spec, chunks):
        summary = summarize(spec, chunks)
        built.append(summary.breakeven.size)
        return summary

    monkeypatch.setattr(sweep_services, "summarize", watching_summarize)

    def run(sweep):
        position = 0
        while position < len(queue):
            sweep_id, index = queue[position]
            position += 1
            with django_capture_on_commit_callbacks(execute=True):
                sweep_services.sweep_chunk_run(sweep_id=sweep_id, index=index)
        sweep.refresh_from_db()
        assert sweep.status == SweepStatus.SUCCEEDED
        return sweep_grid(sweep=sweep)

    with django_capture_on_commit_callbacks(execute=True):
        small = start(cast.org, version)
    assert run(small)["breakeven"].shape == (4, 5, 2, 2)  # kept: built
    assert built == [80]

    # Past the archive's bound (shares x utilizations x offers x configs entries) the grid is
    # neither built nor stored: a worker never holds gigabytes of it.
    monkeypatch.setattr(sweep_services, "BREAKEVEN_MAX_ENTRIES", 79)
    queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        large = start(cast.org, version, name="Large")
    assert "breakeven" not in run(large)
    assert built == [80, 0]
