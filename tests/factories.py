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
