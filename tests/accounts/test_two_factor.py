"""TOTP two-factor login with django-otp (issue 16, item 6). Codes come from the
library's own generator (django_otp.oath.totp) with the device's key, as an app makes them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import AuditEvent
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_two_factor")
SETUP = reverse("accounts:two_factor")
DASHBOARD = reverse("planner:dashboard")
# A page only a logged-in member gets (/ shows visitors the landing page instead).
MEMBERS_ONLY = reverse("planner:plan_list")


def _code(device: TOTPDevice) -> str:
    """The code an authenticator app with the device's key shows now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def _wrong(device: TOTPDevice) -> str:
    return f"{(int(_code(device)) + 1) % 10**device.digits:0{device.digits}d}"


def _turn_on(client: Client, user) -> TOTPDevice:
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert two_factor.totp_key_base32(device) in page.content.decode()
    response = client.post(SETUP, {"code": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def _password_step(email: str, password: str = DEFAULT_PASSWORD) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": password})
    assert response.status_code == 302
    assert response.url == CODE
    return client


@pytest.fixture
def owner_with_totp(cast) -> TOTPDevice:
    device = _turn_on(cast.client_for(cast.owner, cast.org), cast.owner)
    # A code is accepted once; the one that turned it on used up this 30-second period.
    # Pretend it was the previous period's, so this period's code logs in.
    device.last_t -= 1
    device.save()
    return device


def test_owner_turns_it_on_with_a_code_from_the_app(cast):
    client = cast.client_for(cast.owner, cast.org)
    _turn_on(client, cast.owner)
    assert two_factor.totp_enabled(cast.owner)
    assert "is on" in client.get(SETUP).content.decode()
    assert AuditEvent.objects.filter(actor=cast.owner, action="two_factor.enable").exists()


def test_a_wrong_code_does_not_turn_it_on(cast):
    client = cast.client_for(cast.owner, cast.org)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.owner)
    response = client.post(SETUP, {"code": _wrong(device)})

    assert response.status_code == 400
    assert "not right" in response.content.decode()
    assert not two_factor.totp_enabled(cast.owner)


def test_login_needs_the_code_after_the_password(cast, owner_with_totp):
    client = _password_step("owner@acme.test")
    # The password alone logs nobody in.
    assert "_auth_user_id" not in client.session
    assert client.get(MEMBERS_ONLY).status_code == 302

    response = client.post(CODE, {"code": _code(owner_with_totp)})

    assert response.status_code == 302
    assert response.url == DASHBOARD
    assert int(client.session["_auth_user_id"]) == cast.owner.pk
    assert client.get(DASHBOARD).status_code == 200


def test_a_wrong_code_is_refused_and_then_throttled(cast, owner_with_totp):
    client = _password_step("owner@acme.test")
    refused = client.post(CODE, {"code": _wrong(owner_with_totp)})
    throttled = client.post(CODE, {"code": _code(owner_with_totp)})

    assert refused.status_code == 200
    assert "not right" in refused.content.decode()
    # django-otp makes the next try wait after a failure, even with the right code.
    assert "Too many wrong codes" in throttled.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_code_works_only_once(cast, owner_with_totp):
    code = _code(owner_with_totp)
    first = _password_step("owner@acme.test")
    assert first.post(CODE, {"code": code}).status_code == 302

    second = _password_step("owner@acme.test")
    response = second.post(CODE, {"code": code})

    assert response.status_code == 200
    assert "_auth_user_id" not in second.session


def test_the_code_page_without_a_password_step_sends_to_login(client):
    response = client.get(CODE)
    assert response.status_code == 302
    assert response.url == LOGIN


def test_users_without_it_log_in_with_the_password_alone(cast):
    response = Client().post(LOGIN, {"username": "mate@acme.test", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.url == DASHBOARD


def test_turning_it_off_needs_a_current_code(cast, owner_with_totp):
    client = cast.client_for(cast.owner, cast.org)
    refused = client.post(SETUP, {"code": _wrong(owner_with_totp)})
    assert refused.status_code == 400
    assert two_factor.totp_enabled(cast.owner)
    owner_with_totp.refresh_from_db()
    owner_with_totp.throttle_reset()  # as if the wait after the wrong code were over

    response = client.post(SETUP, {"code": _code(owner_with_totp)})

    assert response.status_code == 302
    assert not two_factor.totp_enabled(cast.owner)
    assert AuditEvent.objects.filter(actor=cast.owner, action="two_factor.disable").exists()
