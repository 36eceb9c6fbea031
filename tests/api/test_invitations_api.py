"""/api/v1/orgs/<slug>/invitations/: managers list and revoke pending invitations
(issue 16, item 1); the links themselves never appear."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Role
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def _planted(cast, *, email: str = "second@evil.test", role: Role = Role.ADMIN) -> Invitation:
    return services.invitation_create(
        actor=cast.admin, organization=cast.org, email=email, role=role
    )


class TestInvitationsApi:
    def test_admin_lists_pending_invitations_without_their_tokens(self, api, cast):
        pending = _planted(cast, role=Role.MEMBER)
        used = _planted(cast, email="used@acme.test", role=Role.MEMBER)
        Invitation.objects.filter(pk=used.pk).update(accepted_at=timezone.now())

        response = api("admin").get("/api/v1/orgs/acme/invitations/")

        assert response.status_code == 200
        results = response.json()["results"]
        assert [r["id"] for r in results] == [pending.pk]
        assert results[0]["email"] == "second@evil.test"
        assert results[0]["invited_by"] == "admin@acme.test"
        assert pending.token not in response.content.decode()

    def test_owner_revokes_with_delete(self, api, cast):
        invitation = _planted(cast)
        response = api("owner").delete(f"/api/v1/orgs/acme/invitations/{invitation.pk}/")
        assert response.status_code == 204
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        assert api("owner").get("/api/v1/orgs/acme/invitations/").json()["results"] == []

    @pytest.mark.parametrize("who", ["teammate", "viewer"])
    def test_non_managers_get_403(self, api, cast, who):
        invitation = _planted(cast)
        client = api(who)
        assert_error(client.get("/api/v1/orgs/acme/invitations/"), 403, "permission_denied")
        assert_error(
            client.delete(f"/api/v1/orgs/acme/invitations/{invitation.pk}/"),
            403,
            "permission_denied",
        )
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_outsider_gets_404(self, api, cast):
        invitation = _planted(cast)
        client = api("outsider")
        assert_error(client.get("/api/v1/orgs/acme/invitations/"), 404, "not_found")
        assert_error(
            client.delete(f"/api/v1/orgs/acme/invitations/{invitation.pk}/"), 404, "not_found"
        )
        assert_error(
            client.delete(f"/api/v1/orgs/rival/invitations/{invitation.pk}/"), 404, "not_found"
        )
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


def test_list_queries_do_not_grow_with_invitations(api, cast, django_assert_max_num_queries):
    client = api("owner")
    for i in range(12):
        services.invitation_create(
            actor=cast.admin if i % 2 else cast.owner,
            organization=cast.org,
            email=f"invitee{i}@acme.test",
            role=Role.MEMBER,
        )
    # savepoint + token + token cleanup + membership + page + release
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/orgs/acme/invitations/")
    assert len(response.json()["results"]) == 12
    assert {r["invited_by"] for r in response.json()["results"]} == {
        "owner@acme.test",
        "admin@acme.test",
    }
