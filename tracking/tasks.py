"""Celery tasks for webhook deliveries and usage imports: thin wrappers around
`tracking.services`.

A failed attempt is retried with backoff up to the service's attempt limit; the service
only touches deliveries still pending, so a redelivered task changes nothing.
"""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from tracking import services
from tracking.usage import services as usage_services

BACKOFF_S = (10, 60, 300, 1800)


# Routed to the ``notifications`` queue (CELERY_TASK_ROUTES) that its own workers consume,
# so a slow endpoint never holds a slot a sweep or a purge needs; an attempt is bounded by
# the webhook timeouts and, whatever the endpoint does, by these limits.
@shared_task(
    name="tracking.deliver_webhook",
    bind=True,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=30,
    time_limit=40,
)
def deliver_webhook(self, delivery_id: int) -> str:
    try:
        status = services.webhook_deliver(delivery_id=delivery_id)
    except SoftTimeLimitExceeded:
        status = "pending"  # the attempt is counted; the next one comes after the backoff
    if status == "pending":
        countdown = BACKOFF_S[min(self.request.retries, len(BACKOFF_S) - 1)]
        raise self.retry(countdown=countdown, max_retries=services.MAX_DELIVERY_ATTEMPTS)
    return status


# A file may be up to 1 GB (about a million spend-log rows a minute are read): the limit
# leaves room for the largest on a busy worker.
USAGE_IMPORT_SOFT_LIMIT_S = 1800


@shared_task(
    name="tracking.run_usage_import",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=USAGE_IMPORT_SOFT_LIMIT_S,
    time_limit=USAGE_IMPORT_SOFT_LIMIT_S + 60,
)
def run_usage_import(job_id: int) -> str:
    try:
        return usage_services.usage_import_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        usage_services.usage_import_fail(
            job_id=job_id, error=f"The import ran past {USAGE_IMPORT_SOFT_LIMIT_S // 60} minutes."
        )
        return "failed"
    except Exception:
        usage_services.usage_import_fail(
            job_id=job_id, error="The import failed on our side; nothing was written."
        )
        raise
