"""Sweeps on a real Celery worker over Redis and PostgreSQL: results, monotonic progress,
cancel, and a worker killed mid-sweep (acks_late redelivery)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from config.celery import app
from planner import sweep_services
from planner.models import Sweep, SweepChunk, SweepStatus
from planner.sweep_selectors import sweep_grid
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIG_GRID = {
    "volumes": {"min": 1e6, "max": 1e11, "num": 100, "scale": "log"},
    "input_shares": {"min": 0.0, "max": 1.0, "num": 100},
    "utilizations": {"min": 0.05, "max": 1.0, "num": 20},
}


def broker_url() -> str:
    # One broker for every worker test in a run: Celery keeps its first connection pool, so a
    # test pointing the app elsewhere later would publish where no worker listens.
    return (
        os.environ.get("SWEEP_TEST_BROKER_URL")
        or settings.CELERY_BROKER_URL
        or "redis://127.0.0.1:6379/9"
    )


@pytest.fixture
def broker():
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url()
    with app.connection_for_write() as conn:
        for queue in ("celery", "sweeps"):
            conn.default_channel.queue_purge(queue)
    try:
        yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def real_worker(broker):
    # The queues of the Procfile's worker and sweeps processes.
    with start_worker(
        broker,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=10,
        queues=["celery", "sweeps"],
    ):
        yield broker


@pytest.fixture
def version(db):
    return sweep_catalog_version(api_offers=3, gpu_offers=2)


def start_big_sweep(cast, version, *, name, chunk_size):
    return sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name=name,
        catalog_version=version,
        spec=sweep_spec_for(version, **BIG_GRID),
        chunk_size=chunk_size,
    )


def wait_finished(sweep, seconds=60, sample=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = Sweep.objects.filter(pk=sweep.pk).values("status", "done_points").get()
        if sample is not None:
            sample.append(row["done_points"])
        if row["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.02)
    sweep.refresh_from_db()
    return sweep


def assert_exactly_once(sweep):
    chunks = list(SweepChunk.objects.filter(sweep=sweep).order_by("index"))
    assert [c.index for c in chunks] == list(range(sweep.chunks_total))
    assert all(c.status == "done" for c in chunks)
    assert all(c.attempts == 1 for c in chunks)  # recorded once each
    assert sweep.chunks_done == sweep.chunks_total
    assert sweep.done_points == sweep.total_points
    assert sum(c.stop - c.start for c in chunks) == sweep.total_points


def assert_matches_engine(sweep):
    """Spot-check the stored grid against a direct engine evaluation."""
    from planner.bridge.sweeps import engine_spec
    from planner.engine.sweep import evaluate_chunk

    spec = engine_spec(sweep.spec)
    grid = sweep_grid(sweep=sweep)
    flat = grid["cheapest"].reshape(-1)
    rng = np.random.default_rng(7)
    for point in rng.integers(0, spec.size, 25):
        direct = evaluate_chunk(spec, int(point), int(point) + 1)
        assert flat[point] == direct.cheapest[0]
    assert sum(sweep.summary["wins"].values()) == spec.size


def test_sweep_completes_on_a_worker_with_monotonic_progress(real_worker, cast, version):
    sweep = start_big_sweep(cast, version, name="worker", chunk_size=5_000)
    samples: list[int] = []
    sweep = wait_finished(sweep, sample=samples)
    assert sweep.status == SweepStatus.SUCCEEDED, sweep.error
    assert samples == sorted(samples)  # progress never goes back
    assert len(set(samples)) > 2  # and it was seen moving
    assert_exactly_once(sweep)
    assert_matches_engine(sweep)


def test_cancel_stops_the_remaining_chunks_within_seconds(real_worker, cast, version):
    sweep = start_big_sweep(cast, version, name="cancel me", chunk_size=1_000)
    deadline = time.monotonic() + 30
    while Sweep.objects.get(pk=sweep.pk).chunks_done < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sweep_services.sweep_cancel(sweep=sweep, actor=cast.owner) is True
    time.sleep(2)
    sweep.refresh_from_db()
    settled = sweep.done_points
    time.sleep(1)
    sweep.refresh_from_db()
    assert sweep.status == SweepStatus.CANCELLED
    assert sweep.done_points == settled  # nothing more is counted
    assert 0 < sweep.chunks_done < sweep.chunks_total
    done = SweepChunk.objects.filter(sweep=sweep, status="done").count()
    skipped = SweepChunk.objects.filter(sweep=sweep, status="skipped")
    assert done == sweep.chunks_done
    assert skipped.count() == sweep.chunks_total - done
    assert not skipped.filter(cheapest__isnull=False).exists()  # never computed
    assert sweep.result is None


WORKER_SCRIPT = textwrap.dedent(
    """
    import django, os, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from config.celery import app
    # Redeliver unacknowledged messages of a dead worker after 1 s, not 10 min.
    app.conf.broker_transport_options = {"visibility_timeout": 1}
    app.worker_main(["worker", "--pool", "solo", "--without-gossip", "--without-mingle",
                     "--queues", "celery,sweeps", "--loglevel", "WARNING"])
    """
)


def spawn_worker() -> subprocess.Popen:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CONN_MAX_AGE": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT], cwd=ROOT, env=env, start_new_session=True
    )


def kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)


def test_worker_killed_mid_sweep_still_yields_one_result_per_chunk(broker, cast, version):
    sweep = start_big_sweep(cast, version, name="crash", chunk_size=2_000)
    first = spawn_worker()
    second = None
    try:
        deadline = time.monotonic() + 60
        while Sweep.objects.get(pk=sweep.pk).chunks_done < 5 and time.monotonic() < deadline:
            time.sleep(0.005)
        kill(first)  # SIGKILL: the chunk in hand is never acknowledged
        sweep.refresh_from_db()
        assert sweep.status == SweepStatus.RUNNING
        assert 5 <= sweep.chunks_done < sweep.chunks_total
        second = spawn_worker()
        sweep = wait_finished(sweep, seconds=90)
    finally:
        kill(first)
        if second is not None:
            kill(second, signal.SIGTERM)
    assert sweep.status == SweepStatus.SUCCEEDED, sweep.error
    assert_exactly_once(sweep)
    assert_matches_engine(sweep)
