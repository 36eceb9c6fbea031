"""Tracking over the API (issue 9): budgets, alerts, webhooks, plan forecast and sensitivity,
workload actuals. Every endpoint for owner / teammate / viewer / outsider and anonymous;
cross-org foreign keys; CSV imports rejected whole naming row and field; the forecast
numbers are the page's (the same selector); pinned query counts on lists.

The plan is tracking's hand-checked case (tests/tracking/conftest.py): the API costs $900
in month 1 growing 50% a month, self-hosting a flat $1,800.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from planner.models import Workload
from tests.api.conftest import assert_error
from tests.factories import WorkloadFactory
from tests.tracking.conftest import compute_with_steady_prices, make_plan
from tracking import services
from tracking.forecasting import forecast_for_plan, sensitivity_for_plan
from tracking.models import (
    ActualUsageImport,
    ActualUsageMonth,
    Alert,
    Budget,
    ForecastAssumptions,
    UsageImportJob,
    WebhookDelivery,
    WebhookEndpoint,
)
from tracking.usage import services as usage_services

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/acme"
WRITERS = ["owner", "teammate"]
MEMBERS = ["owner", "teammate", "viewer"]

OURS = b"""date,model,input_tokens,output_tokens,cost
2026-01-03,gpt-x,60000000,20000000,480.00
2026-01-20,gpt-x,20000000,20000000,300.50
2026-02-02,gpt-x,90000000,30000000,720.25
"""
LITELLM = b"""request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,user
r1,acompletion,hash,0.5,300,200,100,2026-03-01T10:00:00.123Z,2026-03-01T10:00:01Z,gpt-4o,u
r2,acompletion,hash,1.25e-1,150,100,50,2026-03-15 11:00:00+00:00,2026-03-15 11:00:01+00:00,gpt-4o,u
"""


@pytest.fixture
def plan(cast):
    return make_plan(cast.org)


@pytest.fixture
def computed(cast, plan):
    return compute_with_steady_prices(plan, actor=cast.owner)


def org_budget(cast, amount="2000", currency="USD", workload=None):
    return services.budget_set(
        organization=cast.org,
        actor=cast.owner,
        workload=workload,
        monthly_amount=Decimal(amount),
        currency=currency,
    )


def upload(content: bytes, file_format: str = "breakeven", name: str = "usage.csv") -> dict:
    return {"file_format": file_format, "file": SimpleUploadedFile(name, content, "text/csv")}


# --- budgets -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_members_list_budgets_in_bounded_queries(api, cast, who, django_assert_max_num_queries):
    workloads = [WorkloadFactory(organization=cast.org) for _ in range(5)]
    org_budget(cast)
    for workload in workloads:
        org_budget(cast, "100", workload=workload)
    Budget.objects.create(organization=cast.other_org, monthly_amount="5")
    client = api(who)
    # savepoint + token + cleanup + membership + page (workloads joined) + release
    with django_assert_max_num_queries(7):
        response = client.get(f"{ORG}/budgets/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 6
    org_row = next(b for b in results if b["workload"] is None)
    assert org_row["scope"] == "organization"
    assert org_row["monthly_amount"] == "2000.00"
    assert {b["workload"] for b in results if b["scope"] == "workload"} == {w.pk for w in workloads}


@pytest.mark.parametrize("who", WRITERS)
def test_writers_create_replace_change_and_delete_budgets(api, cast, who):
    client = api(who)
    workload = WorkloadFactory(organization=cast.org)
    response = client.post(
        f"{ORG}/budgets/",
        {"workload": workload.pk, "monthly_amount": "1500.50", "currency": "eur"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["workload"], body["scope"], body["monthly_amount"], body["currency"]) == (
        workload.pk,
        "workload",
        "1500.50",
        "EUR",
    )
    # The same scope again replaces the amount (200), never a second budget.
    again = client.post(
        f"{ORG}/budgets/", {"workload": workload.pk, "monthly_amount": "900"}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["currency"] == "USD"  # the organization's currency by default
    assert Budget.objects.filter(organization=cast.org).count() == 1

    org_level = client.post(f"{ORG}/budgets/", {"monthly_amount": "5000"}, format="json")
    assert org_level.status_code == 201
    assert org_level.json()["scope"] == "organization"

    patched = client.patch(
        f"{ORG}/budgets/{body['id']}/",
        {"monthly_amount": "1200", "workload": None},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["monthly_amount"] == "1200.00"
    assert patched.json()["workload"] == workload.pk  # the scope does not change

    assert client.delete(f"{ORG}/budgets/{body['id']}/").status_code == 204
    assert not Budget.objects.filter(pk=body["id"]).exists()
    assert AuditEvent.objects.filter(action="budget.delete").count() == 1


def test_budget_workload_of_another_org_is_rejected_naming_the_field(api, cast):
    theirs = WorkloadFactory(organization=cast.other_org)
    response = api("owner").post(
        f"{ORG}/budgets/", {"workload": theirs.pk, "monthly_amount": "10"}, format="json"
    )
    error = assert_error(response, 400, "validation_error", "workload")
    missing = api("owner").post(
        f"{ORG}/budgets/", {"workload": 999_999, "monthly_amount": "10"}, format="json"
    )
    # Another organization's id reads exactly like a missing one.
    theirs_message = error["fields"]["workload"][0].replace(str(theirs.pk), "<id>")
    missing_message = missing.json()["error"]["fields"]["workload"][0].replace("999999", "<id>")
    assert theirs_message == missing_message
    assert not Budget.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"monthly_amount": "-1"}, "monthly_amount"),
        ({"monthly_amount": "abc"}, "monthly_amount"),
        ({"monthly_amount": "10", "currency": "ZZZ"}, "currency"),
        ({"monthly_amount": "10", "currency": "EURO"}, "currency"),
        ({}, "monthly_amount"),
    ],
)
def test_bad_budget_input_names_the_field_and_saves_nothing(api, cast, body, field):
    assert_error(
        api("owner").post(f"{ORG}/budgets/", body, format="json"), 400, "validation_error", field
    )
    assert not Budget.objects.exists()


def test_viewer_outsider_and_anonymous_on_budgets(api, anon, cast):
    budget = org_budget(cast)
    viewer = api("viewer")
    assert viewer.get(f"{ORG}/budgets/{budget.pk}/").status_code == 200
    assert_error(
        viewer.post(f"{ORG}/budgets/", {"monthly_amount": "1"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(
        viewer.patch(f"{ORG}/budgets/{budget.pk}/", {"monthly_amount": "1"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(viewer.delete(f"{ORG}/budgets/{budget.pk}/"), 403, "permission_denied")
    outsider = api("outsider")
    assert_error(outsider.get(f"{ORG}/budgets/"), 404, "not_found")
    assert_error(outsider.get(f"{ORG}/budgets/{budget.pk}/"), 404, "not_found")
    assert_error(outsider.delete(f"{ORG}/budgets/{budget.pk}/"), 404, "not_found")
    assert_error(outsider.get(f"/api/v1/orgs/rival/budgets/{budget.pk}/"), 404, "not_found")
    assert_error(anon.get(f"{ORG}/budgets/"), 401, "not_authenticated")
    budget.refresh_from_db()
    assert budget.monthly_amount == Decimal("2000.00")


# --- alerts ------------------------------------------------------------------------------


def _alerts(cast, n=3):
    return [
        Alert.objects.create(organization=cast.org, kind="over_budget", message=f"Over {i}.")
        for i in range(n)
    ]


@pytest.mark.parametrize("who", MEMBERS)
def test_members_list_alerts_and_filter_unread(api, cast, who, django_assert_max_num_queries):
    alerts = _alerts(cast, 6)
    services.alert_mark_read(organization=cast.org, actor=cast.owner, alert=alerts[0])
    Alert.objects.create(organization=cast.other_org, kind="over_budget", message="Theirs.")
    client = api(who)
    with django_assert_max_num_queries(7):
        response = client.get(f"{ORG}/alerts/")
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["results"]] == [a.pk for a in reversed(alerts)]
    unread = client.get(f"{ORG}/alerts/", {"unread": "true"}).json()["results"]
    assert {a["id"] for a in unread} == {a.pk for a in alerts[1:]}
    read = client.get(f"{ORG}/alerts/", {"unread": "false"}).json()["results"]
    assert [a["id"] for a in read] == [alerts[0].pk]
    assert read[0]["read_at"] is not None
    assert_error(
        client.get(f"{ORG}/alerts/", {"unread": "maybe"}), 400, "validation_error", "unread"
    )


@pytest.mark.parametrize("who", WRITERS)
def test_writers_mark_alerts_read(api, cast, who):
    first, *_rest = _alerts(cast)
    client = api(who)
    response = client.post(f"{ORG}/alerts/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(f"{ORG}/alerts/read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 2}
    assert not Alert.objects.filter(organization=cast.org, read_at__isnull=True).exists()


def test_alerts_for_viewer_outsider_and_anonymous(api, anon, cast):
    alert, *_ = _alerts(cast)
    theirs = Alert.objects.create(organization=cast.other_org, kind="over_budget", message="x")
    viewer = api("viewer")
    assert viewer.get(f"{ORG}/alerts/{alert.pk}/").status_code == 200
    assert_error(viewer.post(f"{ORG}/alerts/{alert.pk}/read/"), 403, "permission_denied")
    assert_error(viewer.post(f"{ORG}/alerts/read-all/"), 403, "permission_denied")
    owner = api("owner")
    assert_error(owner.post(f"{ORG}/alerts/{theirs.pk}/read/"), 404, "not_found")
    outsider = api("outsider")
    assert_error(outsider.get(f"{ORG}/alerts/"), 404, "not_found")
    assert_error(outsider.post(f"{ORG}/alerts/{alert.pk}/read/"), 404, "not_found")
    assert_error(outsider.post(f"{ORG}/alerts/read-all/"), 404, "not_found")
    assert_error(anon.post(f"{ORG}/alerts/read-all/"), 401, "not_authenticated")
    assert not Alert.objects.filter(read_at__isnull=False).exists()


# --- webhooks ----------------------------------------------------------------------------


@pytest.fixture
def allow_private(settings):
    # The test URLs do not resolve here; the URL check itself is tested in tests/tracking.
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True


@pytest.mark.parametrize("who", ["owner", "admin"])
@pytest.mark.usefixtures("allow_private")
def test_managers_create_list_test_and_delete_webhooks(
    api, cast, who, django_assert_max_num_queries
):
    client = api(who)
    response = client.post(f"{ORG}/webhooks/", {"url": "https://hooks.acme.test/in"}, format="json")
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    created = response.json()
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert created["secret"] == endpoint.secret
    assert created["secret"].startswith("whsec_")
    for i in range(4):
        WebhookEndpoint.objects.create(organization=cast.org, url=f"https://h{i}.acme.test/")
    with django_assert_max_num_queries(7):
        listed = client.get(f"{ORG}/webhooks/")
    assert listed.status_code == 200
    assert len(listed.json()["results"]) == 5
    assert endpoint.secret not in listed.content.decode()
    assert endpoint.secret not in client.get(f"{ORG}/webhooks/{endpoint.pk}/").content.decode()
    assert all("secret" not in row for row in listed.json()["results"])

    tested = client.post(f"{ORG}/webhooks/{endpoint.pk}/test/")
    assert tested.status_code == 202
    delivery = WebhookDelivery.objects.get(pk=tested.json()["delivery"])
    assert (delivery.endpoint_id, delivery.event) == (endpoint.pk, "ping")

    assert client.delete(f"{ORG}/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_bad_webhook_urls_name_the_field(api, cast):
    client = api("owner")
    for url in ("ftp://x.test/", "not a url", "http://127.0.0.1:9/x"):
        assert_error(
            client.post(f"{ORG}/webhooks/", {"url": url}, format="json"),
            400,
            "validation_error",
            "url",
        )
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["teammate", "viewer"])
def test_webhooks_are_for_owners_and_admins_only(api, cast, who):
    endpoint = WebhookEndpoint.objects.create(organization=cast.org, url="https://a.acme.test/")
    client = api(who)
    assert_error(client.get(f"{ORG}/webhooks/"), 403, "permission_denied")
    assert_error(client.get(f"{ORG}/webhooks/{endpoint.pk}/"), 403, "permission_denied")
    assert_error(
        client.post(f"{ORG}/webhooks/", {"url": "https://b.acme.test/"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(client.post(f"{ORG}/webhooks/{endpoint.pk}/test/"), 403, "permission_denied")
    assert_error(client.delete(f"{ORG}/webhooks/{endpoint.pk}/"), 403, "permission_denied")
    assert list(WebhookEndpoint.objects.all()) == [endpoint]
    assert not WebhookDelivery.objects.exists()


def test_webhooks_for_outsider_and_anonymous(api, anon, cast):
    endpoint = WebhookEndpoint.objects.create(organization=cast.org, url="https://a.acme.test/")
    theirs = WebhookEndpoint.objects.create(organization=cast.other_org, url="https://r.test/")
    outsider = api("outsider")
    assert_error(outsider.get(f"{ORG}/webhooks/"), 404, "not_found")
    assert_error(outsider.post(f"{ORG}/webhooks/{endpoint.pk}/test/"), 404, "not_found")
    assert_error(outsider.delete(f"{ORG}/webhooks/{endpoint.pk}/"), 404, "not_found")
    assert_error(api("owner").delete(f"{ORG}/webhooks/{theirs.pk}/"), 404, "not_found")
    assert_error(anon.get(f"{ORG}/webhooks/"), 401, "not_authenticated")
    assert WebhookEndpoint.objects.count() == 2


# --- forecast and sensitivity ------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_forecast_is_the_pages_forecast_with_the_budget_block(api, cast, computed, who):
    org_budget(cast, "2000")
    response = api(who).get(f"{ORG}/plans/{computed.pk}/forecast/")
    assert response.status_code == 200
    body = response.json()
    page = forecast_for_plan(plan=computed)
    for key in (
        "months",
        "breakeven_month",
        "payback_month",
        "migration_cost",
        "projected_monthly",
        "budget_exceeded_month",
        "recommended_monthly",
        "api_option",
        "selfhost_option",
    ):
        assert body[key] == page[key], key
    assert [m["api_monthly"] for m in body["months"][:4]] == [900.0, 1350.0, 2025.0, 3037.5]
    assert body["breakeven_month"] == 3
    assert body["payback_month"] == 7
    assert body["migration_cost"] == 16000.0
    assert body["months"][6]["cumulative_savings"] == 16354.69
    budget = body["budget"]
    assert budget["set"] is True
    assert budget["scope"] == "organization"
    assert budget["amount"] == "2000.00"
    assert budget["amount_in_catalog_currency"] == 2000.0
    assert budget["projected_monthly"] == 900.0
    assert budget["over_budget_now"] is False
    assert budget["exceeded_month"] == 3  # $2,025 > $2,000
    # The page says the same month.
    page_html = cast.client_for(cast.viewer).get(
        reverse("tracking:plan_forecast", args=[computed.pk])
    )
    assert "Exceeded in month 3" in page_html.content.decode()


def test_forecast_query_parameters_try_assumptions_without_saving(api, cast, computed):
    client = api("viewer")
    response = client.get(f"{ORG}/plans/{computed.pk}/forecast/", {"migration_weeks": "0"})
    assert response.status_code == 200
    body = response.json()
    assert body["assumptions"]["migration_weeks"] == 0.0
    assert body["migration_cost"] == 0.0
    # Saved assumptions are untouched: 4 weeks.
    assert ForecastAssumptions.objects.get(plan=computed).migration_weeks == Decimal(4)
    declining = client.get(
        f"{ORG}/plans/{computed.pk}/forecast/", {"api_price_decline_per_year": "0.5"}
    ).json()
    assert declining["assumptions"]["migration_weeks"] == 4.0
    assert declining["months"][0]["api_monthly"] == 900.0
    assert declining["months"][12]["api_monthly"] < body["months"][12]["api_monthly"]
    for params, field in (
        ({"migration_weeks": "-1"}, "migration_weeks"),
        ({"api_price_decline_per_year": "1.5"}, "api_price_decline_per_year"),
        ({"gpu_price_decline_per_year": "x"}, "gpu_price_decline_per_year"),
    ):
        assert_error(
            client.get(f"{ORG}/plans/{computed.pk}/forecast/", params),
            400,
            "validation_error",
            field,
        )


@pytest.mark.parametrize("who", WRITERS)
def test_writers_save_forecast_assumptions(api, cast, computed, who):
    response = api(who).put(
        f"{ORG}/plans/{computed.pk}/forecast/",
        {
            "api_price_decline_per_year": "0.2",
            "gpu_price_decline_per_year": "0.1",
            "migration_weeks": "2",
        },
        format="json",
    )
    assert response.status_code == 200
    row = ForecastAssumptions.objects.get(plan=computed)
    assert (
        row.api_price_decline_per_year,
        row.gpu_price_decline_per_year,
        row.migration_weeks,
    ) == (
        Decimal("0.2000"),
        Decimal("0.1000"),
        Decimal("2.0"),
    )
    assert response.json()["migration_cost"] == 8000.0  # 2 weeks x 40 h x $100
    assert response.json()["months"] == forecast_for_plan(plan=computed)["months"]


def test_viewer_cannot_save_assumptions_and_bad_ones_save_nothing(api, cast, computed):
    url = f"{ORG}/plans/{computed.pk}/forecast/"
    body = {
        "api_price_decline_per_year": "0.2",
        "gpu_price_decline_per_year": "0",
        "migration_weeks": "1",
    }
    assert_error(api("viewer").put(url, body, format="json"), 403, "permission_denied")
    assert_error(
        api("owner").put(url, {**body, "migration_weeks": "9999"}, format="json"),
        400,
        "validation_error",
        "migration_weeks",
    )
    assert ForecastAssumptions.objects.get(plan=computed).migration_weeks == Decimal(4)


def test_forecast_before_a_computation_says_why(api, cast, plan):
    body = api("owner").get(f"{ORG}/plans/{plan.pk}/forecast/").json()
    assert body["available"] is False
    assert body["reason"].startswith("Compute the plan first")
    assert body["months"] == []
    body = api("owner").get(f"{ORG}/plans/{plan.pk}/sensitivity/").json()
    assert body["available"] is False
    assert body["bars"] == []


@pytest.mark.parametrize("who", MEMBERS)
def test_sensitivity_is_the_pages_tornado(api, cast, computed, who):
    response = api(who).get(f"{ORG}/plans/{computed.pk}/sensitivity/")
    assert response.status_code == 200
    body = response.json()
    page = sensitivity_for_plan(plan=computed)
    assert body["bars"] == page["bars"]
    assert body["base_difference"] == 900.0
    bars = {bar["name"]: bar for bar in body["bars"]}
    assert body["bars"][0]["name"] == "gpu_price"
    assert (bars["gpu_price"]["difference_low"], bars["gpu_price"]["difference_high"]) == (
        540.0,
        1260.0,
    )
    assert bars["volume"]["swing"] == 360.0


def test_forecast_and_sensitivity_for_outsider_and_anonymous(api, anon, cast, computed):
    theirs = make_plan(cast.other_org)
    outsider = api("outsider")
    for tab in ("forecast", "sensitivity"):
        assert_error(outsider.get(f"{ORG}/plans/{computed.pk}/{tab}/"), 404, "not_found")
        assert_error(api("owner").get(f"{ORG}/plans/{theirs.pk}/{tab}/"), 404, "not_found")
        assert_error(anon.get(f"{ORG}/plans/{computed.pk}/{tab}/"), 401, "not_authenticated")
    assert_error(
        outsider.put(f"{ORG}/plans/{computed.pk}/forecast/", {}, format="json"), 404, "not_found"
    )


# --- workload actuals --------------------------------------------------------------------


@pytest.fixture
def import_file(django_capture_on_commit_callbacks):
    """POST a file to ``url`` (queued on commit: run here) -> (202 response, finished job)."""

    def post(client, url, content, file_format="breakeven"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, upload(content, file_format), format="multipart")
        assert response.status_code == 202, response.content
        job = client.get(response["Location"])
        assert job.status_code == 200
        return response, job.json()

    return post


@pytest.mark.parametrize("who", WRITERS)
def test_writers_import_our_csv_and_read_plan_vs_actual(api, cast, computed, who, import_file):
    client = api(who)
    url = f"{ORG}/workloads/{computed.workload_id}/actuals/"
    response, job = import_file(client, url, OURS)
    queued = response.json()
    assert queued["status"] == "queued"  # imported in the background
    assert queued["rows_total"] == 3
    assert queued["url"] == response["Location"]
    assert job["status"] == "succeeded"
    assert (job["rows_done"], job["errors"]) == (3, [])
    assert job["imported"]["rows"] == 3
    assert job["imported"]["file_format"] == "breakeven"
    months = client.get(url).json()["months"]
    assert [(m["month"], m["tokens"], m["cost"]) for m in months] == [
        ("2026-01", 120_000_000, "780.50"),
        ("2026-02", 120_000_000, "720.25"),
    ]
    # Month 1: planned 100M / $900 vs actual 120M / $780.50 -> +20%, -13.3% (as the page).
    assert (months[0]["planned_tokens"], months[0]["planned_cost"]) == (100_000_000, 900.0)
    assert (months[0]["tokens_variance_pct"], months[0]["cost_variance_pct"]) == (20.0, -13.3)
    assert months[1]["cost_variance_pct"] == -46.6
    read = api("viewer").get(url)
    assert read.status_code == 200
    assert read.json()["months"] == months
    assert read.json()["plan"] == computed.pk
    assert read.json()["suggestions"] == {
        "tokens_per_month": 120_000_000,
        "input_share": "0.70833",
        "cached_share": "0.00000",
        "growth_per_month": "0.0000",
        "months_used": 2,
    }
    # The job is the organization's: a viewer may poll it, an outsider gets a 404.
    assert api("viewer").get(response["Location"]).json()["status"] == "succeeded"
    assert_error(api("outsider").get(response["Location"]), 404, "not_found")


def test_import_litellm_spend_log(api, cast, plan, import_file):
    url = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    _, job = import_file(api("owner"), url, LITELLM, "litellm")
    assert job["status"] == "succeeded"
    month = ActualUsageMonth.objects.get(workload=plan.workload)
    assert (month.month.isoformat(), month.input_tokens, month.output_tokens) == (
        "2026-03-01",
        300,
        150,
    )
    assert month.cost == Decimal("0.625")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"date,model,input_tokens,output_tokens,cost\n2026-01-01,m,1,1,1\n2026-01-02,m,1,1,abc\n",
            "Row 3, field cost: 'abc' is not a number",
        ),
        (
            b"date,model,input_tokens,output_tokens,cost\n2026-01-01,m,x,1,1\n",
            "Row 2, field input_tokens: 'x' is not a whole number",
        ),
        (
            b"date,model,input_tokens,output_tokens,cost,workload\n2026-01-01,m,1,1,1,Nope\n",
            "Row 2, field workload: no workload named 'Nope'",
        ),
    ],
)
def test_bad_rows_fail_the_job_naming_row_and_field_and_write_nothing(
    api, cast, plan, content, expected, import_file
):
    client = api("owner")
    url = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    import_file(client, url, OURS)
    before = list(ActualUsageMonth.objects.values_list("pk", "cost"))
    imports = ActualUsageImport.objects.count()
    _, job = import_file(client, url, content)
    assert job["status"] == "failed"
    assert any(expected in message for message in job["errors"]), job
    assert job["imported"] is None
    assert list(ActualUsageMonth.objects.values_list("pk", "cost")) == before
    assert ActualUsageImport.objects.count() == imports


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"date,model,input_tokens,cost\n2026-01-01,m,1,1\n", "Row 1, field output_tokens"),
        (b"\xff\xfe\x00garbage", "field file: is not UTF-8 text"),
    ],
)
def test_unreadable_files_are_refused_at_once(api, cast, plan, content, expected):
    url = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    error = assert_error(
        api("owner").post(url, upload(content), format="multipart"),
        400,
        "validation_error",
        "file",
    )
    assert any(expected in message for message in error["fields"]["file"]), error
    assert not UsageImportJob.objects.exists()


def test_upload_needs_a_format_and_a_file(api, cast, plan):
    url = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    client = api("owner")
    assert_error(
        client.post(url, {"file": SimpleUploadedFile("u.csv", OURS)}, format="multipart"),
        400,
        "validation_error",
        "file_format",
    )
    assert_error(
        client.post(url, {"file_format": "breakeven"}, format="multipart"),
        400,
        "validation_error",
        "file",
    )
    assert_error(
        client.post(url, upload(OURS, "excel"), format="multipart"),
        400,
        "validation_error",
        "file_format",
    )
    assert not ActualUsageImport.objects.exists()


def test_plan_parameter_must_be_a_plan_of_the_workload(api, cast, computed):
    url = f"{ORG}/workloads/{computed.workload_id}/actuals/"
    other = make_plan(cast.org)
    theirs = make_plan(cast.other_org)
    client = api("viewer")
    assert client.get(url, {"plan": computed.pk}).json()["plan"] == computed.pk
    for bad in (other.pk, theirs.pk, "abc"):
        assert_error(client.get(url, {"plan": bad}), 400, "validation_error", "plan")


@pytest.mark.parametrize("who", WRITERS)
def test_writers_apply_the_suggested_figures(api, cast, plan, who, import_file):
    client = api(who)
    base = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    assert_error(client.post(f"{base}apply/"), 400, "validation_error")
    import_file(client, base, OURS)
    response = client.post(f"{base}apply/")
    assert response.status_code == 200
    assert response.json()["workload"]["tokens_per_month"] == 120_000_000
    workload = Workload.objects.get(pk=plan.workload_id)
    assert workload.tokens_per_month == 120_000_000
    assert workload.tokens_per_day is None
    assert workload.input_share == Decimal("0.70833")
    assert workload.growth_per_month == Decimal("0.0000")


def test_actuals_for_viewer_outsider_and_anonymous(api, anon, cast, plan):
    base = f"{ORG}/workloads/{plan.workload_id}/actuals/"
    usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=plan.workload,
        content=OURS,
        file_format="breakeven",
    )
    viewer = api("viewer")
    assert viewer.get(base).status_code == 200
    assert_error(viewer.post(base, upload(OURS), format="multipart"), 403, "permission_denied")
    assert_error(viewer.post(f"{base}apply/"), 403, "permission_denied")
    outsider = api("outsider")
    assert_error(outsider.get(base), 404, "not_found")
    assert_error(outsider.post(base, upload(OURS), format="multipart"), 404, "not_found")
    assert_error(outsider.post(f"{base}apply/"), 404, "not_found")
    theirs = WorkloadFactory(organization=cast.other_org)
    assert_error(api("owner").get(f"{ORG}/workloads/{theirs.pk}/actuals/"), 404, "not_found")
    assert_error(anon.get(base), 401, "not_authenticated")
    assert ActualUsageImport.objects.count() == 1
    assert Workload.objects.get(pk=plan.workload_id).tokens_per_month == 100_000_000
