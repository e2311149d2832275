"""The shared cache's table (noteinvest.cache_url: Django's database cache by default), made
with the database so `migrate` is the only step a new server or a new database needs. Does
nothing when DJANGO_CACHE_URL names another cache (Redis, Valkey)."""

from django.core.management import call_command
from django.db import migrations


def create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0011_loan_document_facts")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
