"""Sign-up: one transaction creates the user, the organization and the owner membership;
the answer is the same whether or not the address has an account."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Organization, Role, User
from tests.accounts.test_auth import _without_csrf
from tests.factories import OrganizationFactory, UserFactory

URL = reverse("accounts:signup")
DONE = reverse("accounts:signup_done")
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


def test_happy_path_creates_an_unverified_owner_and_mails_a_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, GOOD)

    assert response.status_code == 302
    assert response.url == DONE
    user = User.objects.get(email="ada@example.com")
    assert user.name == "Ada Lovelace"
    assert user.check_password("analytical-engine-1843")
    assert user.email_verified_at is None
    organization = Organization.objects.get(slug="lovelace-labs")
    assert organization.name == "Lovelace Labs"
    assert Membership.objects.get(user=user).role == Role.OWNER
    assert (
        AuditEvent.objects.filter(organization=organization, action="membership.create").count()
        == 1
    )
    # Nobody is logged in until the address is confirmed (the mailed link).
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "/accounts/verify/" in mailoutbox[0].body


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


def _signup_answer(client, data: dict) -> tuple[int, str, str]:
    response = client.post(URL, data, follow=True)
    return (
        response.status_code,
        str(response.redirect_chain),
        _without_csrf(response.content),
    )


def test_a_known_address_gets_the_same_answer_and_its_owner_a_mail(
    mailoutbox, django_capture_on_commit_callbacks
):
    """Sign-up does not tell whether an address has an account (issue 16, item 5)."""
    UserFactory(email="ada@example.com")
    before = _counts()

    with django_capture_on_commit_callbacks(execute=True):
        known = _signup_answer(Client(), {**GOOD, "email": "ADA@example.com"})
    assert _counts() == before
    with django_capture_on_commit_callbacks(execute=True):
        new = _signup_answer(Client(), {**GOOD, "email": "grace@example.com"})

    assert known == new
    assert known[0] == 200
    assert "Check your email" in known[2]
    assert [m.to for m in mailoutbox] == [["ada@example.com"], ["grace@example.com"]]
    assert "You already have an account" in mailoutbox[0].body
    assert "/accounts/password/reset/" in mailoutbox[0].body
    assert "/accounts/verify/" not in mailoutbox[0].body
    assert "/accounts/verify/" in mailoutbox[1].body


def test_a_known_but_unverified_address_gets_a_fresh_verification_link(
    mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="ada@example.com", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(URL, GOOD)
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert "/accounts/verify/" in mailoutbox[0].body


def test_a_taken_organization_slug_is_neither_refused_nor_named():
    OrganizationFactory(name="Lovelace labs!", slug="lovelace-labs")
    taken = _signup_answer(Client(), GOOD)
    free = _signup_answer(Client(), {**GOOD, "email": "b@example.com", "organization_name": "Free"})

    assert taken == free
    assert "lovelace-labs" not in taken[2]
    user = User.objects.get(email="ada@example.com")
    slug = Membership.objects.get(user=user).organization.slug
    assert re.fullmatch(r"lovelace-labs-[0-9a-f]{6}", slug)


def test_logged_in_user_is_sent_to_the_dashboard(cast):
    response = cast.client_for(cast.owner).get(URL)
    assert response.status_code == 302
    assert response.url == reverse("planner:dashboard")
