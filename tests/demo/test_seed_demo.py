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


def test_demo_loans_have_plausible_facts_so_verdicts_can_be_decided():
    from portfolios.models import Loan

    call_command("seed_demo")
    loans = list(Loan.objects.all())
    for loan in loans:
        assert loan.units is not None and loan.borrower_type != "unknown"
        assert loan.lender_type != "unknown"
        if loan.property_type in ("single_family", "condo", "townhouse"):
            assert loan.units == 1
        if loan.acreage is not None:
            assert loan.acreage < 1
        if loan.occupancy == "owner_occupied":
            assert loan.borrower_type == "natural_person"
    people = sum(loan.borrower_type == "natural_person" for loan in loans)
    banks = sum(loan.lender_type == "financial_institution" for loan in loans)
    assert people > len(loans) * 3 // 4 and banks > len(loans) * 3 // 4
    assert any(loan.default_date for loan in loans)
    assert all(loan.default_date is None or loan.default_date > loan.paid_to_date for loan in loans)


def test_seeding_again_fills_facts_a_loan_seeded_before_them_lacks_and_keeps_others():
    from portfolios.models import Loan

    call_command("seed_demo")
    Loan.objects.filter(loan_number="RB-0001").update(
        units=None, acreage=None, borrower_type="unknown", lender_type="unknown",
        refinanced="unknown", home_equity_loan="unknown", high_cost_loan="unknown",
        default_date=None,
    )  # fmt: skip
    Loan.objects.filter(loan_number="RB-0002").update(lender_type="other")
    call_command("seed_demo")
    from demo.loans import FACT_FIELDS, demo_loans

    spec = next(x for x in demo_loans("RB-", 60, seed=2026) if x["loan_number"] == "RB-0001")
    first, second = (Loan.objects.get(loan_number=n) for n in ("RB-0001", "RB-0002"))
    assert {name: getattr(first, name) for name in FACT_FIELDS} == {
        name: spec[name] for name in FACT_FIELDS
    }
    assert first.borrower_type == "natural_person" and first.units == 1
    assert second.lender_type == "other"


def test_the_demo_dpo_in_review_has_a_rider_and_a_hardship_for_the_attorney():
    from settlements.models import Agreement, Status

    call_command("seed_demo")
    dpo = Agreement.objects.get(loan__loan_number="RB-0009")
    assert dpo.status == Status.IN_REVIEW and dpo.hardship
    rider = dpo.riders.get()
    assert rider.title == "Escrow Balance" and not rider.is_approved
    from settlements.clauses import sections

    titles = [title for title, _ in sections(dpo.versions.get().terms)]
    assert "Rider: Escrow Balance" in titles and "Borrower's Hardship" in titles


def test_every_demo_pools_price_is_what_its_loans_were_bought_for():
    from decimal import Decimal

    from django.db.models import Sum

    from portfolios.models import Portfolio

    call_command("seed_demo")
    pools = Portfolio.objects.annotate(loans_price=Sum("loans__purchase_price"))
    assert pools.count() == 2
    for pool in pools:
        assert pool.purchase_price == Decimal(pool.loans_price).quantize(Decimal("0.01")), pool


def test_seeding_again_corrects_a_pool_price_seeded_before_it_agreed_with_the_loans():
    from decimal import Decimal

    from portfolios.models import Portfolio

    call_command("seed_demo")
    pool = Portfolio.objects.get(name="Riverbend NPL Pool 2026-A")
    right = pool.purchase_price
    pool.purchase_price = Decimal("4185000.00")  # the figure seeded before
    pool.save()
    Portfolio.objects.filter(name__startswith="Lakeshore").update(purchase_price=Decimal("1.00"))
    call_command("seed_demo")
    assert Portfolio.objects.get(pk=pool.pk).purchase_price == right
    # A price someone set since is theirs: kept.
    assert Portfolio.objects.get(name__startswith="Lakeshore").purchase_price == Decimal("1.00")
