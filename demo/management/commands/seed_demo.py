"""Demo data: one user per role (and a second investor), with their portfolios.

Idempotent: running it again changes nothing. Demo passwords are for local use only.
"""

from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F

from accounts.models import User
from accounts.roles import assign_role
from demo.deficiencies import seed_deficiencies
from demo.loans import FACT_FIELDS, PLACES, RECORDING_FIELDS, demo_loans
from demo.settlements import seed_agreements
from noteinvest.access import Role
from portfolios.models import Borrower, Loan, Portfolio

DEMO_PASSWORD = "demo-pass-2026"

DEMO_USERS = [
    ("investor@example.com", "Irene Investor", Role.INVESTOR),
    ("investor2@example.com", "Ian Second-Investor", Role.INVESTOR),
    ("staff@example.com", "Sam Staff", Role.STAFF),
    ("attorney@example.com", "Alex Attorney", Role.ATTORNEY),
    # A second attorney: a clause one attorney drafts, another approves.
    ("attorney2@example.com", "Blair Second-Attorney", Role.ATTORNEY),
]

DEMO_PORTFOLIOS = [
    {
        "name": "Riverbend NPL Pool 2026-A",
        "owner": "investor@example.com",
        "seller": "Riverbend Bank, N.A.",
        "acquisition_date": date(2026, 3, 16),
        "notes": "Mixed pool of non-performing first liens bought at a discount.",
        "holder_legal_name": "Riverbend Note Fund I, LLC",
        "holder_address": "200 Harbor Blvd, Suite 900, Sacramento, CA 95814",
        "loans": lambda: demo_loans("RB-", 60, seed=2026),
    },
    {
        "name": "Lakeshore Reperforming 2025-2",
        "owner": "investor2@example.com",
        "seller": "Lakeshore Mortgage Trust",
        "acquisition_date": date(2025, 11, 3),
        "notes": "Small pool of reperforming loans.",
        "holder_legal_name": "Lakeshore Credit Partners LP",
        "holder_address": "75 Lake Shore Dr, Floor 12, Chicago, IL 60611",
        "loans": lambda: demo_loans("LS-", 6, seed=2025, places=PLACES[6:12]),
    },
]


# A pool's purchase price is what its loans were bought for: the sum of the loans' purchase
# prices, computed from them below. Demo data seeded before that carried these round
# figures, which disagreed with the loans; a portfolio still holding one is corrected.
OLD_POOL_PRICES = {
    "Riverbend NPL Pool 2026-A": Decimal("4185000.00"),
    "Lakeshore Reperforming 2025-2": Decimal("612500.00"),
}


def _fill_unknown_facts(loan, fields) -> None:
    """A demo loan seeded before loans had facts (or their recording) gets the demo's facts
    where it has none (unknown or blank); a fact set since is kept."""
    missing = {
        name: fields[name]
        for name in (*FACT_FIELDS, *RECORDING_FIELDS)
        if getattr(loan, name) in (None, "unknown", "")
        and fields[name] not in (None, "unknown", "")
    }
    if missing:
        Loan.objects.filter(pk=loan.pk).update(**missing, version=F("version") + 1)


class Command(BaseCommand):
    help = "Create the demo users and data (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name)
                created += 1
            if role not in user.roles:
                assign_role(user, role)
        for spec in DEMO_PORTFOLIOS:
            data = dict(spec)
            owner = User.objects.get(email=data.pop("owner"))
            loans = data.pop("loans")()
            data["purchase_price"] = sum((spec["purchase_price"] for spec in loans), Decimal(0))
            name = data.pop("name")
            portfolio, made = Portfolio.objects.get_or_create(name=name, defaults=data)
            created += made
            if portfolio.purchase_price == OLD_POOL_PRICES.get(name):
                Portfolio.objects.filter(pk=portfolio.pk).update(
                    purchase_price=data["purchase_price"]
                )
            portfolio.owners.add(owner)
            for spec in loans:
                fields = dict(spec)
                borrowers = fields.pop("borrowers")
                loan, made = Loan.objects.get_or_create(
                    portfolio=portfolio, loan_number=fields.pop("loan_number"), defaults=fields
                )
                if made:
                    created += 1
                    Borrower.objects.bulk_create(
                        Borrower(loan=loan, position=i, **b) for i, b in enumerate(borrowers, 1)
                    )
                else:
                    _fill_unknown_facts(loan, fields)
        created += seed_deficiencies(User.objects.get(email="staff@example.com"))
        created += seed_agreements()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new records). Log in with any demo e-mail and "
                f"the password {DEMO_PASSWORD}."
            )
        )
