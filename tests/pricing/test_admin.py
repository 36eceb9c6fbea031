"""Staff admin: read-only published versions, actions through audited services, diff, import."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from pricing.models import ApiOffer, CatalogVersion, VersionStatus
from pricing.services import REFERENCE_CATALOG_PATH

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:pricing_catalogversion_changelist"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _action(client, action, *versions):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [v.pk for v in versions]},
    )


def test_changelist_shows_age_and_stale_badge(staff_client, reference, draft, settings):
    settings.CATALOG_STALE_AFTER_DAYS = 30
    draft.effective_date = draft.effective_date - timedelta(days=45)
    draft.save()
    response = staff_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("pricing-fresh") == 1
    assert text.count("pricing-stale") == 1
    assert '<td class="field-age_column">45</td>' in text
    assert "Import catalog" in text


def test_published_version_change_page_is_read_only(staff_client, reference, draft):
    url = reverse("admin:pricing_catalogversion_change", args=[reference.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    draft_page = staff_client.get(reverse("admin:pricing_catalogversion_change", args=[draft.pk]))
    assert 'name="_save"' in draft_page.content.decode()


def test_publish_clone_retire_actions_are_audited(staff_client, staff, reference, draft):
    _action(staff_client, "publish", draft)
    assert CatalogVersion.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED
    _action(staff_client, "retire", reference)
    assert CatalogVersion.objects.get(pk=reference.pk).status == VersionStatus.RETIRED
    before = CatalogVersion.objects.count()
    _action(staff_client, "clone", draft)
    assert CatalogVersion.objects.count() == before + 1
    actions = set(AuditEvent.objects.filter(actor=staff).values_list("action", flat=True))
    assert {"catalog.publish", "catalog.retire", "catalog.clone"} <= actions


def test_export_action_downloads_json(staff_client, staff, reference):
    response = _action(staff_client, "export_json", reference)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["name"] == "Reference catalog 2026"
    assert AuditEvent.objects.filter(action="catalog.export", actor=staff).exists()
    zipped = _action(staff_client, "export_csv", reference)
    assert zipped.content[:2] == b"PK"


def test_diff_view_renders_changes(staff_client, reference, draft):
    offer = ApiOffer.objects.get(version=draft, model_name="Claude Opus 4.5")
    offer.input_per_mtok = Decimal("4")
    offer.save()
    redirect = _action(staff_client, "diff_two", reference, draft)
    assert redirect.status_code == 302
    response = staff_client.get(redirect["Location"])
    assert response.status_code == 200
    text = response.content.decode()
    assert "Claude Opus 4.5" in text
    assert "-20.00%" in text


def test_import_form_imports_and_reports_errors(staff_client, staff):
    url = reverse("admin:pricing_catalogversion_import")
    assert staff_client.get(url).status_code == 200
    bad = copy.deepcopy(json.loads(REFERENCE_CATALOG_PATH.read_text()))
    bad["owned_hardware"][0]["price"] = "eight hundred"
    response = staff_client.post(
        url, {"file": SimpleUploadedFile("bad.json", json.dumps(bad).encode())}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "owned_hardware row 1" in text
    assert "nothing was imported" in text
    assert CatalogVersion.objects.count() == 0
    response = staff_client.post(
        url,
        {
            "file": SimpleUploadedFile("catalog-2026.json", REFERENCE_CATALOG_PATH.read_bytes()),
            "publish": "on",
        },
    )
    assert response.status_code == 302
    version = CatalogVersion.objects.get()
    assert version.status == VersionStatus.PUBLISHED
    assert version.published_by == staff
    assert AuditEvent.objects.filter(action="catalog.import", actor=staff).exists()


def test_non_staff_cannot_reach_admin_pages(cast, reference):
    client = cast.client_for(cast.owner)
    response = client.get(reverse("admin:pricing_catalogversion_diff"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
