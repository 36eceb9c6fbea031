"""Published and retired versions cannot change: model layer and PostgreSQL triggers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from pricing.models import (
    ApiOffer,
    CatalogLockedError,
    CatalogVersion,
    GpuOffer,
    HiddenCost,
    VersionStatus,
)
from pricing.services import catalog_version_retire

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- model layer -----------------------------------------------------------------------


def test_published_version_save_raises(reference):
    reference.notes = "edited"
    with pytest.raises(CatalogLockedError):
        reference.save()
    assert CatalogVersion.objects.get(pk=reference.pk).notes != "edited"


def test_published_version_delete_raises(reference):
    with pytest.raises(CatalogLockedError):
        reference.delete()
    assert CatalogVersion.objects.filter(pk=reference.pk).exists()


def test_published_version_queryset_update_and_delete_raise(reference):
    with pytest.raises(CatalogLockedError):
        CatalogVersion.objects.filter(pk=reference.pk).update(notes="bulk")
    with pytest.raises(CatalogLockedError):
        CatalogVersion.objects.filter(pk=reference.pk).delete()
    assert CatalogVersion.objects.get(pk=reference.pk).notes.startswith("Figures as published")


def test_published_price_row_save_delete_raise(reference):
    offer = ApiOffer.objects.get(version=reference, model_name="GPT-5")
    offer.output_per_mtok = Decimal("1.00")
    with pytest.raises(CatalogLockedError):
        offer.save()
    with pytest.raises(CatalogLockedError):
        offer.delete()
    assert ApiOffer.objects.get(pk=offer.pk).output_per_mtok == Decimal("10")


@pytest.mark.parametrize("model", [ApiOffer, GpuOffer, HiddenCost])
def test_published_rows_queryset_update_delete_raise(reference, model):
    rows = model.objects.filter(version=reference)
    count = rows.count()
    field = {"ApiOffer": "license", "GpuOffer": "region", "HiddenCost": "item"}[model.__name__]
    with pytest.raises(CatalogLockedError):
        rows.update(**{field: "changed"})
    with pytest.raises(CatalogLockedError):
        rows.delete()
    assert model.objects.filter(version=reference).count() == count
    assert not model.objects.filter(version=reference, **{field: "changed"}).exists()


def test_rows_cannot_be_added_to_a_published_version(reference):
    source = reference.sources.first()
    with pytest.raises(CatalogLockedError):
        ApiOffer.objects.create(
            version=reference, model_name="Sneaky", source=source, license="x", output_per_mtok=1
        )


def test_draft_rows_are_editable(draft):
    offer = ApiOffer.objects.get(version=draft, model_name="GPT-5")
    offer.output_per_mtok = Decimal("9.50")
    offer.save()
    assert ApiOffer.objects.get(pk=offer.pk).output_per_mtok == Decimal("9.50")
    assert ApiOffer.objects.filter(version=draft, provider="OpenAI").update(license="p") == 2
    draft.notes = "work in progress"
    draft.save()
    assert CatalogVersion.objects.get(pk=draft.pk).notes == "work in progress"


def test_published_to_retired_is_allowed_and_nothing_else(reference, staff):
    retired = catalog_version_retire(version=reference, actor=staff)
    assert CatalogVersion.objects.get(pk=retired.pk).status == VersionStatus.RETIRED
    retired.status = VersionStatus.PUBLISHED
    with pytest.raises(CatalogLockedError):
        retired.save()
    with pytest.raises(CatalogLockedError):
        CatalogVersion.objects.filter(pk=retired.pk).update(status=VersionStatus.DRAFT)


def test_retiring_cannot_smuggle_other_changes(reference):
    reference.status = VersionStatus.RETIRED
    reference.currency = "EUR"
    with pytest.raises(CatalogLockedError):
        reference.save()


# --- PostgreSQL triggers (raw SQL bypasses the ORM entirely) -----------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only"
)


@needs_postgres
def test_raw_sql_update_of_published_version_fails(reference):
    with pytest.raises(DatabaseError, match="cannot be changed"):
        _raw("UPDATE pricing_catalogversion SET notes = %s WHERE id = %s", ["x", reference.pk])
    assert CatalogVersion.objects.get(pk=reference.pk).notes != "x"


@needs_postgres
def test_raw_sql_delete_of_published_version_fails(reference):
    with pytest.raises(DatabaseError, match="cannot be deleted"):
        _raw("DELETE FROM pricing_catalogversion WHERE id = %s", [reference.pk])
    assert CatalogVersion.objects.filter(pk=reference.pk).exists()


@needs_postgres
@pytest.mark.parametrize(
    "table",
    [
        "pricing_apioffer",
        "pricing_gpuoffer",
        "pricing_hiddencost",
        "pricing_enginefigure",
        "pricing_gpupower",
        "pricing_gridintensity",
        "pricing_qualityscore",
    ],
)
def test_raw_sql_update_and_delete_of_published_rows_fail(reference, table):
    with pytest.raises(DatabaseError, match="cannot change"):
        _raw(f"UPDATE {table} SET position = position + 1 WHERE version_id = %s", [reference.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="cannot change"):
        _raw(f"DELETE FROM {table} WHERE version_id = %s", [reference.pk])  # noqa: S608


@needs_postgres
def test_raw_sql_price_change_is_refused_with_a_database_error(reference):
    # P0001 (raise_exception): psycopg 3 surfaces it as a DatabaseError subclass.
    offer = ApiOffer.objects.get(version=reference, model_name="GPT-5")
    with pytest.raises(DatabaseError, match="published catalog version"):
        _raw("UPDATE pricing_apioffer SET output_per_mtok = 0 WHERE id = %s", [offer.pk])
    assert ApiOffer.objects.get(pk=offer.pk).output_per_mtok == Decimal("10")


@needs_postgres
def test_raw_sql_on_draft_is_allowed_and_retire_transition_passes_the_trigger(draft, reference):
    _raw("UPDATE pricing_apioffer SET license = %s WHERE version_id = %s", ["raw", draft.pk])
    assert ApiOffer.objects.filter(version=draft, license="raw").count() == 24
    _raw("UPDATE pricing_catalogversion SET status = 'retired' WHERE id = %s", [reference.pk])
    assert CatalogVersion.objects.get(pk=reference.pk).status == "retired"
    with pytest.raises(DatabaseError):
        _raw("UPDATE pricing_catalogversion SET status = 'published' WHERE id = %s", [reference.pk])


@needs_postgres
def test_raw_sql_retire_with_other_change_fails(reference):
    with pytest.raises(DatabaseError):
        _raw(
            "UPDATE pricing_catalogversion SET status = 'retired', notes = 'x' WHERE id = %s",
            [reference.pk],
        )
    assert CatalogVersion.objects.get(pk=reference.pk).status == "published"
