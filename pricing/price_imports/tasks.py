"""The scheduled price refresh as a Celery task (run by beat: CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from pricing.price_imports import refresh


# Reading a few MB and converting them takes seconds; the limit only bounds a source that
# hangs (each fetch has its own timeout too).
@shared_task(name="pricing.refresh_prices", ignore_result=True, soft_time_limit=600, time_limit=660)
def refresh_prices() -> list[dict]:
    return [outcome.as_dict() for outcome in refresh.refresh_prices()]
