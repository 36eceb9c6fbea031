"""Signed webhooks verified by a local HTTP server; CSV imports; plan vs actual; pages."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planner import services as planner_services
from planner.models import Workload
from tracking import services, webhooks
from tracking.models import ActualUsageMonth, Budget, DeliveryStatus, WebhookDelivery
from tracking.usage import services as usage_services


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict, bytes]] = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True
    _Receiver.received = []
    _Receiver.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Receiver
    server.shutdown()


def test_alert_webhook_is_delivered_with_a_valid_signature(
    cast, plan, receiver, django_capture_on_commit_callbacks
):
    url, handler = receiver
    endpoint, secret = services.webhook_create(organization=cast.org, actor=cast.owner, url=url)
    services.budget_set(
        organization=cast.org,
        actor=None,
        workload=None,
        monthly_amount=Decimal(500),
        currency="USD",
    )
    with django_capture_on_commit_callbacks(execute=True):
        planner_services.plan_compute(plan=plan, actor=cast.owner)
    assert len(handler.received) == 1
    headers, body = handler.received[0]
    assert headers["X-Breakeven-Event"] == "alert.over_budget"
    assert webhooks.verify(secret=secret, body=body, header=headers["X-Breakeven-Signature"])
    payload = json.loads(body)
    assert payload["plan"]["id"] == plan.pk
    assert payload["organization"] == "acme"
    # A tampered body, a wrong secret or an old timestamp fail verification.
    tampered = body.replace(b"acme", b"acmf")
    assert not webhooks.verify(
        secret=secret, body=tampered, header=headers["X-Breakeven-Signature"]
    )
    assert not webhooks.verify(secret="wrong", body=body, header=headers["X-Breakeven-Signature"])
    old = webhooks.sign(secret=secret, body=body, timestamp=1_000_000)
    assert not webhooks.verify(secret=secret, body=body, header=old)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.response_code == 200
    assert delivery.attempts == 1


def test_failed_delivery_is_retried_then_marked_failed(cast, receiver):
    url, handler = receiver
    handler.status = 500
    endpoint, _secret = services.webhook_create(organization=cast.org, actor=None, url=url)
    delivery = WebhookDelivery.objects.create(
        organization=cast.org, endpoint=endpoint, event="ping", body="{}"
    )
    for _ in range(services.MAX_DELIVERY_ATTEMPTS):
        services.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == services.MAX_DELIVERY_ATTEMPTS
    assert delivery.response_code == 500
    # A retry of a finished delivery changes nothing.
    assert services.webhook_deliver(delivery_id=delivery.pk) == "skipped"
    assert len(handler.received) == services.MAX_DELIVERY_ATTEMPTS


def test_private_webhook_urls_are_refused_by_default(cast):
    with pytest.raises(ValidationError) as exc:
        services.webhook_create(organization=cast.org, actor=None, url="http://127.0.0.1:9/x")
    assert "private network" in str(exc.value)


OURS = b"""date,model,input_tokens,output_tokens,cost
2026-01-03,gpt-x,60000000,20000000,480.00
2026-01-20,gpt-x,20000000,20000000,300.50
2026-02-02,gpt-x,90000000,30000000,720.25
"""

LITELLM = b"""request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,user
r1,acompletion,hash,0.5,300,200,100,2026-03-01T10:00:00.123Z,2026-03-01T10:00:01Z,gpt-4o,u
r2,acompletion,hash,1.25e-1,150,100,50,2026-03-15 11:00:00+00:00,2026-03-15 11:00:01+00:00,gpt-4o,u
"""


def _import(cast, workload, content, file_format="breakeven"):
    return usage_services.usage_import(
        organization=cast.org,
        actor=cast.owner,
        workload=workload,
        content=content,
        file_format=file_format,
        filename="usage.csv",
    )


def test_import_our_csv_and_compare_with_the_plan(cast, plan):
    planner_services.plan_compute(plan=plan, actor=None)
    _import(cast, plan.workload, OURS)
    months = ActualUsageMonth.objects.filter(workload=plan.workload).order_by("month")
    assert [(m.month.isoformat(), m.input_tokens, m.output_tokens, m.cost) for m in months] == [
        ("2026-01-01", 80_000_000, 40_000_000, Decimal("780.500000")),
        ("2026-02-01", 90_000_000, 30_000_000, Decimal("720.250000")),
    ]
    page = cast.client_for(cast.viewer).get(
        reverse("tracking:workload_actuals", args=[plan.workload.pk])
    )
    text = page.content.decode()
    # Month 1: planned 100M tokens / $900 vs actual 120M / $780.50 -> +20%, -13.3%.
    assert "2026-01" in text
    assert "120,000,000" in text
    assert "20.0%" in text
    assert "-13.3%" in text
    assert "$780.50" in text
    # Month 2: planned 150M / $1,350 vs actual 120M / $720.25 -> -20%, -46.6%.
    assert "-46.6%" in text


def test_import_litellm_spend_log(cast, plan):
    _import(cast, plan.workload, LITELLM, "litellm")
    month = ActualUsageMonth.objects.get(workload=plan.workload)
    assert month.month.isoformat() == "2026-03-01"
    assert (month.input_tokens, month.output_tokens) == (300, 150)
    assert month.cost == Decimal("0.625")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"date,model,input_tokens,cost\n2026-01-01,m,1,1\n", "Row 1, field output_tokens"),
        (
            b"date,model,input_tokens,output_tokens,cost\n2026-01-01,m,1,1,1\n2026-01-02,m,1,1,abc\n",
            "Row 3, field cost: 'abc' is not a number",
        ),
        (
            b"date,model,input_tokens,output_tokens,cost\n2026-13-01,m,1,1,1\n",
            "Row 2, field date",
        ),
        (
            b"date,model,input_tokens,output_tokens,cost\n2026-01-01,m,-5,1,1\n",
            "Row 2, field input_tokens: -5 is negative",
        ),
        (
            b"date,model,input_tokens,output_tokens,cost,workload\n2026-01-01,m,1,1,1,Nope\n",
            "Row 2, field workload: no workload named 'Nope'",
        ),
    ],
)
def test_malformed_files_are_rejected_whole(cast, plan, content, expected):
    _import(cast, plan.workload, OURS)
    before = list(ActualUsageMonth.objects.values_list("pk", "cost"))
    with pytest.raises(ValidationError) as exc:
        _import(cast, plan.workload, content)
    assert any(expected in message for message in exc.value.messages)
    assert list(ActualUsageMonth.objects.values_list("pk", "cost")) == before


def test_import_page_shows_row_and_field_and_saves_nothing(
    cast, plan, django_capture_on_commit_callbacks
):
    client = cast.client_for(cast.teammate)
    url = reverse("tracking:workload_actuals", args=[plan.workload.pk])
    bad = b"date,model,input_tokens,output_tokens,cost\n2026-01-01,m,1,1,1\n2026-01-02,m,x,1,1\n"
    with django_capture_on_commit_callbacks(execute=True):  # the background import runs
        response = client.post(
            url, {"file_format": "breakeven", "file": SimpleUploadedFile("u.csv", bad)}
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Row 3, field input_tokens: &#x27;x&#x27; is not a whole number" in page
    assert "Nothing from this file was saved." in page
    assert not ActualUsageMonth.objects.exists()


def test_import_page_refuses_an_unreadable_file_at_once(cast, plan):
    client = cast.client_for(cast.teammate)
    response = client.post(
        reverse("tracking:workload_actuals", args=[plan.workload.pk]),
        {"file_format": "breakeven", "file": SimpleUploadedFile("u.csv", b"date,model\n1,2\n")},
    )
    assert response.status_code == 400
    assert "Row 1, field input_tokens: column is missing from the header" in (
        response.content.decode()
    )


def test_suggestions_are_applied_to_the_workload(cast, plan):
    _import(cast, plan.workload, OURS)
    client = cast.client_for(cast.teammate)
    response = client.post(reverse("tracking:workload_apply_suggestions", args=[plan.workload.pk]))
    assert response.status_code == 302
    workload = Workload.objects.get(pk=plan.workload.pk)
    # Mean of 120M and 120M; input 170M of 240M = 0.70833; growth 120M -> 120M = 0.
    assert workload.tokens_per_month == 120_000_000
    assert workload.tokens_per_day is None
    assert workload.input_share == Decimal("0.70833")
    assert workload.growth_per_month == Decimal("0.0000")


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("teammate", 200), ("viewer", 200), ("outsider", 404)]
)
def test_object_pages_for_every_role(cast, plan, who, status):
    planner_services.plan_compute(plan=plan, actor=None)
    client = cast.client_for(getattr(cast, who))
    for name, pk in [
        ("tracking:plan_forecast", plan.pk),
        ("tracking:plan_sensitivity", plan.pk),
        ("tracking:workload_actuals", plan.workload.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == status, name


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [("owner", 200, 302), ("admin", 200, 302), ("teammate", 403, 403), ("viewer", 403, 403)],
)
def test_settings_page_is_for_owners_and_admins(cast, who, get_status, post_status):
    client = cast.client_for(getattr(cast, who))
    assert client.get(reverse("tracking:settings")).status_code == get_status
    response = client.post(reverse("tracking:settings"), {"action": "currency", "currency": "EUR"})
    assert response.status_code == post_status
    cast.org.refresh_from_db()
    assert (cast.org.currency == "EUR") == (post_status == 302)


def test_webhook_secret_is_shown_once(cast, settings):
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True
    client = cast.client_for(cast.owner)
    response = client.post(
        reverse("tracking:settings"), {"action": "webhook", "url": "http://127.0.0.1:9/hook"}
    )
    secret = response.context["new_secret"]
    assert secret.startswith("whsec_")
    assert secret in response.content.decode()
    assert secret not in client.get(reverse("tracking:settings")).content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 302), ("teammate", 302), ("viewer", 403), ("outsider", 302)]
)
def test_budget_form_for_every_role(cast, who, status):
    client = cast.client_for(getattr(cast, who))
    response = client.post(
        reverse("tracking:budget_list"), {"monthly_amount": "1500", "currency": "USD"}
    )
    # The outsider's budget goes to their own organization, never to acme.
    assert response.status_code == status
    if who in ("owner", "teammate"):
        assert Budget.objects.for_org(cast.org).get().monthly_amount == Decimal("1500.00")
    else:
        assert not Budget.objects.for_org(cast.org).exists()


def test_list_pages_have_bounded_queries(cast, plan, django_assert_max_num_queries):
    services.budget_set(
        organization=cast.org, actor=None, workload=plan.workload, monthly_amount=1, currency="USD"
    )
    planner_services.plan_compute(plan=plan, actor=None)
    client = cast.client_for(cast.owner)
    for name in ("tracking:budget_list", "tracking:alert_list", "tracking:settings"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200
