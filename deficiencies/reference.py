"""Load the state rules and the state provisions from deficiencies/data/.

Used by the data migrations, and after a database flush (tests), when a table is empty.
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


PROVISIONS = Path(__file__).resolve().parent / "data" / "provisions"


def provision_rows() -> list[dict]:
    """Every provision row of the data files (deficiencies/data/provisions/*.csv), in file
    order; each row also says where it came from (`_where`: file and line)."""
    rows = []
    for path in sorted(PROVISIONS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for line, row in enumerate(csv.DictReader(f), start=2):
                rows.append({**row, "_where": f"{path.name}:{line}"})
    return rows


def load_provisions(Provision, *, using: str = "default") -> int:  # noqa: N803 - a model class
    """Create or update every provision of the data files by its id; returns the count.
    A row that cannot be read stops the load, naming its file and line."""
    from deficiencies.provisions import row_problems

    count = 0
    for row in provision_rows():
        problems = row_problems(row)
        if problems:
            said = "; ".join(f"{field}: {text}" for field, text in problems)
            raise ValueError(f"{row['_where']} ({row.get('provision_id')}): {said}")
        Provision.objects.using(using).update_or_create(
            provision_id=row["provision_id"].strip(),
            defaults={
                "state_code": row["state_code"].strip().upper(),
                "kind": row["kind"],
                "events": row["events"].strip(),
                "process": row.get("process") or "any",
                "conditions": ";".join(
                    c.strip() for c in row["conditions"].split(";") if c.strip()
                ),
                "window_number": _int(row.get("window_number", "").strip()),
                "window_unit": row.get("window_unit", "").strip(),
                "trigger": row.get("trigger", "").strip(),
                "rate_percent": row.get("rate_percent", "").strip() or None,
                "effect_note": row["effect_note"].strip(),
                "citation": row.get("citation", "").strip(),
                "source_urls": row.get("source_urls", "").strip(),
                "confidence": row.get("confidence", "").strip() or "low",
                "verified": row.get("verified", "").strip().lower() == "yes",
                "audit_note": row.get("audit_note", "").strip(),
            },
        )
        count += 1
    return count


def ensure_provisions(sender=None, using="default", **kwargs):
    """post_migrate: an empty provisions table (after a flush) is loaded again."""
    from deficiencies.models import Provision

    if not Provision.objects.using(using).exists():
        load_provisions(Provision, using=using)
