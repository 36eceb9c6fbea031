"""Celery tasks for sweeps and re-evaluation runs: thin wrappers around
`planner.sweep_services` and `planner.reevaluation`.

Every task is safe to run twice: acks_late + reject_on_worker_lost mean a chunk whose
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


@shared_task(
    name="planner.reevaluation_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
    ignore_result=True,
)
def reevaluation_run_task(run_id: int) -> bool:
    """One batch of a re-evaluation run; queues the next while plans remain. Each plan
    commits on its own, so a batch cut short by the time limit loses nothing."""
    from planner import reevaluation

    try:
        more = reevaluation.reevaluation_run_batch(run_id=run_id)
    except SoftTimeLimitExceeded:
        more = True
    except Exception as exc:
        reevaluation.reevaluation_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if more:
        reevaluation.enqueue(run_id=run_id)
    return more
