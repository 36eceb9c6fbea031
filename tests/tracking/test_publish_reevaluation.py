"""Publishing does what the README says (issue 17 item 4): publishing a version re-evaluates
every plan pinned to an earlier version of that catalog in a background run, flags the
plans whose cheapest option or recommendation flips (with the price move behind it) and
notifies each organization, in the app and through its own signed webhooks.

The reference catalog is cloned and GPT-5 made dearer ($1.25/$10 → $5/$20 per 1M); plans
compare GPT-5 with Claude Sonnet 4.5 ($3/$15) on 1B tokens a month, half input:
GPT-5 costs 500 x 1.25 + 500 x 10 = $5,625 before and 500 x 5 + 500 x 20 = $12,500 after,
Sonnet 500 x 3 + 500 x 15 = $9,000 throughout, so the cheapest option flips to Sonnet.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from planner import services as planner_services
from planner.models import PlanReevaluation, PlanRunStatus, ReevaluationRun, RunStatus
from planner.models.plans import OptionKind
from pricing.models import ApiOffer, Catalog, CatalogSource, CatalogVersion, VersionStatus
from pricing.services import (
    catalog_version_clone,
    catalog_version_publish,
    load_reference_catalog,
)
from tests.factories import WorkloadFactory
from tracking import services, webhooks
from tracking.models import Alert, AlertKind, DeliveryStatus, WebhookDelivery

GPT5 = "GPT-5 (OpenAI) · feb-2026"
SONNET = "Claude Sonnet 4.5 (Anthropic) · feb-2026"


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    settings.TRACKING_WEBHOOK_ALLOW_PRIVATE = True
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", _Receiver
    server.shutdown()


@pytest.fixture
def reference(db):
    version, _created = load_reference_catalog()
    return version


def _offer(version, model):
    return ApiOffer.objects.get(version=version, model_name=model, source__key="feb-2026")


def _plan(org, version, name="Assistant"):
    workload = WorkloadFactory(organization=org, tokens_per_month=1_000_000_000, input_share="0.5")
    plan = planner_services.plan_create(
        organization=org,
        actor=None,
        name=name,
        workload=workload,
        catalog_version=version,
        options=[
            {"kind": OptionKind.API, "api_offer": _offer(version, "GPT-5")},
            {"kind": OptionKind.API, "api_offer": _offer(version, "Claude Sonnet 4.5")},
        ],
    )
    planner_services.plan_compute(plan=plan, actor=None)
    return plan


def _dearer_gpt5(reference):
    draft = catalog_version_clone(version=reference, actor=None)
    ApiOffer.objects.filter(version=draft, model_name="GPT-5", source__key="feb-2026").update(
        input_per_mtok=Decimal(5), output_per_mtok=Decimal(20)
    )
    return draft


def _other_catalog_plan(org):
    catalog = Catalog.objects.create(name="Another price list")
    version = CatalogVersion.objects.create(catalog=catalog, number=1, title="Other")
    source = CatalogSource.objects.create(version=version, key="other", description="Other")
    offer = ApiOffer.objects.create(
        version=version,
        model_name="gpt-5",
        provider="openai",
        source=source,
        input_per_mtok=Decimal(1),
        output_per_mtok=Decimal(8),
    )
    version.status = VersionStatus.PUBLISHED
    version.save()
    workload = WorkloadFactory(organization=org)
    return planner_services.plan_create(
        organization=org,
        actor=None,
        name="Elsewhere",
        workload=workload,
        catalog_version=version,
        options=[{"kind": OptionKind.API, "api_offer": offer}],
    )


def test_publishing_flags_plans_and_notifies_each_organization(
    cast, reference, receiver, django_capture_on_commit_callbacks
):
    base, handler = receiver
    ours, our_secret = services.webhook_create(
        organization=cast.org, actor=cast.owner, url=f"{base}/acme"
    )
    theirs, their_secret = services.webhook_create(
        organization=cast.other_org, actor=cast.outsider, url=f"{base}/rival"
    )
    our_plan = _plan(cast.org, reference)
    their_plan = _plan(cast.other_org, reference, name="Rival bot")
    elsewhere = _other_catalog_plan(cast.org)
    assert our_plan.latest_comparison.cheapest_option == GPT5
    assert our_plan.latest_comparison.cheapest_monthly == Decimal("5625.00")
    draft = _dearer_gpt5(reference)

    with django_capture_on_commit_callbacks(execute=True):
        published = catalog_version_publish(version=draft, actor=None)

    # The run covered the two plans on the reference catalog's earlier version only.
    run = ReevaluationRun.objects.get(version=published)
    assert (run.status, run.total, run.done, run.flagged, run.failed) == (
        RunStatus.DONE,
        2,
        2,
        2,
        0,
    )
    assert published.publish_notes == [
        f"Re-evaluating 2 plan(s) pinned to earlier versions of Reference catalog 2026 "
        f"against v2 in the background (re-evaluation run #{run.pk}; progress in the admin "
        "under Planner > Re-evaluation runs)."
    ]
    elsewhere.refresh_from_db()
    assert elsewhere.catalog_version.catalog.name == "Another price list"

    for plan in (our_plan, their_plan):
        plan.refresh_from_db()
        assert plan.catalog_version_id == published.pk
        latest = plan.latest_comparison
        assert (latest.trigger, latest.cheapest_option) == ("reevaluate", SONNET)
        assert latest.cheapest_monthly == Decimal("9000.00")
        # The price move: input 1.25 -> 5 is +300%, output 10 -> 20 is +100%.
        assert plan.flag == (
            f"The recommendation and the cheapest option changed from {GPT5} to {SONNET} "
            "because GPT-5 input price rose 300% and GPT-5 output price rose 100%."
        )

    # Each organization sees its own row of the run, alert and delivery: none of the other's.
    [our_row] = PlanReevaluation.objects.for_org(cast.org)
    assert (our_row.plan_id, our_row.status) == (our_plan.pk, PlanRunStatus.FLAGGED)
    assert our_row.flag == our_plan.flag
    [our_alert] = Alert.objects.for_org(cast.org)
    [their_alert] = Alert.objects.for_org(cast.other_org)
    assert our_alert.plan_id == our_plan.pk
    assert their_alert.plan_id == their_plan.pk
    assert our_alert.message == f"Assistant: {our_plan.flag}"
    # The recommendation flipped with the cheapest option: the alert keeps that kind.
    kind = AlertKind.RECOMMENDATION_FLIPPED
    assert our_alert.kind == their_alert.kind == kind

    by_path = {path: (headers, body) for path, headers, body in handler.received}
    assert sorted(by_path) == ["/acme", "/rival"]
    for path, endpoint, secret, plan, org in (
        ("/acme", ours, our_secret, our_plan, cast.org),
        ("/rival", theirs, their_secret, their_plan, cast.other_org),
    ):
        headers, body = by_path[path]
        assert headers["X-Breakeven-Event"] == f"alert.{kind}"
        assert webhooks.verify(secret=secret, body=body, header=headers["X-Breakeven-Signature"])
        payload = json.loads(body)
        assert payload["organization"] == org.slug
        assert payload["plan"]["id"] == plan.pk
        details = payload["details"]
        assert (details["cheapest_from"], details["cheapest_to"]) == (GPT5, SONNET)
        assert details["price_moves"] == [
            "GPT-5 input price rose 300%",
            "GPT-5 output price rose 100%",
        ]
        assert (details["previous_catalog_version"], details["catalog_version"]) == (
            reference.pk,
            published.pk,
        )
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)
        assert delivery.status == DeliveryStatus.DELIVERED

    # In the app: the dashboard lists the flagged plan for its members only.
    page = cast.client_for(cast.viewer).get(reverse("planner:dashboard")).content.decode()
    assert "Flagged by new prices" in page
    assert "GPT-5 input price rose 300%" in page
    rival = cast.client_for(cast.outsider).get(reverse("planner:dashboard")).content.decode()
    assert "Assistant" not in rival


def test_a_run_shows_its_progress_and_carries_on_after_a_lost_worker(
    cast, reference, django_capture_on_commit_callbacks
):
    from planner import reevaluation

    plans = [_plan(cast.org, reference, name=f"Plan {i}") for i in range(3)]
    draft = _dearer_gpt5(reference)
    # Published without running the queued task: the run waits, its rows pending.
    published = catalog_version_publish(version=draft, actor=None)
    run = ReevaluationRun.objects.get(version=published)
    assert (run.status, run.total, run.done) == (RunStatus.QUEUED, 3, 0)
    page = cast.client_for(cast.owner).get(reverse("planner:dashboard")).content.decode()
    assert "Reference catalog 2026 v2: 0 of 3 of your plans re-evaluated" in page
    outsider = cast.client_for(cast.outsider).get(reverse("planner:dashboard")).content.decode()
    assert "Re-evaluating with new prices" not in outsider

    # One batch of two, then the worker "dies": the next delivery goes on from there.
    assert reevaluation.reevaluation_run_batch(run_id=run.pk, batch=2) is True
    run.refresh_from_db()
    assert (run.status, run.done, run.progress_percent) == (RunStatus.RUNNING, 2, 66)
    page = cast.client_for(cast.owner).get(reverse("planner:dashboard")).content.decode()
    assert "2 of 3 of your plans re-evaluated" in page
    assert reevaluation.reevaluation_run_batch(run_id=run.pk, batch=2) is False
    assert reevaluation.reevaluation_run_batch(run_id=run.pk, batch=2) is False  # redelivered
    run.refresh_from_db()
    assert (run.status, run.done, run.flagged) == (RunStatus.DONE, 3, 3)
    for plan in plans:
        # One re-evaluation each, however often the task ran.
        assert plan.comparisons.filter(trigger="reevaluate").count() == 1


def test_import_catalog_publish_and_the_admin_action_start_the_run(
    cast, reference, django_capture_on_commit_callbacks, tmp_path, admin_client
):
    from pricing.exporters import export_json

    plan = _plan(cast.org, reference)
    draft = _dearer_gpt5(reference)
    path = tmp_path / "catalog.json"
    path.write_bytes(export_json(draft))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "import_catalog",
            str(path),
            "--name",
            "Reference catalog 2026",
            "--publish",
            stdout=out,
        )
    assert "Re-evaluating 1 plan(s) pinned to earlier versions of Reference catalog 2026" in (
        out.getvalue()
    )
    plan.refresh_from_db()
    assert plan.catalog_version.number == 3
    assert plan.flag

    second = catalog_version_clone(version=plan.catalog_version, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:pricing_catalogversion_changelist"),
            {"action": "publish", "_selected_action": [second.pk]},
            follow=True,
        )
    assert "Re-evaluating 1 plan(s)" in response.content.decode()
    plan.refresh_from_db()
    assert plan.catalog_version_id == second.pk


def _litellm_map(path, gpt5_input, gpt5_output):
    """A LiteLLM price map of two chat models, prices per token as LiteLLM writes them."""
    path.write_text(
        json.dumps(
            {
                "gpt-5": {
                    "mode": "chat",
                    "litellm_provider": "openai",
                    "input_cost_per_token": gpt5_input,
                    "output_cost_per_token": gpt5_output,
                },
                "claude-sonnet-4-5": {
                    "mode": "chat",
                    "litellm_provider": "anthropic",
                    "input_cost_per_token": 3e-06,
                    "output_cost_per_token": 1.5e-05,
                },
            }
        )
    )
    return str(path)


def test_import_prices_publish_moves_that_catalogs_plans_only(
    cast, reference, tmp_path, django_capture_on_commit_callbacks, admin_client
):
    from pricing.selectors import catalog_version_current

    out = StringIO()
    first_file = _litellm_map(tmp_path / "v1.json", 1.25e-06, 1e-05)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_prices", "--format", "litellm", first_file, "--publish", stdout=out)
    assert "No plan is pinned to an earlier version of LiteLLM prices" in out.getvalue()
    v1 = CatalogVersion.objects.get(catalog__name="LiteLLM prices", number=1)
    workload = WorkloadFactory(organization=cast.org, tokens_per_month=1_000_000_000)
    on_litellm = planner_services.plan_create(
        organization=cast.org,
        actor=None,
        name="On LiteLLM",
        workload=workload,
        catalog_version=v1,
        options=[
            {"kind": OptionKind.API, "api_offer": offer}
            for offer in ApiOffer.objects.filter(version=v1).order_by("pk")
        ],
    )
    planner_services.plan_compute(plan=on_litellm, actor=None)
    on_reference = _plan(cast.org, reference)

    # gpt-5 goes from 1.25e-06/1e-05 to 5e-06/2e-05 a token: $1.25/$10 -> $5/$20 per 1M.
    second_file = _litellm_map(tmp_path / "v2.json", 5e-06, 2e-05)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_prices", "--format", "litellm", second_file, "--publish", stdout=out)
    assert "Re-evaluating 1 plan(s) pinned to earlier versions of LiteLLM prices against v2" in (
        out.getvalue()
    )
    on_litellm.refresh_from_db()
    assert on_litellm.catalog_version.number == 2
    assert on_litellm.latest_comparison.cheapest_monthly == Decimal("9000.00")
    assert on_litellm.flag.endswith(
        "because gpt-5 input price rose 300% and gpt-5 output price rose 100%."
    )
    # The plan on the reference catalog is another catalog's: untouched, still current there.
    on_reference.refresh_from_db()
    assert on_reference.catalog_version_id == reference.pk
    assert not on_reference.comparisons.filter(trigger="reevaluate").exists()
    assert catalog_version_current() == reference
    # Staff follow the run in the admin.
    page = admin_client.get(reverse("admin:planner_reevaluationrun_changelist")).content.decode()
    assert "1 / 1 (100%)" in page


def test_a_broker_outage_leaves_the_publication_and_says_how_to_run_it(
    cast, reference, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from planner import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.reevaluation_run_task, "delay", broker_down)
    plan = _plan(cast.org, reference)
    with django_capture_on_commit_callbacks(execute=True):
        published = catalog_version_publish(version=_dearer_gpt5(reference), actor=None)
    assert CatalogVersion.objects.get(pk=published.pk).status == VersionStatus.PUBLISHED
    run = ReevaluationRun.objects.get(version=published)
    assert run.status == RunStatus.FAILED
    assert f"run `manage.py reevaluate_plans {published.pk}`" in run.error
    # The command does it in this process.
    out = StringIO()
    call_command("reevaluate_plans", str(published.pk), stdout=out)
    assert "Re-evaluated 1 plan(s); 1 flagged; 0 failed" in out.getvalue()
    plan.refresh_from_db()
    assert plan.catalog_version_id == published.pk
