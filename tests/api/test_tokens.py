"""API tokens through the API (/api/v1/tokens/) and the page (/accounts/tokens/)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEvent
from tests.api.conftest import assert_error, make_token

pytestmark = pytest.mark.django_db


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_token_authenticates(cast):
    response = _client(make_token(cast.teammate)).get("/api/v1/orgs/")
    assert response.status_code == 200


def test_create_returns_secret_once_and_stores_only_hash(cast, caplog):
    client = cast.client_for(cast.teammate)  # a browser session
    caplog.set_level(logging.DEBUG)
    response = client.post(
        "/api/v1/tokens/",
        {"name": "CI pipeline", "expires_in_days": 7},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    secret = body["token"]
    assert secret.startswith("bkv_")
    assert len(secret) > 60
    assert response["Cache-Control"] == "no-store"
    assert body["name"] == "CI pipeline"
    assert body["token_key_tail"] == secret[:15][-8:]
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert abs(expiry - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    # Stored hashed: the secret appears nowhere in the database or the logs.
    auth_token = AuthToken.objects.get(user=cast.teammate)
    assert auth_token.digest != secret
    assert secret not in auth_token.digest
    assert secret not in caplog.text
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.actor == cast.teammate
    assert secret not in str(event.changes)
    # The secret is never shown again.
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["CI pipeline"]
    assert "token" not in listed[0]
    detail = client.get(f"/api/v1/tokens/{body['id']}/").json()
    assert "token" not in detail
    # And it works.
    assert _client(secret).get("/api/v1/orgs/").status_code == 200


def test_create_validates_fields(cast):
    client = _client(make_token(cast.owner))
    assert_error(client.post("/api/v1/tokens/", {}, format="json"), 400, "validation_error", "name")
    assert_error(
        client.post("/api/v1/tokens/", {"name": "x", "expires_in_days": 0}, format="json"),
        400,
        "validation_error",
        "expires_in_days",
    )
    assert_error(
        client.post("/api/v1/tokens/", {"name": "x", "expires_in_days": 9999}, format="json"),
        400,
        "validation_error",
        "expires_in_days",
    )
    assert ApiToken.objects.filter(user=cast.owner).count() == 1  # only the one authenticating


def test_revoke_through_api(cast):
    client = _client(make_token(cast.viewer, name="main"))
    victim = make_token(cast.viewer, name="old")
    old = ApiToken.objects.get(user=cast.viewer, name="old")
    response = client.delete(f"/api/v1/tokens/{old.pk}/")
    assert response.status_code == 204
    assert not ApiToken.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(old.pk)).exists()
    assert_error(_client(victim).get("/api/v1/orgs/"), 401, "authentication_failed")


def test_cannot_see_or_revoke_another_users_token(cast):
    make_token(cast.outsider, name="rival token")
    theirs = ApiToken.objects.get(user=cast.outsider)
    client = _client(make_token(cast.owner))
    assert_error(client.get(f"/api/v1/tokens/{theirs.pk}/"), 404, "not_found")
    assert_error(client.delete(f"/api/v1/tokens/{theirs.pk}/"), 404, "not_found")
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert [t["name"] for t in client.get("/api/v1/tokens/").json()["results"]] == ["test"]


def test_expired_token_refused(cast):
    secret = make_token(cast.owner)
    AuthToken.objects.filter(user=cast.owner).update(expiry=timezone.now() - timedelta(seconds=1))
    assert_error(_client(secret).get("/api/v1/orgs/"), 401, "authentication_failed")


def test_garbage_token_refused(cast):
    response = _client("bkv_not-a-real-token").get("/api/v1/orgs/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_is_401(anon):
    for method, url in [
        ("get", "/api/v1/orgs/"),
        ("get", "/api/v1/orgs/acme/"),
        ("get", "/api/v1/orgs/acme/members/"),
        ("get", "/api/v1/tokens/"),
        ("post", "/api/v1/tokens/"),
        ("post", "/api/v1/quote"),
    ]:
        assert_error(getattr(anon, method)(url), 401, "not_authenticated")


def test_session_writes_need_csrf(cast):
    client = cast.client_for(cast.owner)
    client.handler.enforce_csrf_checks = True
    response = client.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    error = assert_error(response, 403, "permission_denied")
    assert "CSRF" in error["message"]
    assert not ApiToken.objects.exists()


# --- the page -------------------------------------------------------------------------


def test_tokens_page_requires_login(client):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_tokens_page_create_shows_secret_once_then_lists(cast):
    client = cast.client_for(cast.viewer)
    response = client.post("/accounts/tokens/", {"name": "laptop", "expires_in_days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=cast.viewer)
    secret = response.context["secret"]
    assert secret.startswith(token.auth_token.token_key)
    html = response.content.decode()
    assert secret in html
    assert "shown only this once" in html
    assert response["Cache-Control"] == "no-store"

    page = client.get("/accounts/tokens/").content.decode()
    assert "laptop" in page
    assert token.auth_token.token_key[-8:] in page
    assert secret not in page
    assert AuditEvent.objects.filter(action="api_token.create", actor=cast.viewer).exists()


def test_tokens_page_rejects_bad_input_naming_field(cast):
    client = cast.client_for(cast.owner)
    response = client.post("/accounts/tokens/", {"name": "", "expires_in_days": "400"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors
    assert "expires_in_days" in form.errors
    assert not ApiToken.objects.exists()


def test_tokens_page_revoke(cast):
    make_token(cast.teammate, name="old")
    token = ApiToken.objects.get(user=cast.teammate)
    client = cast.client_for(cast.teammate)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    assert "revoked" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert not AuthToken.objects.exists()


def test_tokens_page_cannot_revoke_others(cast):
    make_token(cast.outsider, name="theirs")
    token = ApiToken.objects.get(user=cast.outsider)
    response = cast.client_for(cast.owner).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_tokens_page_lists_only_mine(cast):
    make_token(cast.outsider, name="rival-secret-name")
    make_token(cast.owner, name="acme-name")
    page = cast.client_for(cast.owner).get("/accounts/tokens/").content.decode()
    assert "acme-name" in page
    assert "rival-secret-name" not in page
