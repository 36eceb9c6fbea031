"""Rate limits per API token (per user for browser sessions, per IP when anonymous).

Counters live in the Django cache (Redis in production and tests). Rates come
from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read at request time,
so tests can override them with the ``settings`` fixture. If the cache is unreachable the
limit fails open (the request is served, a warning is logged).

A bucket is a fixed window that starts with its first request: a counter created with the
window's TTL and incremented by every request, one Redis round trip
(`config.redis_cache.ReusingRedisCache.incr_window`). DRF's ``SimpleRateThrottle`` keeps
a list of every request time in the window instead and reads and rewrites it (get + set
of a pickled list of up to N floats) on every request: at 1,200/min that is up to 1,200
floats each way per request. The price of the counter: a client can make up to 2 x N
requests across the boundary of two windows, never more than N within one window.
"""

from __future__ import annotations

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.availability import CACHE_ERRORS
from accounts.client_ip import client_ip

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """Scope ``user``: one bucket per token, per session user, or per anonymous IP (``anon``)."""

    scope = "user"
    anonymous_scope = "anon"

    def __init__(self) -> None:
        # DRF resolves the rate in __init__ from a dict bound at import time; resolve
        # it per request instead (see get_cache_key).
        pass

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            self.scope = self.anonymous_scope
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        try:
            count, self.seconds_left = _incr_window(self.cache, self.key, self.duration)
        except CACHE_ERRORS as exc:
            # Fail open: an outage of the counter store must not take the API down.
            logger.warning("Rate limit not applied (cache unavailable: %s)", exc.__class__.__name__)
            return True
        return count <= self.num_requests

    def wait(self) -> float:
        return max(1, self.seconds_left)

    def get_ident(self, request) -> str:
        """The client address, read behind the trusted proxies by the rule logins use."""
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        auth = getattr(request, "auth", None)
        token_key = getattr(auth, "token_key", None)
        if token_key:
            # The public key prefix (shown in the UI), never the secret or its digest.
            ident = f"token:{token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        # "rate:", not DRF's list-valued "throttle:" keys, which INCR could not count.
        return f"rate:{self.scope}:{ident}"


def _incr_window(cache, key: str, duration: int) -> tuple[int, int]:
    incr_window = getattr(cache, "incr_window", None)
    if incr_window is not None:
        return incr_window(key, duration)
    # Other cache backends (local memory without REDIS_URL): add + incr, two calls.
    cache.add(key, 0, duration)
    try:
        return cache.incr(key), duration
    except ValueError:  # expired between the two calls
        cache.set(key, 1, duration)
        return 1, duration


class QuoteRateThrottle(TokenRateThrottle):
    """Scope ``quote``: the stateless quote endpoint has its own, larger bucket."""

    scope = "quote"
