"""Deploy checks (``manage.py check --deploy``): settings that production must not leave
at their development defaults. bin/test runs them with production-like settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

# Backends that keep mail on this machine: a reset or invitation link would reach the
# server log (console), a file or memory instead of the person it is meant for.
LOCAL_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "testserver"})  # noqa: S104


@register(Tags.security, deploy=True)
def check_mail(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    if settings.EMAIL_BACKEND in LOCAL_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: password-reset, verification "
                "and invitation links would not leave this machine (the console backend "
                "prints them into the server log).",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                id="accounts.E001",
            )
        )
    if "@localhost" in settings.DEFAULT_FROM_EMAIL:
        errors.append(
            Error(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL}: mail servers reject "
                "or bin mail from it.",
                hint="Set DEFAULT_FROM_EMAIL, e.g. Breakeven <noreply@breakeven.example.com>.",
                id="accounts.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_site_url(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG:
        return []
    parts = urlsplit(settings.SITE_URL)
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "is not an absolute http(s) URL"
    elif parts.hostname in LOCAL_HOSTS:
        problem = "names this machine, so links in emails lead nowhere"
    elif getattr(settings, "HTTPS", False) and parts.scheme != "https":
        problem = "is plain http while the site is served over https"
    if problem is None:
        return []
    return [
        Error(
            f"SITE_URL {settings.SITE_URL!r} {problem}.",
            hint="Set SITE_URL to the public address, e.g. https://breakeven.example.com.",
            id="accounts.E003",
        )
    ]


@register(Tags.security, deploy=True)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG or settings.TRUSTED_PROXY_COUNT is not None:
        return []
    return [
        Error(
            "TRUSTED_PROXY_COUNT is not set: behind a reverse proxy every client would "
            "share the proxy's address, so login lockouts and rate limits would hit everyone.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to "
            "X-Forwarded-For (1 behind one nginx or load balancer; 0 with none).",
            id="accounts.E004",
        )
    ]
