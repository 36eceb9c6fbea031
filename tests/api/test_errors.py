"""One error format for every status, strict JSON, body size limit, unknown URLs."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

QUOTE = {
    "tokens_per_month": 1e9,
    "api": {"input_per_mtok": 1.25, "output_per_mtok": 10},
    "selfhost": {"monthly": 1440, "tokens_per_second": 1500},
}


def _post_raw(client, body: str | bytes, content_type: str = "application/json"):
    return client.post("/api/v1/quote", data=body, content_type=content_type)


def test_401_format(anon):
    response = anon.get("/api/v1/orgs/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_403_format(api):
    error = assert_error(
        api("viewer").patch("/api/v1/orgs/acme/", {"name": "x"}, format="json"),
        403,
        "permission_denied",
    )
    assert "owners and admins" in error["message"]


def test_404_format_for_unknown_api_urls(api, anon):
    assert_error(api("owner").get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(anon.post("/api/v1/orgs/acme/members/1/extra/"), 404, "not_found")


def test_405_format(api):
    assert_error(api("owner").delete("/api/v1/orgs/acme/"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "body",
    [
        '{"tokens_per_month": NaN}',
        '{"tokens_per_month": Infinity}',
        '{"tokens_per_month": -Infinity}',
        '{"tokens_per_month": 1e999}',
        '{"tokens_per_month": ',
        "not json",
    ],
)
def test_bad_json_is_a_400_parse_error(api, body):
    assert_error(_post_raw(api("owner"), body), 400, "parse_error")


def test_unsupported_media_type(api):
    assert_error(
        _post_raw(api("owner"), "tokens_per_month=1", "application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


def test_body_over_limit_is_rejected(api):
    client = api("owner")
    body = json.dumps({**QUOTE, "padding": "x" * 2000})
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        error = assert_error(_post_raw(client, body), 400, "request_too_large")
    assert "1000 bytes" in error["message"]
    # Under the limit the same endpoint answers normally.
    assert _post_raw(client, json.dumps(QUOTE)).status_code == 200


def test_validation_error_format_names_fields(api):
    error = assert_error(
        api("owner").post("/api/v1/tokens/", {"expires_in_days": "soon"}, format="json"),
        400,
        "validation_error",
    )
    assert set(error["fields"]) == {"name", "expires_in_days"}
    assert all(isinstance(m, str) for msgs in error["fields"].values() for m in msgs)


def test_unexpected_exception_is_a_500_in_the_same_format(api, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr("planner.api.views.quote", boom)
    client = api("owner")
    auth = client._credentials["HTTP_AUTHORIZATION"]
    assert_error(client.post("/api/v1/quote", QUOTE, format="json"), 500, "server_error")
    assert "engine exploded" in caplog.text
    assert auth.split()[1] not in caplog.text  # the token is never logged


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_orgs_list_refuses_writes_with_405(api, who):
    assert_error(api(who).post("/api/v1/orgs/", {}, format="json"), 405, "method_not_allowed")
