"""API test helpers: token-authenticated clients for the standing characters."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.api.tokens import api_token_create
from accounts.models import User


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The cast has five users; Argon2 makes each cost ~0.2 s for no benefit here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters and idempotency records live in the cache (Redis in bin/test).
    cache.clear()
    yield
    cache.clear()


def make_token(user: User, name: str = "test", days: int = 30) -> str:
    _, secret = api_token_create(user=user, name=name, expires_in_days=days)
    return secret


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return client


@pytest.fixture
def api(cast):
    """``api("owner")`` → an APIClient authenticated by a knox token of that character."""

    def build(who: str) -> APIClient:
        return token_client(getattr(cast, who))

    return build


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if field is not None:
        assert field in body["error"]["fields"], body
    return body["error"]


@pytest.fixture
def settings_override_rates(settings):
    """Rate limits far above what a fuzzing run sends."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            "user": "100000/min",
            "quote": "100000/min",
            "anon": "100000/min",
        },
    }
