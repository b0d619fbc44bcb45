"""Search folds katakana to hiragana and drops thousands separators between digits now:
fold the stored index again so that what is already published is found the same way."""

from django.db import migrations


def refold(apps, schema_editor):
    from reports.services.rendering import fold_text

    SearchEntry = apps.get_model("reports", "SearchEntry")
    changed = []
    for entry in SearchEntry.objects.only("id", "text", "normalized").iterator():
        folded = fold_text(entry.text)
        if folded != entry.normalized:
            entry.normalized = folded
            changed.append(entry)
    SearchEntry.objects.bulk_update(changed, ["normalized"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_rename_reports_not_emailed_c6a4cb_idx_reports_not_emailed_6b2de1_idx")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
