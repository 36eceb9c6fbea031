"""Login (email + password, throttled by django-axes), logout, password change and reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = reverse("accounts:login")

pytestmark = pytest.mark.django_db


def _without_csrf(content: bytes) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", content.decode())


def _login(client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def test_login_page_labels_the_field_email(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_username">Email</label>' in body
    assert 'type="email"' in body


def test_login_with_email_goes_to_dashboard(client, cast):
    response = _login(client, "OWNER@acme.test", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("planner:dashboard")
    assert int(client.session["_auth_user_id"]) == cast.owner.pk


def test_login_of_user_without_organization_goes_to_organization_create(client):
    UserFactory(email="lonely@example.com")
    response = _login(client, "lonely@example.com", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("accounts:organization_create")
    page = client.get(reverse("planner:dashboard"))
    assert page.status_code == 302
    assert page.url == reverse("accounts:organization_create")


def test_wrong_password_shows_an_error_and_does_not_log_in(client, cast):
    response = _login(client, "owner@acme.test", "wrong")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sixth_attempt_is_refused_even_with_the_right_password(client, cast):
    statuses = [_login(client, "owner@acme.test", f"wrong-{i}").status_code for i in range(5)]
    # Four plain failures; the fifth reaches the limit and already answers with the lockout page.
    assert statuses == [200, 200, 200, 200, 429]

    response = _login(client, "owner@acme.test", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_of_another_account_do_not_lock_this_one(client, cast):
    for i in range(5):
        _login(client, "viewer@acme.test", f"wrong-{i}")
    response = _login(client, "owner@acme.test", DEFAULT_PASSWORD)
    assert response.status_code == 302


def test_logout_is_post_only(cast):
    client = cast.client_for(cast.owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert "_auth_user_id" not in client.session


class TestPasswordChange:
    url = reverse("accounts:password_change")

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(self.url)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)

    def test_change_keeps_the_session_and_sets_the_password(self, cast):
        client = cast.client_for(cast.teammate)
        response = client.post(
            self.url,
            {
                "old_password": DEFAULT_PASSWORD,
                "new_password1": "a-much-better-passphrase",
                "new_password2": "a-much-better-passphrase",
            },
            follow=True,
        )
        assert response.status_code == 200
        assert "Your password has been changed." in response.content.decode()
        cast.teammate.refresh_from_db()
        assert cast.teammate.check_password("a-much-better-passphrase")
        assert client.get(reverse("planner:dashboard")).status_code == 200

    def test_wrong_old_password_is_a_field_error(self, cast):
        client = cast.client_for(cast.teammate)
        response = client.post(
            self.url,
            {
                "old_password": "nope",
                "new_password1": "a-much-better-passphrase",
                "new_password2": "a-much-better-passphrase",
            },
        )
        assert response.status_code == 200
        assert "old_password" in response.context["form"].errors
        cast.teammate.refresh_from_db()
        assert cast.teammate.check_password(DEFAULT_PASSWORD)


class TestPasswordReset:
    url = reverse("accounts:password_reset")

    def test_same_answer_for_known_and_unknown_addresses(self, client, cast):
        known = client.post(self.url, {"email": "owner@acme.test"}, follow=True)
        unknown = client.post(self.url, {"email": "nobody@acme.test"}, follow=True)

        assert known.status_code == unknown.status_code == 200
        assert known.redirect_chain == unknown.redirect_chain
        # The pages differ only in their per-request CSRF token.
        assert _without_csrf(known.content) == _without_csrf(unknown.content)
        assert "If an account exists" in known.content.decode()
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["owner@acme.test"]

    def test_reset_link_sets_a_new_password(self, client, cast):
        client.post(self.url, {"email": "owner@acme.test"})
        link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
        assert link is not None, mail.outbox[0].body

        form_page = client.get(link.group(1), follow=True)
        assert form_page.status_code == 200
        assert form_page.context["validlink"] is True
        done = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "reset-to-something-new", "new_password2": "reset-to-something-new"},
            follow=True,
        )
        assert done.status_code == 200
        assert "Password set" in done.content.decode()
        assert User.objects.get(email="owner@acme.test").check_password("reset-to-something-new")
