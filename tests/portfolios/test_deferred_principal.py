"""Issue 9: a deferred (non-interest-bearing) principal on the loan.

The UPB is all the principal owed; the deferred principal is the part of it that bears no
interest (Freddie Mac: Current Actual UPB = interest-bearing UPB + Current Non-Interest
Bearing UPB). Interest and the per diem run on UPB - deferred; the payoff counts the whole
UPB. Figures are worked by hand in the comments.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portfolios.models import Loan
from portfolios.payoff import payoff
from portfolios.services import process_tape
from portfolios.stats import compute_totals
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import TapeFileError, open_tape
from tests.factories import make_loan

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def deferred_loan(portfolio):
    # UPB 200,000.00 of which 50,000.00 deferred, 6 % 30/360, paid to Jan 1, 2026, fees 500.
    return make_loan(portfolio, "DEF-1", deferred_principal=D("50000.00"))


# --- the model -------------------------------------------------------------------------------


def test_a_loan_has_no_deferred_principal_by_default(portfolio):
    assert make_loan(portfolio).deferred_principal == D("0.00")


@pytest.mark.parametrize("deferred", [D("-0.01"), D("200000.01")])
def test_the_database_refuses_a_deferred_principal_outside_the_upb(portfolio, deferred):
    loan = make_loan(portfolio)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(deferred_principal=deferred)


def test_a_deferred_principal_equal_to_the_upb_is_allowed(portfolio):
    loan = make_loan(portfolio)
    Loan.objects.filter(pk=loan.pk).update(deferred_principal=D("200000.00"))
    loan.refresh_from_db()
    assert loan.deferred_principal == loan.upb


# --- the loan page: the payoff panel and the loan's fields ----------------------------------


def test_the_loan_page_shows_the_deferred_principal_as_its_own_payoff_line(
    client, owner, deferred_loan
):
    client.force_login(owner)
    response = client.get(
        reverse("portfolios:loan_detail", args=[deferred_loan.pk]), {"as_of": "2026-07-01"}
    )
    figures = response.context["payoff"]
    # Jan 1 -> Jul 1 (30/360) = 180 days on 150,000: 150,000 x 6% x 180 / 360 = 4,500.00
    # (on the whole 200,000 it would be 6,000.00); per diem 9,000 / 360 = 25.00
    # total 150,000 + 50,000 + 4,500 + 500 = 205,000.00
    assert (figures.interest, figures.per_diem) == (D("4500.00"), D("25.00"))
    assert figures.total == D("205000.00")
    text = response.text
    assert 'Interest-bearing principal</th><td class="text-end num">$150,000.00<' in text
    assert "Deferred principal (non-interest-bearing)" in text
    assert 'data-testid="payoff-deferred">$50,000.00<' in text
    assert 'data-testid="payoff-total">$205,000.00<' in text
    assert "Per diem $25.00 (6.00% on $150,000.00, 30/360)" in text
    assert "the deferred principal of $50,000.00 bears no interest" in text
    assert 'data-testid="deferred-principal">$50,000.00, part of the UPB<' in text


def test_a_loan_without_deferred_principal_shows_one_principal_line(client, owner, portfolio):
    loan = make_loan(portfolio)
    client.force_login(owner)
    text = client.get(reverse("portfolios:loan_detail", args=[loan.pk])).text
    assert "Unpaid principal (UPB)</th>" in text
    assert "payoff-deferred" not in text
    assert 'data-testid="deferred-principal">—<' in text


# --- every other place that shows or sums the total debt -------------------------------------


def test_the_csv_export_has_the_deferred_principal_and_the_same_total(
    client, owner, portfolio, deferred_loan
):
    client.force_login(owner)
    response = client.get(
        reverse("portfolios:export", args=[portfolio.pk]), {"as_of": "2026-07-01"}
    )
    lines = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(lines)))
    (row,) = rows
    assert row["UPB"] == "200000.00"
    assert row["Deferred Principal"] == "50000.00"
    assert row["Accrued Interest"] == "4500.00"  # on 150,000, as on the loan page
    assert row["Per Diem"] == "25.00"
    assert row["Total Payoff"] == "205000.00"


def test_portfolio_totals_count_the_deferred_principal_without_interest(portfolio, deferred_loan):
    make_loan(portfolio, "PLAIN-1")  # 200,000 at 6 %: 200,000 + 6,000 + 500 = 206,500.00
    totals = compute_totals(Loan.objects.filter(portfolio=portfolio), date(2026, 7, 1))
    one = totals[portfolio.pk]
    assert one.upb == D("400000.00")  # the UPB includes the deferred principal
    assert one.total_debt == D("205000.00") + D("206500.00")


def test_the_loan_table_rows_use_the_deferred_principal(client, owner, portfolio, deferred_loan):
    client.force_login(owner)
    response = client.get(reverse("portfolios:detail", args=[portfolio.pk]))
    (row,) = response.context["rows"]
    expected = payoff(deferred_loan, timezone.localdate())
    assert row.payoff.deferred_principal == D("50000.00")
    assert row.payoff == expected
    assert response.context["totals"].total_debt == expected.total


# --- the loan form ---------------------------------------------------------------------------


def _post_data(loan, **overrides):
    data = {
        "version": loan.version, "loan_number": loan.loan_number, "status": loan.status,
        "lien_position": 1, "purchase_money": "no", "foreclosure_process": "judicial",
        "upb": "200000.00", "deferred_principal": "50000.00", "note_rate": "6",
        "paid_to_date": "2026-01-01", "day_count": "30/360", "fees": "500.00", "costs": "0",
        "escrow_advances": "0", "suspense": "0", "property_state": "NY",
        "property_type": "single_family", "occupancy": "non_owner_occupied",
        "borrowers-TOTAL_FORMS": "1", "borrowers-INITIAL_FORMS": "1",
        "borrowers-MIN_NUM_FORMS": "1", "borrowers-MAX_NUM_FORMS": "1000",
        "borrowers-0-id": loan.borrowers.get().pk, "borrowers-0-loan": loan.pk,
        "borrowers-0-name": "Borrower L-1",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_staff_enter_a_deferred_principal_in_the_loan_form(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[loan.pk])
    form = client.get(url).text
    assert 'name="deferred_principal"' in form
    assert "Deferred principal (non-interest-bearing)" in form
    response = client.post(url, _post_data(loan, deferred_principal="$50,000.00"))
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.deferred_principal == D("50000.00")
    assert payoff(loan, date(2026, 7, 1)).total == D("205000.00")


def test_a_blank_deferred_principal_is_zero(client, staff, deferred_loan):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[deferred_loan.pk])
    assert client.post(url, _post_data(deferred_loan, deferred_principal="")).status_code == 302
    deferred_loan.refresh_from_db()
    assert deferred_loan.deferred_principal == D("0.00")


def _error_beside_the_field(text: str, message: str) -> bool:
    field = text.index('name="deferred_principal"')
    return field < text.index(message) < text.index('name="paid_to_date"')


@pytest.mark.parametrize(
    "typed, message",
    [
        ("-5.00", "“-5.00” is negative."),
        ("1234567890123.45", "is larger than $999,999,999,999.99."),
        ("200000.01", "it cannot be more than the UPB ($200,000.00)"),
        ("12.345", "has more than two decimal places"),
        ("abc", "is not an amount of money"),
    ],
)
def test_the_form_refuses_a_bad_deferred_principal_beside_the_field(
    client, staff, deferred_loan, typed, message
):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[deferred_loan.pk])
    response = client.post(url, _post_data(deferred_loan, deferred_principal=typed))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["deferred_principal"]
    assert f'value="{typed}"' in response.text  # what was typed stays in the box
    assert _error_beside_the_field(response.text, message)
    deferred_loan.refresh_from_db()
    assert deferred_loan.deferred_principal == D("50000.00")


def test_a_smaller_upb_than_the_deferred_principal_is_refused_beside_the_deferred_field(
    client, staff, deferred_loan
):
    client.force_login(staff)
    url = reverse("portfolios:loan_edit", args=[deferred_loan.pk])
    response = client.post(url, _post_data(deferred_loan, upb="40000.00"))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["deferred_principal"]
    assert "cannot be more than the UPB ($40,000.00)" in response.text


# --- the tape ----------------------------------------------------------------------------------

HEADER = "Loan Number,Borrower,State,UPB,Rate,PTD,Deferred Principal\n"


def _tape(portfolio, body: str, header: str = HEADER, dry_run: bool = False):
    tape = open_tape("tape.csv", (header + body).encode())
    return process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                        default_day_count="30/360", dry_run=dry_run)  # fmt: skip


def test_the_freddie_examples_deferred_principal_bears_no_interest(portfolio):
    from tests.portfolios.test_tape_layouts import _import

    _import(portfolio, "loan-tape-freddie.csv", dry_run=False)
    loan = Loan.objects.get(portfolio=portfolio, loan_number="F09Q10000002")
    assert (loan.upb, loan.deferred_principal) == (D("243100.00"), D("15000.00"))
    # Paid to Nov 1, 2023 -> Jan 1, 2024 (30/360) = 60 days on 243,100 - 15,000 = 228,100:
    # 228,100 x 6.125% = 13,971.125 a year; x 60 / 360 = 2,328.5208... -> 2,328.52
    # (on the whole 243,100 it would be 2,481.65); total 243,100 + 2,328.52 = 245,428.52
    figures = payoff(loan, date(2024, 1, 1))
    assert (figures.days, figures.interest) == (60, D("2328.52"))
    assert figures.total == D("245428.52")
    other = Loan.objects.get(portfolio=portfolio, loan_number="F09Q10000001")
    assert other.deferred_principal == D("0.00")  # written 0 on the tape


@pytest.mark.parametrize(
    "cell, expected", [("", "0.00"), ("$ -", "0.00"), ("-", "0.00"), ('"$1,250.00"', "1250.00")]
)
def test_a_deferred_principal_cell_blank_or_dash_is_zero(portfolio, cell, expected):
    outcome = _tape(portfolio, f"T-1,Ann,OH,5000.00,6,2024-03-01,{cell}\n")
    assert [p.message for p in outcome.problems] == []
    assert Loan.objects.get().deferred_principal == D(expected)


def test_bad_deferred_principal_cells_are_reported_and_nothing_written(portfolio):
    outcome = _tape(
        portfolio,
        "T-1,Ann,OH,5000.00,6,2024-03-01,-12.00\n"
        "T-2,Bob,OH,5000.00,6,2024-03-01,5000.01\n"
        "T-3,Cy,OH,5000.00,6,2024-03-01,12.345\n"
        "T-4,Di,OH,5000.00,6,2024-03-01,5000.00\n",
    )
    assert [(p.row, p.column, p.value, p.message) for p in outcome.problems] == [
        (2, "Deferred Principal", "-12.00", "Deferred Principal is negative"),
        (3, "Deferred Principal", "5000.01",
         "Deferred Principal is more than the UPB: the UPB must include the deferred "
         "(non-interest-bearing) principal, as Freddie Mac's Current Actual UPB does"),
        (4, "Deferred Principal", "12.345",
         "Deferred Principal has more than two decimal places (amounts are never rounded)"),
    ]  # fmt: skip
    assert not Loan.objects.exists()


def test_a_reimport_updates_the_deferred_principal_and_a_tape_without_it_keeps_it(portfolio):
    _tape(portfolio, "T-1,Ann,OH,5000.00,6,2024-03-01,1000.00\n")
    outcome = _tape(portfolio, "T-1,Ann,OH,5000.00,6,2024-03-01,1500.00\n")
    assert outcome.counts.updated == 1
    assert Loan.objects.get().deferred_principal == D("1500.00")
    without = "Loan Number,Borrower,State,UPB,Rate,PTD\n"
    outcome = _tape(portfolio, "T-1,Ann,OH,4000.00,6,2024-03-01\n", header=without)
    assert outcome.counts.updated == 1
    loan = Loan.objects.get()
    assert (loan.upb, loan.deferred_principal) == (D("4000.00"), D("1500.00"))


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_tape_without_the_column_cannot_bring_the_upb_below_the_stored_deferral(
    portfolio, dry_run
):
    _tape(portfolio, "T-1,Ann,OH,5000.00,6,2024-03-01,1000.00\n")
    without = "Loan Number,Borrower,State,UPB,Rate,PTD\n"
    with pytest.raises(TapeFileError, match="less than the deferred principal stored on loan T-1"):
        _tape(portfolio, "T-1,Ann,OH,900.00,6,2024-03-01\n", header=without, dry_run=dry_run)
    loan = Loan.objects.get()
    assert (loan.upb, loan.deferred_principal) == (D("5000.00"), D("1000.00"))


# --- the import says how it reads the column ----------------------------------------------------

NOTE = "Deferred Principal read from “Current Non-Interest Bearing UPB” as the part of the UPB"


def test_a_browser_import_says_the_deferred_principal_is_part_of_the_upb(client, staff, portfolio):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portfolios.models import TapeImport
    from tests.portfolios.test_tape_layouts import DOCS

    client.force_login(staff)
    data = (DOCS / "loan-tape-freddie.csv").read_bytes()
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("freddie.csv", data), "default_day_count": "30/360"},
    )
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert f"{NOTE} (“Current Actual UPB”) that bears no interest" in " ".join(job.notes)
    assert NOTE in client.get(job.get_absolute_url()).text
    assert Loan.objects.get(loan_number="F09Q10000002").deferred_principal == D("15000.00")


def test_the_command_says_so_and_refuses_a_upb_below_a_stored_deferral(portfolio, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "tape.csv"
    path.write_text(HEADER + "T-1,Ann,OH,5000.00,6,2024-03-01,1000.00\n")
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    assert "Deferred Principal read from “Deferred Principal” as the part of the UPB" in (
        out.getvalue()
    )
    path.write_text("Loan Number,Borrower,State,UPB,Rate,PTD\nT-1,Ann,OH,900.00,6,2024-03-01\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_loan_tape", portfolio.name, str(path), stdout=io.StringIO())
    assert str(refused.value).endswith(
        "The tape's UPB is less than the deferred principal stored on loan T-1. The UPB includes "
        "the deferred (non-interest-bearing) principal: add a Deferred Principal column to the "
        "tape, or correct those loans first. Nothing was written."
    )
    assert Loan.objects.get().upb == D("5000.00")
