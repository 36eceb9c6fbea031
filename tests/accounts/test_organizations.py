"""Creating another organization and switching the current one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import AuditEvent, Membership, Organization, Role

CREATE = reverse("accounts:organization_create")
SWITCH = reverse("accounts:organization_switch")

pytestmark = pytest.mark.django_db


class TestCreate:
    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(CREATE)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    @pytest.mark.parametrize("who", ["owner", "teammate", "viewer", "outsider"])
    def test_any_user_can_create_and_owns_it_and_works_in_it(self, cast, who):
        user = getattr(cast, who)
        client = cast.client_for(user)
        assert client.get(CREATE).status_code == 200

        response = client.post(CREATE, {"name": "Side Project"})

        assert response.status_code == 302
        organization = Organization.objects.get(slug="side-project")
        assert Membership.objects.get(user=user, organization=organization).role == Role.OWNER
        assert client.session[SESSION_KEY] == organization.pk
        assert AuditEvent.objects.filter(
            action="organization.create", organization=organization
        ).exists()

    def test_a_taken_name_gets_a_unique_slug_silently(self, cast):
        """Another organization's slug is neither refused nor named (issue 16, item 5)."""
        client = cast.client_for(cast.owner)
        response = client.post(CREATE, {"name": "ACME"})
        assert response.status_code == 302
        created = Organization.objects.get(name="ACME")
        assert created.slug != "acme"
        assert re.fullmatch(r"acme-[0-9a-f]{6}", created.slug)
        assert client.session[SESSION_KEY] == created.pk

    def test_empty_name_is_a_field_error(self, cast):
        response = cast.client_for(cast.owner).post(CREATE, {"name": ""})
        assert response.context["form"].errors["name"] == ["This field is required."]


class TestSwitch:
    def test_switch_to_an_organization_you_belong_to(self, cast):
        client = cast.client_for(cast.teammate)
        client.post(CREATE, {"name": "Second Org"})
        second = Organization.objects.get(slug="second-org")
        assert client.session[SESSION_KEY] == second.pk

        response = client.post(SWITCH, {"organization": cast.org.pk})

        assert response.status_code == 302
        assert client.session[SESSION_KEY] == cast.org.pk
        page = client.get(reverse("accounts:members"))
        assert page.context["organization"] == cast.org

    @pytest.mark.parametrize("target", ["other_org", "missing", "garbage"])
    def test_switch_to_an_organization_you_are_not_in_is_404_and_session_unchanged(
        self, cast, target
    ):
        client = cast.client_for(cast.owner, cast.org)
        value = {"other_org": cast.other_org.pk, "missing": 999_999, "garbage": "abc"}[target]

        response = client.post(SWITCH, {"organization": value})

        assert response.status_code == 404
        assert client.session[SESSION_KEY] == cast.org.pk

    def test_get_is_not_allowed(self, cast):
        assert cast.client_for(cast.owner).get(SWITCH).status_code == 405

    def test_anonymous_is_sent_to_login(self, client, cast):
        response = client.post(SWITCH, {"organization": cast.org.pk})
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
