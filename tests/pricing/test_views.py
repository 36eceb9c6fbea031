"""Catalog pages: any logged-in member reads them; overlays only for their organization."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pricing.models import ApiOffer
from pricing.services import (
    catalog_version_clone,
    catalog_version_publish,
    overlay_api_price_set,
    price_overlay_create,
)
from pricing.views import CatalogListView, CatalogVersionDetailView

pytestmark = pytest.mark.django_db

ROLES = ["owner", "teammate", "viewer", "outsider"]


def test_views_declare_public_model_for_the_tenancy_harness():
    from pricing.models import CatalogVersion

    for view in (CatalogListView, CatalogVersionDetailView):
        assert view.model is CatalogVersion
        assert view.tenant_scoped is False


@pytest.mark.parametrize("role", ROLES)
def test_catalog_list_for_every_member(cast, reference, role):
    response = cast.client_for(getattr(cast, role)).get(reverse("pricing:catalog_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Reference catalog 2026 v1" in text
    assert "Published" in text


@pytest.mark.parametrize("role", ROLES)
def test_catalog_detail_for_every_member(cast, reference, role):
    response = cast.client_for(getattr(cast, role)).get(
        reverse("pricing:catalog_detail", args=[reference.pk])
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "GPT-5" in text
    assert "output only" in text  # DeepSeek V4 Flash global-2026 publishes no input price
    assert "1,440.00" in text  # A100 monthly, with thousands separator
    assert "feb-2026" in text


def test_anonymous_is_sent_to_login(reference):
    response = Client().get(reverse("pricing:catalog_detail", args=[reference.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_drafts_are_not_shown_on_pages(cast, draft):
    client = cast.client_for(cast.owner)
    assert client.get(reverse("pricing:catalog_detail", args=[draft.pk])).status_code == 404
    assert (
        f'href="{reverse("pricing:catalog_detail", args=[draft.pk])}"'
        not in client.get(reverse("pricing:catalog_list")).content.decode()
    )


def test_search_filters_models_and_gpus(cast, reference):
    url = reverse("pricing:catalog_detail", args=[reference.pk])
    text = cast.client_for(cast.owner).get(url, {"q": "claude"}).content.decode()
    assert "Claude Sonnet 4.5" in text
    assert "GPT-5" not in text
    assert "No GPU offers match." in text
    text = cast.client_for(cast.owner).get(url, {"q": "H200"}).content.decode()
    assert "NVIDIA H200 141GB" in text
    assert "No API offers match." in text


def test_overlay_prices_show_only_to_their_organization(cast, reference):
    overlay = price_overlay_create(
        organization=cast.org, base_version=reference, name="Acme deal", actor=cast.owner
    )
    overlay_api_price_set(
        overlay=overlay,
        actor=cast.owner,
        replaces=ApiOffer.objects.get(version=reference, model_name="Grok 3"),
        output_per_mtok=Decimal("11.11"),
    )
    overlay_api_price_set(
        overlay=overlay,
        actor=cast.owner,
        model_name="Acme Secret Model",
        output_per_mtok=Decimal("0.33"),
    )
    url = reverse("pricing:catalog_detail", args=[reference.pk])
    for user in (cast.owner, cast.viewer):
        text = cast.client_for(user).get(url).content.decode()
        assert "Acme Secret Model" in text
        assert "11.11" in text
    outsider = cast.client_for(cast.outsider).get(url).content.decode()
    assert "Acme Secret Model" not in outsider
    assert "11.11" not in outsider
    assert "private prices" not in outsider


def test_freshness_flag(cast, reference, settings):
    # The reference catalog's age counts from its prices' date (1 February 2026, its
    # oldest price list), not from the day it was imported.
    assert reference.effective_date == date(2026, 2, 1)
    assert reference.age_days == (timezone.localdate() - date(2026, 2, 1)).days
    settings.CATALOG_STALE_AFTER_DAYS = reference.age_days
    assert not reference.is_stale
    settings.CATALOG_STALE_AFTER_DAYS = 90
    clone = catalog_version_clone(version=reference, actor=cast.owner)
    clone.effective_date = timezone.localdate() - timedelta(days=91)
    clone.save()
    old = catalog_version_publish(version=clone, actor=cast.owner)
    assert old.age_days == 91
    assert old.is_stale
    text = cast.client_for(cast.owner).get(reverse("pricing:catalog_list")).content.decode()
    assert "91 d" in text
    assert '<span class="badge bad">stale</span>' in text
    detail = cast.client_for(cast.owner).get(reverse("pricing:catalog_detail", args=[old.pk]))
    assert "91 days old" in detail.content.decode()


def test_diff_page_shows_percent_with_badges(cast, reference):
    clone = catalog_version_clone(version=reference, actor=cast.owner)
    offer = ApiOffer.objects.get(version=clone, model_name="GPT-5")
    offer.output_per_mtok = Decimal("12.5")
    offer.save()
    newer = catalog_version_publish(version=clone, actor=cast.owner)
    url = reverse("pricing:catalog_diff")
    for role in ROLES:
        response = cast.client_for(getattr(cast, role)).get(
            url, {"old": reference.pk, "new": newer.pk}
        )
        assert response.status_code == 200
        text = response.content.decode()
        assert "1 change:" in text
        assert '<span class="badge bad">+25.00%</span>' in text


def test_diff_page_refuses_drafts(cast, reference, draft):
    response = cast.client_for(cast.owner).get(
        reverse("pricing:catalog_diff"), {"old": reference.pk, "new": draft.pk}
    )
    assert response.status_code == 404


def test_query_counts_are_pinned(cast, reference, django_assert_max_num_queries):
    for _ in range(3):
        clone = catalog_version_clone(version=reference, actor=cast.owner)
        catalog_version_publish(version=clone, actor=cast.owner)
    client = cast.client_for(cast.owner)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("pricing:catalog_list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("pricing:catalog_detail", args=[reference.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        diff = client.get(reverse("pricing:catalog_diff"), {"old": reference.pk, "new": clone.pk})
        assert diff.status_code == 200
