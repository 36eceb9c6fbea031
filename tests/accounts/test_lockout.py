"""Login lockout behind the reverse proxy (issue 16, item 4; policy in docs/deploy.md).

Every request reaches gunicorn from the proxy (REMOTE_ADDR 10.0.0.1), which appends the
client's address to X-Forwarded-For. Nobody may lock out another person; guessing from one
address, at one account or across many, is stopped.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.api.throttles import TokenRateThrottle
from accounts.client_ip import client_ip
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
PROXY = "10.0.0.1"
ATTACKER = "203.0.113.66"
VICTIM = "198.51.100.7"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 30


def _login(address: str, email: str, password: str, *, forwarded_prefix: str = ""):
    """A login as the proxy forwards it: the client may have sent its own X-Forwarded-For
    (`forwarded_prefix`); the proxy appends the address it saw."""
    return Client().post(
        LOGIN,
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"{forwarded_prefix}{address}",
    )


def test_an_attacker_elsewhere_cannot_lock_the_victim_out():
    UserFactory(email="victim@acme.test")
    statuses = [_login(ATTACKER, "victim@acme.test", f"guess-{i}").status_code for i in range(8)]
    assert statuses[-1] == 429  # the attacker is stopped...

    response = _login(VICTIM, "victim@acme.test", DEFAULT_PASSWORD)

    assert response.status_code == 302  # ...and the victim still gets in
    assert response.url == reverse("accounts:organization_create")


def test_guessing_one_account_from_one_address_is_stopped_even_with_the_right_password():
    UserFactory(email="victim@acme.test")
    statuses = [_login(ATTACKER, "victim@acme.test", f"guess-{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 200, 429]

    response = _login(ATTACKER, "victim@acme.test", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_a_forged_x_forwarded_for_does_not_reset_the_count():
    UserFactory(email="victim@acme.test")
    for i in range(5):
        _login(ATTACKER, "victim@acme.test", f"guess-{i}", forwarded_prefix=f"192.0.2.{i}, ")

    response = _login(
        ATTACKER, "victim@acme.test", DEFAULT_PASSWORD, forwarded_prefix="192.0.2.99, "
    )

    assert response.status_code == 429


def test_spraying_many_accounts_from_one_address_is_stopped():
    UserFactory(email="real@acme.test")
    statuses = [
        _login(ATTACKER, f"user{i}@acme.test", "Summer2026!").status_code for i in range(30)
    ]
    assert statuses[:29] == [200] * 29
    assert statuses[29] == 429

    assert _login(ATTACKER, "real@acme.test", DEFAULT_PASSWORD).status_code == 429
    assert _login(VICTIM, "real@acme.test", DEFAULT_PASSWORD).status_code == 302


def test_a_successful_login_clears_only_its_own_counter():
    UserFactory(email="mine@acme.test")
    UserFactory(email="victim@acme.test")
    for i in range(3):
        _login(ATTACKER, "victim@acme.test", f"guess-{i}")
    for i in range(26):
        _login(ATTACKER, f"user{i}@acme.test", "Summer2026!")

    assert _login(ATTACKER, "mine@acme.test", DEFAULT_PASSWORD).status_code == 302

    # The 29 failures from the address still count: the 30th locks it (the victim's own
    # counter from there is only at 4).
    assert _login(ATTACKER, "victim@acme.test", "guess-3").status_code == 429


class TestClientIp:
    def _request(self, remote_addr: str, forwarded: str | None = None):
        extra = {"REMOTE_ADDR": remote_addr}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **extra)

    def test_without_proxies_the_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(self._request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"

    def test_one_proxy_takes_the_rightmost_entry(self):
        request = self._request(PROXY, "6.6.6.6, 203.0.113.1")
        assert client_ip(request) == "203.0.113.1"

    def test_two_proxies_take_the_second_from_the_right(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        request = self._request(PROXY, "6.6.6.6, 203.0.113.1, 10.0.0.2")
        assert client_ip(request) == "203.0.113.1"

    def test_no_header_or_garbage_falls_back_to_the_connection(self):
        assert client_ip(self._request(PROXY)) == PROXY
        assert client_ip(self._request(PROXY, "not-an-address")) == PROXY
        assert client_ip(self._request(PROXY, " , ")) == PROXY


def test_the_api_rate_limit_keys_on_the_same_client_address(settings):
    """A forged X-Forwarded-For must not buy an anonymous client a fresh rate limit."""
    throttle = TokenRateThrottle()
    factory = RequestFactory()

    def ident(forwarded: str) -> str:
        return throttle.get_ident(
            factory.get("/api/v1/quote", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        )

    assert ident("6.6.6.6, 203.0.113.1") == ident("7.7.7.7, 203.0.113.1") == "203.0.113.1"
    settings.TRUSTED_PROXY_COUNT = 0
    assert ident("6.6.6.6, 203.0.113.1") == PROXY
