"""The password-reset page does the same work for known and unknown addresses (issue 16,
item 5): it queues one task and answers; the lookup, token and mail happen in the task."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import tasks
from tests.accounts.test_auth import _without_csrf

pytestmark = pytest.mark.django_db

URL = reverse("accounts:password_reset")


def _shape(sql: str) -> str:
    """A statement without its literals and savepoint names."""
    return re.sub(r"'[^']*'", "?", re.sub(r'"s\d+_x\d+"', "?", sql))


def test_known_and_unknown_addresses_cost_the_request_the_same_work(cast, monkeypatch):
    queued: list[tuple] = []
    monkeypatch.setattr(tasks.password_reset_send, "delay", lambda *args: queued.append(args))
    answers, queries = [], []
    for email in ("owner@acme.test", "nobody@acme.test"):
        with CaptureQueriesContext(connection) as captured:
            response = Client().post(URL, {"email": email}, follow=True)
        answers.append(
            (response.status_code, response.redirect_chain, _without_csrf(response.content))
        )
        queries.append([_shape(q["sql"]) for q in captured.captured_queries])

    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    # The same statements (literals aside) for both: no user lookup in the request.
    assert queries[0] == queries[1]
    assert not any("accounts_user" in sql for sql in queries[0])
    assert queued == [("owner@acme.test",), ("nobody@acme.test",)]
    assert mail.outbox == []


def test_the_task_mails_known_addresses_a_link_on_site_url(cast, settings):
    settings.SITE_URL = "https://breakeven.example.com"

    tasks.password_reset_send("nobody@acme.test")
    assert mail.outbox == []
    tasks.password_reset_send("OWNER@acme.test")

    assert [m.to for m in mail.outbox] == [["owner@acme.test"]]
    assert "https://breakeven.example.com/accounts/password/reset/" in mail.outbox[0].body


def test_inactive_accounts_get_nothing(cast):
    cast.teammate.is_active = False
    cast.teammate.save()
    tasks.password_reset_send("mate@acme.test")
    assert mail.outbox == []
