"""accounts/checks.py: what `check --deploy` refuses in production (issue 16, item 2).
tests/hardening/test_security.py runs the real command in a production-like process."""

from __future__ import annotations

import pytest

from accounts import checks

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.HTTPS = True
    settings.EMAIL_BACKEND = SMTP
    settings.DEFAULT_FROM_EMAIL = "Breakeven <noreply@breakeven.example.com>"
    settings.SITE_URL = "https://breakeven.example.com"
    settings.TRUSTED_PROXY_COUNT = 1
    return settings


def _ids(errors) -> list[str]:
    return [error.id for error in errors]


def test_complete_production_settings_pass(production):
    assert checks.check_mail() == []
    assert checks.check_site_url() == []
    assert checks.check_trusted_proxies() == []


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_mail_that_stays_on_the_machine_is_refused(production, backend):
    production.EMAIL_BACKEND = backend
    assert _ids(checks.check_mail()) == ["accounts.E001"]


def test_default_sender_is_refused(production):
    production.DEFAULT_FROM_EMAIL = "webmaster@localhost"
    assert _ids(checks.check_mail()) == ["accounts.E002"]


@pytest.mark.parametrize(
    "site_url",
    ["http://127.0.0.1:8000", "https://localhost", "http://breakeven.example.com", "breakeven"],
)
def test_local_plain_or_relative_site_url_is_refused(production, site_url):
    production.SITE_URL = site_url
    assert _ids(checks.check_site_url()) == ["accounts.E003"]


def test_unset_proxy_count_is_refused_but_zero_is_a_choice(production):
    production.TRUSTED_PROXY_COUNT = None
    assert _ids(checks.check_trusted_proxies()) == ["accounts.E004"]
    production.TRUSTED_PROXY_COUNT = 0
    assert checks.check_trusted_proxies() == []


def test_development_is_not_checked(production):
    production.DEBUG = True
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    production.SITE_URL = "http://127.0.0.1:8000"
    production.TRUSTED_PROXY_COUNT = None
    assert checks.check_mail() + checks.check_site_url() + checks.check_trusted_proxies() == []
