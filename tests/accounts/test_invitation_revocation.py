"""Invitations cannot outlive their inviter's right to grant them (issue 16, item 1).

A removed admin must not get back in through an invitation they planted: accepting
re-checks the inviter, removing or demoting a member revokes the invitations they sent,
and managers can revoke pending invitations from the members page and the API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Invitation, Membership, Role
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _accept_url(invitation: Invitation) -> str:
    return reverse("accounts:invitation_accept", args=[invitation.token])


def _planted(cast, *, email: str = "second@evil.test", role: Role = Role.ADMIN) -> Invitation:
    """The admin invites a second address of their own, as admin, through the service."""
    return services.invitation_create(
        actor=cast.admin, organization=cast.org, email=email, role=role
    )


def test_removed_admin_cannot_come_back_through_a_planted_invitation(cast):
    invitation = _planted(cast)
    owner_client = cast.client_for(cast.owner, cast.org)
    admin_membership = Membership.objects.get(user=cast.admin, organization=cast.org)
    owner_client.post(reverse("accounts:membership_remove", args=[admin_membership.pk]))
    assert not Membership.objects.filter(user=cast.admin, organization=cast.org).exists()

    second = UserFactory(email="second@evil.test")
    client = cast.client_for(second)
    assert client.get(_accept_url(invitation)).status_code == 410
    response = client.post(_accept_url(invitation))

    assert response.status_code == 400
    assert "withdrawn" in response.content.decode()
    assert not Membership.objects.filter(user=second, organization=cast.org).exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="invitation.revoke",
        object_id=str(invitation.pk),
        changes__reason="inviter_lost_role",
    ).exists()


def test_accepting_rechecks_the_inviter_even_if_the_invitation_was_not_revoked(cast):
    """A membership deleted behind the services' back (admin site, SQL) revoked nothing."""
    invitation = _planted(cast)
    Membership.objects.filter(user=cast.admin, organization=cast.org).delete()
    second = UserFactory(email="second@evil.test")

    with pytest.raises(services.InvitationError, match="no longer valid"):
        services.invitation_accept(user=second, token=invitation.token)

    assert not Membership.objects.filter(user=second, organization=cast.org).exists()


def test_accepting_refuses_an_owner_invitation_from_an_owner_since_demoted(cast):
    invitation = services.invitation_create(
        actor=cast.owner, organization=cast.org, email="heir@acme.test", role=Role.OWNER
    )
    # Demoted without the service (which would have revoked the invitation).
    Membership.objects.filter(user=cast.owner, organization=cast.org).update(role=Role.ADMIN)
    heir = UserFactory(email="heir@acme.test")

    with pytest.raises(services.InvitationError, match="no longer valid"):
        services.invitation_accept(user=heir, token=invitation.token)


def test_demoting_an_admin_revokes_their_invitations(cast):
    invitation = _planted(cast)
    other_admins_invitation = services.invitation_create(
        actor=cast.owner, organization=cast.org, email="keep@acme.test", role=Role.MEMBER
    )
    admin_membership = Membership.objects.get(user=cast.admin, organization=cast.org)

    services.membership_change_role(actor=cast.owner, membership=admin_membership, role="member")

    invitation.refresh_from_db()
    other_admins_invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert other_admins_invitation.revoked_at is None


def test_demoting_an_owner_to_admin_revokes_only_owner_invitations(cast):
    second_owner = UserFactory()
    Membership.objects.create(user=second_owner, organization=cast.org, role=Role.OWNER)
    owner_invite = services.invitation_create(
        actor=second_owner, organization=cast.org, email="heir@acme.test", role=Role.OWNER
    )
    member_invite = services.invitation_create(
        actor=second_owner, organization=cast.org, email="mate2@acme.test", role=Role.MEMBER
    )
    membership = Membership.objects.get(user=second_owner, organization=cast.org)

    services.membership_change_role(actor=cast.owner, membership=membership, role="admin")

    owner_invite.refresh_from_db()
    member_invite.refresh_from_db()
    assert owner_invite.revoked_at is not None
    assert member_invite.revoked_at is None


def test_expired_invitation_cannot_be_accepted(cast):
    invitation = _planted(cast, role=Role.MEMBER)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = UserFactory(email="second@evil.test")

    response = cast.client_for(second).post(_accept_url(invitation))

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=second, organization=cast.org).exists()


def test_invitations_expire_after_seven_days():
    invitation = InvitationFactory()
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)


class TestRevokeFromMembersPage:
    def test_admin_revokes_a_pending_invitation(self, cast):
        invitation = _planted(cast, role=Role.MEMBER)
        client = cast.client_for(cast.admin, cast.org)
        page = client.get(reverse("accounts:members"))
        assert reverse("accounts:invitation_revoke", args=[invitation.pk]) in page.content.decode()

        response = client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

        assert response.status_code == 302
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        page = client.get(reverse("accounts:members"))
        assert "second@evil.test" not in page.content.decode().split("Pending invitations")[1]
        accept = cast.client_for(UserFactory(email="second@evil.test")).post(
            _accept_url(invitation)
        )
        assert accept.status_code == 400
        assert "withdrawn" in accept.content.decode()

    def test_admin_cannot_revoke_an_owner_invitation(self, cast):
        invitation = services.invitation_create(
            actor=cast.owner, organization=cast.org, email="heir@acme.test", role=Role.OWNER
        )
        response = cast.client_for(cast.admin, cast.org).post(
            reverse("accounts:invitation_revoke", args=[invitation.pk])
        )
        assert response.status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_non_managers_are_refused(self, cast, who):
        invitation = _planted(cast, role=Role.MEMBER)
        response = cast.client_for(getattr(cast, who), cast.org).post(
            reverse("accounts:invitation_revoke", args=[invitation.pk])
        )
        assert response.status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_outsider_gets_404(self, cast):
        invitation = _planted(cast, role=Role.MEMBER)
        response = cast.client_for(cast.outsider, cast.other_org).post(
            reverse("accounts:invitation_revoke", args=[invitation.pk])
        )
        assert response.status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None
