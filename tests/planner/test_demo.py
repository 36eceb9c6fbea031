"""`manage.py seed_demo` (planner/demo.py): the demo organization, its members and plans."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Membership, Organization, Role, User
from planner.models import Plan

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_demo_organization_and_prints_the_login(client):
    output = _run()

    assert "demo@breakeven.local / breakeven-demo" in output
    organization = Organization.objects.get(name="Demo Co")
    roles = dict(
        Membership.objects.filter(organization=organization).values_list("user__email", "role")
    )
    assert roles == {"demo@breakeven.local": Role.OWNER, "viewer@breakeven.local": Role.VIEWER}
    response = client.post(
        "/accounts/login/", {"username": "demo@breakeven.local", "password": "breakeven-demo"}
    )
    assert response.status_code == 302


def test_seed_demo_is_idempotent():
    _run()
    snapshot = (User.objects.count(), Organization.objects.count(), Membership.objects.count())
    output = _run()
    assert (
        User.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
    ) == snapshot
    assert "Kept organization Demo Co" in output


def test_seed_demo_adds_a_computed_plan_when_the_catalog_is_loaded(reference_version, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "Created plan Support assistant" in out
    plan = Plan.objects.get(name__startswith="Support assistant")
    assert plan.latest_comparison is not None
    call_command("seed_demo")
    assert "Kept plan" in capsys.readouterr().out


def test_seed_demo_skips_plans_without_a_catalog(capsys):
    call_command("seed_demo")
    assert "Skipped demo plans" in capsys.readouterr().out
    assert not Plan.objects.exists()
