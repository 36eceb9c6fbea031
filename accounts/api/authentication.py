"""API token authentication: knox tokens, with the token -> user lookup cached briefly.

knox's ``TokenAuthentication`` costs two queries on every request: the tokens sharing the
key prefix (with their user), and then *all* of that user's tokens, to delete expired
ones. With a token cache hit this class costs none: the token's SHA-512 digest (the
primary key knox stores; hashing takes microseconds) names a cache entry holding the
token's expiry and its user's non-secret fields, for at most ``CACHE_SECONDS``.

Access rules, the same as knox's, and what keeps them true with the cache:

- A revoked (deleted) token stops working at once: deleting an ``AuthToken`` drops its
  entry right away and again when the transaction commits (a request that read the row
  before the commit cannot leave a stale entry behind for longer than that).
- An expired token is refused: the expiry is checked on every request, cached or not. On
  every cache miss the user's expired tokens are deleted (knox did that on every
  request). The deletion of a presented expired token is rolled back with its 401 under
  ``ATOMIC_REQUESTS``, as it was with knox; the next successful request removes it.
- A deactivated or deleted user is refused at once: saving a user drops the entries of all
  their tokens (deleting one deletes the tokens).
- Changes made with ``QuerySet.update()`` send no signals; they are seen after at most
  ``CACHE_SECONDS``.

The cache holds no secret: neither the token nor the password hash (the user is rebuilt
without it; reading ``password`` would load it from the database). If the cache is
unreachable, every request goes to the database, as knox does.
"""

from __future__ import annotations

import binascii
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.signals import token_expired
from rest_framework import exceptions

from accounts.availability import CACHE_ERRORS
from accounts.middleware import EMAIL_UNVERIFIED_MESSAGE

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60
_KEY_PREFIX = "apitoken:"
_TOKEN_FIELDS = ("digest", "token_key", "user_id", "created", "expiry")


def cache_key(digest: str) -> str:
    return _KEY_PREFIX + digest


def _user_fields() -> list[str]:
    return [f.attname for f in get_user_model()._meta.concrete_fields if f.attname != "password"]


class CachedTokenAuthentication(TokenAuthentication):
    """knox ``TokenAuthentication`` with the lookup cached (see the module docstring)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        msg = _("Invalid token.")
        try:
            digest = hash_token(token.decode("utf-8"))
        except (TypeError, UnicodeDecodeError, binascii.Error) as exc:
            raise exceptions.AuthenticationFailed(msg) from exc
        key = cache_key(digest)
        now = timezone.now()
        auth_token = _from_cache(key)
        if auth_token is not None and (auth_token.expiry is None or auth_token.expiry > now):
            return self.validate_user(auth_token)

        auth_token = get_token_model().objects.select_related("user").filter(digest=digest).first()
        if auth_token is None:
            raise exceptions.AuthenticationFailed(msg)
        user = auth_token.user
        _delete_expired_tokens(user=user, now=now, presented=auth_token)
        if auth_token.expiry is not None and auth_token.expiry <= now:
            raise exceptions.AuthenticationFailed(msg)
        result = self.validate_user(auth_token)  # inactive users are refused, never cached
        _to_cache(key, auth_token, now=now)
        return result

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        """knox's check (inactive users are refused), and an account whose address is not
        verified cannot act through the API either (accounts/verification.py)."""
        result = super().validate_user(auth_token)
        if auth_token.user.email_verified_at is None:
            raise exceptions.PermissionDenied(EMAIL_UNVERIFIED_MESSAGE, code="email_unverified")
        return result


class CachedTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: the same ``knoxApiToken`` as knox's own class."""

    target_class = "accounts.api.authentication.CachedTokenAuthentication"


def _from_cache(key: str) -> Any | None:
    try:
        entry = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("Token cache not used (cache unavailable: %s)", exc.__class__.__name__)
        return None
    if entry is None:
        return None
    token_values, user_names, user_values = entry
    user_model = get_user_model()
    if list(user_names) != _user_fields():
        return None  # written by a release with other user fields: read the database
    user = user_model.from_db("default", user_names, user_values)
    auth_token = get_token_model().from_db("default", _TOKEN_FIELDS, token_values)
    auth_token.user = user
    return auth_token


def _to_cache(key: str, auth_token: Any, *, now: Any) -> None:
    timeout = CACHE_SECONDS
    if auth_token.expiry is not None:
        timeout = min(timeout, int((auth_token.expiry - now).total_seconds()))
    if timeout < 1:
        return
    names = _user_fields()
    entry = (
        tuple(getattr(auth_token, name) for name in _TOKEN_FIELDS),
        names,
        tuple(getattr(auth_token.user, name) for name in names),
    )
    try:
        cache.set(key, entry, timeout)
    except CACHE_ERRORS as exc:
        logger.warning("Token cache not used (cache unavailable: %s)", exc.__class__.__name__)


def _delete_expired_tokens(*, user: Any, now: Any, presented: Any) -> None:
    expired = list(
        get_token_model().objects.filter(user=user, expiry__lt=now).values_list("digest", flat=True)
    )
    if not expired:
        return
    get_token_model().objects.filter(digest__in=expired).delete()
    for digest in expired:
        source = "auth_token" if digest == presented.digest else "other_token"
        token_expired.send(
            sender=CachedTokenAuthentication, username=user.get_username(), source=source
        )


def forget_tokens(digests: list[str]) -> None:
    """Drop cached lookups now and once the current transaction commits."""
    if not digests:
        return
    keys = [cache_key(d) for d in digests]

    def drop() -> None:
        try:
            cache.delete_many(keys)
        except CACHE_ERRORS as exc:
            # The entries still expire within CACHE_SECONDS.
            logger.warning("Token cache entries not dropped (%s)", exc.__class__.__name__)

    drop()
    transaction.on_commit(drop)


def on_token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_tokens([instance.digest])


def on_token_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        forget_tokens([instance.digest])


def on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # a login touches last_login only: nothing the cache holds matters
    forget_tokens(
        list(get_token_model().objects.filter(user=instance).values_list("digest", flat=True))
    )
