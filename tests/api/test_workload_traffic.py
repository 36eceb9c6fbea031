"""A workload's API traffic over the REST API: batch, priority and flex shares, cache
writes and long requests, checked by the engine's rules and named when refused."""

from __future__ import annotations

import pytest

from planner.models import Workload
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/workloads/"
BODY = {
    "name": "Long documents",
    "tokens_per_month": 100_000_000,
    "input_share": "0.8",
    "cached_share": "0.5",
    "cache_write_share": "0.1",
    "batch_share": "0.4",
    "long_context_shares": [
        {"above_tokens": 200_000, "share": 0.25},
        {"above_tokens": 1_000_000, "share": 0.05},
    ],
}


def test_a_workload_states_its_traffic_and_reads_it_back(api, cast):
    response = api("owner").post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cache_write_share"], body["batch_share"]) == ("0.10000", "0.40000")
    assert (body["priority_share"], body["flex_share"]) == ("0.00000", "0.00000")
    assert body["long_context_shares"] == BODY["long_context_shares"]
    workload = Workload.objects.get(pk=body["id"])
    assert workload.long_context_shares == BODY["long_context_shares"]
    # Left out: none (today's prices).
    plain = api("owner").post(URL, {"name": "Plain", "tokens_per_month": 1}, format="json")
    assert plain.json()["long_context_shares"] == []
    assert plain.json()["batch_share"] == "0.00000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"batch_share": "0.7", "flex_share": "0.4"}, "batch_share"),
        ({"cache_write_share": "0.6"}, "cache_write_share"),
        ({"priority_share": "1.2"}, "priority_share"),
        (
            {
                "long_context_shares": [
                    {"above_tokens": 200_000, "share": 0.1},
                    {"above_tokens": 128_000, "share": 0.05},
                ]
            },
            "long_context_shares",
        ),
        (
            {"long_context_shares": [{"above_tokens": 0, "share": 0.1}]},
            "long_context_shares.0.above_tokens",
        ),
        ({"long_context_shares": [{"above_tokens": 200_000}]}, "long_context_shares.0.share"),
        ({"long_context_shares": {"200000": 0.1}}, "long_context_shares.non_field_errors"),
    ],
)
def test_refused_traffic_names_the_field_and_saves_nothing(api, cast, change, field):
    error = assert_error(
        api("owner").post(URL, {**BODY, **change}, format="json"), 400, "validation_error"
    )
    assert error["fields"] == {field: error["fields"][field]}
    assert not Workload.objects.exists()


def test_the_schema_documents_the_traffic_fields(api):
    schema = api("owner").get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    workload = schema["components"]["schemas"]["Workload"]["properties"]
    for name in ("cache_write_share", "batch_share", "priority_share", "flex_share"):
        assert name in workload
    item = workload["long_context_shares"]["items"]
    assert item["$ref"].endswith("/LongContextShare")
    quote = schema["components"]["schemas"]["QuoteRequestRequest"]["properties"]
    assert {"batch_share", "cache_write_share", "long_context_shares"} <= set(quote)
    response = schema["components"]["schemas"]["QuoteResponse"]["properties"]
    assert "api_parts" in response
    offer = schema["components"]["schemas"]["QuoteApiOfferRequest"]["properties"]
    assert {"cache_write_per_mtok", "service_tiers", "context_tiers"} <= set(offer)
