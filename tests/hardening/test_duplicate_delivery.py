"""A chunk task delivered twice at the same time (two workers, acks_late redelivery while
the first is still running): exactly one result row, progress counted once.

The sequential cases (redelivery after success, crash before recording, finalize twice)
are in tests/planner/test_sweep_services.py; a worker killed mid-chunk on a real Celery
worker is in tests/planner/test_sweep_worker.py.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.tenancy import system_scope
from planner import sweep_services
from planner.models import Sweep, SweepChunk
from tests.factories import sweep_catalog_version, sweep_spec_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_duplicate_deliveries_record_one_result(cast, monkeypatch):
    version = sweep_catalog_version()
    monkeypatch.setattr(sweep_services, "enqueue_chunks", lambda **kwargs: None)
    monkeypatch.setattr(sweep_services, "enqueue_finalize", lambda **kwargs: None)
    sweep = sweep_services.sweep_start(
        organization=cast.org,
        actor=cast.owner,
        name="Twice",
        catalog_version=version,
        spec=sweep_spec_for(version),
        chunk_size=7,
    )
    # Both deliveries read the chunk as pending before either records it.
    barrier = threading.Barrier(2, timeout=10)
    real_evaluate = sweep_services.evaluate_chunk

    def evaluate_in_step(*args, **kwargs):
        result = real_evaluate(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(sweep_services, "evaluate_chunk", evaluate_in_step)
    outcomes: list[str] = []

    def deliver() -> None:
        # A new thread has no tenant scope; a worker runs tasks under the system scope
        # (config/celery.py), so the delivery does too.
        try:
            with system_scope("test: a worker delivering a chunk"):
                outcomes.append(sweep_services.sweep_chunk_run(sweep_id=sweep.pk, index=0))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["done", "duplicate"]
    chunk = SweepChunk.objects.get(sweep=sweep, index=0)
    assert chunk.status == "done"
    assert chunk.attempts == 1
    assert SweepChunk.objects.filter(sweep=sweep).count() == sweep.chunks_total
    sweep = Sweep.objects.get(pk=sweep.pk)
    assert (sweep.chunks_done, sweep.done_points) == (1, chunk.stop - chunk.start)
