"""Test data builders: users with roles, portfolios."""

from decimal import Decimal
from itertools import count

from accounts.models import User
from accounts.roles import assign_role
from noteinvest.access import Role
from portfolios.models import Portfolio

PASSWORD = "correct-horse-battery-9"
_seq = count(1)


def make_user(*roles: Role, email: str | None = None, password: str = PASSWORD, **extra) -> User:
    email = email or f"user{next(_seq)}@example.com"
    user = User.objects.create_user(email, password, **extra)
    for role in roles:
        assign_role(user, role)
    return user


def make_portfolio(*owners: User, name: str | None = None, **extra) -> Portfolio:
    extra.setdefault("purchase_price", Decimal("100000.00"))
    portfolio = Portfolio.objects.create(name=name or f"Pool {next(_seq)}", **extra)
    portfolio.owners.add(*owners)
    return portfolio


def make_loan(portfolio, number: str = "L-1", **extra):
    from datetime import date

    from portfolios.models import Borrower, Loan

    fields = dict(
        loan_number=number, property_state="NY", upb=Decimal("200000.00"), note_rate=Decimal("6"),
        paid_to_date=date(2026, 1, 1), day_count="30/360", fees=Decimal("500.00"),
        origination_date=date(2010, 5, 1), occupancy="non_owner_occupied", purchase_money="no",
        foreclosure_process="judicial",
    )  # fmt: skip
    fields.update(extra)
    loan = Loan.objects.create(portfolio=portfolio, **fields)
    Borrower.objects.create(loan=loan, name=f"Borrower {number}")
    return loan


def record_sale(loan, by, *, on=None, price="150000.00", process="judicial", **extra):
    from datetime import date

    from deficiencies.models import LiquidationEvent
    from deficiencies.services import record_liquidation

    event = LiquidationEvent(
        event_type="foreclosure_sale", event_date=on or date(2026, 10, 1), sale_process=process,
        sale_price=Decimal(price), **extra,
    )  # fmt: skip
    return record_liquidation(loan=loan, event=event, by=by)
