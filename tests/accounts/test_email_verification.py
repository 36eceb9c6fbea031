"""Sign-up verifies the email address before the account can act (issue 16, item 6)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Organization, User
from tests.api.conftest import make_token
from tests.factories import DEFAULT_PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    # The resend limit lives in the cache (Redis in bin/test).
    cache.clear()
    yield
    cache.clear()


SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")
REQUIRED = reverse("accounts:verify_email_required")
DASHBOARD = reverse("planner:dashboard")
GOOD = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "password": "analytical-engine-1843",
    "organization_name": "Lovelace Labs",
}


def _link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/verify/\S+/)", message.body)
    assert match is not None, message.body
    return match.group(1)


def _log_in(email: str, password: str) -> Client:
    client = Client()
    assert client.post(LOGIN, {"username": email, "password": password}).status_code == 302
    return client


@pytest.fixture
def unverified(db) -> User:
    membership = MembershipFactory(
        user__email="new@example.com", user__email_verified_at=None, role="owner"
    )
    return membership.user


def test_signup_then_link_then_login_reaches_the_dashboard(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(SIGNUP, GOOD)
    link = _link(mailoutbox[0])

    opened = Client().get(link)

    assert opened.status_code == 302
    assert opened.url == LOGIN
    assert User.objects.get(email="ada@example.com").email_verified_at is not None
    client = _log_in("ada@example.com", GOOD["password"])
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert "Lovelace Labs" in dashboard.content.decode()


def test_a_link_works_once_and_a_tampered_one_not_at_all(
    unverified, mailoutbox, django_capture_on_commit_callbacks
):
    client = _log_in("new@example.com", DEFAULT_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:verify_email_resend"))
    link = _link(mailoutbox[0])

    assert Client().get(link[:-3] + "xx/").status_code == 400
    unverified.refresh_from_db()
    assert unverified.email_verified_at is None
    assert client.get(link).status_code == 302
    assert Client().get(link).status_code == 400


def test_unverified_account_sees_check_your_email_everywhere(unverified):
    client = _log_in("new@example.com", DEFAULT_PASSWORD)

    for path in (DASHBOARD, reverse("accounts:members"), reverse("accounts_tokens:list")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == REQUIRED
    page = client.get(REQUIRED)
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()
    assert reverse("accounts:verify_email_resend") in page.content.decode()


def test_unverified_account_cannot_create_or_change_data(unverified):
    client = _log_in("new@example.com", DEFAULT_PASSWORD)
    organization_count = Organization.objects.count()

    page = client.post(reverse("accounts:organization_create"), {"name": "Sneaky"})
    token_page = client.post(reverse("accounts_tokens:list"), {"name": "ci", "expires_in_days": 30})

    assert page.status_code == token_page.status_code == 302
    assert Organization.objects.count() == organization_count
    assert not unverified.api_tokens.exists()


def test_unverified_account_is_refused_by_the_api(unverified):
    session_api = APIClient()
    session_api.force_login(unverified)
    response = session_api.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"

    token_api = APIClient()
    token_api.credentials(HTTP_AUTHORIZATION=f"Token {make_token(unverified)}")
    response = token_api.get("/api/v1/orgs/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"


def test_resend_sends_a_new_link_at_most_once_a_minute(
    unverified, mailoutbox, django_capture_on_commit_callbacks
):
    client = _log_in("new@example.com", DEFAULT_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("accounts:verify_email_resend"), follow=True)
        second = client.post(reverse("accounts:verify_email_resend"), follow=True)

    assert "We sent a new link" in first.content.decode()
    assert "less than a minute ago" in second.content.decode()
    assert [m.to for m in mailoutbox] == [["new@example.com"]]


def test_verified_accounts_are_not_held_back(cast):
    assert cast.client_for(cast.owner, cast.org).get(DASHBOARD).status_code == 200


def test_existing_users_are_verified_by_the_data_migration():
    """The migration marks everyone verified as of when they joined."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0004_existing_users_verified")
    user = UserFactory(email="old@example.com", email_verified_at=None)

    migration.mark_existing_users_verified(apps, None)

    user.refresh_from_db()
    assert user.email_verified_at == user.date_joined


def test_signing_up_from_an_invitation_still_needs_the_mailed_link(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    """The inviter sees the invitation link too, so it does not prove the address."""
    invitation = InvitationFactory(
        organization=cast.org, email="newbie@acme.test", invited_by=cast.owner
    )
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:invitation_accept", args=[invitation.token]),
            {"name": "Newbie", "password": "a-long-enough-passphrase"},
        )

    assert response.status_code == 302
    user = User.objects.get(email="newbie@acme.test")
    assert user.memberships.filter(organization=cast.org).exists()
    assert user.email_verified_at is None
    assert client.get(DASHBOARD).url == REQUIRED
    assert [m.to for m in mailoutbox] == [["newbie@acme.test"]]
    assert client.get(_link(mailoutbox[0])).status_code == 302
    assert client.get(DASHBOARD).status_code == 200


def test_a_mail_server_failure_after_sign_up_is_logged_not_a_500(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("accounts.verification.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(SIGNUP, GOOD)

    assert response.status_code == 302
    assert User.objects.filter(email="ada@example.com").exists()
    assert "smtp down" in caplog.text
