"""Model identity (issue 17 item 3) and a current version per catalog (item 4).

- `ApiOffer.model_id`: the canonical model id of `pricing.model_identity`, filled in for
  every existing offer. Published rows are frozen by the triggers of 0002; this one
  backfill of a new derived column lifts the API-offer trigger for its own UPDATE only.
- `Catalog.is_default`: the catalog new plans use; the catalog of the first published
  version becomes it (the reference catalog on every install so far).
"""

from django.db import migrations, models


def _canonical(name: str) -> str:
    from pricing.model_identity import canonical_model_id

    return canonical_model_id(name)


def backfill(apps, schema_editor):
    ApiOffer = apps.get_model("pricing", "ApiOffer")
    Catalog = apps.get_model("pricing", "Catalog")
    CatalogVersion = apps.get_model("pricing", "CatalogVersion")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE pricing_apioffer DISABLE TRIGGER pricing_apioffer_guard")
    offers = list(ApiOffer.objects.filter(model_id="").only("pk", "model_name"))
    for offer in offers:
        offer.model_id = _canonical(offer.model_name)
    # The historical model's manager is a plain one: no draft guard to get past here.
    ApiOffer.objects.bulk_update(offers, ["model_id"], batch_size=1000)
    if postgres:
        schema_editor.execute("ALTER TABLE pricing_apioffer ENABLE TRIGGER pricing_apioffer_guard")
    first = (
        CatalogVersion.objects.filter(status__in=["published", "retired"])
        .order_by("published_at", "pk")
        .first()
    )
    if first is not None and not Catalog.objects.filter(is_default=True).exists():
        Catalog.objects.filter(pk=first.catalog_id).update(is_default=True)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0008_owned_hardware_server_base_and_owned_figures")]

    operations = [
        migrations.AddField(
            model_name="apioffer",
            name="model_id",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="Canonical model id (gpt-5, claude-sonnet-4-5); blank: derived from "
                "the name.",
                max_length=120,
            ),
        ),
        migrations.AddField(
            model_name="catalog",
            name="is_default",
            field=models.BooleanField(
                default=False,
                help_text="New plans and the live preview use this catalog's current version.",
            ),
        ),
        migrations.AddConstraint(
            model_name="catalog",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)),
                fields=("is_default",),
                name="catalog_one_default",
            ),
        ),
        # Backwards: the columns go with their fields; nothing else to undo.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
