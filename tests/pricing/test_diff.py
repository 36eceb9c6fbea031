from __future__ import annotations

from decimal import Decimal

import pytest

from pricing.models import ApiOffer, GpuOffer, HiddenCost
from pricing.selectors import PriceChange, pct_change, version_diff

pytestmark = pytest.mark.django_db


def test_identical_versions_have_no_diff(reference, draft):
    assert version_diff(old=reference, new=draft) == []


def test_diff_lists_added_removed_changed_with_percent(reference, draft):
    gpt5 = ApiOffer.objects.get(version=draft, model_name="GPT-5")
    gpt5.output_per_mtok = Decimal("8")
    gpt5.save()
    l4 = GpuOffer.objects.get(version=draft, sku="NVIDIA L4")
    l4.hourly = Decimal("0.77")
    l4.save()
    ApiOffer.objects.filter(version=draft, model_name="Grok 3").delete()
    ApiOffer.objects.create(
        version=draft,
        model_name="New Model",
        provider="Acme",
        source=draft.sources.get(key="jun-2026"),
        license="proprietary",
        output_per_mtok=Decimal("2.5"),
    )
    HiddenCost.objects.filter(version=draft, item__startswith="Monitoring").update(
        monthly_high=Decimal("300")
    )

    changes = version_diff(old=reference, new=draft)
    by_kind = {(c.kind, c.section, c.key, c.field): c for c in changes}
    assert by_kind[
        ("changed", "api", ("GPT-5", "OpenAI", "feb-2026"), "output_per_mtok")
    ] == PriceChange(
        "changed",
        "api",
        ("GPT-5", "OpenAI", "feb-2026"),
        "output_per_mtok",
        Decimal("10.000000"),
        Decimal("8.000000"),
        Decimal("-20.00"),
    )
    l4_change = by_kind[("changed", "gpu", ("NVIDIA L4", 1, "feb-2026"), "hourly")]
    assert l4_change.pct_change == Decimal("10.00")
    assert ("removed", "api", ("Grok 3", "xAI", "feb-2026"), "output_per_mtok") in by_kind
    added = by_kind[("added", "api", ("New Model", "Acme", "jun-2026"), "output_per_mtok")]
    assert added.new == Decimal("2.5")
    assert added.old is None
    hidden = by_kind[("changed", "hidden", ("Monitoring and alerting",), "monthly_high")]
    assert hidden.pct_change == Decimal("50.00")
    assert len(changes) == 5


def test_pct_change_edges():
    assert pct_change(Decimal("0"), Decimal("1")) is None
    assert pct_change(None, Decimal("1")) is None
    assert pct_change(Decimal("3"), Decimal("1")) == Decimal("-66.67")
