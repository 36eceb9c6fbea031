"""Webhook signatures and the HTTP POST itself (standard library only).

Header ``X-Breakeven-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256 with the endpoint's shared secret over ``"<t>." + raw body bytes``. A
receiver recomputes it over the body exactly as received, compares in constant time
and refuses timestamps older than a few minutes (replay protection).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "X-Breakeven-Signature"
EVENT_HEADER = "X-Breakeven-Event"
TOLERANCE_S = 300
TIMEOUT_S = 10


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    now: float | None = None,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and is recent enough."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


class UnsafeWebhookURLError(ValueError):
    pass


def check_url(url: str) -> None:
    """Refuse non-http(s) URLs, and hosts on private networks unless allowed by settings
    (``TRACKING_WEBHOOK_ALLOW_PRIVATE``), so a webhook cannot probe our own network."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookURLError("Use an http:// or https:// URL.")
    if getattr(settings, "TRACKING_WEBHOOK_ALLOW_PRIVATE", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UnsafeWebhookURLError(f"{parts.hostname} does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise UnsafeWebhookURLError(f"{parts.hostname} is on a private network.")


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status: int | None
    error: str = ""


def post(*, url: str, body: bytes, secret: str, event: str) -> PostResult:
    """One signed POST. Any 2xx is success; anything else (or no answer) is a failure."""
    try:
        check_url(url)
    except UnsafeWebhookURLError as exc:
        return PostResult(False, None, str(exc))
    # The scheme is http(s), checked by check_url above.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Breakeven-Webhooks/1",
            EVENT_HEADER: event,
            SIGNATURE_HEADER: sign(secret=secret, body=body, timestamp=int(time.time())),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            return PostResult(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as exc:
        return PostResult(False, exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        return PostResult(False, None, str(getattr(exc, "reason", exc))[:300])
