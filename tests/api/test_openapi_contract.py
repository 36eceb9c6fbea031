"""The OpenAPI schema tells the truth (issue 16 item 17): nullable fields are declared
nullable, ``Idempotency-Key`` is declared on exactly the operations that honour it, and a
key reused with another body is a 422 (IETF Idempotency-Key draft)."""

from __future__ import annotations

import pytest

from accounts.models import AuditEvent
from planner.models import Plan, Workload
from tests.api.conftest import assert_error
from tests.factories import plan_in
from tracking.models import Budget

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
HONOURS_IDEMPOTENCY_KEY = {
    "POST /api/v1/orgs/{org_slug}/workloads/",
    "POST /api/v1/orgs/{org_slug}/plans/",
    "POST /api/v1/orgs/{org_slug}/plans/{id}/compute/",
    "POST /api/v1/orgs/{org_slug}/plans/{id}/reevaluate/",
    "POST /api/v1/orgs/{org_slug}/sweeps/",
    "POST /api/v1/orgs/{org_slug}/budgets/",
    "POST /api/v1/orgs/{org_slug}/usage-routing-rules/",
}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation


def test_cheap_option_is_declared_nullable_and_is_null_for_non_hybrid_options(schema, api, cast):
    field = schema["components"]["schemas"]["PlanOption"]["properties"]["cheap_option"]
    assert field["nullable"] is True
    plan = plan_in(cast.org)
    options = api("viewer").get(f"{ORG}/plans/{plan.pk}/").json()["options"]
    assert options
    assert all(option["kind"] != "hybrid" for option in options)
    assert {option["cheap_option"] for option in options} == {None}


def test_idempotency_key_is_declared_exactly_where_it_is_honoured(schema):
    declared = set()
    for label, operation in _operations(schema):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if "Idempotency-Key" in names:
            declared.add(label)
            assert "422" in operation["responses"], label
        else:
            assert "422" not in operation["responses"], label
    assert declared == HONOURS_IDEMPOTENCY_KEY


def test_workload_creation_honours_the_key(api, cast):
    client = api("owner")
    body = {"name": "Support bot", "tokens_per_month": 1_000_000, "input_share": "0.5"}
    first = client.post(f"{ORG}/workloads/", body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    again = client.post(f"{ORG}/workloads/", body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Workload.objects.filter(organization=cast.org).count() == 1
    other = client.post(
        f"{ORG}/workloads/", {**body, "name": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="w-1"
    )
    assert_error(other, 422, "idempotency_conflict")
    assert Workload.objects.filter(organization=cast.org).count() == 1


def test_budget_creation_honours_the_key(api, cast):
    """The budget viewset writes its own create; the key used to be ignored there."""
    client = api("owner")
    body = {"monthly_amount": "1000", "currency": "USD"}
    first = client.post(f"{ORG}/budgets/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    again = client.post(f"{ORG}/budgets/", body, format="json", HTTP_IDEMPOTENCY_KEY="b-1")
    assert first.status_code == again.status_code == 201  # not 200 "replaced"
    assert again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="budget.set").count() == 1
    other = client.post(
        f"{ORG}/budgets/",
        {**body, "monthly_amount": "2000"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="b-1",
    )
    assert_error(other, 422, "idempotency_conflict")
    assert Budget.objects.get(organization=cast.org).monthly_amount == 1000


def test_token_creation_neither_declares_nor_honours_the_key(schema, api, cast):
    """Its response holds the token's secret, which must never sit in the key store."""
    operation = schema["paths"]["/api/v1/tokens/"]["post"]
    assert "Idempotency-Key" not in {p["name"] for p in operation.get("parameters", [])}
    client = api("owner")
    first = client.post("/api/v1/tokens/", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="t")
    again = client.post("/api/v1/tokens/", {"name": "ci"}, format="json", HTTP_IDEMPOTENCY_KEY="t")
    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert first.json()["token"] != again.json()["token"]


def test_a_reused_key_on_plan_compute_with_another_body_is_422(api, cast):
    plan = plan_in(cast.org)
    client = api("owner")
    url = f"{ORG}/plans/{plan.pk}/compute/"
    assert client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="c").status_code == 201
    other = client.post(url, {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="c")
    assert_error(other, 422, "idempotency_conflict")
    assert Plan.objects.get(pk=plan.pk).comparisons.count() == 1
