"""The members page: list, invite, change roles, remove; the last owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, Membership, Role
from tests.factories import MembershipFactory

MEMBERS = reverse("accounts:members")

pytestmark = pytest.mark.django_db


def _membership(cast, user):
    return Membership.objects.get(user=user, organization=cast.org)


def _role_url(membership):
    return reverse("accounts:membership_role", args=[membership.pk])


def _remove_url(membership):
    return reverse("accounts:membership_remove", args=[membership.pk])


class TestMembersPage:
    @pytest.mark.parametrize("who", ["owner", "admin"])
    def test_managers_see_members_roles_and_the_invite_form(self, cast, who):
        response = cast.client_for(getattr(cast, who)).get(MEMBERS)
        body = response.content.decode()
        assert response.status_code == 200
        for email in ("owner@acme.test", "admin@acme.test", "mate@acme.test", "viewer@acme.test"):
            assert email in body
        assert "boss@rival.test" not in body
        assert "Invite someone" in body
        assert "Change role" in body
        emails = [m.user.email for m in response.context["members"]]
        assert emails[0] == "owner@acme.test"  # owners first
        assert emails[-1] == "viewer@acme.test"  # viewers last

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_teammate_and_viewer_see_the_list_without_management(self, cast, who):
        response = cast.client_for(getattr(cast, who)).get(MEMBERS)
        body = response.content.decode()
        assert response.status_code == 200
        assert "owner@acme.test" in body
        assert "Viewer" in body
        assert "Invite someone" not in body
        assert "Change role" not in body

    def test_outsider_sees_only_their_own_organization(self, cast):
        response = cast.client_for(cast.outsider).get(MEMBERS)
        body = response.content.decode()
        assert response.status_code == 200
        assert "boss@rival.test" in body
        assert "acme.test" not in body

    def test_outsider_cannot_point_the_session_at_another_organization(self, cast):
        # A forged session value falls back to the user's own organization.
        response = cast.client_for(cast.outsider, cast.org).get(MEMBERS)
        assert "acme.test" not in response.content.decode()

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(MEMBERS)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    def test_query_count_does_not_grow_with_members(self, cast, django_assert_max_num_queries):
        client = cast.client_for(cast.owner)
        for _ in range(15):
            MembershipFactory(organization=cast.org)
        Invitation.objects.bulk_create(
            [
                Invitation(organization=cast.org, email=f"i{i}@x.test", invited_by=cast.owner)
                for i in range(10)
            ]
        )
        # session, user, current membership, invitations, switcher list, members (+ savepoint pair)
        with django_assert_max_num_queries(8):
            response = client.get(MEMBERS)
        assert response.status_code == 200
        assert len(response.context["members"]) == 19
        assert len(response.context["invitations"]) == 10


class TestInvite:
    @pytest.mark.parametrize("who", ["owner", "admin"])
    def test_managers_invite_and_see_the_link(
        self, cast, who, caplog, mailoutbox, django_capture_on_commit_callbacks
    ):
        client = cast.client_for(getattr(cast, who))
        caplog.set_level("INFO", logger="accounts.services")

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                MEMBERS, {"email": "New@Person.test", "role": "member"}, follow=True
            )

        invitation = Invitation.objects.get(organization=cast.org, email="new@person.test")
        assert invitation.role == Role.MEMBER
        assert invitation.invited_by == getattr(cast, who)
        link = reverse("accounts:invitation_accept", args=[invitation.token])
        body = response.content.decode()
        assert body.count(link) == 2  # in the confirmation message and the pending list
        # Mailed to the invitee (printed by the console backend without a mail server)...
        assert [m.to for m in mailoutbox] == [["new@person.test"]]
        assert link in mailoutbox[0].body
        # ...and never written to the logs: the token is a bearer secret.
        assert "new@person.test" in caplog.text
        assert invitation.token not in caplog.text
        assert (
            AuditEvent.objects.filter(action="invitation.create", organization=cast.org).count()
            == 1
        )

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_teammate_and_viewer_are_refused(self, cast, who):
        response = cast.client_for(getattr(cast, who)).post(
            MEMBERS, {"email": "x@y.test", "role": "member"}
        )
        assert response.status_code == 403
        assert not Invitation.objects.exists()

    def test_admin_cannot_invite_an_owner(self, cast):
        response = cast.client_for(cast.admin).post(MEMBERS, {"email": "x@y.test", "role": "owner"})
        assert response.status_code == 200
        assert "role" in response.context["invite_form"].errors
        assert not Invitation.objects.exists()

    def test_owner_can_invite_an_owner(self, cast):
        cast.client_for(cast.owner).post(MEMBERS, {"email": "x@y.test", "role": "owner"})
        assert Invitation.objects.get().role == Role.OWNER

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"email": "", "role": "member"}, "email"),
            ({"email": "not-an-email", "role": "member"}, "email"),
            ({"email": "mate@acme.test", "role": "member"}, "email"),  # already a member
            ({"email": "x@y.test", "role": "emperor"}, "role"),
        ],
    )
    def test_bad_input_is_a_field_error(self, cast, data, field):
        response = cast.client_for(cast.owner).post(MEMBERS, data)
        assert response.status_code == 200
        assert list(response.context["invite_form"].errors) == [field]
        assert "field-error" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_new_invitation_replaces_a_pending_one(self, cast):
        client = cast.client_for(cast.owner)
        client.post(MEMBERS, {"email": "x@y.test", "role": "member"})
        client.post(MEMBERS, {"email": "x@y.test", "role": "viewer"})
        usable = [i for i in Invitation.objects.all() if i.is_usable]
        assert [i.role for i in usable] == [Role.VIEWER]


class TestRoles:
    def test_owner_changes_a_role(self, cast):
        target = _membership(cast, cast.teammate)
        response = cast.client_for(cast.owner).post(
            _role_url(target), {"role": "viewer"}, follow=True
        )
        assert response.status_code == 200
        assert "mate@acme.test is now viewer." in response.content.decode()
        target.refresh_from_db()
        assert target.role == Role.VIEWER
        event = AuditEvent.objects.get(action="membership.change_role")
        assert event.changes == {"role": ["member", "viewer"]}
        assert event.actor == cast.owner

    def test_admin_changes_a_member_but_not_an_owner(self, cast):
        client = cast.client_for(cast.admin)
        teammate = _membership(cast, cast.teammate)
        assert client.post(_role_url(teammate), {"role": "admin"}).status_code == 302
        teammate.refresh_from_db()
        assert teammate.role == Role.ADMIN

        owner = _membership(cast, cast.owner)
        assert client.post(_role_url(owner), {"role": "member"}).status_code == 403
        assert client.post(_role_url(teammate), {"role": "owner"}).status_code == 403
        owner.refresh_from_db()
        teammate.refresh_from_db()
        assert (owner.role, teammate.role) == (Role.OWNER, Role.ADMIN)

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_teammate_and_viewer_cannot_change_roles(self, cast, who):
        target = _membership(cast, cast.admin)
        response = cast.client_for(getattr(cast, who)).post(_role_url(target), {"role": "viewer"})
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.role == Role.ADMIN

    def test_outsider_gets_404(self, cast):
        target = _membership(cast, cast.teammate)
        response = cast.client_for(cast.outsider).post(_role_url(target), {"role": "owner"})
        assert response.status_code == 404
        target.refresh_from_db()
        assert target.role == Role.MEMBER

    def test_last_owner_cannot_be_demoted(self, cast):
        owner = _membership(cast, cast.owner)
        response = cast.client_for(cast.owner).post(
            _role_url(owner), {"role": "admin"}, follow=True
        )
        assert "An organization needs an owner" in response.content.decode()
        owner.refresh_from_db()
        assert owner.role == Role.OWNER
        assert not AuditEvent.objects.filter(action="membership.change_role").exists()

    def test_an_owner_can_step_down_when_another_owner_exists(self, cast):
        client = cast.client_for(cast.owner)
        client.post(_role_url(_membership(cast, cast.admin)), {"role": "owner"})
        owner = _membership(cast, cast.owner)
        client.post(_role_url(owner), {"role": "member"})
        owner.refresh_from_db()
        assert owner.role == Role.MEMBER

    def test_unknown_role_changes_nothing(self, cast):
        target = _membership(cast, cast.teammate)
        response = cast.client_for(cast.owner).post(
            _role_url(target), {"role": "king"}, follow=True
        )
        assert "Choose one of the roles listed." in response.content.decode()
        target.refresh_from_db()
        assert target.role == Role.MEMBER


class TestRemove:
    def test_owner_removes_a_member(self, cast):
        target = _membership(cast, cast.teammate)
        response = cast.client_for(cast.owner).post(_remove_url(target), follow=True)
        assert "mate@acme.test was removed from Acme AI." in response.content.decode()
        assert not Membership.objects.filter(pk=target.pk).exists()
        assert (
            AuditEvent.objects.filter(action="membership.remove", organization=cast.org).count()
            == 1
        )

    def test_admin_cannot_remove_an_owner(self, cast):
        target = _membership(cast, cast.owner)
        assert cast.client_for(cast.admin).post(_remove_url(target)).status_code == 403
        assert Membership.objects.filter(pk=target.pk).exists()

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_teammate_and_viewer_cannot_remove(self, cast, who):
        target = _membership(cast, cast.admin)
        assert cast.client_for(getattr(cast, who)).post(_remove_url(target)).status_code == 403
        assert Membership.objects.filter(pk=target.pk).exists()

    def test_outsider_gets_404(self, cast):
        target = _membership(cast, cast.teammate)
        assert cast.client_for(cast.outsider).post(_remove_url(target)).status_code == 404
        assert Membership.objects.filter(pk=target.pk).exists()

    def test_last_owner_cannot_be_removed(self, cast):
        target = _membership(cast, cast.owner)
        response = cast.client_for(cast.owner).post(_remove_url(target), follow=True)
        assert "The last owner cannot be removed" in response.content.decode()
        assert Membership.objects.filter(pk=target.pk).exists()
