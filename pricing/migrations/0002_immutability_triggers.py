"""PostgreSQL triggers: published and retired catalog versions cannot change, not even by raw SQL.

- Version rows: a draft may change freely (publishing is a change of a draft);
  a published version may only have its status set to 'retired' (nothing else
  in the row may change); a retired version never changes. Non-drafts cannot be deleted.
- Price rows (every table with a version_id): no INSERT/UPDATE/DELETE touching
  a version that is not a draft.

A no-op on other databases (SQLite locally): the model layer guards there.
"""

from django.db import migrations

PRICE_TABLES = [
    "pricing_catalogsource",
    "pricing_apioffer",
    "pricing_gpuoffer",
    "pricing_ownedhardware",
    "pricing_modelspec",
    "pricing_throughputprofile",
    "pricing_hiddencost",
    "pricing_volumetier",
    "pricing_enginefigure",
]

VERSION_FUNCTION = """
CREATE OR REPLACE FUNCTION pricing_guard_version() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'catalog version % is %: it cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'P0001';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'published' AND NEW.status = 'retired'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'catalog version % is %: it cannot be changed (clone it to a new draft)',
        OLD.id, OLD.status USING ERRCODE = 'P0001';
END;
$$ LANGUAGE plpgsql;
"""

ROW_FUNCTION = """
CREATE OR REPLACE FUNCTION pricing_guard_version_row() RETURNS trigger AS $$
DECLARE
    locked text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO locked FROM pricing_catalogversion WHERE id = OLD.version_id;
        IF locked IS NOT NULL AND locked <> 'draft' THEN
            RAISE EXCEPTION '% row % belongs to a % catalog version: it cannot change',
                TG_TABLE_NAME, OLD.id, locked USING ERRCODE = 'P0001';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status INTO locked FROM pricing_catalogversion WHERE id = NEW.version_id;
        IF locked IS NOT NULL AND locked <> 'draft' THEN
            RAISE EXCEPTION 'rows cannot be added to or moved into a % catalog version (%)',
                locked, TG_TABLE_NAME USING ERRCODE = 'P0001';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _run(schema_editor, sql: str) -> None:
    # A cursor without params: the '%' of RAISE messages must reach PostgreSQL as is.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _run(schema_editor, VERSION_FUNCTION)
    _run(schema_editor, ROW_FUNCTION)
    _run(
        schema_editor,
        "CREATE TRIGGER pricing_guard_version BEFORE UPDATE OR DELETE ON pricing_catalogversion "
        "FOR EACH ROW EXECUTE FUNCTION pricing_guard_version();"
    )
    for table in PRICE_TABLES:
        _run(
            schema_editor,
            f"CREATE TRIGGER {table}_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pricing_guard_version_row();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PRICE_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table};")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS pricing_guard_version ON pricing_catalogversion;"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS pricing_guard_version_row();")
    schema_editor.execute("DROP FUNCTION IF EXISTS pricing_guard_version();")


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
