"""The clause versions added after the attorney's review of issue 12's documents (the
second versions of the waiver, tax notice, settlement payment, acknowledgment of the debt
and the sale, and the new clauses): loaded into a library seeded before them. Never changes a
version already there (settlements.library.sync_seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from settlements.library import sync_seed

    sync_seed(apps.get_model("settlements", "ClauseVersion"))


class Migration(migrations.Migration):
    dependencies = [("settlements", "0016_short_sale_approval")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
