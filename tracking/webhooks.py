"""Webhook signatures and the HTTP POST itself (standard library only).

Delivery resolves the host once, refuses any address that is not on the public internet
(`address_refusal`), then connects to that very address (the Host header and TLS name
stay the URL's host), so a DNS answer that changes after the check cannot reach us. It
never follows redirects (a 3xx is a failed delivery) and gives up quickly on a slow
endpoint: short connect and read timeouts, on its own Celery queue (``notifications``).

Header ``X-Breakeven-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256 with the endpoint's shared secret over ``"<t>." + raw body bytes``. A
receiver recomputes it over the body exactly as received, compares in constant time
and refuses timestamps older than a few minutes (replay protection).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "X-Breakeven-Signature"
EVENT_HEADER = "X-Breakeven-Event"
TOLERANCE_S = 300
CONNECT_TIMEOUT_S = 3
READ_TIMEOUT_S = 5


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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 ranges that carry (or translate to) an IPv4 address, which could be a private one.
_TRANSLATED_V6 = (
    (ipaddress.IPv6Network("64:ff9b::/96"), "a NAT64 address"),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), "a NAT64 address"),
    (ipaddress.IPv6Network("2002::/16"), "a 6to4 address"),
    (ipaddress.IPv6Network("2001::/32"), "a Teredo address"),
)


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not be sent to ``address`` (a phrase), or None if it may: only
    unicast addresses on the public internet, none that embeds an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and not (
        address.is_loopback or address.is_unspecified
    ):
        if address.ipv4_mapped is not None:
            return "an IPv4-mapped IPv6 address"
        if int(address) >> 32 == 0:
            return "an IPv4-compatible IPv6 address"
        for network, what in _TRANSLATED_V6:
            if address in network:
                return what
    if address.is_multicast:
        return "a multicast address"
    if not address.is_global:
        return "a private network"
    return None


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the one address that was checked."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def resolve(url: str) -> Target:
    """Resolve the URL's host once and check every address it has (a host with one
    private address is refused); raise `UnsafeWebhookURLError` saying why. Private
    addresses are allowed only by ``TRACKING_WEBHOOK_ALLOW_PRIVATE`` (development)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookURLError("Use an http:// or https:// URL.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeWebhookURLError("The port is not a number from 1 to 65535.") from None
    try:
        infos = socket.getaddrinfo(
            parts.hostname, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    except (OSError, ValueError, UnicodeError) as exc:
        raise UnsafeWebhookURLError(f"{parts.hostname} does not resolve.") from exc
    if not addresses:
        raise UnsafeWebhookURLError(f"{parts.hostname} does not resolve.")
    if not getattr(settings, "TRACKING_WEBHOOK_ALLOW_PRIVATE", False):
        for address in addresses:
            why = address_refusal(address)
            if why == "a private network":
                raise UnsafeWebhookURLError(f"{parts.hostname} is on a private network.")
            if why is not None:
                raise UnsafeWebhookURLError(f"{parts.hostname} resolves to {why} ({address}).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(
        scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=str(addresses[0])
    )


def check_url(url: str) -> None:
    """Refuse non-http(s) URLs and hosts that are not on the public internet, so a
    webhook cannot probe our own network. With ``TRACKING_WEBHOOK_ALLOW_PRIVATE``
    (development) only the scheme is checked: delivery resolves the host when it sends."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeWebhookURLError("Use an http:// or https:// URL.")
    if getattr(settings, "TRACKING_WEBHOOK_ALLOW_PRIVATE", False):
        return
    resolve(url)


def _pinned_socket(address: str, port: int) -> socket.socket:
    sock = socket.create_connection((address, port), timeout=CONNECT_TIMEOUT_S)
    sock.settimeout(READ_TIMEOUT_S)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the checked address; ``host`` still names the Host header."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=CONNECT_TIMEOUT_S)
        self._address = target.address

    def connect(self) -> None:
        self.sock = _pinned_socket(self._address, self.port)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is verified for ``host`` (SNI)."""

    def __init__(self, target: Target) -> None:
        super().__init__(
            target.host,
            target.port,
            timeout=CONNECT_TIMEOUT_S,
            context=ssl.create_default_context(),
        )
        self._address = target.address

    def connect(self) -> None:
        sock = _pinned_socket(self._address, self.port)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status: int | None
    error: str = ""


def post(*, url: str, body: bytes, secret: str, event: str) -> PostResult:
    """One signed POST. Any 2xx is success; anything else (a redirect, which is not
    followed, or no answer in time) is a failure."""
    try:
        target = resolve(url)
    except UnsafeWebhookURLError as exc:
        return PostResult(False, None, str(exc))
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Breakeven-Webhooks/1",
        EVENT_HEADER: event,
        SIGNATURE_HEADER: sign(secret=secret, body=body, timestamp=int(time.time())),
    }
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        return PostResult(False, None, (str(exc) or type(exc).__name__)[:300])
    finally:
        connection.close()
    if 200 <= status < 300:
        return PostResult(True, status)
    if 300 <= status < 400:
        return PostResult(False, status, f"HTTP {status}: redirects are not followed")
    return PostResult(False, status, f"HTTP {status}")
