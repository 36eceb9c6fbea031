"""Celery tasks for sweeps: thin wrappers around `planner.sweep_services`.

Both tasks are safe to run twice: acks_late + reject_on_worker_lost mean a chunk whose
worker died is delivered again, and the services filter on the state they expect.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from planner import sweep_services

CHUNK_SOFT_LIMIT_S = 60
CHUNK_HARD_LIMIT_S = 90


@shared_task(
    name="planner.sweep_chunk_compute",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=CHUNK_SOFT_LIMIT_S,
    time_limit=CHUNK_HARD_LIMIT_S,
    ignore_result=True,
)
def sweep_chunk_compute(sweep_id: int, index: int) -> str:
    try:
        return sweep_services.sweep_chunk_run(sweep_id=sweep_id, index=index)
    except SoftTimeLimitExceeded:
        sweep_services.sweep_fail(
            sweep_id=sweep_id, error=f"Chunk {index} ran past {CHUNK_SOFT_LIMIT_S} s."
        )
        return "failed"
    except Exception as exc:
        sweep_services.sweep_fail(sweep_id=sweep_id, error=f"Chunk {index}: {exc}")
        raise


@shared_task(
    name="planner.sweep_finalize",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=CHUNK_SOFT_LIMIT_S * 2,
    time_limit=CHUNK_HARD_LIMIT_S * 2,
    ignore_result=True,
)
def sweep_finalize_task(sweep_id: int) -> bool:
    try:
        return sweep_services.sweep_finalize(sweep_id=sweep_id)
    except Exception as exc:
        sweep_services.sweep_fail(sweep_id=sweep_id, error=f"Finalizing: {exc}")
        raise
