"""Rate limits per API token (per user for browser sessions, per IP when anonymous).

Counters live in the Django cache (Redis in production and tests). Rates come
from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are read at request time,
so tests can override them with the ``settings`` fixture. If the cache is unreachable the
limit fails open (the request is served, a warning is logged).
"""

from __future__ import annotations

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.availability import CACHE_ERRORS

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
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as exc:
            # Fail open: an outage of the counter store must not take the API down.
            logger.warning("Rate limit not applied (cache unavailable: %s)", exc.__class__.__name__)
            return True

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
        return f"throttle:{self.scope}:{ident}"


class QuoteRateThrottle(TokenRateThrottle):
    """Scope ``quote``: the stateless quote endpoint has its own, larger bucket."""

    scope = "quote"
