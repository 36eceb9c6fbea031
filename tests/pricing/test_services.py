from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import AuditEvent
from pricing.models import (
    ApiOffer,
    CatalogVersion,
    EngineFigure,
    GpuOffer,
    ModelSpec,
    OwnedHardware,
    ThroughputProfile,
    VersionStatus,
)
from pricing.selectors import catalog_assumptions, catalog_version_current
from pricing.services import (
    CatalogStateError,
    catalog_version_clone,
    catalog_version_publish,
    catalog_version_retire,
    load_reference_catalog,
)

pytestmark = pytest.mark.django_db


def test_clone_copies_every_row_and_editing_leaves_the_original(reference, staff):
    clone = catalog_version_clone(version=reference, actor=staff)
    assert clone.status == VersionStatus.DRAFT
    assert clone.number == reference.number + 1
    assert clone.cloned_from_id == reference.pk
    for model in (ApiOffer, GpuOffer, OwnedHardware, ThroughputProfile, ModelSpec, EngineFigure):
        assert (
            model.objects.filter(version=clone).count()
            == model.objects.filter(version=reference).count()
            > 0
        )
    offer = ApiOffer.objects.get(version=clone, model_name="GPT-5")
    assert offer.source.version_id == clone.pk  # sources are remapped, not shared
    offer.output_per_mtok = Decimal("8")
    offer.save()
    assert ApiOffer.objects.get(version=reference, model_name="GPT-5").output_per_mtok == 10
    assert AuditEvent.objects.filter(
        action="catalog.clone", object_id=str(clone.pk), actor=staff
    ).exists()


def test_publish_sets_who_and_when_and_audits(draft, staff):
    published = catalog_version_publish(version=draft, actor=staff)
    assert published.status == VersionStatus.PUBLISHED
    assert published.published_by == staff
    assert published.published_at is not None
    event = AuditEvent.objects.get(action="catalog.publish", object_id=str(draft.pk))
    assert event.actor == staff
    assert event.changes["status"] == ["draft", "published"]


def test_publish_twice_and_retire_draft_are_refused(reference, draft, staff):
    with pytest.raises(CatalogStateError):
        catalog_version_publish(version=reference, actor=staff)
    with pytest.raises(CatalogStateError):
        catalog_version_retire(version=draft, actor=staff)


def test_retire_audits_and_version_stays_readable(reference, staff):
    catalog_version_retire(version=reference, actor=staff)
    version = CatalogVersion.objects.get(pk=reference.pk)
    assert version.status == VersionStatus.RETIRED
    assert ApiOffer.objects.filter(version=version).count() == 24
    assert AuditEvent.objects.filter(action="catalog.retire", actor=staff).count() == 1


def test_current_is_latest_published(reference, draft, staff):
    assert catalog_version_current() == reference
    catalog_version_publish(version=draft, actor=staff)
    assert catalog_version_current().pk == draft.pk


def test_load_reference_catalog_is_idempotent(db):
    first, created = load_reference_catalog()
    assert created
    assert first.status == VersionStatus.PUBLISHED
    second, created_again = load_reference_catalog()
    assert not created_again
    assert second.pk == first.pk
    assert CatalogVersion.objects.count() == 1


def test_load_reference_catalog_command(db, capsys):
    from django.core.management import call_command

    call_command("load_reference_catalog")
    call_command("load_reference_catalog")
    out = capsys.readouterr().out
    assert "Published" in out
    assert "nothing to do" in out
    assert CatalogVersion.objects.count() == 1


def test_reference_figures_are_typed(reference):
    gpt5 = ApiOffer.objects.get(version=reference, model_name="GPT-5")
    assert (gpt5.input_per_mtok, gpt5.output_per_mtok) == (Decimal("1.25"), Decimal("10"))
    flash = ApiOffer.objects.get(version=reference, model_name="DeepSeek V4 Flash", provider="")
    assert flash.input_per_mtok is None
    assert flash.output_only
    assert flash.output_per_mtok == Decimal("0.25")
    assert flash.selfhost_monthly.expected == Decimal("1250")
    node = GpuOffer.objects.get(version=reference, sku="NVIDIA A100 80GB", gpu_count=8)
    assert node.vram_per_gpu_gb == 80
    assert node.vram_total_gb == 640
    h100 = GpuOffer.objects.get(version=reference, sku="NVIDIA H100 80GB", gpu_count=8)
    assert h100.hourly is None
    assert h100.hourly_range.expected == Decimal("20")
    assert OwnedHardware.objects.get(version=reference, name="RTX 4090 24GB").useful_life == 36
    pro = ModelSpec.objects.get(version=reference, name="DeepSeek V4 Pro")
    assert (pro.params_total_b, pro.params_active_b) == (1600, 49)
    assert ModelSpec.objects.get(version=reference, name="GLM-5.2").params_total_b == 753
    assert (
        ModelSpec.objects.get(version=reference, name="Llama 3.3 70B").weights_vram_gb("int4") == 35
    )
    assumptions = catalog_assumptions(reference)
    assert assumptions.spot_discount.low == Decimal("0.4")
    assert assumptions.hidden_cost_multiplier.high == Decimal("2")
    assert assumptions.availability["api"].low == Decimal("0.999")
    assert assumptions.p99_latency_s["selfhost_cold_start_first_token"].high == 15
    assert reference.reference_facts["tco_multiple_of_gpu_price"] == [3, 5]
    assert reference.month_hours == 720
