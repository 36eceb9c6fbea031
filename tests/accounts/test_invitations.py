"""Accepting an invitation: logged in with the invited email, or by signing up on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_KEY
from accounts.models import AuditEvent, Invitation, Membership, Role, User
from tests.factories import DEFAULT_PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(invitation: Invitation) -> str:
    return reverse("accounts:invitation_accept", args=[invitation.token])


@pytest.fixture
def invitation(cast) -> Invitation:
    return InvitationFactory(
        organization=cast.org, email="newbie@acme.test", role=Role.MEMBER, invited_by=cast.owner
    )


class TestLoggedIn:
    def test_matching_user_accepts_and_works_in_the_organization(self, cast, invitation):
        user = UserFactory(email="newbie@acme.test")
        client = cast.client_for(user)
        page = client.get(_url(invitation))
        assert page.status_code == 200
        assert "Join Acme AI" in page.content.decode()

        response = client.post(_url(invitation))

        assert response.status_code == 302
        membership = Membership.objects.get(user=user, organization=cast.org)
        assert membership.role == Role.MEMBER
        assert client.session[SESSION_KEY] == cast.org.pk
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        assert AuditEvent.objects.filter(action="invitation.accept", organization=cast.org).exists()

    def test_outsider_with_matching_email_gains_a_second_organization(self, cast):
        invitation = InvitationFactory(
            organization=cast.org, email="boss@rival.test", role=Role.VIEWER
        )
        client = cast.client_for(cast.outsider)
        client.post(_url(invitation))
        assert set(
            Membership.objects.filter(user=cast.outsider).values_list("organization__slug", "role")
        ) == {
            ("rival", "owner"),
            ("acme", "viewer"),
        }

    def test_wrong_email_is_refused(self, cast, invitation):
        client = cast.client_for(cast.outsider)
        page = client.get(_url(invitation))
        assert "This invitation is for newbie@acme.test" in page.content.decode()

        response = client.post(_url(invitation))

        assert response.status_code == 400
        assert "sent to another email address" in response.content.decode()
        assert not Membership.objects.filter(user=cast.outsider, organization=cast.org).exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_existing_member_cannot_accept_twice(self, cast):
        invitation = InvitationFactory(
            organization=cast.org, email="mate@acme.test", role=Role.OWNER
        )
        response = cast.client_for(cast.teammate).post(_url(invitation))
        assert response.status_code == 400
        assert "already a member" in response.content.decode()
        assert Membership.objects.get(user=cast.teammate, organization=cast.org).role == Role.MEMBER


class TestRefused:
    def test_expired_token_is_refused_clearly(self, client, cast, invitation):
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
        invitation.save()
        user = UserFactory(email="newbie@acme.test")
        logged_in = cast.client_for(user)

        assert "This invitation has expired" in client.get(_url(invitation)).content.decode()
        response = logged_in.post(_url(invitation))

        assert response.status_code == 400
        assert "This invitation has expired" in response.content.decode()
        assert not Membership.objects.filter(user=user).exists()

    def test_used_token_is_refused(self, client, cast, invitation):
        user = UserFactory(email="newbie@acme.test")
        cast.client_for(user).post(_url(invitation))

        page = client.get(_url(invitation))

        assert page.status_code == 410
        assert "already been used" in page.content.decode()
        response = client.post(
            _url(invitation), {"name": "Eve", "password": "some-long-passphrase"}
        )
        assert response.status_code == 400
        assert (
            Membership.objects.filter(organization=cast.org, user__email="newbie@acme.test").count()
            == 1
        )

    def test_unknown_token_is_404(self, client):
        response = client.get(reverse("accounts:invitation_accept", args=["nope"]))
        assert response.status_code == 404
        assert "not valid" in response.content.decode()


class TestSignupThenAccept:
    def test_anonymous_signs_up_with_the_invited_email_and_joins(self, client, cast, invitation):
        page = client.get(_url(invitation))
        assert "Create your account" in page.content.decode()

        response = client.post(
            _url(invitation), {"name": "New Bie", "password": "fresh-member-passphrase"}
        )

        assert response.status_code == 302
        user = User.objects.get(email="newbie@acme.test")
        assert user.check_password("fresh-member-passphrase")
        assert Membership.objects.get(user=user).organization == cast.org
        assert int(client.session["_auth_user_id"]) == user.pk
        assert client.session[SESSION_KEY] == cast.org.pk

    def test_bad_password_is_a_field_error_and_nothing_written(self, client, invitation):
        response = client.post(_url(invitation), {"name": "New Bie", "password": "password"})
        assert response.status_code == 200
        assert "password" in response.context["form"].errors
        assert "field-error" in response.content.decode()
        assert not User.objects.filter(email="newbie@acme.test").exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_existing_account_is_asked_to_log_in(self, client, cast, invitation):
        UserFactory(email="newbie@acme.test")
        page = client.get(_url(invitation))
        body = page.content.decode()
        assert "Log in to accept" in body
        assert f"{reverse('accounts:login')}?next={_url(invitation)}" in body

        response = client.post(
            _url(invitation), {"name": "Imposter", "password": "some-long-passphrase"}
        )

        assert response.status_code == 400
        assert not Membership.objects.filter(user__email="newbie@acme.test").exists()

    def test_login_then_accept(self, client, cast, invitation):
        UserFactory(email="newbie@acme.test")
        login = client.post(
            f"{reverse('accounts:login')}?next={_url(invitation)}",
            {
                "username": "newbie@acme.test",
                "password": DEFAULT_PASSWORD,
                "next": _url(invitation),
            },
        )
        assert login.status_code == 302
        assert login.url == _url(invitation)
        assert client.post(_url(invitation)).status_code == 302
        assert Membership.objects.filter(
            user__email="newbie@acme.test", organization=cast.org
        ).exists()
