"""TOTP two-factor login (django-otp's TOTP plugin: RFC 6238, 30-second six-digit codes,
one use per code, and an exponential delay after each wrong code).

Turning it on takes two steps: `totp_device_pending` makes an unconfirmed device whose
key the user scans into an authenticator app; `totp_confirm` turns it on once the user
proves the app works with a code. From then on a correct password only starts a login:
the views keep the user id in the session (`login_pending_*`) until a code finishes it.
"""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import audit
from accounts.models import User

DEVICE_NAME = "Authenticator app"
# How long the second step of a login may wait for its code.
PENDING_LOGIN_SECONDS = 300
_PENDING_KEY = "login_pending"


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device: two-factor login is on when there is one."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_enabled(user: User) -> bool:
    return totp_device(user) is not None


@transaction.atomic
def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (made on first call, kept until confirmed)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_key_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in."""
    return b32encode(device.bin_key).decode()


def _check_code(device: TOTPDevice, code: str) -> None:
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        raise ValidationError({"code": "Too many wrong codes. Wait a little and try again."})
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError({"code": "That code is not right. Enter the current one."})


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> TOTPDevice:
    """Turns two-factor login on with the pending device; `ValidationError` on `code`."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None:
        raise ValidationError({"code": "Start again: no authenticator is being set up."})
    _check_code(device, code)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit.record(actor=user, action="two_factor.enable", obj=user)
    return device


@transaction.atomic
def totp_disable(*, user: User, code: str) -> None:
    """Turns two-factor login off; needs a current code. `ValidationError` on `code`."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return
    _check_code(device, code)
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor=user, action="two_factor.disable", obj=user)


def totp_verify_login(*, user: User, code: str) -> TOTPDevice:
    """The second step of a login; `ValidationError` on `code` when wrong or throttled."""
    device = totp_device(user)
    if device is None:
        raise ValidationError({"code": "Two-factor login is not on for this account."})
    _check_code(device, code)
    return device


# --- The login in between its two steps ----------------------------------------------


def login_pending_start(
    session: SessionBase, *, user: User, backend: str, redirect_to: str
) -> None:
    session[_PENDING_KEY] = {
        "user_id": user.pk,
        "backend": backend,
        "redirect_to": redirect_to,
        "started": time.time(),
    }


def login_pending(session: SessionBase) -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right and whose code is awaited, with the pending
    login's data; None when there is none or it is older than `PENDING_LOGIN_SECONDS`."""
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("started", 0) > PENDING_LOGIN_SECONDS:
        session.pop(_PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=pending.get("user_id"), is_active=True).first()
    if user is None:
        return None
    return user, pending


def login_pending_end(session: SessionBase) -> None:
    session.pop(_PENDING_KEY, None)
