"""Hardening tests: API clients by token, a Redis that is down, high rate limits."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.api.conftest import assert_error, make_token, token_client

__all__ = ["assert_error", "make_token", "token_client"]

CLOSED_PORT_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api(cast):
    """``api("owner")`` → an APIClient authenticated by a knox token of that character."""

    def build(who: str):
        return token_client(getattr(cast, who))

    return build


@pytest.fixture
def redis_down():
    """Cache and Celery broker pointed at a closed port, as if Redis had stopped.

    The Celery app keeps its broker URL and connection pools from the first use, so
    they are swapped here and put back afterwards (other tests keep the real broker).
    """
    from config.celery import app

    # Not the `settings` fixture: the real cache must be back before other fixtures'
    # teardowns (which clear it) run.
    caches_down = override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": CLOSED_PORT_URL,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            },
            "fragments": {
                "BACKEND": "config.redis_cache.BestEffortRedisCache",
                "LOCATION": CLOSED_PORT_URL,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            },
        }
    )
    saved = {
        "broker_url": app.conf.broker_url,
        "broker_write_url": app.conf.broker_write_url,
        "broker_read_url": app.conf.broker_read_url,
        "task_always_eager": app.conf.task_always_eager,
        "pool": app._pool,
        "producer_pool": app.amqp._producer_pool,
    }
    app.conf.broker_url = app.conf.broker_write_url = app.conf.broker_read_url = CLOSED_PORT_URL
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    caches_down.enable()
    try:
        yield app
    finally:
        caches_down.disable()
        app.conf.broker_url = saved["broker_url"]
        app.conf.broker_write_url = saved["broker_write_url"]
        app.conf.broker_read_url = saved["broker_read_url"]
        app.conf.task_always_eager = saved["task_always_eager"]
        app._pool = saved["pool"]
        app.amqp._producer_pool = saved["producer_pool"]
