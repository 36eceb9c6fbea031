"""Private price overlays: only their organization ever sees them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pricing.models import ApiOffer, GpuOffer
from pricing.selectors import effective_prices
from pricing.services import (
    CatalogStateError,
    overlay_api_price_set,
    overlay_gpu_price_set,
    price_overlay_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_overlay(cast, reference):
    overlay = price_overlay_create(
        organization=cast.org, base_version=reference, name="Acme deal", actor=cast.owner
    )
    gpt5 = ApiOffer.objects.get(version=reference, model_name="GPT-5")
    overlay_api_price_set(
        overlay=overlay, actor=cast.owner, replaces=gpt5, output_per_mtok=Decimal("7.50")
    )
    overlay_api_price_set(
        overlay=overlay,
        actor=cast.owner,
        model_name="Acme Private LLM",
        provider="Acme",
        output_per_mtok=Decimal("0.42"),
    )
    a100 = GpuOffer.objects.get(version=reference, sku="NVIDIA A100 80GB", gpu_count=1)
    overlay_gpu_price_set(overlay=overlay, actor=cast.owner, replaces=a100, hourly=Decimal("1.60"))
    return overlay


def _api(book, model):
    return [o for o in book.api_offers if o.model_name == model]


def test_owner_org_sees_its_negotiated_and_private_prices(cast, reference, acme_overlay):
    book = effective_prices(version=reference, organization=cast.org)
    (gpt5,) = _api(book, "GPT-5")
    assert gpt5.output_per_mtok == Decimal("7.50")
    assert gpt5.input_per_mtok == Decimal("1.25")  # not overridden: inherited
    assert gpt5.is_overridden
    (private,) = _api(book, "Acme Private LLM")
    assert private.is_private
    assert private.output_only
    (a100,) = [g for g in book.gpu_offers if g.sku == "NVIDIA A100 80GB" and g.gpu_count == 1]
    assert a100.hourly.expected == Decimal("1.60")
    assert len(book.api_offers) == 25
    assert book.overlay_id == acme_overlay.pk


def test_other_org_never_sees_the_overlay(cast, reference, acme_overlay):
    book = effective_prices(version=reference, organization=cast.other_org)
    (gpt5,) = _api(book, "GPT-5")
    assert gpt5.output_per_mtok == Decimal("10")
    assert not gpt5.is_overridden
    assert _api(book, "Acme Private LLM") == []
    assert book.overlay_id is None
    assert len(book.api_offers) == 24


def test_public_book_without_organization(reference, acme_overlay):
    book = effective_prices(version=reference, organization=None)
    assert _api(book, "Acme Private LLM") == []


def test_overlay_needs_a_published_base(cast, draft):
    with pytest.raises(CatalogStateError):
        price_overlay_create(organization=cast.org, base_version=draft, name="x", actor=cast.owner)


def test_overlay_cannot_override_an_offer_of_another_version(cast, reference, draft, acme_overlay):
    foreign = ApiOffer.objects.get(version=draft, model_name="GPT-5")
    with pytest.raises(ValidationError) as refused:
        overlay_api_price_set(
            overlay=acme_overlay, actor=cast.owner, replaces=foreign, output_per_mtok=Decimal(1)
        )
    assert refused.value.message_dict["replaces"] == [
        "Catalog offer is not in Reference catalog 2026 v1, these prices' version."
    ]


def test_tenant_factory_builds_an_overlay_in_the_given_org(cast):
    from pricing.models import PriceOverlay
    from tests.factories import TENANT_FACTORIES

    overlay = TENANT_FACTORIES[PriceOverlay](cast.other_org)
    assert overlay.organization == cast.other_org
    assert list(PriceOverlay.objects.for_org(cast.org)) == []
