"""Data generations: a token per organization that changes whenever its data is written.

Pages that render an organization's rows (the dashboard's counts and tables, a plan's
budget panel) cache the HTML under a key that includes the organization's current token
(:func:`generation`). Every write to a tenant row calls :func:`data_changed` with the
organizations it touched, which drops their tokens, so the next read draws a fresh token
and the old entries can no longer be reached. Invalidation does not depend on guessing
which pages a write affects, and cannot be missed by ``QuerySet.update()`` or
``bulk_create()``: `accounts.tenancy` calls it from every write path of `TenantQuerySet`
and `TenantModel`.

Ordering with transactions: the tokens are dropped at once (so the writing request and
tests inside one transaction see their own change) and again after the commit (a reader
that drew a token between the two rendered the uncommitted past, and its entry is dropped
with the token). Tokens are random, so a token lost from Redis comes back as a new one,
never as an old one.

Tokens and entries live in the best-effort ``fragments`` cache: with Redis down,
:func:`generation` is ``None`` and the page renders from the database; a write that cannot
drop a token is logged, and cached entries also expire after ``TENANT_PAGE_CACHE_SECONDS``,
which bounds how stale a page can be if Redis comes back with a token it missed a write
for. With no shared cache (no ``REDIS_URL``) and tasks running in separate workers, a
worker's write could not reach the web process's in-memory cache, so caching is off.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

TOKEN_SECONDS = 24 * 60 * 60


def _cache():
    return caches["fragments"]


def enabled() -> bool:
    return settings.TENANT_PAGE_CACHE_SECONDS > 0


def _key(organization_id: int) -> str:
    return f"orggen:{organization_id}"


def generation(organization) -> str | None:
    """The organization's current data token, or None when page caching is off or the
    cache is unreachable (then nothing should be cached). The organization's creation
    time is part of it, so an id reused after a database reset cannot meet an old token."""
    if not enabled():
        return None
    cache = _cache()
    key = _key(organization.pk)
    token = cache.get(key)
    if token is None:
        cache.add(key, secrets.token_hex(8), TOKEN_SECONDS)
        token = cache.get(key)  # whoever added first wins; None if Redis is down
        if token is None:
            return None
    return f"{organization.pk}.{organization.created_at.timestamp():.6f}.{token}"


def data_changed(organization_ids: Iterable[int | None]) -> None:
    """The rows of these organizations changed: drop their tokens now and after commit."""
    if not enabled():
        return
    keys = sorted({_key(pk) for pk in organization_ids if pk is not None})
    if not keys:
        return
    _cache().delete_many(keys)
    transaction.on_commit(lambda: _cache().delete_many(keys), robust=True)
