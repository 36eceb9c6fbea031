"""When Redis (the cache and the Celery broker) is down: what keeps working, what fails.

Pages and the API never need Redis to answer: sessions, audit and data live in
PostgreSQL. What does need it degrades like this (docs/deploy.md, BENCHMARKS.md):

- rate limits fail open: the request is served and a warning is logged
  (`accounts.api.throttles`);
- a request carrying ``Idempotency-Key`` gets a 503: without the key store a retry could
  not be recognised, so nothing is done (`accounts.api.idempotency`); requests without the
  key are served;
- work that must be queued (starting a sweep) is refused up front with
  :class:`ServiceUnavailableError` — a 503 with a clear message on pages and in the API — and
  nothing is written; if the broker dies between that check and the queueing, the sweep
  is marked failed with the same message instead of waiting forever.
"""

from __future__ import annotations

import logging

from django.shortcuts import render
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What the Django Redis cache raises when Redis cannot be reached (OSError covers the
# socket-level ConnectionRefusedError / TimeoutError).
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerError, *CACHE_ERRORS)

WORKERS_UNAVAILABLE = (
    "Background workers are unavailable right now, so this cannot be started. "
    "Nothing was saved; try again in a minute."
)


class ServiceUnavailableError(Exception):
    """A backing service is down; the message tells the user what happened and what to do.

    Pages answer 503 (:class:`ServiceUnavailableMiddleware`), the API a 503
    ``service_unavailable`` error (`accounts.api.errors`).
    """


def require_broker() -> None:
    """Raise `ServiceUnavailableError` unless tasks can be queued now.

    Always passes when tasks run in-process (no broker configured).
    """
    from config.celery import app

    if app.conf.task_always_eager:
        return
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except BROKER_ERRORS as exc:
        logger.warning("Celery broker unreachable: %s", exc.__class__.__name__)
        raise ServiceUnavailableError(WORKERS_UNAVAILABLE) from exc


class ServiceUnavailableMiddleware:
    """Pages: `ServiceUnavailableError` from a view becomes a 503 page with its message.

    The view's transaction (ATOMIC_REQUESTS) has already been rolled back by then.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceUnavailableError):
            return None
        return render(
            request,
            "errors/service_unavailable.html",
            {"message": str(exception)},
            status=503,
        )
