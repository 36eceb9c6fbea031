"""The reusable pieces: org-scoped foreign keys, Idempotency-Key, throttling, docs."""

from __future__ import annotations

import re

import pytest
from rest_framework import serializers

from accounts.api.scoping import OrgScopedPrimaryKeyRelatedField
from accounts.models import AuditEvent, Membership
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

ECHO = "/test-api/orgs/acme/echo/"


class _MemberRefSerializer(serializers.Serializer):
    member = OrgScopedPrimaryKeyRelatedField(queryset=Membership.objects.all())


def test_org_scoped_field_accepts_own_and_rejects_other_org(cast):
    mine = Membership.objects.get(user=cast.teammate)
    theirs = Membership.objects.get(user=cast.outsider)
    ok = _MemberRefSerializer(data={"member": mine.pk}, context={"organization": cast.org})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["member"] == mine
    bad = _MemberRefSerializer(data={"member": theirs.pk}, context={"organization": cast.org})
    assert not bad.is_valid()
    missing = _MemberRefSerializer(data={"member": 999_999}, context={"organization": cast.org})
    assert not missing.is_valid()
    # Another organization's id reads exactly like an id that does not exist.
    assert str(bad.errors["member"][0]).replace(str(theirs.pk), "N") == str(
        missing.errors["member"][0]
    ).replace("999999", "N")
    no_org = _MemberRefSerializer(data={"member": mine.pk}, context={})
    assert not no_org.is_valid()


@pytest.mark.urls("tests.api.urls")
def test_cross_org_foreign_key_is_400_naming_field(api, cast):
    theirs = Membership.objects.get(user=cast.outsider)
    error = assert_error(
        api("teammate").post(ECHO, {"member": theirs.pk, "note": "hi"}, format="json"),
        400,
        "validation_error",
        field="member",
    )
    assert "does not exist" in error["fields"]["member"][0]
    assert not AuditEvent.objects.filter(action="test.echo").exists()


@pytest.mark.urls("tests.api.urls")
def test_org_scoped_create_roles(api, cast):
    mine = Membership.objects.get(user=cast.teammate)
    body = {"member": mine.pk, "note": "hi"}
    assert api("teammate").post(ECHO, body, format="json").status_code == 201
    assert_error(api("viewer").post(ECHO, body, format="json"), 403, "permission_denied")
    assert_error(api("outsider").post(ECHO, body, format="json"), 404, "not_found")
    assert AuditEvent.objects.filter(action="test.echo").count() == 1


@pytest.mark.urls("tests.api.urls")
def test_idempotency_replays_and_conflicts(api, cast):
    mine = Membership.objects.get(user=cast.teammate)
    client = api("teammate")
    body = {"member": mine.pk, "note": "first"}
    first = client.post(ECHO, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    again = client.post(ECHO, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="test.echo").count() == 1  # ran once

    changed = client.post(
        ECHO, {**body, "note": "second"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    # IETF Idempotency-Key draft: a key reused with another payload is 422.
    assert_error(changed, 422, "idempotency_conflict")
    # Another key, or no key, runs again.
    assert client.post(ECHO, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    assert client.post(ECHO, body, format="json").status_code == 201
    assert AuditEvent.objects.filter(action="test.echo").count() == 3


@pytest.mark.urls("tests.api.urls")
def test_idempotency_keys_are_per_user_and_failures_are_not_stored(api, cast):
    mine = Membership.objects.get(user=cast.teammate)
    body = {"member": mine.pk, "note": "x"}
    bad = api("teammate").post(
        ECHO, {"member": mine.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert bad.status_code == 400
    # The failed attempt did not burn the key.
    retry = api("teammate").post(ECHO, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    # Another user with the same key is independent.
    other = api("owner").post(ECHO, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert AuditEvent.objects.filter(action="test.echo").count() == 2


@pytest.mark.urls("tests.api.urls")
def test_idempotency_key_must_be_sane(api, cast):
    mine = Membership.objects.get(user=cast.teammate)
    response = api("teammate").post(
        ECHO, {"member": mine.pk, "note": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert_error(response, 400, "validation_error", field="Idempotency-Key")


# --- throttling ------------------------------------------------------------------------


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **rates,
        },
    }


def test_rate_limit_per_token_with_standard_error(api, cast, settings):
    _rates(settings, user="3/min")
    first_token = api("teammate")
    for _ in range(3):
        assert first_token.get("/api/v1/orgs/").status_code == 200
    response = first_token.get("/api/v1/orgs/acme/members/")
    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert "throttled" in error["message"].lower()
    # Another token of the same user has its own bucket.
    assert api("teammate").get("/api/v1/orgs/").status_code == 200


def test_outsider_probing_counts_against_the_limit(api, settings):
    _rates(settings, user="2/min")
    client = api("outsider")
    assert client.get("/api/v1/orgs/acme/members/").status_code == 404
    assert client.get("/api/v1/orgs/acme2/members/").status_code == 404
    assert_error(client.get("/api/v1/orgs/acme3/members/"), 429, "throttled")


def test_quote_has_its_own_bucket(api, settings):
    _rates(settings, user="1/min", quote="2/min")
    client = api("viewer")
    body = {
        "tokens_per_month": 1e6,
        "api": {"output_per_mtok": 1},
        "selfhost": {"monthly": 1, "tokens_per_second": 1},
    }
    assert client.post("/api/v1/quote", body, format="json").status_code == 200
    assert client.post("/api/v1/quote", body, format="json").status_code == 200
    assert_error(client.post("/api/v1/quote", body, format="json"), 429, "throttled")
    assert client.get("/api/v1/orgs/").status_code == 200


def test_session_users_are_throttled_by_user(cast, settings):
    _rates(settings, user="2/min")
    client = cast.client_for(cast.owner)
    assert client.get("/api/v1/orgs/").status_code == 200
    assert client.get("/api/v1/orgs/").status_code == 200
    assert client.get("/api/v1/orgs/").status_code == 429


# --- docs ------------------------------------------------------------------------------


def test_schema_is_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/orgs/{org_slug}/members/" in schema["paths"]
    assert "/api/v1/quote" in schema["paths"]


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_are_served_without_cdn(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    refs = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", html)
    assert any(ref.startswith("/static/drf_spectacular_sidecar/") for ref in refs), html
    for ref in refs:
        # Our static files, the schema, or Swagger UI's own init script (?script).
        assert ref.startswith(("/static/", "/api/v1/schema/", f"{url}?script")), ref
    assert "http://" not in html
    assert "https://" not in html
    assert "<script>" not in html  # no inline script: CSP allows only our own files


def test_swagger_init_script_and_assets_exist(client):
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert "https://" not in script.content.decode()
