from __future__ import annotations

import pytest

from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_logs_in_and_lands_on_the_dashboard(cast, page, log_in):
    log_in(cast.owner.email, DEFAULT_PASSWORD)

    assert (
        page.url.rstrip("/").endswith(page.url.split("/", 3)[2])
        or "/accounts/login" not in page.url
    )
    assert page.locator("h1").first.inner_text() == "Acme AI"


def test_wrong_password_stays_on_login_with_an_error(cast, page, log_in):
    log_in(cast.owner.email, "not-the-password")

    assert "/accounts/login/" in page.url
    assert page.locator(".errorlist, .errornote").count() >= 1
