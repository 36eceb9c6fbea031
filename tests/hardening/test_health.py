"""Health endpoints for load balancers and monitors (issue 16 item 16): liveness touches no
dependency; readiness checks PostgreSQL, the cache and the Celery broker and names what
failed; both keep the security headers and are not redirected to https."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.db.backends.postgresql.base import DatabaseWrapper

from tests.hardening.test_security import _production, assert_security_headers

pytestmark = pytest.mark.django_db

LIVE, READY = "/health/live/", "/health/ready/"


def test_liveness_answers_without_touching_any_dependency(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(LIVE)
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_liveness_stays_up_when_redis_is_down(client, redis_down):
    assert client.get(LIVE).status_code == 200


def test_readiness_checks_database_cache_and_broker(client):
    response = client.get(READY)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    checks = " ".join(body)
    assert "Database" in checks
    assert "Cache" in checks
    assert "Redis" in checks  # the Celery broker
    assert set(body.values()) == {"OK"}
    assert "no-cache" in response["Cache-Control"]


def test_readiness_fails_and_names_the_cache_and_broker_when_redis_is_down(client, redis_down):
    response = client.get(READY)
    assert response.status_code == 500
    body = response.json()
    failed = {name.split("(")[0] for name, status in body.items() if status != "OK"}
    assert failed == {"Cache", "Redis"}
    assert next(v for k, v in body.items() if k.startswith("Database")) == "OK"


def test_readiness_fails_when_the_database_cannot_be_reached(client, monkeypatch):
    """The check runs on a connection of its own; refuse new connections."""

    def refuse(self, conn_params):
        raise OperationalError("connection refused")

    monkeypatch.setattr(DatabaseWrapper, "get_new_connection", refuse)
    response = client.get(READY)
    assert response.status_code == 500
    body = response.json()
    database = next(v for k, v in body.items() if k.startswith("Database"))
    assert database != "OK"


def test_readiness_answers_json_even_to_a_browser(client):
    response = client.get(READY, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "application/json"
    assert b"<style>" not in response.content


def test_health_is_public_and_not_redirected_in_production(client, settings):
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT]))"
    )
    result = _production("-c", probe)
    assert result.returncode == 0, result.stderr
    redirect, exempt = json.loads(result.stdout.strip().splitlines()[-1])
    assert redirect is True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = exempt
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # A load balancer probes over plain http: answered, not sent to https.
    assert client.get(LIVE).status_code == 200
    assert client.get(READY).status_code == 200
    # Pages still are.
    assert client.get("/accounts/login/").status_code == 301
    for url in (LIVE, READY):
        assert_security_headers(client.get(url, secure=True))
