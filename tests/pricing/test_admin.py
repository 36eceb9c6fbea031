"""Staff admin: read-only published versions, actions through audited services, diff, import."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

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
    # The reference catalog is as old as its prices (effective 2026-02-01): the threshold
    # sits 30 days past its age, and the draft 45 days before its prices.
    reference_age = (timezone.localdate() - reference.effective_date).days
    settings.CATALOG_STALE_AFTER_DAYS = reference_age + 30
    draft.effective_date = reference.effective_date - timedelta(days=45)
    draft.save()
    response = staff_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("pricing-fresh") == 1
    assert text.count("pricing-stale") == 1
    assert f'<td class="field-age_column">{reference_age + 45}</td>' in text
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


class _FormFields(HTMLParser):
    """The fields a browser would post from the page's change form (name -> values)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def _posted_back(page) -> dict[str, list[str]]:
    fields = _FormFields()
    fields.feed(page.content.decode())
    return fields.data


def test_a_draft_cloned_from_the_reference_catalog_saves_from_its_admin_page(staff_client, draft):
    url = reverse("admin:pricing_catalogversion_change", args=[draft.pk])
    page = staff_client.get(url)
    assert page.status_code == 200
    data = _posted_back(page)
    assert sum(len(values) for values in data.values()) < 1000  # Django's field limit
    data["title"] = ["Edited draft"]
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert CatalogVersion.objects.get(pk=draft.pk).title == "Edited draft"


def test_a_drafts_rows_are_edited_a_page_at_a_time(staff_client, draft, reference):
    page = staff_client.get(reverse("admin:pricing_catalogversion_change", args=[draft.pk]))
    rows_url = reverse("admin:pricing_apioffer_changelist") + f"?version__id__exact={draft.pk}"
    assert rows_url.replace("&", "&amp;") in page.content.decode()
    listing = staff_client.get(rows_url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == draft.api_offers.count()
    assert len(listing.context["cl"].result_list) <= 50

    offer = draft.api_offers.order_by("pk").first()
    url = reverse("admin:pricing_apioffer_change", args=[offer.pk])
    data = _posted_back(staff_client.get(url))
    data["output_per_mtok"] = ["12.34"]
    assert staff_client.post(url, data).status_code == 302
    assert ApiOffer.objects.get(pk=offer.pk).output_per_mtok == Decimal("12.34")

    # The published version's rows can be read, not changed.
    published = reference.api_offers.order_by("pk").first()
    url = reverse("admin:pricing_apioffer_change", args=[published.pk])
    read_only = staff_client.get(url)
    assert read_only.status_code == 200
    assert 'name="_save"' not in read_only.content.decode()
    before = published.output_per_mtok
    staff_client.post(url, {**data, "output_per_mtok": ["99"]})
    assert ApiOffer.objects.get(pk=published.pk).output_per_mtok == before
