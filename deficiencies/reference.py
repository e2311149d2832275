"""Load the state rules from the copy of the reference data kept in deficiencies/data/.

Used by the data migration, and after a database flush (tests), when the table is empty.
"""

import csv
from pathlib import Path

CSV = Path(__file__).resolve().parent / "data" / "state_deficiency_rules.csv"


def _int(text: str):
    return int(text) if text else None


def load_state_rules(StateRule, *, using: str = "default") -> int:  # noqa: N803 - a model class
    """Create or update one row per state from the CSV; returns how many rows were read."""
    count = 0
    with CSV.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            StateRule.objects.using(using).update_or_create(
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
                    "filing_deadline_days_after_sale": _int(row["filing_deadline_days_after_sale"]),
                    "filing_deadline_note": row["filing_deadline_note"],
                    "statute_of_limitations_years": _int(row["statute_of_limitations_years"]),
                    "notes": row["notes"],
                    "source_urls": row["source_urls"],
                },
            )
            count += 1
    return count


def ensure_state_rules(sender=None, using="default", **kwargs):
    """post_migrate: an empty rules table (after a flush) is loaded again; edits are kept."""
    from deficiencies.models import StateRule

    if not StateRule.objects.using(using).exists():
        load_state_rules(StateRule, using=using)
