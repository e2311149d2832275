"""The clause library's first wording (settlements/data/clauses/*.toml): today's clauses as
version 1, plus the clauses added with the library. Later seed additions load the same way
(settlements.library.sync_seed never changes a version already there)."""

from django.db import migrations


def seed(apps, schema_editor):
    from settlements.library import sync_seed

    sync_seed(apps.get_model("settlements", "ClauseVersion"))


class Migration(migrations.Migration):
    dependencies = [("settlements", "0013_clause_library")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
