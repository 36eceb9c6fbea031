"""A password change or reset revokes the user's API tokens and ends their other sessions
(issue 16, item 3): whoever knew the old password may have made a token with it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from tests.api.conftest import make_token
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-better-passphrase"
DASHBOARD = reverse("planner:dashboard")
# A page only a logged-in member gets (/ shows visitors the landing page instead).
MEMBERS_ONLY = reverse("planner:plan_list")


def _api(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _logged_in(email: str) -> Client:
    client = Client()
    assert (
        client.post(
            reverse("accounts:login"), {"username": email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 302
    )
    return client


def test_password_change_revokes_tokens_and_other_sessions_but_keeps_this_one(cast):
    secrets = [make_token(cast.teammate, name) for name in ("ci", "laptop")]
    _, unnamed = AuthToken.objects.create(user=cast.teammate)
    others_secret = make_token(cast.viewer)
    for secret in secrets:
        assert _api(secret).get("/api/v1/orgs/").status_code == 200
    other_session = _logged_in("mate@acme.test")
    this_session = _logged_in("mate@acme.test")

    response = this_session.post(
        reverse("accounts:password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    for secret in [*secrets, unnamed]:
        assert _api(secret).get("/api/v1/orgs/").status_code == 401
    assert not AuthToken.objects.filter(user=cast.teammate).exists()
    assert _api(others_secret).get("/api/v1/orgs/").status_code == 200
    assert other_session.get(MEMBERS_ONLY).status_code == 302
    assert this_session.get(DASHBOARD).status_code == 200
    assert (
        AuditEvent.objects.filter(
            action="api_token.revoke", actor=cast.teammate, changes__reason="password_change"
        ).count()
        == 2
    )


def test_password_reset_revokes_tokens_and_every_session(cast, client):
    secret = make_token(cast.owner)
    session = _logged_in("owner@acme.test")
    client.post(reverse("accounts:password_reset"), {"email": "owner@acme.test"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)

    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert _api(secret).get("/api/v1/orgs/").status_code == 401
    assert not AuthToken.objects.filter(user=cast.owner).exists()
    assert session.get(MEMBERS_ONLY).status_code == 302


def test_a_password_set_in_the_admin_revokes_tokens_too(cast):
    secret = make_token(cast.teammate)
    staff = Client()
    staff.force_login(UserFactory(email="staff@breakeven.test", is_staff=True, is_superuser=True))

    response = staff.post(
        reverse("admin:auth_user_password_change", args=[cast.teammate.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    cast.teammate.refresh_from_db()
    assert cast.teammate.check_password(NEW_PASSWORD)
    assert _api(secret).get("/api/v1/orgs/").status_code == 401
