"""Sign-up: one transaction creates the user, the organization and the owner membership."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_KEY
from accounts.models import AuditEvent, Membership, Organization, Role, User
from tests.factories import OrganizationFactory, UserFactory

URL = reverse("accounts:signup")
GOOD = {
    "email": "Ada@Example.com",
    "name": "Ada Lovelace",
    "password": "analytical-engine-1843",
    "organization_name": "Lovelace Labs",
}

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return User.objects.count(), Organization.objects.count(), Membership.objects.count()


def test_page_renders_for_anonymous(client):
    response = client.get(URL)
    assert response.status_code == 200
    for label in ("Work email", "Your name", "Password", "Organization name"):
        assert label in response.content.decode()


def test_happy_path_creates_user_org_owner_and_logs_in(client):
    response = client.post(URL, GOOD)

    assert response.status_code == 302
    assert response.url == reverse("planner:dashboard")
    user = User.objects.get(email="ada@example.com")
    assert user.name == "Ada Lovelace"
    assert user.check_password("analytical-engine-1843")
    organization = Organization.objects.get(slug="lovelace-labs")
    assert organization.name == "Lovelace Labs"
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert client.session[SESSION_KEY] == organization.pk
    assert int(client.session["_auth_user_id"]) == user.pk
    assert (
        AuditEvent.objects.filter(organization=organization, action="membership.create").count()
        == 1
    )
    dashboard = client.get(reverse("planner:dashboard"))
    assert dashboard.status_code == 200
    assert "Lovelace Labs" in dashboard.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "", "This field is required."),
        ("name", "", "This field is required."),
        ("password", "", "This field is required."),
        ("organization_name", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("name", "x" * 151, "Ensure this value has at most 150 characters"),
        ("organization_name", "y" * 121, "Ensure this value has at most 120 characters"),
        ("password", "12345678", "This password is too common."),
        ("organization_name", "!!!", "Use at least one letter or digit"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, field, value, message):
    before = _counts()
    response = client.post(URL, {**GOOD, field: value})

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert any(message in error for error in form.errors[field])
    assert list(form.errors) == [field]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert 'class="field field-error"' in response.content.decode()
    assert _counts() == before
    assert "_auth_user_id" not in client.session


def test_duplicate_email_is_refused_case_insensitively(client):
    UserFactory(email="ada@example.com")
    before = _counts()

    response = client.post(URL, {**GOOD, "email": "ADA@example.com"})

    assert response.status_code == 200
    assert (
        "An account with this email already exists" in response.context["form"].errors["email"][0]
    )
    assert _counts() == before


def test_duplicate_organization_slug_is_a_field_error_and_nothing_written(client):
    OrganizationFactory(name="Lovelace labs!", slug="lovelace-labs")
    before = _counts()

    response = client.post(URL, GOOD)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["organization_name"]
    assert "already exists" in errors["organization_name"][0]
    assert _counts() == before
    assert not User.objects.filter(email="ada@example.com").exists()


def test_both_duplicates_reported_together(client):
    UserFactory(email="ada@example.com")
    OrganizationFactory(slug="lovelace-labs")

    response = client.post(URL, GOOD)

    assert set(response.context["form"].errors) == {"email", "organization_name"}


def test_logged_in_user_is_sent_to_the_dashboard(cast):
    response = cast.client_for(cast.owner).get(URL)
    assert response.status_code == 302
    assert response.url == reverse("planner:dashboard")
