"""The scheduled price refresh (issue 17, item 5): beat runs it; a source whose content
changed becomes a draft, the same content makes nothing, nothing is ever published by it;
the admin shows the draft's diff against the catalog's current version."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from config.celery import app
from pricing.models import ApiOffer, CatalogVersion, VersionStatus
from pricing.price_imports import refresh, tasks
from pricing.services import catalog_version_publish
from tests.config.test_settings import _run_python

pytestmark = pytest.mark.django_db

CATALOG = "LiteLLM prices"


def price_map(gpt_input: float = 2.5e-06) -> bytes:
    """A small map in LiteLLM's format (prices per token, floats as the real file has them)."""
    return json.dumps(
        {
            "sample_spec": {"mode": "chat", "input_cost_per_token": 0},
            "gpt-4o": {
                "litellm_provider": "openai",
                "mode": "chat",
                "input_cost_per_token": gpt_input,
                "output_cost_per_token": 1e-05,
                "cache_read_input_token_cost": 1.25e-06,
            },
            "claude-sonnet-4-20250514": {
                "litellm_provider": "anthropic",
                "mode": "chat",
                "input_cost_per_token": 3e-06,
                "output_cost_per_token": 1.5e-05,
            },
            "text-embedding-3-small": {
                "litellm_provider": "openai",
                "mode": "embedding",
                "input_cost_per_token": 2e-08,
            },
        }
    ).encode()


@pytest.fixture
def source(tmp_path, settings):
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_bytes(price_map())
    settings.PRICE_REFRESH_SOURCES = {"litellm": str(path), "genai-prices": "", "skypilot": ""}
    return path


def versions():
    return list(
        CatalogVersion.objects.filter(catalog__name=CATALOG)
        .order_by("number")
        .values_list("number", "status")
    )


def test_beat_runs_the_refresh_on_the_configured_schedule():
    schedule = django_settings.CELERY_BEAT_SCHEDULE["refresh-prices"]
    assert schedule == {"task": "pricing.refresh_prices", "schedule": 24 * 3600}
    app.loader.import_default_modules()
    assert "pricing.refresh_prices" in app.tasks


def test_a_changed_source_makes_a_draft_and_the_same_content_makes_nothing(source):
    assert tasks.refresh_prices() == [
        {
            "format": "litellm",
            "source": str(source),
            "status": "created",
            "version": CatalogVersion.objects.get(catalog__name=CATALOG).pk,
            "error": "",
        }
    ]
    assert versions() == [(1, VersionStatus.DRAFT)]  # never published by the job
    first = CatalogVersion.objects.get(catalog__name=CATALOG)
    assert tasks.refresh_prices()[0]["status"] == "unchanged"
    assert versions() == [(1, VersionStatus.DRAFT)]

    catalog_version_publish(version=first, actor=None)  # a person publishes it
    assert tasks.refresh_prices()[0] == {
        "format": "litellm",
        "source": str(source),
        "status": "unchanged",
        "version": first.pk,
        "error": "",
    }
    # GPT-4o input goes from $2.50 to $2.00 per 1M tokens: a new draft, the first untouched.
    source.write_bytes(price_map(gpt_input=2e-06))
    outcome = tasks.refresh_prices()[0]
    assert outcome["status"] == "created"
    assert versions() == [(1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]
    offer = ApiOffer.objects.get(version_id=outcome["version"], model_name="gpt-4o")
    assert str(offer.input_per_mtok.normalize()) == "2"
    assert tasks.refresh_prices()[0]["status"] == "unchanged"
    assert len(versions()) == 2


def test_a_url_source_is_fetched(settings):
    body = price_map()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/prices/model_prices.json"
        [outcome] = refresh.refresh_prices(sources={"litellm": url})
    finally:
        server.shutdown()
    assert (outcome.status, outcome.source) == ("created", url)
    version = CatalogVersion.objects.get(pk=outcome.version_id)
    assert version.source_filename == "model_prices.json"
    assert ApiOffer.objects.filter(version=version).count() == 2  # the embedding is not an offer


def test_a_source_that_fails_is_reported_and_the_others_still_run(source, tmp_path):
    bad = tmp_path / "genai.json"
    bad.write_text("{not json")
    outcomes = refresh.refresh_prices(
        sources={
            "genai-prices": str(bad),
            "skypilot": str(tmp_path / "missing.csv"),
            "litellm": str(source),
        }
    )
    assert [(o.price_format, o.status) for o in outcomes] == [
        ("genai-prices", "failed"),
        ("skypilot", "failed"),
        ("litellm", "created"),
    ]
    assert "not valid JSON" in outcomes[0].error
    assert outcomes[1].error.endswith("missing.csv: No such file or directory")


def test_the_command_runs_the_refresh_now(source):
    out = StringIO()
    call_command("refresh_prices", stdout=out)
    assert "litellm: new draft version" in out.getvalue()
    source.write_text("[]")
    with pytest.raises(CommandError, match="1 source"):
        call_command("refresh_prices", stdout=StringIO(), stderr=StringIO())


def test_the_admin_shows_the_draft_s_diff_against_the_current_version(client, staff, source):
    tasks.refresh_prices()
    current = CatalogVersion.objects.get(catalog__name=CATALOG)
    client.force_login(staff)
    first_page = client.get(reverse("admin:pricing_catalogversion_change", args=[current.pk]))
    assert "No published version of this catalog yet" in first_page.content.decode()
    current = catalog_version_publish(version=current, actor=staff)

    source.write_bytes(price_map(gpt_input=2e-06))
    draft = CatalogVersion.objects.get(pk=tasks.refresh_prices()[0]["version"])
    page = client.get(reverse("admin:pricing_catalogversion_change", args=[draft.pk]))
    text = page.content.decode()
    assert f"0 added, 0 removed, 1 changed against {current}" in text
    diff_url = reverse("admin:pricing_catalogversion_diff")
    assert f'href="{diff_url}?old={current.pk}&amp;new={draft.pk}"' in text
    # $2.50 -> $2.00 per 1M input tokens of gpt-4o: -20%.
    assert "<td>changed</td><td>gpt-4o · openai · litellm</td><td>input_per_mtok</td>" in text
    assert "<td>2.50</td><td>2.00</td><td>-20.00%</td>" in text


def test_settings_refuse_a_bad_grouping_or_interval_at_start():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
    )
    bad_grouping = _run_python(code, DEBUG="1", PRICE_REFRESH_SKYPILOT_GROUPING="cheapest")
    assert bad_grouping.returncode != 0
    assert "PRICE_REFRESH_SKYPILOT_GROUPING must be" in bad_grouping.stderr
    bad_hours = _run_python(code, DEBUG="1", PRICE_REFRESH_HOURS="0")
    assert "PRICE_REFRESH_HOURS must be" in bad_hours.stderr
    ok = _run_python(
        code + ";from django.conf import settings as s;"
        "print(s.CELERY_BEAT_SCHEDULE['refresh-prices']['schedule'], s.PRICE_REFRESH_SOURCES['litellm'])",
        DEBUG="1",
        PRICE_REFRESH_HOURS="6",
        PRICE_REFRESH_LITELLM="https://example.test/prices.json",
    )
    assert ok.stdout.split() == ["21600", "https://example.test/prices.json"]
