"""API tokens: services and selectors shared by the API and the tokens page.

The secret is a knox token, stored hashed; ``accounts.ApiToken`` gives it a
name. The plain secret is returned once by :func:`api_token_create` and never
stored, logged or audited.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from knox.models import AuthToken

from accounts.audit import record
from accounts.models import ApiToken, User

DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 365
MAX_TOKENS_PER_USER = 50


def api_tokens_for_user(*, user: User) -> models.QuerySet[ApiToken]:
    """The user's own named tokens, newest first."""
    return (
        ApiToken.objects.filter(user=user)
        .select_related("auth_token")
        .order_by("-created_at", "-pk")
    )


def token_key_tail(token: ApiToken) -> str:
    """The last 8 characters of the public token key: enough to recognise a token."""
    return token.auth_token.token_key[-8:]


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int) -> tuple[ApiToken, str]:
    """Create a named token; returns the row and the secret (show it once)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["Give the token a name."]})
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise ValidationError(
            {"expires_in_days": [f"Must be between 1 and {MAX_EXPIRY_DAYS} days."]}
        )
    # Lock the user row so two concurrent creations cannot both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(f"You already have {MAX_TOKENS_PER_USER} tokens; revoke one first.")
    auth_token, secret = AuthToken.objects.create(user=user, expiry=timedelta(days=expires_in_days))
    token = ApiToken.objects.create(user=user, name=name, auth_token=auth_token)
    record(
        actor=user,
        action="api_token.create",
        obj=token,
        changes={
            "name": name,
            "expiry": auth_token.expiry.isoformat(),
            "token_key_tail": token_key_tail(token),
        },
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    """Revoke (delete) one of the user's tokens; it stops working at once."""
    if token.user_id != user.pk:
        raise ValidationError("This is not your token.")
    record(
        actor=user,
        action="api_token.revoke",
        obj=token,
        changes={"name": token.name, "token_key_tail": token_key_tail(token)},
    )
    token.auth_token.delete()  # cascades to the ApiToken row


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every API token of `user` (after a password change or reset: whoever knew
    the old password may have made one); returns how many. Each stops working at once."""
    tokens = list(api_tokens_for_user(user=user))
    for token in tokens:
        record(
            actor=user,
            action="api_token.revoke",
            obj=token,
            changes={"name": token.name, "token_key_tail": token_key_tail(token), "reason": reason},
        )
    # Also tokens without a name row (made outside the tokens page); the cache entries go
    # with each deletion (accounts/api/authentication.py).
    AuthToken.objects.filter(user=user).delete()
    return len(tokens)
