"""Load one StateRule per state and DC from the copy of the reference data in deficiencies/data/."""

from django.db import migrations

from deficiencies.reference import load_state_rules


def load(apps, schema_editor):
    load_state_rules(apps.get_model("deficiencies", "StateRule"), using=schema_editor.connection.alias)


def unload(apps, schema_editor):
    apps.get_model("deficiencies", "StateRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deficiencies", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
