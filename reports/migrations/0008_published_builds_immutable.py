"""A published build is immutable in the database too (issue 19, proof 8).

Build.save() and Build.delete() refuse a published build; these triggers refuse what bypasses
the model (QuerySet.update, raw SQL, an admin action, a future bug): an UPDATE of a published
build that changes what was published (its files' record `manifest`, publication time, edition,
report, kind, status, input checksum or page count), and on PostgreSQL a DELETE of one.
Bookkeeping columns stay writable (requested_by is set to NULL when a user is deleted).
DELETE is refused on PostgreSQL only: Django empties SQLite test databases with DELETE
(PostgreSQL uses TRUNCATE, which row triggers do not see), as for the append-only tables
(0002_workflow).
"""

from django.db import migrations

COLUMNS = [
    "manifest",
    "published_at",
    "edition",
    "report_id",
    "kind",
    "status",
    "input_checksum",
    "page_count",
]
MESSAGE = "a published build is immutable (reports_build)"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)
        schema_editor.execute(
            "CREATE TRIGGER reports_build_published_immutable BEFORE UPDATE ON reports_build "
            f"WHEN OLD.published_at IS NOT NULL AND ({changed}) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
        )
    elif vendor == "postgresql":
        old = ", ".join(f"OLD.{c}" for c in COLUMNS)
        new = ", ".join(f"NEW.{c}" for c in COLUMNS)
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION reports_build_refuse_change() RETURNS trigger AS $$ "
            "BEGIN "
            "IF OLD.published_at IS NOT NULL AND "
            f"(TG_OP = 'DELETE' OR ROW({old}) IS DISTINCT FROM ROW({new})) THEN "
            f"RAISE EXCEPTION USING MESSAGE = '{MESSAGE}'; "
            "END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
            "RETURN NEW; "
            "END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER reports_build_published_immutable BEFORE UPDATE OR DELETE "
            "ON reports_build FOR EACH ROW EXECUTE FUNCTION reports_build_refuse_change();"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS reports_build_published_immutable;")
    elif vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS reports_build_published_immutable ON reports_build;"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS reports_build_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_import_record"),
    ]

    operations = [migrations.RunPython(create, drop)]
