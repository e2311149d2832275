"""Issue 9, silent mis-reads: a second address line, the mailing city/state/ZIP, and the
status of a tape without a status column."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portfolios.choices import LoanStatus
from portfolios.models import Borrower, Loan, TapeImport
from portfolios.services import process_tape
from portfolios.tape.columns import auto_map, not_imported
from portfolios.tape.importer import one_period_after, status_from_paid_to
from portfolios.tape.readers import open_tape

BASE = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date"]


def _tape(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def _process(portfolio, data: bytes, dry_run=False):
    tape = open_tape("tape.csv", data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=dry_run,
    )  # fmt: skip


def _base(n=1, paid_to="2024-03-01"):
    return [f"L-{n}", f"Borrower {n}", "IL", "100,000.00", "6", paid_to]


# --- 1. A second property address line ------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Address 2", "Address Line 2", "propertyAddress2", "Unit", "Apt", "Property Address Line 2",
     "Suite"],
)  # fmt: skip
@pytest.mark.django_db
def test_a_second_address_line_is_appended_to_the_street(portfolio, header):
    data = _tape([*BASE, "Property Address", header], [[*_base(), "12 Main St", "Unit 4"]])
    outcome = _process(portfolio, data)
    assert [p.message for p in outcome.problems] == []
    assert Loan.objects.get().property_address == "12 Main St, Unit 4"
    assert outcome.ignored_headers == []


@pytest.mark.django_db
def test_a_blank_second_line_leaves_the_street_alone(portfolio):
    data = _tape([*BASE, "Address", "Address 2"], [[*_base(), "12 Main St", ""]])
    _process(portfolio, data)
    assert Loan.objects.get().property_address == "12 Main St"


@pytest.mark.django_db
def test_a_street_too_long_with_its_second_line_is_a_problem_not_a_500(portfolio):
    data = _tape([*BASE, "Address", "Address 2"], [[*_base(), "x" * 195, "Unit 4444"]])
    outcome = _process(portfolio, data)
    assert [p.message for p in outcome.problems] == [
        "Property Address with its second line is longer than 200 characters"
    ]
    assert not Loan.objects.exists()


# --- 2. The mailing address: street, unit, city, ST ZIP -------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        ["mailingAddress", "mailingAddress2", "mailingCity", "mailingState", "mailingZip"],
        ["Borrower Mailing Address", "Mailing Address Line 2", "Borrower Mailing City",
         "Borrower Mailing State", "Borrower Mailing Zip"],
        ["Mailing Street", "Mailing Unit", "Mailing City", "Mailing State", "Mailing Zip Code"],
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_mailing_city_state_and_zip_are_joined_to_the_mailing_address(portfolio, headers):
    data = _tape([*BASE, *headers], [[*_base(), "9 Oak Ave", "Apt 2", "Dayton", "Ohio", "45402"]])
    outcome = _process(portfolio, data)
    assert [p.message for p in outcome.problems] == []
    borrower = Borrower.objects.get()
    assert borrower.mailing_address == "9 Oak Ave, Apt 2, Dayton, OH 45402"
    assert outcome.ignored_headers == []


@pytest.mark.django_db
def test_a_mailing_address_without_unit_joins_what_is_there(portfolio):
    headers = ["Mailing Address", "Mailing City", "Mailing State", "Mailing ZIP"]
    data = _tape([*BASE, *headers], [[*_base(), "PO Box 7", "Austin", "TX", ""]])
    _process(portfolio, data)
    assert Borrower.objects.get().mailing_address == "PO Box 7, Austin, TX"


@pytest.mark.django_db
def test_a_bad_mailing_state_or_zip_is_a_problem_beside_its_column(portfolio):
    headers = ["Mailing Address", "Mailing City", "Mailing State", "Mailing ZIP"]
    data = _tape([*BASE, *headers], [[*_base(), "PO Box 7", "Austin", "Texxas", "78 70"]])
    outcome = _process(portfolio, data)
    assert [(p.column, p.value) for p in outcome.problems] == [
        ("Mailing State", "Texxas"), ("Mailing ZIP", "78 70")
    ]  # fmt: skip
    assert not Loan.objects.exists()


def test_no_address_part_is_left_unread():
    headers = [*BASE, "Property Address", "Unit", "mailingAddress", "mailingCity",
               "mailingState", "mailingZip", "mailingAddress2"]  # fmt: skip
    assert not_imported(headers, auto_map(headers)) == []


# --- 3. No status column: derived from the paid-to date -------------------------------


def test_the_status_rule():
    today = date(2024, 6, 15)
    # Paid to 05-01: next due 06-01, 14 days past due: performing.
    assert status_from_paid_to(date(2024, 5, 1), today) == LoanStatus.PERFORMING
    # Paid to 04-16: next due 05-16, 30 days past due: non-performing.
    assert status_from_paid_to(date(2024, 4, 16), today) == LoanStatus.NON_PERFORMING
    assert status_from_paid_to(date(2024, 4, 17), today) == LoanStatus.PERFORMING
    assert status_from_paid_to(date(2023, 1, 1), today) == LoanStatus.NON_PERFORMING
    assert one_period_after(date(2024, 1, 31)) == date(2024, 2, 29)
    assert one_period_after(date(2024, 12, 15)) == date(2025, 1, 15)


@pytest.mark.django_db
def test_a_tape_without_status_derives_it_from_the_paid_to_date(portfolio):
    today = timezone.localdate()
    current = (today - timedelta(days=20)).isoformat()
    behind = (today - timedelta(days=200)).isoformat()
    data = _tape(BASE, [_base(1, current), _base(2, behind)])
    outcome = _process(portfolio, data)
    assert [p.message for p in outcome.problems] == []
    statuses = dict(Loan.objects.values_list("loan_number", "status"))
    assert statuses == {"L-1": LoanStatus.PERFORMING, "L-2": LoanStatus.NON_PERFORMING}


@pytest.mark.django_db
def test_a_status_column_still_wins(portfolio):
    today = timezone.localdate()
    data = _tape([*BASE, "Status"], [[*_base(1, (today - timedelta(days=5)).isoformat()), "REO"]])
    _process(portfolio, data)
    assert Loan.objects.get().status == LoanStatus.REO


@pytest.mark.django_db
def test_a_reimport_without_status_keeps_a_status_set_by_hand(portfolio):
    today = timezone.localdate()
    data = _tape(BASE, [_base(1, (today - timedelta(days=10)).isoformat())])
    _process(portfolio, data)
    loan = Loan.objects.get()
    assert loan.status == LoanStatus.PERFORMING
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.IN_FORECLOSURE)
    again = _process(portfolio, data.replace(b"100,000.00", b"99,000.00"))
    assert again.counts.updated == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.IN_FORECLOSURE
    assert str(loan.upb) == "99000.00"


@pytest.mark.django_db
def test_the_command_says_the_status_is_derived(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(_tape(BASE, [_base(1, (timezone.localdate()).isoformat())]))
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    assert "Status derived from the paid-to date" in out.getvalue()
    assert Loan.objects.get().status == LoanStatus.PERFORMING


@pytest.mark.django_db
def test_the_command_says_nothing_of_status_when_the_tape_has_one(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(_tape([*BASE, "Status"], [[*_base(), "Performing"]]))
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    assert "Status derived" not in out.getvalue()


@pytest.mark.django_db
def test_the_browser_import_says_the_status_is_derived(client, staff, portfolio):
    client.force_login(staff)
    data = _tape(BASE, [_base(1, timezone.localdate().isoformat())])
    url = reverse("portfolios:import_start", args=[portfolio.pk])
    client.post(url, {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360"})
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert "Status derived from the paid-to date" in " ".join(job.notes)
    assert "Status derived from the paid-to date" in client.get(job.get_absolute_url()).text
