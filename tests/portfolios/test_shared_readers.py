"""Issue 9: the loan form and the loan tape share one set of field readers (rates, ZIPs, money
with $ and commas, dates), so a value means the same wherever it is typed."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolios.forms import LoanForm
from portfolios.models import Loan
from portfolios.services import process_tape
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import open_tape
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db
HEADERS = ["Loan Number", "Borrower Name", "Property State", "Property ZIP", "UPB", "Note Rate",
           "Paid To Date"]  # fmt: skip


def _from_tape(portfolio, state, zip_code, upb, rate, paid_to):
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, ["T-1", "A Borrower", state, zip_code, upb, rate, paid_to]])
    tape = open_tape("t.csv", out.getvalue().encode())
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    if outcome.problems:
        return None, outcome.problems[0].message
    loan = Loan.objects.get(portfolio=portfolio, loan_number="T-1")
    return (loan.property_zip, loan.upb, loan.note_rate, loan.paid_to_date), None


def _from_form(portfolio, state, zip_code, upb, rate, paid_to):
    data = {
        "loan_number": "F-1", "status": "performing", "lien_position": 1,
        "purchase_money": "unknown", "foreclosure_process": "unknown", "upb": upb,
        "note_rate": rate, "paid_to_date": paid_to, "day_count": "30/360", "fees": "0",
        "costs": "0", "escrow_advances": "0", "suspense": "0", "property_state": state,
        "property_zip": zip_code, "property_type": "single_family", "occupancy": "unknown",
    }  # fmt: skip
    form = LoanForm(data, portfolio=portfolio)
    if not form.is_valid():
        return None, form.errors
    d = form.cleaned_data
    return (d["property_zip"], d["upb"], d["note_rate"], d["paid_to_date"]), None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [(("MA", "2134", "$1,234.50", "6.375%", "03/01/2024"),
      ("02134", Decimal("1234.50"), Decimal("6.375"), date(2024, 3, 1))),
     (("TX", "75201-1234", "1234.5", "6.375", "2024-03-01"),
      ("75201-1234", Decimal("1234.50"), Decimal("6.375"), date(2024, 3, 1))),
     (("TX", "752", "98,000", " 7 ", "1-Mar-2024"),
      ("752XX", Decimal("98000.00"), Decimal("7"), date(2024, 3, 1))),
     (("NJ", "07030", "$98,000.00", "5.25%", "05-12-2006"),
      ("07030", Decimal("98000.00"), Decimal("5.25"), date(2006, 5, 12)))],
)  # fmt: skip
def test_a_value_means_the_same_in_the_loan_form_and_the_tape(portfolio, typed, expected):
    tape, tape_problem = _from_tape(portfolio, *typed)
    form, form_errors = _from_form(portfolio, *typed)
    assert tape_problem is None and form_errors is None
    assert tape == form == expected


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [(("TX", "7870", "1,000", "6", "2024-03-01"), "property_zip", "no ZIP in TX does"),
     (("TX", "7520A", "1,000", "6", "2024-03-01"), "property_zip", "is not a ZIP code"),
     (("TX", "75201", "1,000", "6.123456", "2024-03-01"), "note_rate", "decimal places"),
     (("TX", "75201", "1,000.505", "6", "2024-03-01"), "upb", "more than two decimal"),
     (("TX", "75201", "1,000", "6", "03/01/24"), "paid_to_date", "two-digit year"),
     (("TX", "75201", "1,000", "6", "2024-02-30"), "paid_to_date", "not a real calendar date")],
)  # fmt: skip
def test_a_value_refused_by_the_tape_is_refused_by_the_form_too(portfolio, typed, field, message):
    _tape, tape_problem = _from_tape(portfolio, *typed)
    _form, form_errors = _from_form(portfolio, *typed)
    assert message in tape_problem
    assert message in " ".join(form_errors[field])


def test_a_lone_fraction_is_refused_by_the_form_a_column_of_them_is_read_by_the_tape(portfolio):
    # One rate alone cannot say whether 0.06375 means 0.06375 % or 6.375 %: the form asks for
    # the percent; a tape whose whole rate column is below 1 is read as fractions (and says so).
    typed = ("TX", "75201", "1,000", "0.06375", "2024-03-01")
    _form, form_errors = _from_form(portfolio, *typed)
    assert "looks like a fraction" in form_errors["note_rate"][0]
    tape, _problem = _from_tape(portfolio, *typed)
    assert tape[2] == Decimal("6.375")


def test_the_form_shows_the_readers_refusal_beside_the_field_and_keeps_the_input(
    client, staff, portfolio
):
    from tests.factories import make_loan

    loan = make_loan(portfolio)
    client.force_login(staff)
    data = loan_post_data(loan, note_rate="0.06375", property_zip="7870", property_state="TX")
    data["borrowers-0-name"] = loan.borrowers.get().name
    response = client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "looks like a fraction" in errors["note_rate"][0]
    assert "no ZIP in TX does" in errors["property_zip"][0]
    assert 'value="0.06375"' in response.text and 'value="7870"' in response.text
    loan.refresh_from_db()
    assert loan.note_rate == Decimal("6")


def test_a_partial_zip_from_a_tape_survives_an_edit_of_the_loan(client, staff, portfolio):
    _from_tape(portfolio, "TX", "752", "1,000", "6", "2024-03-01")
    loan = Loan.objects.get()
    client.force_login(staff)
    data = loan_post_data(loan, property_state="TX", property_zip=loan.property_zip, upb="900")
    data["borrowers-0-name"] = "A Borrower"
    response = client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data)
    assert response.status_code == 302
    loan.refresh_from_db()
    assert (loan.property_zip, loan.upb) == ("752XX", Decimal("900.00"))
    page = client.get(loan.get_absolute_url())
    assert "partial ZIP" in page.text
    assert "an agreement needs the full ZIP" in page.text
    assert f'href="/portfolios/loans/{loan.pk}/edit/">Enter it</a>' in page.text


@pytest.mark.parametrize(
    ("typed", "expected"), [("$ -", "0.00"), ("", "0.00"), ("$1,234.50", "1234.50")]
)
def test_a_balance_reads_the_same_in_the_form_and_the_tape(
    client, staff, portfolio, typed, expected
):
    from tests.factories import make_loan

    loan = make_loan(portfolio)
    client.force_login(staff)
    data = loan_post_data(loan, fees=typed, suspense=typed)
    data["borrowers-0-name"] = loan.borrowers.get().name
    assert client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data).status_code == 302
    loan.refresh_from_db()
    assert (loan.fees, loan.suspense) == (Decimal(expected), Decimal(expected))
    out = io.StringIO()
    csv.writer(out).writerows([[*HEADERS, "Fees"], ["T-9", "A", "TX", "75201", "1", "6",
                                                    "2024-03-01", typed]])  # fmt: skip
    tape = open_tape("t.csv", out.getvalue().encode())
    process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                 default_day_count="30/360", dry_run=False)  # fmt: skip
    assert Loan.objects.get(loan_number="T-9").fees == Decimal(expected)
