import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from noteinvest.access import Role, roles_of

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every project model, to compare two seedings."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {
            "accounts",
            "portfolios",
            "deficiencies",
            "settlements",
            "auth",
        }:
            rows[model._meta.label] = sorted(map(str, model.objects.values_list()))
    return rows


def test_seed_demo_creates_one_user_per_role():
    call_command("seed_demo")
    expected = {
        "investor@example.com": {Role.INVESTOR},
        "investor2@example.com": {Role.INVESTOR},
        "staff@example.com": {Role.STAFF},
        "attorney@example.com": {Role.ATTORNEY},
    }
    for email, roles in expected.items():
        user = User.objects.get(email=email)
        assert roles_of(user) == roles
        assert user.check_password("demo-pass-2026")


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_each_demo_investor_owns_a_portfolio():
    call_command("seed_demo")
    for email in ("investor@example.com", "investor2@example.com"):
        assert User.objects.get(email=email).portfolios.count() == 1


def test_a_demo_loan_has_a_deferred_principal_shown_in_its_payoff(client):
    from datetime import date
    from decimal import Decimal

    from django.urls import reverse

    from portfolios.models import Loan
    from portfolios.payoff import payoff

    call_command("seed_demo")
    loan = Loan.objects.get(deferred_principal__gt=0)
    assert loan.loan_number == "LS-0002"
    assert Decimal("0") < loan.deferred_principal < loan.upb
    figures = payoff(loan, date(2026, 7, 1))
    assert figures.interest_bearing_principal == loan.upb - loan.deferred_principal
    client.force_login(User.objects.get(email="investor2@example.com"))
    page = client.get(reverse("portfolios:loan_detail", args=[loan.pk])).text
    assert "Deferred principal (non-interest-bearing)" in page
