"""Load one StateRule per state and DC from the copy of the reference data in deficiencies/data/."""

import csv
from pathlib import Path

from django.db import migrations

CSV = Path(__file__).resolve().parent.parent / "data" / "state_deficiency_rules.csv"


def load(apps, schema_editor):
    StateRule = apps.get_model("deficiencies", "StateRule")
    with CSV.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            StateRule.objects.update_or_create(
                state_code=row["state_code"],
                defaults={
                    "state_name": row["state_name"],
                    "primary_foreclosure_process": row["primary_foreclosure_process"],
                    "deficiency_regime": row["deficiency_regime"],
                    "nonjudicial_bars_deficiency": row["nonjudicial_bars_deficiency"],
                    "purchase_money_owner_occupied_protected": row[
                        "purchase_money_owner_occupied_protected"
                    ],
                    "fair_value_limit": row["fair_value_limit"],
                    "filing_deadline_days_after_sale": int(row["filing_deadline_days_after_sale"])
                    if row["filing_deadline_days_after_sale"]
                    else None,
                    "filing_deadline_note": row["filing_deadline_note"],
                    "statute_of_limitations_years": int(row["statute_of_limitations_years"])
                    if row["statute_of_limitations_years"]
                    else None,
                    "notes": row["notes"],
                    "source_urls": row["source_urls"],
                },
            )


def unload(apps, schema_editor):
    apps.get_model("deficiencies", "StateRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("deficiencies", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
