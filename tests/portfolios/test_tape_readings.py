"""Issue 9: values read with a caveat are imported and reported (warnings), and what only a
whole column can tell (rates written as fractions, masked ZIPs) is decided once every row
is read and said in the result."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portfolios.choices import LoanStatus, PropertyType
from portfolios.models import Loan, TapeImport
from portfolios.services import process_tape
from portfolios.tape import values as v
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import open_tape
from tests.portfolios.tapes import xlsx_bytes

D = Decimal
BASE = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date"]


def _csv(headers, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


def _process(portfolio, data: bytes, name="tape.csv"):
    tape = open_tape(name, data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip


def _row(n, state="IL", upb="100,000.00", rate="6", paid_to="2024-03-01"):
    return [f"L-{n}", f"Borrower {n}", state, upb, rate, paid_to]


def _problems(outcome):
    return [(p.row, p.column, p.message) for p in outcome.problems]


# --- XLSX amounts with more than two decimals: rounded half-up and reported ----------------


@pytest.mark.django_db
def test_an_xlsx_amount_with_more_decimals_is_rounded_half_up_and_reported(portfolio):
    # 1234.565 rounds half-up to 1234.57 (banker's rounding would give 1234.56).
    data = xlsx_bytes([*BASE, "Fees"], [[*_row(1, upb=1234.565, rate=6), 10.12345]])
    outcome = _process(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    loan = Loan.objects.get()
    assert loan.upb == D("1234.57")
    assert loan.fees == D("10.12")
    assert [(w.row, w.column, w.value) for w in outcome.warnings] == [
        (2, "UPB", "1234.565"), (2, "Fees", "10.12345")
    ]  # fmt: skip
    assert "rounded half-up to 1,234.57" in outcome.warnings[0].message
    assert outcome.warning_count == 2


@pytest.mark.django_db
def test_a_typed_amount_with_more_decimals_is_still_refused(portfolio):
    outcome = _process(portfolio, _csv(BASE, [_row(1, upb="1234.565")]))
    assert _problems(outcome) == [
        (2, "UPB", "UPB has more than two decimal places (amounts are never rounded)")
    ]
    assert not Loan.objects.exists()


# --- ZIPs: lost zeros, ZIP+4, prefixes and masked ZIPs ---------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("02134", "02134"), ("02134-1234", "02134-1234"), (2134, "02134"), ("2134", "02134"),
     ("752", "752XX"), ("016", "016XX"), (16, "016XX"), (16.0, "016XX"), ("016XX", "016XX"),
     ("016xx", "016XX"), ("016**", "016XX"), ("", "")],
)  # fmt: skip
def test_zip_readings(raw, expected):
    value = v.zip_code(raw)
    assert (value.value if isinstance(value, v.Read) else value) == expected
    assert isinstance(value, v.Read) == expected.endswith("XX")


@pytest.mark.parametrize("raw", ["1234X", "ABCDE", "123456", "12-34", "1XX", "02134-12"])
def test_zip_refusals(raw):
    with pytest.raises(v.CellError, match="not a ZIP code"):
        v.zip_code(raw)


@pytest.mark.django_db
def test_a_three_digit_zip_prefix_is_kept_partial_with_a_warning_not_padded(portfolio):
    data = xlsx_bytes([*BASE, "ZIP"], [[*_row(1, state="MA"), 16], [*_row(2, state="TX"), "752"]])
    outcome = _process(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    assert dict(Loan.objects.values_list("loan_number", "property_zip")) == {
        "L-1": "016XX", "L-2": "752XX"
    }  # fmt: skip
    assert [(w.row, w.column) for w in outcome.warnings] == [(2, "ZIP"), (3, "ZIP")]
    assert "3-digit ZIP prefix" in outcome.warnings[0].message


@pytest.mark.django_db
def test_a_column_of_zips_all_ending_in_00_is_read_as_masked(portfolio):
    data = _csv([*BASE, "Postal Code"], [[*_row(1, state="VA"), "22000"],
                                         [*_row(2, state="MA"), "01600"]])  # fmt: skip
    outcome = _process(portfolio, data)
    assert outcome.problems == []
    assert dict(Loan.objects.values_list("loan_number", "property_zip")) == {
        "L-1": "220XX", "L-2": "016XX"
    }  # fmt: skip
    assert outcome.warning_count == 2
    assert any("masked" in note for note in outcome.notes)


@pytest.mark.django_db
def test_a_real_zip_ending_in_00_among_full_zips_is_kept(portfolio):
    data = _csv([*BASE, "ZIP"], [[*_row(1, state="DC"), "20500"], [*_row(2), "62704"]])
    outcome = _process(portfolio, data)
    assert outcome.warnings == [] and outcome.notes == []
    assert set(Loan.objects.values_list("property_zip", flat=True)) == {"20500", "62704"}


@pytest.mark.django_db
def test_a_zip_padded_with_a_zero_must_fit_its_state(portfolio):
    # 7870 is a typo for 78701 (Austin), not 07870 (New Jersey).
    outcome = _process(portfolio, _csv([*BASE, "ZIP"], [[*_row(1, state="TX"), "7870"]]))
    assert [(p.column, p.value) for p in outcome.problems] == [("ZIP", "07870")]
    assert "no ZIP in TX does" in outcome.problems[0].message
    assert not Loan.objects.exists()


# --- Rates written as fractions -----------------------------------------------------------


@pytest.mark.django_db
def test_a_rate_column_all_below_one_is_read_as_fractions_and_said(portfolio):
    data = _csv(BASE, [_row(1, rate="0.06375"), _row(2, rate="0.0725"), _row(3, rate="0")])
    outcome = _process(portfolio, data)
    assert outcome.problems == []
    assert dict(Loan.objects.values_list("loan_number", "note_rate")) == {
        "L-1": D("6.3750"), "L-2": D("7.2500"), "L-3": D("0")
    }  # fmt: skip
    assert outcome.notes == [
        "Note Rate read as fractions: every rate in “Note Rate” is below 1, so 0.06375 is "
        "6.375 % a year (row 2)."
    ]


@pytest.mark.django_db
def test_an_xlsx_rate_column_of_fractions_too(portfolio):
    data = xlsx_bytes(BASE, [_row(1, rate=0.06375), _row(2, rate=0.055)])
    outcome = _process(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    assert sorted(Loan.objects.values_list("note_rate", flat=True)) == [D("5.5"), D("6.375")]


@pytest.mark.django_db
def test_a_fraction_among_percents_is_a_problem_not_a_guess(portfolio):
    data = _csv(BASE, [_row(1, rate="6.375"), _row(2, rate="0.0725")])
    outcome = _process(portfolio, data)
    assert _problems(outcome) == [(3, "Note Rate", f"Note Rate {_mixed()}")]
    assert not Loan.objects.exists()


def _mixed():
    from portfolios.tape.importer import FRACTION_MIXED

    return FRACTION_MIXED


@pytest.mark.django_db
def test_a_percent_sign_is_never_read_as_a_fraction(portfolio):
    # 0.5% says percent; with it a plain 7 is a percent too, nothing is scaled.
    outcome = _process(portfolio, _csv(BASE, [_row(1, rate="0.5%"), _row(2, rate="7")]))
    assert outcome.problems == [] and outcome.notes == []
    assert sorted(Loan.objects.values_list("note_rate", flat=True)) == [D("0.5"), D("7")]


@pytest.mark.django_db
def test_the_fraction_reading_is_shown_in_the_dry_run_and_the_import_page(client, staff, portfolio):
    client.force_login(staff)
    data = _csv(BASE, [_row(1, rate="0.06375")])
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360",
         "dry_run": "on"},
        follow=True,
    )  # fmt: skip
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.CHECKED
    assert "How the tape was read" in response.text
    assert "0.06375 is 6.375 % a year" in response.text
    assert not Loan.objects.exists()


# --- A units column decides single-family / 2-4 units / 5+ ------------------------------


@pytest.mark.django_db
def test_a_units_column_decides_the_property_type(portfolio):
    headers = [*BASE, "Property Type", "Number of Units"]
    rows = [[*_row(1), "SF", "2"], [*_row(2), "Multi-Family", "6"], [*_row(3), "Multi-Family", 4],
            [*_row(4), "Condo", "1"], [*_row(5), "", "3"], [*_row(6), "SFR", ""]]  # fmt: skip
    outcome = _process(portfolio, _csv(headers, rows))
    assert outcome.problems == []
    assert dict(Loan.objects.values_list("loan_number", "property_type")) == {
        "L-1": PropertyType.TWO_TO_FOUR, "L-2": PropertyType.MULTIFAMILY,
        "L-3": PropertyType.TWO_TO_FOUR, "L-4": PropertyType.CONDO,
        "L-5": PropertyType.TWO_TO_FOUR, "L-6": PropertyType.SINGLE_FAMILY,
    }  # fmt: skip
    assert outcome.ignored_headers == []


@pytest.mark.django_db
def test_a_units_count_the_property_type_cannot_have_is_a_problem(portfolio):
    headers = [*BASE, "Property Type", "Units"]
    rows = [[*_row(1), "Multi-Family", "1"], [*_row(2), "Single Family", "12"],
            [*_row(3), "SF", "two"]]  # fmt: skip
    outcome = _process(portfolio, _csv(headers, rows))
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "Units"), (3, "Units"),
                                                             (4, "Units")]  # fmt: skip
    assert "Number of Units is 1" in outcome.problems[0].message
    assert not Loan.objects.exists()


# --- A blank status cell: derived from the paid-to date, like a missing column ------------


@pytest.mark.django_db
def test_a_blank_status_cell_derives_the_status_from_the_paid_to_date(portfolio):
    today = timezone.localdate()
    recent, old = (today - timedelta(days=10)).isoformat(), "2023-01-01"
    rows = [[*_row(1, paid_to=recent), ""], [*_row(2, paid_to=old), " "],
            [*_row(3, paid_to=recent), "Foreclosure"]]  # fmt: skip
    outcome = _process(portfolio, _csv([*BASE, "Status"], rows))
    assert outcome.problems == []
    assert dict(Loan.objects.values_list("loan_number", "status")) == {
        "L-1": LoanStatus.PERFORMING, "L-2": LoanStatus.NON_PERFORMING,
        "L-3": LoanStatus.IN_FORECLOSURE,
    }  # fmt: skip
    assert any("Status was blank on 2 row(s)" in note for note in outcome.notes)


@pytest.mark.django_db
def test_a_blank_status_cell_on_reimport_keeps_the_stored_status(portfolio):
    today = timezone.localdate()
    recent = (today - timedelta(days=10)).isoformat()
    rows = [[*_row(1, paid_to=recent), ""], [*_row(2, paid_to=recent), "Current"]]
    _process(portfolio, _csv([*BASE, "Status"], rows))
    Loan.objects.filter(loan_number="L-1").update(status=LoanStatus.IN_FORECLOSURE)
    rows = [[*_row(1, paid_to=recent, upb="99,000.00"), ""],
            [*_row(2, paid_to=recent), "Foreclosure"]]  # fmt: skip
    again = _process(portfolio, _csv([*BASE, "Status"], rows))
    assert again.counts.updated == 2
    assert dict(Loan.objects.values_list("loan_number", "status")) == {
        "L-1": LoanStatus.IN_FORECLOSURE, "L-2": LoanStatus.IN_FORECLOSURE,
    }  # fmt: skip
    assert Loan.objects.get(loan_number="L-1").upb == D("99000.00")


# --- Where warnings are seen: the import page and the command ----------------------------


@pytest.mark.django_db
def test_the_import_page_lists_each_warning(client, staff, portfolio):
    client.force_login(staff)
    data = _csv([*BASE, "ZIP"], [[*_row(1, state="TX"), "752"]])
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360"},
        follow=True,
    )
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert job.warning_count == 1
    assert job.warnings[0]["row"] == 2 and job.warnings[0]["value"] == "752"
    assert "1 value imported with a warning" in response.text
    assert "kept as the partial ZIP 752XX" in response.text
    # Which loan to check: its number, linked to the portfolio's table filtered to it.
    assert job.warnings[0]["loan"] == "L-1"
    assert f'href="/portfolios/{portfolio.pk}/?q=L-1">L-1</a>' in response.text


@pytest.mark.django_db
def test_the_command_prints_notes_and_warnings(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(_csv([*BASE, "ZIP"], [[*_row(1, state="TX", rate="0.07"), "752"]]))
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    text = out.getvalue()
    assert "Note Rate read as fractions" in text
    assert "warning: row 2, ZIP: Property ZIP is a 3-digit ZIP prefix" in text
    assert Loan.objects.get().note_rate == D("7")


@pytest.mark.django_db
def test_warnings_are_listed_200_to_a_page(client, staff, portfolio):
    client.force_login(staff)
    rows = [[*_row(n, state="TX"), "752"] for n in range(1, 251)]
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("t.csv", _csv([*BASE, "ZIP"], rows)),
         "default_day_count": "30/360"},
    )  # fmt: skip
    job = TapeImport.objects.get()
    assert job.warning_count == 250
    first = client.get(job.get_absolute_url())
    assert first.text.count("kept as the partial ZIP 752XX") == 200
    second = client.get(job.get_absolute_url(), {"page": 2})
    assert second.text.count("kept as the partial ZIP 752XX") == 50
    assert "Page 2 of 2" in second.text
