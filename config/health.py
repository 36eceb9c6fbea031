"""Health endpoints for load balancers and monitors (django-health-check).

``/health/live/`` says the process answers: it touches no database, cache or broker, so a
dependency outage does not get every web process restarted. ``/health/ready/`` checks the
dependencies a request needs (PostgreSQL, the cache, and the Celery broker when one is
configured) and answers 500 naming the one that failed, so a load balancer stops sending
traffic until it is back. Both are public, never cached, and hold no tenant data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from health_check.checks import Cache, Database
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as AsyncRedis


# Not in the request's transaction (ATOMIC_REQUESTS): that alone would open a connection.
@transaction.non_atomic_requests
@never_cache
@require_safe
def live(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


def _broker_url() -> str:
    from config.celery import app

    # Where web processes publish tasks (what a request needs), as Celery resolves it.
    return app.conf.broker_write_url or ""


def _broker_client() -> AsyncRedis:
    return AsyncRedis.from_url(_broker_url(), socket_connect_timeout=2, socket_timeout=2)


class ReadinessView(HealthCheckView):
    """The library's view with our dependencies; JSON (or text/OpenMetrics on request),
    never its HTML page, whose inline style our Content-Security-Policy refuses."""

    http_method_names = ["get", "head"]

    def get_checks(self):  # type: ignore[override]
        checks: list[Any] = [Database(), Cache(alias="default")]
        if _broker_url().startswith(("redis://", "rediss://")):
            checks.append(Redis(client_factory=_broker_client))
        return (check for check in checks)

    def render_to_response(self, context: dict, **response_kwargs: Any) -> HttpResponse:
        return self.render_to_response_json(response_kwargs.get("status", 200))


ready = ReadinessView.as_view()
