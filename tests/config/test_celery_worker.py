"""A real Celery worker on Redis runs a real task end to end."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import Invitation
from accounts.tasks import purge_expired_invitations
from config.celery import app
from tests.factories import OrganizationFactory
from tracking.models import DeliveryStatus, WebhookDelivery
from tracking.services import webhook_create, webhook_test
from tracking.tasks import deliver_webhook

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.fail("CELERY_BROKER_URL must point at Redis for the worker tests (bin/test sets it)")
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    try:
        # The queues the Procfile's worker, sweeps and notifications processes consume.
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=["celery", "sweeps", "notifications"],
        ):
            yield app
    finally:
        app.conf.task_always_eager = True


def test_worker_purges_expired_invitations(real_worker):
    org = OrganizationFactory()
    Invitation.objects.create(
        organization=org, email="old@x.test", expires_at=timezone.now() - timedelta(days=1)
    )
    kept = Invitation.objects.create(organization=org, email="new@x.test")

    purge_expired_invitations.delay()

    deadline = time.monotonic() + 30
    while Invitation.objects.count() > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(Invitation.objects.values_list("pk", flat=True)) == [kept.pk]


class _Hook(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(self.headers["X-Breakeven-Event"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_worker_delivers_a_webhook_from_the_notifications_queue(real_worker, settings):
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 8202), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        org = OrganizationFactory()
        endpoint, _secret = webhook_create(
            organization=org, actor=None, url="http://127.0.0.1:8202/hook"
        )
        assert deliver_webhook.name in app.conf.task_routes
        delivery_id = webhook_test(organization=org, actor=None, endpoint=endpoint)
        deadline = time.monotonic() + 30
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        while delivery.status == DeliveryStatus.PENDING and time.monotonic() < deadline:
            time.sleep(0.1)
            delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.DELIVERED
        assert _Hook.received == ["ping"]
    finally:
        server.shutdown()
        server.server_close()
