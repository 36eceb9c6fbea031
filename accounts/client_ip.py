"""The client's address, as the reverse proxies in front of us saw it.

Each trusted proxy appends the address it received the request from to
``X-Forwarded-For``, so the client is ``TRUSTED_PROXY_COUNT`` entries from the right;
anything further left was written by the client and proves nothing. With no proxy
(``0``) the connection's own address is the client. The API's rate limits key on it too
(accounts/api/throttles.py).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address of `request` (django-axes' ``AXES_CLIENT_IP_CALLABLE``)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote_addr
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not written by our proxy: fall back on what we can trust
        return remote_addr
