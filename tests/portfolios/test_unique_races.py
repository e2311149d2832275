"""A unique value taken by a concurrent request is a form error, never a 500.

Two requests that create the same portfolio name (or loan number) at once both pass the
form's check; the second insert then meets the database's unique constraint. The race is
simulated by switching the form's check off, so the insert itself is what refuses.
"""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from portfolios import services
from portfolios.forms import LoanForm, PortfolioForm
from portfolios.models import Loan, Portfolio, SellerColumnMapping
from tests.factories import make_loan, make_portfolio
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db

TAKEN = "Portfolio with this Name already exists."


@pytest.fixture
def check_passes(monkeypatch):
    """The form's uniqueness checks pass, as they do for both requests of a race."""
    monkeypatch.setattr(PortfolioForm, "validate_unique", lambda self: None)
    monkeypatch.setattr(
        LoanForm, "clean_loan_number", lambda self: self.cleaned_data["loan_number"].strip()
    )


def test_a_duplicate_portfolio_name_is_an_error_beside_the_name(client, staff, owner, portfolio):
    client.force_login(staff)
    response = client.post(reverse("portfolios:create"), {"name": portfolio.name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [TAKEN]


def test_a_portfolio_name_taken_meanwhile_is_an_error_not_a_500(
    client, staff, owner, portfolio, check_passes
):
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:create"),
        {"name": portfolio.name, "owners": [owner.pk], "seller": "Acme Bank"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [TAKEN]
    assert 'value="Acme Bank"' in response.text  # what was typed is shown again
    assert Portfolio.objects.filter(name=portfolio.name).count() == 1


def test_a_rename_to_a_name_taken_meanwhile_is_an_error_and_changes_nothing(
    client, staff, owner, portfolio, check_passes
):
    mine = make_portfolio(owner, name="Mine")
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:edit", args=[mine.pk]),
        {"name": portfolio.name, "owners": [owner.pk], "version": mine.version},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [TAKEN]
    mine.refresh_from_db()
    assert (mine.name, mine.version) == ("Mine", 1)  # the version claim was rolled back


def _new_loan_data(loan, **overrides):
    data = loan_post_data(loan, **overrides)
    data.update(
        {"borrowers-INITIAL_FORMS": "0", "borrowers-0-id": "", "borrowers-0-loan": "",
         "version": ""}
    )  # fmt: skip
    return data


def test_a_loan_number_taken_meanwhile_is_an_error_not_a_500(
    client, staff, portfolio, check_passes
):
    loan = make_loan(portfolio, "L000000")
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:loan_create", args=[portfolio.pk]), _new_loan_data(loan, upb="5.00")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["loan_number"] == [
        "Another loan in this portfolio has this loan number."
    ]
    assert 'value="5.00"' in response.text
    assert Loan.objects.filter(portfolio=portfolio).count() == 1
    assert loan.borrowers.count() == 1


def test_a_loan_renumbered_to_a_number_taken_meanwhile_is_an_error(
    client, staff, portfolio, check_passes
):
    make_loan(portfolio, "L-TAKEN")
    loan = make_loan(portfolio, "L000000")
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:loan_edit", args=[loan.pk]),
        loan_post_data(loan, loan_number="L-TAKEN"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["loan_number"]
    loan.refresh_from_db()
    assert (loan.loan_number, loan.version) == ("L000000", 1)


def test_another_integrity_error_is_not_passed_off_as_a_duplicate(staff, owner, monkeypatch):
    form = PortfolioForm({"name": "Fresh", "owners": [owner.pk]})
    assert form.is_valid()

    def broken_save(*args, **kwargs):
        raise IntegrityError("CHECK constraint failed")

    monkeypatch.setattr(form, "save", broken_save)
    with pytest.raises(IntegrityError):
        services.save_portfolio(form=form, by=staff)


def test_a_seller_mapping_saved_meanwhile_is_updated_not_a_500(staff, portfolio, monkeypatch):
    """Remembering a seller's mapping is an update_or_create: when another import saved the
    seller's mapping between its lookup and its insert, the insert's IntegrityError makes
    it look again and update that one."""
    from django.db.models import QuerySet

    from portfolios.models import TapeImport

    portfolio.seller = "Acme Bank"
    portfolio.save()
    SellerColumnMapping.objects.create(seller="Acme Bank", mapping={"upb": "Old"})
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.csv", kind="csv", sha256="0" * 64, size=1,
        headers=["Loan", "Name", "State", "Bal", "Rate", "Paid"],
        default_day_count="30/360", status=TapeImport.Status.NEEDS_MAPPING,
    )  # fmt: skip
    real_get, missed = QuerySet.get, []

    def first_lookup_misses(self, *args, **kwargs):
        if self.model is SellerColumnMapping and not missed:
            missed.append(True)
            raise SellerColumnMapping.DoesNotExist
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "get", first_lookup_misses)
    monkeypatch.setattr(services, "launch_tape_import", lambda job, tape=None: None)
    mapping = {"loan_number": "Loan", "borrower_name": "Name", "property_state": "State",
               "upb": "Bal", "note_rate": "Rate", "paid_to_date": "Paid"}  # fmt: skip
    services.set_import_mapping(job=job, mapping=mapping, by=staff, remember=True)
    assert missed
    assert SellerColumnMapping.objects.get(seller="Acme Bank").mapping == mapping


def test_a_loan_save_takes_the_portfolio_lock_an_imports_write_holds(
    client, staff, portfolio, monkeypatch
):
    """apply_tape locks the portfolio's row while it reads the loans and writes them; a hand
    save takes the same lock, so neither inserts a number the other has just checked."""
    from django.db.models import QuerySet

    locked, real = [], QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked.append(self.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    loan = make_loan(portfolio, "L000000")
    client.force_login(staff)
    response = client.post(
        reverse("portfolios:loan_edit", args=[loan.pk]), loan_post_data(loan, upb="7.00")
    )
    assert response.status_code == 302
    assert Portfolio in locked
