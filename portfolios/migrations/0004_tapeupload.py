"""Move each import's uploaded file out of TapeImport into a table of its own, TapeUpload.

SQLite keeps a large value inside its row (a chain of overflow pages), and reading any
column after it walks the chain, deferred or not: with the file in the 7th column, every
list and status poll read it. Files already stored (imports waiting or running) move with
their import; the column then goes.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_files_out(apps, schema_editor):
    TapeImport = apps.get_model("portfolios", "TapeImport")
    TapeUpload = apps.get_model("portfolios", "TapeUpload")
    ids = TapeImport.objects.filter(content__isnull=False).values_list("pk", flat=True)
    for pk in list(ids):  # one file in memory at a time
        content = TapeImport.objects.filter(pk=pk).values_list("content", flat=True)[0]
        TapeUpload.objects.create(tape_import_id=pk, content=content)


def move_files_back(apps, schema_editor):
    TapeImport = apps.get_model("portfolios", "TapeImport")
    TapeUpload = apps.get_model("portfolios", "TapeUpload")
    for pk in list(TapeUpload.objects.values_list("pk", flat=True)):
        content = TapeUpload.objects.filter(pk=pk).values_list("content", flat=True)[0]
        TapeImport.objects.filter(pk=pk).update(content=content)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0003_import_bounds"),
    ]

    operations = [
        migrations.CreateModel(
            name="TapeUpload",
            fields=[
                (
                    "tape_import",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="upload",
                        serialize=False,
                        to="portfolios.tapeimport",
                    ),
                ),
                ("content", models.BinaryField(editable=False)),
            ],
        ),
        migrations.RunPython(move_files_out, move_files_back),
        migrations.RemoveField(
            model_name="tapeimport",
            name="content",
        ),
    ]
