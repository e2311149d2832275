"""The loan-tape import end to end, below the views: every problem reported, all or nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portfolios.models import Borrower, Loan
from portfolios.services import process_tape
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import TapeFileError, open_tape
from tests.portfolios.tapes import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(portfolio, data: bytes, name="tape.csv", dry_run=False, mapping=None, day_count="30/360"):
    tape = open_tape(name, data)
    return process_tape(
        portfolio=portfolio,
        tape=tape,
        mapping=mapping or auto_map(tape.headers),
        default_day_count=day_count,
        dry_run=dry_run,
    )


MESSY = [
    good_row(1),  # row 2
    good_row(2, **{"Paid To Date": "March 2024"}),  # row 3
    good_row(3, UPB="-5,000.00"),  # row 4
    good_row(4, **{"Note Rate": "250%"}),  # row 5
    good_row(5, **{"Paid To Date": "2099-01-01"}),  # row 6
    good_row(6, **{"Loan Number": "T-00001"}),  # row 7
    good_row(7, UPB="1000.005", **{"Property State": "Ontario"}),  # row 8
    good_row(8),  # row 9
]


def test_messy_tape_reports_every_bad_cell_and_writes_nothing(portfolio):
    outcome = run(portfolio, csv_bytes(MESSY))
    problems = [(p.row, p.column, p.value, p.message) for p in outcome.problems]
    assert problems == [
        (3, "Paid To Date", "March 2024", "Paid To Date is not a date (use 2024-03-01 or 03/01/2024)"),
        (4, "UPB", "-5,000.00", "UPB is negative"),
        (5, "Note Rate", "250%", "Note Rate is above 50% a year, which no mortgage note carries"),
        (6, "Paid To Date", "2099-01-01",
         "Paid To Date must be between 1950-01-01 and 1 year from today"),
        (7, "Loan Number", "T-00001", "Loan Number is a duplicate of row 2"),
        (8, "Property State", "Ontario",
         "Property State is not a US state (use a two-letter code such as CA, or the full name)"),
        (8, "UPB", "1000.005", "UPB has more than two decimal places (amounts are never rounded)"),
    ]  # fmt: skip
    assert outcome.counts is None
    assert not Loan.objects.exists()


def test_clean_tape_is_written_with_exact_values(portfolio):
    outcome = run(
        portfolio, csv_bytes([good_row(1, **{"Co-Borrower Name": "Pat Partner"}), good_row(2)])
    )
    assert outcome.problems == []
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (2, 0, 0)
    loan = Loan.objects.get(loan_number="T-00001")
    assert loan.upb == Decimal("150001.25")
    assert loan.note_rate == Decimal("6.375")
    assert loan.paid_to_date == date(2024, 3, 1)
    assert loan.origination_date == date(2010, 6, 15)
    assert loan.escrow_advances == Decimal("1200.00")
    assert loan.suspense == Decimal("0.00")
    assert (loan.occupancy, loan.purchase_money, loan.foreclosure_process) == (
        "owner_occupied", "yes", "judicial",
    )  # fmt: skip
    assert [b.name for b in loan.borrowers.all()] == ["Borrower 1", "Pat Partner"]


def test_reimporting_the_same_tape_changes_nothing(portfolio):
    data = csv_bytes([good_row(n) for n in range(1, 6)])
    run(portfolio, data)
    before = list(Loan.objects.order_by("pk").values())
    again = run(portfolio, data)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 5)
    assert list(Loan.objects.order_by("pk").values()) == before
    assert Borrower.objects.count() == 5


def test_reimport_updates_changed_loans_and_adds_new_ones(portfolio):
    run(portfolio, csv_bytes([good_row(1), good_row(2)]))
    changed = csv_bytes([good_row(1, UPB="149,000.00"), good_row(2), good_row(3)])
    outcome = run(portfolio, changed)
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (1, 1, 1)
    loan = Loan.objects.get(loan_number="T-00001")
    assert loan.upb == Decimal("149000.00")
    assert loan.version == 2


def test_columns_missing_from_a_tape_keep_their_stored_values(portfolio):
    run(portfolio, csv_bytes([good_row(1, **{"Co-Borrower Name": "Pat Partner"})]))
    slim = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date"]
    outcome = run(portfolio, csv_bytes([good_row(1, UPB="140000")], headers=slim))
    assert outcome.counts.updated == 1
    loan = Loan.objects.get(loan_number="T-00001")
    assert loan.upb == Decimal("140000.00")
    assert loan.escrow_advances == Decimal("1200.00")  # not in the slim tape: kept
    assert [b.name for b in loan.borrowers.all()] == ["Borrower 1", "Pat Partner"]


def test_dry_run_counts_but_writes_nothing(portfolio):
    outcome = run(portfolio, csv_bytes([good_row(1), good_row(2)]), dry_run=True)
    assert outcome.counts.created == 2
    assert not Loan.objects.exists()


def test_xlsx_tape_with_date_percent_and_number_cells(portfolio):
    from datetime import datetime

    header = ["Loan ID", "Borrower", "State", "Current Balance", "Interest Rate", "Interest Paid Through",
              "ZIP", "Next Due Date"]  # fmt: skip
    rows = [
        [100234.0, "Ann Xu", "Massachusetts", 98765.43, 0.0575, datetime(2024, 6, 1), 2134, datetime(2024, 7, 1)],
        ["A-2", "Bo Li", "ma", "1,000.00", 0.06, datetime(2024, 5, 1), "02139", datetime(2024, 6, 1)],
    ]  # fmt: skip
    data = xlsx_bytes(header, rows, percent_columns=["E"])
    outcome = run(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    first = Loan.objects.get(loan_number="100234")
    assert first.upb == Decimal("98765.43")
    assert first.note_rate == Decimal("5.75")
    assert first.paid_to_date == date(2024, 6, 1)  # not the next due date
    assert first.property_zip == "02134"
    assert first.property_state == "MA"
    assert first.day_count == "30/360"  # the import's default
    assert run(portfolio, data, name="tape.xlsx").counts.unchanged == 2


def test_xlsx_problems_use_spreadsheet_row_numbers(portfolio):
    data = xlsx_bytes(["Loan Number", "Borrower", "State", "UPB", "Rate", "Paid To Date"],
                      [["A", "X", "CA", 10.5, 6, "2024-01-01"], [None] * 6,
                       ["B", "Y", "ZZ", "ten", 6, "2024-01-01"]])  # fmt: skip
    outcome = run(portfolio, data, name="t.xlsx")
    assert [(p.row, p.column) for p in outcome.problems] == [(4, "State"), (4, "UPB")]


def test_tape_with_headers_but_no_rows(portfolio):
    outcome = run(portfolio, csv_bytes([]))
    assert outcome.problems[0].message == "The tape has a header row but no loans."


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The file is empty."),
        ("blank.csv", b"  \n\n", "The file is empty."),
        ("tape.pdf", b"%PDF-1.7 not a tape", "Only CSV (.csv) and Excel (.xlsx)"),
        ("tape.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97-2003"),
        ("tape.xlsx", b"Loan Number,UPB\n1,2\n", "not an Excel workbook"),
        ("tape.csv", b"PK\x03\x04 zip", "is a zip/Excel file"),
        ("image.csv", b"\x89PNG\r\n\x1a\n\0\0\0", "neither CSV text nor"),
        ("big.csv", b"a" * (64 * 1024 * 1024 + 1), "larger than 64 MB"),
    ],
)
def test_files_that_are_not_tapes_are_refused(name, data, message):
    with pytest.raises(TapeFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_tape(name, data)


def test_windows_1252_csv_is_read(portfolio):
    data = csv_bytes([good_row(1, **{"Borrower Name": "José Núñez"})]).decode().encode("cp1252")
    run(portfolio, data)
    assert Loan.objects.get().borrowers.get().name == "José Núñez"


def test_semicolon_separated_csv_is_read(portfolio):
    data = b"Loan Number;Borrower;State;UPB;Rate;Paid To Date\nS-1;Ana;TX;1000.00;7;2024-01-01\n"
    assert run(portfolio, data).counts.created == 1


# --- the command ----------------------------------------------------------------------------


def test_command_imports_and_reports_counts(portfolio, tmp_path, capsys):
    path = tmp_path / "tape.csv"
    path.write_bytes(csv_bytes([good_row(1), good_row(2)]))
    call_command("import_loan_tape", portfolio.name, str(path))
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("import_loan_tape", portfolio.name, str(path))
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out


def test_command_dry_run_writes_nothing(portfolio, tmp_path, capsys):
    path = tmp_path / "tape.csv"
    path.write_bytes(csv_bytes([good_row(1)]))
    call_command("import_loan_tape", portfolio.name, str(path), "--dry-run")
    assert "dry run" in capsys.readouterr().out
    assert not Loan.objects.exists()


def test_command_lists_every_problem_and_fails(portfolio, tmp_path, capsys):
    path = tmp_path / "tape.csv"
    path.write_bytes(csv_bytes(MESSY))
    with pytest.raises(CommandError, match="7 problem"):
        call_command("import_loan_tape", portfolio.name, str(path))
    err = capsys.readouterr().err
    assert "row 5, Note Rate: Note Rate is above 50%" in err
    assert not Loan.objects.exists()


def test_command_names_unmatched_required_columns(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(
        b"Loan Number,Borrower,State,UPB,Rate,Last Payment Date\nA,B,CA,1,6,2024-01-01\n"
    )
    with pytest.raises(CommandError, match="no column found for Paid To Date"):
        call_command("import_loan_tape", portfolio.name, str(path))


def test_command_unknown_portfolio(tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(b"x")
    with pytest.raises(CommandError, match="No portfolio is named"):
        call_command("import_loan_tape", "Nope", str(path))
