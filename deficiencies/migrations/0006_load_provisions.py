"""Load the audited state provisions from deficiencies/data/provisions/ (issue 10)."""

from django.db import migrations

from deficiencies.reference import load_provisions


def load(apps, schema_editor):
    load_provisions(
        apps.get_model("deficiencies", "Provision"), using=schema_editor.connection.alias
    )


def unload(apps, schema_editor):
    apps.get_model("deficiencies", "Provision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deficiencies", "0005_provisions")]

    operations = [migrations.RunPython(load, unload)]
