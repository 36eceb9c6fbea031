"""Celery task for webhook deliveries: a thin wrapper around `tracking.services`.

A failed attempt is retried with backoff up to the service's attempt limit; the service
only touches deliveries still pending, so a redelivered task changes nothing.
"""

from __future__ import annotations

from celery import shared_task

from tracking import services

BACKOFF_S = (10, 60, 300, 1800)


@shared_task(name="tracking.deliver_webhook", bind=True, acks_late=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int) -> str:
    status = services.webhook_deliver(delivery_id=delivery_id)
    if status == "pending":
        countdown = BACKOFF_S[min(self.request.retries, len(BACKOFF_S) - 1)]
        raise self.retry(countdown=countdown, max_retries=services.MAX_DELIVERY_ATTEMPTS)
    return status
