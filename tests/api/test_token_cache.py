"""Cached API token lookups (accounts/api/authentication.py) keep knox's access rules.

A revoked token, an expired token and a deactivated user are refused on the very next
request even though the previous request put the lookup in the cache. And the rate limit
counter is one Redis key per bucket (accounts/api/throttles.py).
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.api.authentication import cache_key
from accounts.api.tokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

QUOTE = {
    "tokens_per_month": 1_000_000_000,
    "input_share": 0.5,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def _client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _quote(client: APIClient):
    return client.post("/api/v1/quote", QUOTE, format="json")


def test_a_cached_token_needs_no_query(cast, django_assert_max_num_queries):
    _, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    client = _client(secret)
    assert _quote(client).status_code == 200  # fills the cache
    assert cache.get(cache_key(hash_token(secret))) is not None
    # Only the request's own transaction savepoint, no token or user query.
    with django_assert_max_num_queries(2) as captured:
        response = _quote(client)
    assert response.status_code == 200
    assert response.json()["cheaper"] == "selfhost"
    assert not [q for q in captured.captured_queries if "knox_authtoken" in q["sql"]]
    assert not [q for q in captured.captured_queries if "accounts_user" in q["sql"]]


def test_the_cached_lookup_gives_the_tokens_own_user(cast):
    _, mine = api_token_create(user=cast.teammate, name="mine", expires_in_days=7)
    _, theirs = api_token_create(user=cast.outsider, name="theirs", expires_in_days=7)
    for _ in range(2):  # the second round is served from the cache
        assert [o["slug"] for o in _client(mine).get("/api/v1/orgs/").json()["results"]] == ["acme"]
        assert [o["slug"] for o in _client(theirs).get("/api/v1/orgs/").json()["results"]] == [
            "rival"
        ]
        assert _client(theirs).get("/api/v1/orgs/acme/members/").status_code == 404


def test_a_revoked_token_stops_working_at_once_even_when_cached(cast):
    token, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    client = _client(secret)
    assert _quote(client).status_code == 200
    assert _quote(client).status_code == 200  # served from the cache
    api_token_revoke(user=cast.teammate, token=token)
    assert cache.get(cache_key(hash_token(secret))) is None
    assert_error(_quote(client), 401, "authentication_failed")
    assert_error(client.get("/api/v1/orgs/"), 401, "authentication_failed")


def test_a_token_revoked_through_the_api_stops_working_at_once(cast):
    token, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    client = _client(secret)
    assert client.get("/api/v1/orgs/").status_code == 200
    response = client.delete(f"/api/v1/tokens/{token.pk}/")
    assert response.status_code == 204, response.content
    assert_error(client.get("/api/v1/orgs/"), 401, "authentication_failed")


def test_an_expired_token_is_refused_even_when_cached(cast):
    _, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=1)
    client = _client(secret)
    assert _quote(client).status_code == 200  # cached with its expiry
    later = timezone.now() + timedelta(days=1, minutes=1)
    with mock.patch("accounts.api.authentication.timezone.now", return_value=later):
        assert_error(_quote(client), 401, "authentication_failed")
        assert_error(client.get("/api/v1/orgs/"), 401, "authentication_failed")


def test_a_deactivated_user_is_refused_at_once_even_when_cached(cast):
    _, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    client = _client(secret)
    assert _quote(client).status_code == 200
    cast.teammate.is_active = False
    cast.teammate.save()
    assert_error(_quote(client), 401, "authentication_failed")


def test_expired_tokens_of_the_user_are_cleaned_up(cast):
    old, _ = api_token_create(user=cast.teammate, name="old", expires_in_days=1)
    AuthToken.objects.filter(digest=old.auth_token_id).update(
        expiry=timezone.now() - timedelta(minutes=1)
    )
    _, secret = api_token_create(user=cast.teammate, name="new", expires_in_days=7)
    assert _client(secret).get("/api/v1/orgs/").status_code == 200
    assert list(ApiToken.objects.filter(user=cast.teammate).values_list("name", flat=True)) == [
        "new"
    ]


def test_the_cache_holds_neither_the_secret_nor_the_password_hash(cast):
    cast.teammate.set_password("correct-horse-battery")
    cast.teammate.save()
    _, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    assert _quote(_client(secret)).status_code == 200
    entry = cache.get(cache_key(hash_token(secret)))
    assert entry is not None
    assert secret not in repr(entry)
    assert cast.teammate.password not in repr(entry)
    assert "teammate@acme.test" in repr(entry) or cast.teammate.email in repr(entry)


def test_garbage_tokens_are_refused(cast):
    assert_error(_client("bkv_" + "z" * 60).get("/api/v1/orgs/"), 401, "authentication_failed")
    assert_error(_client("\u00e9t\u00e9").get("/api/v1/orgs/"), 401, "authentication_failed")


# --- rate limit counter ----------------------------------------------------------------


def test_the_rate_limit_is_one_counter_key_with_the_window_as_ttl(cast, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "600/min", "quote": "3/min", "anon": "60/min"},
    }
    token, secret = api_token_create(user=cast.teammate, name="ci", expires_in_days=7)
    client = _client(secret)
    for _ in range(3):
        assert _quote(client).status_code == 200
    key = f"rate:quote:token:{token.auth_token.token_key}"
    assert cache.get(key) == 3
    ttl = cache._cache.get_client().ttl(cache.make_key(key))
    assert 0 < ttl <= 60
    response = _quote(client)
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    # A new window starts when the old one expires.
    cache.delete(key)
    assert _quote(client).status_code == 200
