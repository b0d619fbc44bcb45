"""One version number people read: the content version (第N版).

`Section.version` stays the optimistic-concurrency token (it rises with every save and every
transition). `content_version` rises only when a save changes the content, and revisions,
events and snapshots record it, so the history, the audit log, the status and the build input
name the same content by the same number.

The backfill is deterministic: each section's revisions are numbered 1..n in id order; an event
or a snapshot gets the number of the latest revision of its section created at or before it
(0 when there was none); a section gets its latest revision's number (0 without revisions).
Events and snapshots are append-only: the database triggers that refuse UPDATE are lifted for
the backfill of the new column only and put back at once (SQLite also loses them when
AddField rebuilds a table, so they are recreated in any case).
"""

from bisect import bisect_right
from collections import defaultdict

from django.db import migrations, models

APPEND_ONLY_TABLES = ["reports_sectionevent", "reports_sectionsnapshot", "reports_reportevent"]


def _drop_guards(connection) -> None:
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


def _create_guards(connection) -> None:
    """The same triggers as 0002_workflow, created again (after dropping any left)."""
    _drop_guards(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION reports_refuse_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; "
                "$$ LANGUAGE plpgsql;"
            )
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "sqlite":
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;"
                )
            elif connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION reports_refuse_change();"
                )


def number_content_versions(apps) -> None:
    """Fill content_version on revisions, sections, events and snapshots (see the docstring).

    Writes through each model's base manager (a plain manager), so it also runs with the
    project's models, not only the historical ones.
    """
    Section = apps.get_model("reports", "Section")
    Revision = apps.get_model("reports", "SectionRevision")
    Event = apps.get_model("reports", "SectionEvent")
    Snapshot = apps.get_model("reports", "SectionSnapshot")

    # section id -> sorted [(created_at, number)] with the running maximum of the number
    timeline: dict[int, list[tuple]] = defaultdict(list)
    revisions = []
    counter: dict[int, int] = defaultdict(int)
    rows = Revision._base_manager.order_by("section_id", "id").only(
        "id", "section_id", "created_at", "content_version"
    )
    for revision in rows.iterator(chunk_size=2000):
        counter[revision.section_id] += 1
        revision.content_version = counter[revision.section_id]
        revisions.append(revision)
        timeline[revision.section_id].append((revision.created_at, revision.content_version))
    Revision._base_manager.bulk_update(revisions, ["content_version"], batch_size=500)

    prefix: dict[int, tuple[list, list]] = {}
    for section_id, points in timeline.items():
        points.sort(key=lambda p: p[0])
        moments, best, highest = [], [], 0
        for moment, number in points:
            highest = max(highest, number)
            moments.append(moment)
            best.append(highest)
        prefix[section_id] = (moments, best)

    def number_at(section_id: int, moment) -> int:
        if section_id not in prefix:
            return 0
        moments, best = prefix[section_id]
        index = bisect_right(moments, moment)
        return best[index - 1] if index else 0

    for model in (Event, Snapshot):
        changed = []
        for row in model._base_manager.only("id", "section_id", "created_at").iterator(
            chunk_size=2000
        ):
            row.content_version = number_at(row.section_id, row.created_at)
            changed.append(row)
        model._base_manager.bulk_update(changed, ["content_version"], batch_size=500)

    sections = []
    for section in Section._base_manager.only("id").iterator(chunk_size=2000):
        section.content_version = counter.get(section.pk, 0)
        sections.append(section)
    Section._base_manager.bulk_update(sections, ["content_version"], batch_size=500)


def backfill(apps, schema_editor) -> None:
    connection = schema_editor.connection
    _drop_guards(connection)
    number_content_versions(apps)
    _create_guards(connection)


def restore_guards(apps, schema_editor) -> None:
    _create_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_import_record"),
    ]

    operations = [
        # Reversed last: RemoveField rebuilds the tables on SQLite and drops their triggers.
        migrations.RunPython(migrations.RunPython.noop, restore_guards),
        migrations.AddField(
            model_name="section",
            name="content_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="内容を変更して保存するたびに1ずつ増えます（状態の変更では増えません）。",
                verbose_name="内容の版",
            ),
        ),
        migrations.AddField(
            model_name="sectionevent",
            name="content_version",
            field=models.PositiveIntegerField(
                default=0,
                help_text="この操作の対象になった内容の版（第N版）",
                verbose_name="内容の版",
            ),
        ),
        migrations.AddField(
            model_name="sectionrevision",
            name="content_version",
            field=models.PositiveIntegerField(
                default=0,
                help_text="保存後の内容の版（第N版）。内容が変わらない保存では前と同じ。",
                verbose_name="内容の版",
            ),
        ),
        migrations.AddField(
            model_name="sectionsnapshot",
            name="content_version",
            field=models.PositiveIntegerField(default=0, verbose_name="内容の版"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
