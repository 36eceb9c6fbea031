"""A real Celery worker on Redis runs a real task end to end."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from accounts.models import Invitation
from accounts.tasks import purge_expired_invitations
from config.celery import app
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.fail("CELERY_BROKER_URL must point at Redis for the worker tests (bin/test sets it)")
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
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
