"""Create the database cache table as part of `migrate`.

The login throttle and the presence list use the cache; with the database cache a missing
table would turn every login into a server error, so the table comes with the schema.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("akiruno", "0001_api_token")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
