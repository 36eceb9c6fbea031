"""``Idempotency-Key`` for POSTs that create, so a client can retry safely.

Rule: the same key from the same user on the same path with the same JSON body
replays the stored response (status and body, header ``Idempotent-Replayed: true``)
without running the view again; the same key with a different body is a 422
``idempotency_conflict`` (as the IETF Idempotency-Key draft says); a request still
running under that key is a 409 ``idempotency_in_progress``. Only successful (2xx) responses are stored, for 24 hours,
in the Django cache (Redis), so a failed request can be retried with the same key.
If the cache is unreachable, a request with the header gets a 503
``idempotency_unavailable`` and nothing is done (see `accounts.availability`).

Use :class:`IdempotentCreateMixin` on a viewset (wraps ``create``) or
:func:`idempotent` on an ``APIView`` method. Do not use it where the response
carries a secret (API token creation): the secret would sit in the cache. The schema
declares the header on every operation that honours it (`accounts.api.schema`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.errors import Conflict, Unavailable
from accounts.availability import CACHE_ERRORS

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
TTL_SECONDS = 24 * 60 * 60
PENDING_TTL_SECONDS = 60
MAX_KEY_LENGTH = 255


class IdempotencyConflict(APIException):
    # IETF draft-ietf-httpapi-idempotency-key-header: a key reused with another payload
    # is 422 Unprocessable Content (409 is for a request still in progress).
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_conflict"


class IdempotencyUnavailable(Unavailable):
    default_detail = (
        "Idempotency-Key cannot be honoured right now (the key store is unavailable), so "
        "nothing was done. Retry later, or send the request without the key."
    )
    default_code = "idempotency_unavailable"


class IdempotencyInProgress(Conflict):
    default_detail = "A request with this Idempotency-Key is still being processed."
    default_code = "idempotency_in_progress"


def _cache_key(request: Request, key: str) -> str:
    scope = f"{request.user.pk}\n{request.path}\n{key}"
    return "idem:" + hashlib.sha256(scope.encode()).hexdigest()


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method}\n{body}".encode()).hexdigest()


def run_idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` once per (user, path, Idempotency-Key); see the module docstring."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated or getattr(request, "_idempotent", False):
        # (Already inside run_idempotent for this request: a wrapped create calling super.)
        return handler()
    request._idempotent = True  # type: ignore[attr-defined]
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} printable characters."]})
    cache_key = _cache_key(request, key)
    fingerprint = _fingerprint(request)
    try:
        added = cache.add(
            cache_key, {"state": "pending", "fingerprint": fingerprint}, PENDING_TTL_SECONDS
        )
        stored = None if added else cache.get(cache_key)
    except CACHE_ERRORS as exc:
        # Without the key store a retry could not be recognised: refuse rather than risk
        # doing the work twice. Requests without the header are served as usual.
        logger.warning("Idempotency-Key refused (cache unavailable: %s)", exc.__class__.__name__)
        raise IdempotencyUnavailable() from exc
    if not added:
        if stored is None:  # expired between add and get: a rare race, treat as in progress
            raise IdempotencyInProgress()
        if stored["fingerprint"] != fingerprint:
            raise IdempotencyConflict()
        if stored["state"] == "pending":
            raise IdempotencyInProgress()
        headers = {**stored["headers"], "Idempotent-Replayed": "true"}
        return Response(stored["data"], status=stored["status"], headers=headers)
    try:
        response = handler()
    except BaseException:
        _forget(cache_key)
        raise
    if 200 <= response.status_code < 300:
        stored_headers = (
            {"Location": response["Location"]} if response.has_header("Location") else {}
        )
        try:
            cache.set(
                cache_key,
                {
                    "state": "done",
                    "fingerprint": fingerprint,
                    "status": response.status_code,
                    "data": response.data,
                    "headers": stored_headers,
                },
                TTL_SECONDS,
            )
        except CACHE_ERRORS as exc:  # the work is done; only a later replay is lost
            logger.warning("Idempotent response not stored: %s", exc.__class__.__name__)
    else:
        _forget(cache_key)
    return response


def _forget(cache_key: str) -> None:
    try:
        cache.delete(cache_key)
    except CACHE_ERRORS as exc:  # the pending marker expires after PENDING_TTL_SECONDS
        logger.warning("Idempotency key not released: %s", exc.__class__.__name__)


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorator for an ``APIView.post``-style method."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return run_idempotent(request, lambda: method(self, request, *args, **kwargs))

    return wrapper


class IdempotentCreateMixin:
    """Viewset mixin: ``create`` honours ``Idempotency-Key``."""

    # A viewset that writes its own ``create`` would shadow the one below: wrap it too.

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("create")
        if own is not None:
            cls.create = idempotent(own)  # type: ignore[method-assign]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = super().create  # type: ignore[misc]
        return run_idempotent(request, lambda: parent(request, *args, **kwargs))
