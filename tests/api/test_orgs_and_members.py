"""/api/v1/orgs/ and /api/v1/orgs/<slug>/members/ for owner, admin, teammate, viewer, outsider."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent, Membership, Role
from tests.api.conftest import assert_error
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_org_list_shows_only_my_organizations_with_role(api, cast, django_assert_max_num_queries):
    client = api("viewer")
    # savepoint + token + token cleanup + page + release
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/orgs/")
    assert response.status_code == 200
    assert [(o["slug"], o["role"]) for o in response.json()["results"]] == [("acme", "viewer")]

    response = api("outsider").get("/api/v1/orgs/")
    assert [o["slug"] for o in response.json()["results"]] == ["rival"]


def test_org_list_with_many_orgs_has_constant_queries(api, cast, django_assert_max_num_queries):
    for _ in range(15):
        MembershipFactory(user=cast.teammate, role=Role.VIEWER)
    client = api("teammate")
    # savepoint + token + token cleanup + page + release
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/orgs/")
    assert len(response.json()["results"]) == 16


@pytest.mark.parametrize("who", ["owner", "admin", "teammate", "viewer"])
def test_org_detail_for_members(api, who):
    response = api(who).get("/api/v1/orgs/acme/")
    assert response.status_code == 200
    assert response.json()["name"] == "Acme AI"
    assert response.json()["role"] == {"teammate": "member"}.get(who, who)


def test_org_detail_outsider_gets_404_like_missing(api):
    outsider = api("outsider")
    assert_error(outsider.get("/api/v1/orgs/acme/"), 404, "not_found")
    assert_error(outsider.get("/api/v1/orgs/does-not-exist/"), 404, "not_found")
    assert_error(
        outsider.patch("/api/v1/orgs/acme/", {"name": "x"}, format="json"), 404, "not_found"
    )


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_managers_rename_org_audited(api, cast, who):
    response = api(who).patch("/api/v1/orgs/acme/", {"name": "Acme Labs"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Acme Labs"
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme Labs"
    event = AuditEvent.objects.get(action="organization.update")
    assert event.changes == {"name": ["Acme AI", "Acme Labs"]}
    assert event.organization == cast.org


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_non_managers_cannot_rename_org(api, cast, who):
    assert_error(
        api(who).patch("/api/v1/orgs/acme/", {"name": "Hacked"}, format="json"),
        403,
        "permission_denied",
    )
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme AI"


def test_rename_rejects_blank_name_naming_field(api, cast):
    error = assert_error(
        api("owner").patch("/api/v1/orgs/acme/", {"name": "  "}, format="json"),
        400,
        "validation_error",
        field="name",
    )
    assert error["fields"]["name"]
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme AI"


def test_slug_is_read_only(api, cast):
    response = api("owner").patch("/api/v1/orgs/acme/", {"slug": "other"}, format="json")
    assert response.status_code == 200
    cast.org.refresh_from_db()
    assert cast.org.slug == "acme"


# --- members -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin", "teammate", "viewer"])
def test_members_list_for_every_member(api, who):
    response = api(who).get("/api/v1/orgs/acme/members/")
    assert response.status_code == 200
    emails = {m["user"]["email"] for m in response.json()["results"]}
    assert emails == {"owner@acme.test", "admin@acme.test", "mate@acme.test", "viewer@acme.test"}


def test_members_list_outsider_404(api):
    assert_error(api("outsider").get("/api/v1/orgs/acme/members/"), 404, "not_found")


def test_members_list_query_count_is_flat(api, cast, django_assert_max_num_queries):
    for _ in range(20):
        MembershipFactory(organization=cast.org, role=Role.MEMBER)
    client = api("viewer")
    # savepoint + token + token cleanup + membership + page + release
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/orgs/acme/members/")
    assert len(response.json()["results"]) == 24


def test_members_filter_and_cursor_pages(api, cast):
    for _ in range(5):
        MembershipFactory(organization=cast.org, role=Role.VIEWER)
    client = api("owner")
    viewers = client.get("/api/v1/orgs/acme/members/?role=viewer").json()["results"]
    assert len(viewers) == 6
    assert {m["role"] for m in viewers} == {"viewer"}
    first = client.get("/api/v1/orgs/acme/members/?page_size=4").json()
    assert len(first["results"]) == 4
    assert first["next"]
    second = client.get(first["next"]).json()
    seen = [m["id"] for m in first["results"] + second["results"]]
    assert len(set(seen)) == 8
    assert seen == sorted(seen)
    assert_error(
        client.get("/api/v1/orgs/acme/members/?role=boss"), 400, "validation_error", "role"
    )


def test_member_detail_of_other_org_is_404(api, cast):
    rival_membership = Membership.objects.get(organization=cast.other_org)
    assert_error(
        api("owner").get(f"/api/v1/orgs/acme/members/{rival_membership.pk}/"), 404, "not_found"
    )
    assert_error(
        api("owner").delete(f"/api/v1/orgs/acme/members/{rival_membership.pk}/"), 404, "not_found"
    )
    assert Membership.objects.filter(pk=rival_membership.pk).exists()


def _membership(cast, user):
    return Membership.objects.get(organization=cast.org, user=user)


def assert_change_and_removal_refused(client, target, *, role, status, code, kept, field=None):
    """PATCH to `role` and DELETE of `target` are both refused; its role stays `kept`."""
    url = f"/api/v1/orgs/acme/members/{target.pk}/"
    assert_error(client.patch(url, {"role": role}, format="json"), status, code, field=field)
    assert_error(client.delete(url), status, code)
    target.refresh_from_db()
    assert target.role == kept


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_managers_change_role_audited(api, cast, who):
    target = _membership(cast, cast.teammate)
    response = api(who).patch(
        f"/api/v1/orgs/acme/members/{target.pk}/", {"role": "viewer"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "viewer"
    target.refresh_from_db()
    assert target.role == Role.VIEWER
    assert AuditEvent.objects.filter(
        action="membership.change_role", object_id=str(target.pk)
    ).exists()


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_non_managers_cannot_change_roles_or_remove(api, cast, who):
    target = _membership(cast, cast.admin)
    assert_change_and_removal_refused(
        api(who), target, role="viewer", status=403, code="permission_denied", kept=Role.ADMIN
    )


def test_outsider_cannot_touch_members(api, cast):
    target = _membership(cast, cast.teammate)
    assert_change_and_removal_refused(
        api("outsider"), target, role="owner", status=404, code="not_found", kept=Role.MEMBER
    )


def test_admin_cannot_make_owner(api, cast):
    target = _membership(cast, cast.teammate)
    assert_error(
        api("admin").patch(
            f"/api/v1/orgs/acme/members/{target.pk}/", {"role": "owner"}, format="json"
        ),
        403,
        "permission_denied",
    )


def test_last_owner_cannot_be_demoted_or_removed(api, cast):
    owner = _membership(cast, cast.owner)
    assert_change_and_removal_refused(
        api("owner"),
        owner,
        role="admin",
        status=400,
        code="validation_error",
        field="role",
        kept=Role.OWNER,
    )


def test_invalid_role_names_field(api, cast):
    target = _membership(cast, cast.teammate)
    assert_error(
        api("owner").patch(
            f"/api/v1/orgs/acme/members/{target.pk}/", {"role": "boss"}, format="json"
        ),
        400,
        "validation_error",
        field="role",
    )


def test_owner_removes_member_audited(api, cast):
    target = _membership(cast, cast.teammate)
    response = api("owner").delete(f"/api/v1/orgs/acme/members/{target.pk}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert event.changes["user"] == "mate@acme.test"


def test_put_is_not_allowed(api, cast):
    target = _membership(cast, cast.teammate)
    assert_error(
        api("owner").put(
            f"/api/v1/orgs/acme/members/{target.pk}/", {"role": "viewer"}, format="json"
        ),
        405,
        "method_not_allowed",
    )


def test_the_filter_class_is_built_once_and_still_filters(api, cast):
    from accounts.api.filters import FilterBackend
    from accounts.api.views import MembershipViewSet

    MembershipFactory(organization=cast.org, role=Role.VIEWER)
    client = api("owner")
    for role in ("viewer", "owner", "viewer"):
        members = client.get(f"/api/v1/orgs/acme/members/?role={role}").json()["results"]
        assert members
        assert {m["role"] for m in members} == {role}
    built = [cls for (view, _), cls in FilterBackend._classes.items() if view is MembershipViewSet]
    assert len(built) == 1
    assert_error(client.get("/api/v1/orgs/acme/members/?role=emperor"), 400, "validation_error")
