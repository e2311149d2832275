"""Hostile and odd tapes (issue 8): zip bombs, stale dimensions, malformed XML, control
characters, formula-like loan numbers, out-of-range dates and amounts, size caps."""

import random
import re
import tracemalloc
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from portfolios.models import Loan
from portfolios.services import process_tape
from portfolios.tape import importer, zipcheck
from portfolios.tape import values as v
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import TapeFileError, open_tape
from tests.portfolios import workbooks
from tests.portfolios.tapes import csv_bytes, good_row, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Loan Number", "Borrower", "State", "UPB", "Rate", "Paid To Date"]


def loan_rows(count: int) -> list[list]:
    return [[f"L-{n}", f"Borrower {n}", "CA", 1000 + n, 6.5, "2024-01-01"] for n in range(count)]


def run(portfolio, data: bytes, name="tape.csv"):
    tape = open_tape(name, data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip


def messages(outcome) -> list[tuple]:
    return [(p.row, p.column, p.value, p.message) for p in outcome.problems]


# --- item 3: zip bombs are refused before anything is inflated ------------------------------


def test_a_shared_strings_bomb_is_refused_without_inflating_it():
    data = workbooks.bomb(HEADER, loan_rows(2), megabytes=200)
    assert len(data) < 2 * 1024 * 1024  # ~1 MB on disk, 200 MB expanded
    tracemalloc.start()
    try:
        with pytest.raises(TapeFileError, match="sharedStrings.xml' would expand to 200 MB"):
            open_tape("bomb.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024  # the zip's directory only; nothing decompressed


def test_a_small_but_highly_compressed_member_is_refused_by_its_ratio():
    data = workbooks.bomb(HEADER, loan_rows(2), megabytes=8)  # under the size cap, ratio ~1000:1
    with pytest.raises(TapeFileError, match="would expand to 8 MB"):
        open_tape("bomb.xlsx", data)


def test_a_workbook_of_too_many_members_is_refused(monkeypatch):
    monkeypatch.setattr(zipcheck, "MAX_ZIP_MEMBERS", 5)
    with pytest.raises(TapeFileError, match="it holds .* files"):
        open_tape("many.xlsx", xlsx_bytes(HEADER, loan_rows(1)))


# --- round 2, A: a part's limit goes by what it is, not where it sits ----------------------

MOVED = "xl/worksheets/sharedStrings.xml"


def test_shared_strings_moved_among_the_worksheets_get_the_shared_strings_limit():
    """40 MB of shared strings stored as xl/worksheets/sharedStrings.xml (declared in
    [Content_Types].xml, which is how openpyxl finds them) compressed 43:1: refused from the
    zip's directory, nothing inflated, with the advice to save as CSV."""
    data = workbooks.with_shared_strings(
        HEADER, loan_rows(2), workbooks.padded_strings(40), part=MOVED
    )
    tracemalloc.start()
    try:
        with pytest.raises(TapeFileError) as refused:
            open_tape("moved.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"shared strings (the texts of its cells, '{MOVED}') would expand to 40 MB" in str(
        refused.value
    )
    assert "at most 32 MB" in str(refused.value) and "as CSV" in str(refused.value)
    assert peak < 5 * 1024 * 1024


def test_the_moved_shared_strings_upload_is_a_form_error_and_nothing_is_stored(
    client, staff, portfolio
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from portfolios.models import TapeImport

    client.force_login(staff)
    data = workbooks.with_shared_strings(
        HEADER, loan_rows(2), workbooks.padded_strings(40), part=MOVED
    )
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("moved.xlsx", data), "default_day_count": "30/360"},
    )
    assert response.status_code == 200
    assert "would expand to 40 MB" in str(response.context["form"].errors["file"])
    assert not TapeImport.objects.exists()


def test_too_many_shared_strings_are_refused_before_openpyxl_reads_them(monkeypatch):
    """300,001 strings of six letters are 6 MB (under the byte limit) but would take
    openpyxl ~4 s and ~50 MB: counted while inflating, refused."""
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("was parsed"))
    data = workbooks.with_shared_strings(HEADER, loan_rows(2), workbooks.strings(300_001))
    with pytest.raises(TapeFileError, match="more than 300,000 different texts .* as CSV"):
        open_tape("many.xlsx", data)


@pytest.mark.parametrize("tag", [b"si", b"x:si"])
def test_the_shared_strings_count_stops_at_the_limit_whatever_the_prefix(monkeypatch, tag):
    monkeypatch.setattr(zipcheck, "MAX_STRINGS", 5)
    head = workbooks.SST.replace(b"xmlns=", b"xmlns:x=") if tag == b"x:si" else workbooks.SST
    tail = b"</x:sst>" if tag == b"x:si" else b"</sst>"
    head = head.replace(b"<sst", b"<x:sst") if tag == b"x:si" else head
    for count, refused in ((5, False), (6, True)):
        data = workbooks.with_shared_strings(
            HEADER, loan_rows(2), workbooks.strings(count, tag=tag), head=head, tail=tail
        )
        if refused:
            with pytest.raises(TapeFileError, match="more than 5 different texts"):
                open_tape("t.xlsx", data)
        else:
            assert open_tape("t.xlsx", data).headers == HEADER


def test_a_part_of_too_many_xml_elements_is_refused(monkeypatch):
    """Elements openpyxl keeps (outside a shared string) cost ~140 bytes each."""
    monkeypatch.setattr(zipcheck, "MAX_XML_COST", 2000)
    junk = [b"<a>%d</a>" % n for n in range(2000)]
    data = workbooks.with_shared_strings(HEADER, loan_rows(2), junk)
    with pytest.raises(TapeFileError, match="more elements and attributes than a loan tape"):
        open_tape("junk.xlsx", data)


def test_shared_strings_not_in_utf8_are_refused():
    """Counting tags by their bytes needs an ASCII-compatible encoding; Excel writes UTF-8."""
    body = '<?xml version="1.0" encoding="UTF-16"?>' + workbooks.SST.decode() + "</sst>"
    data = workbooks.with_shared_strings(
        HEADER, loan_rows(2), [body.encode("utf-16")], head=b"", tail=b""
    )
    with pytest.raises(TapeFileError, match="is not UTF-8 XML"):
        open_tape("utf16.xlsx", data)


def _classify(data: bytes) -> zipcheck.Parts:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return zipcheck.classify(archive)


def test_worksheets_are_found_through_the_workbooks_relationships():
    parts = _classify(xlsx_bytes(HEADER, loan_rows(1)))
    assert parts.sheets == {"xl/worksheets/sheet1.xml"}
    assert parts.strings == set()


def test_a_part_read_whole_never_gets_the_worksheet_limit():
    """A worksheet relationship pointing at the styles, or a worksheet declared as the
    shared strings: openpyxl reads those whole, so they keep the small limits."""
    to_styles = workbooks.rewrite(
        xlsx_bytes(HEADER, loan_rows(1)), "xl/_rels/workbook.xml.rels",
        lambda xml: xml.replace('Target="/xl/worksheets/sheet1.xml"', 'Target="styles.xml"'),
    )  # fmt: skip
    assert _classify(to_styles).sheets == set()
    as_strings = workbooks.with_shared_strings(
        HEADER, loan_rows(1), [], part="xl/worksheets/sheet1.xml"
    )
    parts = _classify(as_strings)
    assert parts.sheets == set() and parts.strings == {"xl/worksheets/sheet1.xml"}


def test_the_upload_is_refused_on_the_form_and_nothing_is_stored(client, staff, portfolio):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from portfolios.models import TapeImport

    client.force_login(staff)
    data = workbooks.bomb(HEADER, loan_rows(2), megabytes=200)
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("bomb.xlsx", data), "default_day_count": "30/360"},
    )
    assert response.status_code == 200
    assert "would expand to 200 MB" in str(response.context["form"].errors["file"])
    assert not TapeImport.objects.exists()


def test_a_workbook_is_parsed_once_per_import(client, staff, portfolio, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl.reader.excel import ExcelReader

    calls = []
    real = ExcelReader.read  # what openpyxl.load_workbook runs, and our reader too
    monkeypatch.setattr(ExcelReader, "read", lambda self: calls.append(1) or real(self))
    client.force_login(staff)
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("t.xlsx", xlsx_bytes(HEADER, loan_rows(3))),
         "default_day_count": "30/360"},
    )  # fmt: skip
    assert portfolio.loans.count() == 3
    assert len(calls) == 1


# --- item 5: a stale <dimension> tag does not drop rows --------------------------------------


def test_rows_beyond_a_stale_dimension_are_read(portfolio):
    data = workbooks.stale_dimension(HEADER, loan_rows(10), tag="A1:F4")
    assert b'<dimension ref="A1:F4"/>' in workbooks.members(data)[workbooks.SHEET]
    outcome = run(portfolio, data, name="stale.xlsx")
    assert outcome.problems == []
    assert outcome.row_count == 10
    assert portfolio.loans.count() == 10


def test_columns_beyond_a_stale_dimension_are_read(portfolio):
    data = workbooks.stale_dimension(HEADER, loan_rows(2), tag="A1:C2")
    tape = open_tape("stale.xlsx", data)
    assert tape.headers == HEADER
    assert run(portfolio, data, name="stale.xlsx").counts.created == 2


# --- item 14: malformed XML is "not a readable workbook", never a 500 ------------------------


@pytest.mark.parametrize(
    ("build", "why"),
    [(workbooks.with_doctype, "XML declares a DOCTYPE or entities"),
     (workbooks.with_undefined_entity, "XML is malformed")],
)  # fmt: skip
def test_malformed_workbook_xml_is_a_clear_refusal(build, why):
    with pytest.raises(TapeFileError, match=f"not a readable Excel workbook: its {why}"):
        open_tape("bad.xlsx", build(HEADER, loan_rows(2)))


def test_malformed_xml_after_the_header_row_is_the_same_refusal(portfolio):
    data = workbooks.rewrite(
        xlsx_bytes(HEADER, loan_rows(5)),
        workbooks.SHEET,
        lambda xml: xml.replace(
            "</sheetData>", "<row r='9'><c r='A9'><v>&nope;</v></c></row></sheetData>"
        ),
    )
    tape = open_tape("late.xlsx", data)  # the header row reads fine
    with pytest.raises(TapeFileError, match="XML is malformed"):
        run(portfolio, data, name="late.xlsx")
    assert tape.headers == HEADER
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    "build",
    [workbooks.with_doctype, workbooks.with_undefined_entity, lambda h, r: b"PK\x03\x04junk"],
)
def test_malformed_workbook_upload_is_shown_beside_the_field(client, staff, portfolio, build):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(staff)
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("bad.xlsx", build(HEADER, loan_rows(2))),
         "default_day_count": "30/360"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "not a readable Excel workbook" in str(response.context["form"].errors["file"])


# --- item 16: control characters are a cell error ---------------------------------------------


def test_a_nul_byte_in_a_csv_cell_is_a_cell_error(portfolio):
    rows = [
        good_row(1, **{"Borrower Name": "Ann\x00Lee"}),
        good_row(2, **{"Property City": "Spring\x1bfield"}),
        good_row(3, **{"Occupancy": "Owner\x00"}),
        good_row(4),
    ]
    outcome = run(portfolio, csv_bytes(rows))
    assert messages(outcome) == [
        (2, "Borrower Name", "Ann\\x00Lee",
         "Borrower Name contains a control character (an invisible character such as NUL)"),
        (3, "Property City", "Spring\\x1bfield",
         "Property City contains a control character (an invisible character such as NUL)"),
        (4, "Occupancy", "Owner\\x00",
         "Occupancy contains a control character (an invisible character such as NUL)"),
    ]  # fmt: skip
    assert not Loan.objects.exists()


def test_the_report_of_a_nul_byte_can_be_stored_and_shown(client, staff, portfolio):
    """The problem's value spells the NUL out: PostgreSQL's JSON cannot hold \\u0000."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from portfolios.models import TapeImport

    client.force_login(staff)
    data = csv_bytes([good_row(1, **{"Borrower Name": "Ann\x00Lee"})])
    client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360"},
    )
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.REJECTED
    assert "\x00" not in str(job.problems)
    assert job.problems[0]["value"] == "Ann\\x00Lee"
    assert client.get(job.get_absolute_url()).status_code == 200


def test_a_line_break_inside_a_quoted_csv_name_is_folded_to_a_space(portfolio):
    run(
        portfolio,
        csv_bytes([good_row(1, **{"Borrower Name": "Ann\r\nLee", "Property City": "A\tB"})]),
    )
    loan = Loan.objects.get()
    assert loan.borrowers.get().name == "Ann Lee"
    assert loan.property_city == "A B"


def test_a_header_with_a_control_character_is_refused():
    with pytest.raises(TapeFileError, match="column B contains a control character"):
        open_tape("t.csv", b"Loan Number,UP\x07B\n1,2\n")


def test_a_header_with_a_line_break_is_folded():
    tape = open_tape("t.csv", b'"Loan\nNumber",UPB\n1,2\n')
    assert tape.headers == ["Loan Number", "UPB"]


def test_a_tape_of_too_many_columns_is_refused():
    with pytest.raises(TapeFileError, match="201 columns; at most 200"):
        open_tape("wide.csv", ",".join(f"c{n}" for n in range(201)).encode() + b"\n")


# --- item 6: loan numbers a spreadsheet would run as a formula are refused -----------------


@pytest.mark.parametrize(
    "number",
    [
        "=1+1",
        "+1",
        "-12",
        "@SUM(A1)",
        "\tA-1",
        " =HYPERLINK(1)",
        "\u00a0=HYPERLINK(1)",
        "\u3000+1",
        "\u2003@x",
    ],
)  # no-break, ideographic, em spaces
def test_formula_like_loan_numbers_are_a_cell_error(number):
    with pytest.raises(v.CellError, match="formula|control character"):
        v.loan_number(number)


def test_formula_like_loan_number_in_a_tape_is_reported(portfolio):
    outcome = run(portfolio, csv_bytes([good_row(1, **{"Loan Number": "=cmd|' /C calc'!A0"})]))
    assert messages(outcome) == [
        (2, "Loan Number", "=cmd|' /C calc'!A0",
         "Loan Number starts with =, +, -, @ or a tab, which a spreadsheet runs as a formula"),
    ]  # fmt: skip


def test_a_loan_number_with_a_line_break_is_refused():
    with pytest.raises(v.CellError, match="control character"):
        v.loan_number("A-1\nB")


# --- item 19: the strict money spelling and plausible dates --------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0.5, "0.50"), ("0.50", "0.50"), ("999,999,999,999.99", "999999999999.99"),
     (999999999999.99, "999999999999.99"), ("$ 1,234.50", "1234.50")],
)  # fmt: skip
def test_amounts_that_still_work(raw, expected):
    assert v.amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [(".5", "not an amount"), ("1 000", "not an amount"), ("1_000", "not an amount"),
     ("１０００", "not an amount"), ("1e3", "not an amount"), ("12,34", "not an amount"),
     ("99999999999999", "larger than"), ("1,000,000,000,000.00", "larger than"),
     (99999999999999.0, "larger than"), (1e300, "larger than"), (float("inf"), "not an amount"),
     (float("nan"), "not an amount")],
)  # fmt: skip
def test_amounts_refused_with_a_clear_cell_error(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.amount(raw)


def test_a_14_digit_amount_in_a_tape_is_a_cell_error(portfolio):
    outcome = run(portfolio, csv_bytes([good_row(1, UPB="12345678901234"), good_row(2, Fees=".5")]))
    assert messages(outcome) == [
        (2, "UPB", "12345678901234", "UPB is larger than $999,999,999,999.99"),
        (3, "Fees", ".5", "Fees is not an amount of money"),
    ]


@pytest.mark.parametrize(
    ("column", "raw", "message"),
    [("Paid To Date", "0001-01-01", "Paid To Date must be between 1950-01-01 and 1 year from today"),
     ("Paid To Date", "9999-12-31", "Paid To Date must be between 1950-01-01 and 1 year from today"),
     ("Paid To Date", "1949-12-31", "Paid To Date must be between 1950-01-01 and 1 year from today"),
     ("Origination Date", "0001-01-01", "Origination Date must be between 1950-01-01 and today"),
     ("Origination Date", "9999-12-31", "Origination Date must be between 1950-01-01 and today")],
)  # fmt: skip
def test_dates_outside_their_plausible_range_are_a_cell_error(portfolio, column, raw, message):
    outcome = run(portfolio, csv_bytes([good_row(1, **{column: raw})]))
    assert messages(outcome) == [(2, column, raw, message)]


def test_value_dates_are_bounded_too():
    with pytest.raises(v.CellError, match="between 1950-01-01 and today"):
        v.value_date("9999-12-31")
    assert v.value_date("2020-02-29") == date(2020, 2, 29)


def test_extreme_dates_and_amounts_from_an_xlsx(portfolio):
    rows = [
        ["X-1", "Ann", "CA", 1000, 6.5, datetime(9999, 12, 31)],
        ["X-2", "Bob", "CA", 1000, 6.5, datetime(1900, 1, 1)],
        ["X-3", "Cy", "CA", 12345678901234.0, 6.5, "2024-01-01"],
        ["X-4", "Di", "CA", 999999999999.99, 6.5, "2024-01-01"],
    ]
    outcome = run(portfolio, xlsx_bytes(HEADER, rows), name="extremes.xlsx")
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (2, "Paid To Date", "Paid To Date must be between 1950-01-01 and 1 year from today"),
        (3, "Paid To Date", "Paid To Date must be between 1950-01-01 and 1 year from today"),
        (4, "UPB", "UPB is larger than $999,999,999,999.99"),
    ]


def test_a_date_within_the_next_year_is_still_in_the_future(portfolio):
    from datetime import timedelta

    soon = (date.today() + timedelta(days=60)).isoformat()
    outcome = run(portfolio, csv_bytes([good_row(1, **{"Paid To Date": soon})]))
    assert messages(outcome) == [(2, "Paid To Date", soon, "Paid To Date is in the future")]


# --- item 4: bounded tapes and reports -------------------------------------------------------


def test_more_rows_than_the_cap_is_refused_and_nothing_written(portfolio, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 5)
    with pytest.raises(TapeFileError, match="more than 5 loans: split it"):
        run(portfolio, csv_bytes([good_row(n) for n in range(1, 7)]))
    assert run(portfolio, csv_bytes([good_row(n) for n in range(1, 6)])).counts.created == 5


def test_the_report_keeps_the_first_1000_problems_and_counts_every_kind(portfolio):
    rows = [good_row(1)] + [good_row(1, **{"Property State": "ZZ"}) for _ in range(1200)]
    outcome = run(portfolio, csv_bytes(rows))
    assert len(outcome.problems) == 1000
    assert outcome.problem_count == 2400
    assert dict(outcome.problem_kinds) == {
        "Loan Number is a duplicate of an earlier row": 1200,
        "Property State is not a US state (use a two-letter code such as CA, or the full name)": 1200,
    }
    assert not Loan.objects.exists()


def test_the_command_refuses_an_overlong_tape_cleanly(portfolio, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    path = tmp_path / "tape.csv"
    path.write_bytes(csv_bytes([good_row(n) for n in range(1, 4)]))
    with pytest.raises(CommandError, match="more than 2 loans"):
        call_command("import_loan_tape", portfolio.name, str(path))


def formula_workbook() -> bytes:
    """Row 2: text that looks like a formula; row 3: a formula whose cached value does;
    row 4: a formula never calculated (no cached value), as some exporters write them."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["=1+1", "Ann", "CA", 1000, 6.5, "2024-01-01"])
    sheet["A2"].data_type = "s"  # stored as text, as a seller's tape would hold it
    sheet.append(["F-3", "Bob", "CA", 1000, 6.5, "2024-01-01"])
    sheet.append(['=A3&"-4"', "Cy", "CA", 1000, 6.5, "2024-01-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return workbooks.rewrite(
        buffer.getvalue(),
        workbooks.SHEET,
        lambda xml: xml.replace(
            '<c r="A3" t="inlineStr"><is><t>F-3</t></is></c>',
            '<c r="A3" t="str"><f>"@"&amp;"SUM(1)"</f><v>@SUM(1)</v></c>',
        ),
    )


def test_formula_cells_in_an_xlsx_are_refused_as_loan_numbers(portfolio):
    outcome = run(portfolio, formula_workbook(), name="formulas.xlsx")
    assert [(p.row, p.column, p.value, p.message) for p in outcome.problems] == [
        (2, "Loan Number", "=1+1",
         "Loan Number starts with =, +, -, @ or a tab, which a spreadsheet runs as a formula"),
        (3, "Loan Number", "@SUM(1)",
         "Loan Number starts with =, +, -, @ or a tab, which a spreadsheet runs as a formula"),
        # No saved value: said so, not read as an empty cell (issue 14).
        (4, "Loan Number", '=A3&"-4"', "Loan Number is a formula without a saved value: open the "
         "file in Excel and save it again (Excel saves the value of each formula), or paste the "
         "column as values"),
    ]  # fmt: skip
    assert not Loan.objects.exists()


def test_a_row_tagged_far_beyond_excels_last_row_is_refused_quickly(portfolio):
    import time

    data = workbooks.rewrite(
        xlsx_bytes(HEADER, loan_rows(1)),
        workbooks.SHEET,
        lambda xml: xml.replace('r="2"', 'r="2000000000"').replace('2" t=', '2000000000" t='),
    )
    started = time.monotonic()
    with pytest.raises(TapeFileError, match="rows beyond row 1,048,576"):
        run(portfolio, data, name="far.xlsx")
    assert time.monotonic() - started < 10  # not the 2 billion blank rows before it


# --- round 2, B: a row tagged out of order refuses the file, no loan vanishes ---------------


def renumbered(row: int, tag: str) -> bytes:
    """Three loans (rows 2-4) whose <row r="..."> of `row` is changed to `tag`."""
    return workbooks.rewrite(
        xlsx_bytes(HEADER, loan_rows(3)),
        workbooks.SHEET,
        lambda xml: xml.replace(f'<row r="{row}"', f'<row r="{tag}"', 1),
    )


@pytest.mark.parametrize("tag", ["2", "1", "-5", "0"])
def test_a_row_tagged_out_of_order_refuses_the_file(portfolio, tag):
    """openpyxl's iter_rows silently drops such a row: 2 of 3 loans, 'Checked'."""
    with pytest.raises(TapeFileError, match=f'a row tagged r="{tag}" comes after row 2'):
        run(portfolio, renumbered(3, tag), name="odd.xlsx")
    assert not Loan.objects.exists()


def test_a_header_row_tagged_below_one_refuses_the_file():
    with pytest.raises(TapeFileError, match='a row tagged r="-1" comes as its first row'):
        open_tape("odd.xlsx", renumbered(1, "-1"))


def test_rows_with_gaps_between_them_are_read_with_their_numbers(portfolio):
    tape = open_tape("gaps.xlsx", renumbered(4, "9"))
    assert [number for number, _, _ in tape.rows()] == [2, 3, 9]
    assert run(portfolio, renumbered(4, "9"), name="gaps.xlsx").counts.created == 3


def test_a_dry_run_of_a_tape_with_a_row_tagged_twice_fails_naming_the_tag(client, staff, portfolio):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from portfolios.models import TapeImport

    client.force_login(staff)
    response = client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile("duprow.xlsx", renumbered(3, "2")),
         "default_day_count": "30/360", "dry_run": "on"},
    )  # fmt: skip
    job = TapeImport.objects.get()
    assert response.status_code == 302
    assert job.status == TapeImport.Status.FAILED
    assert (job.reason, job.created) == ("file", 0)
    page = client.get(reverse("portfolios:import_detail", args=[job.pk])).text
    assert "a row tagged r=&quot;2&quot; comes after row 2" in page


# --- a sheet's XML: elements openpyxl would keep are dropped once read, and bounded ---------


def with_junk(xml_change) -> bytes:
    return workbooks.rewrite(xlsx_bytes(HEADER, loan_rows(3)), workbooks.SHEET, xml_change)


def test_elements_between_rows_are_dropped_once_read(portfolio):
    """openpyxl's parser keeps every element of <sheetData> that is not a row (~140 bytes
    each, GB for a 256 MB sheet of <a/>): the rows are read holding none of them."""
    junk = "".join(f"<a>{n}</a>" for n in range(300_000))
    data = with_junk(lambda xml: xml.replace('<row r="3"', junk + '<row r="3"', 1))
    tape = open_tape("junk.xlsx", data)
    tracemalloc.start()
    try:
        numbers = [number for number, _, _ in tape.rows()]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert numbers == [2, 3, 4]
    assert peak < 10 * 1024 * 1024


def test_an_element_holding_too_many_others_refuses_the_sheet(monkeypatch):
    from portfolios.tape import readers

    monkeypatch.setattr(readers, "MAX_HELD_ELEMENTS", 100)
    junk = "<a>" + "<b/>" * 200 + "</a>"
    tape = open_tape(
        "junk.xlsx", with_junk(lambda xml: xml.replace('<row r="3"', junk + '<row r="3"', 1))
    )
    with pytest.raises(TapeFileError, match="part of its sheet holds more than 100 XML elements"):
        list(tape.rows())


def test_a_row_of_more_cells_than_excel_has_refuses_the_sheet(monkeypatch):
    from portfolios.tape import readers

    monkeypatch.setattr(readers, "EXCEL_COLUMNS", 5)
    with pytest.raises(TapeFileError, match="Row 1 of the sheet has more than 5 cells"):
        open_tape("wide.xlsx", xlsx_bytes(HEADER, loan_rows(1)))


def test_elements_before_a_sheets_dimension_are_bounded(monkeypatch):
    """openpyxl reads every sheet up to its <dimension> when it opens the workbook, keeping
    what it reads: refused from the zip, before openpyxl opens it."""
    monkeypatch.setattr(zipcheck, "MAX_SHEET_HEAD", 100)
    assert open_tape(
        "ok.xlsx", with_junk(lambda xml: xml.replace("<dimension", "<a/>" * 50 + "<dimension", 1))
    )
    with pytest.raises(TapeFileError, match="more than 100 XML elements before its cells"):
        open_tape(
            "junk.xlsx",
            with_junk(lambda xml: xml.replace("<dimension", "<a/>" * 150 + "<dimension", 1)),
        )


def _without_dimension(xml: str) -> str:
    return re.sub(r"<dimension [^>]*/>", "", xml)


def test_a_sheet_without_a_dimension_is_not_read_to_its_end_when_opened():
    """openpyxl sizes a sheet when it opens the workbook: without a <dimension> it parsed
    every row, keeping an element for each (4,000,000 empty rows: 6-11 s and 340 MB in the
    upload request). The rows are now read only by the import, with their bounds."""
    rng = random.Random(3)  # two spellings at random: ~27:1, under the zip check's 100:1
    rows = "".join(rng.choice(("<row/>", "<row />")) for _ in range(300_000))
    data = with_junk(
        lambda xml: _without_dimension(xml).replace("</sheetData>", rows + "</sheetData>")
    )
    assert b"<dimension" not in workbooks.members(data)[workbooks.SHEET]
    tracemalloc.start()
    try:
        tape = open_tape("no-dimension.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert tape.headers == HEADER
    assert tape.row_estimate is None  # unsized: no estimate from the upload request
    assert peak < 8 * 1024 * 1024  # it was ~30 MB: an element kept per row
    # The import's thread counts its rows for the progress bar, on the raw XML (~2 MB: a
    # tag cut at the MB boundary is counted once).
    assert tape.count_rows() == 3 + 300_000


def test_an_import_of_a_sheet_without_a_dimension_counts_its_rows_before_checking(
    portfolio, monkeypatch
):
    from portfolios import services
    from portfolios.models import TapeImport, TapeUpload

    data = with_junk(_without_dimension)
    job = TapeImport.objects.create(
        portfolio=portfolio, filename="t.xlsx", kind="xlsx", sha256="0" * 64, size=len(data),
        headers=HEADER, mapping=auto_map(HEADER), default_day_count="30/360",
        status=TapeImport.Status.QUEUED, rows_total=open_tape("t.xlsx", data).row_estimate,
    )  # fmt: skip
    TapeUpload.objects.create(tape_import=job, content=data)
    assert job.rows_total is None
    seen = []
    real = services.check_tape

    def check(*args, **kwargs):
        seen.append(TapeImport.objects.get(pk=job.pk).rows_total)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "check_tape", check)
    services.run_tape_import(job.pk)
    assert seen == [3]  # "of about 3 rows" while they are checked
    job.refresh_from_db()
    assert (job.status, job.created) == (TapeImport.Status.SUCCEEDED, 3)


def test_damage_at_the_end_of_a_sheet_without_a_dimension_is_found_when_rows_are_read():
    data = with_junk(
        lambda xml: _without_dimension(xml).replace("</sheetData>", "<oops></sheetData>")
    )
    tape = open_tape("damaged.xlsx", data)  # the upload: only the header row is read
    assert tape.headers == HEADER
    with pytest.raises(TapeFileError, match="not a readable Excel workbook"):
        list(tape.rows())


@pytest.mark.parametrize("tag", ["1e400", "2.5", "inf"])
def test_a_row_tag_that_is_no_row_number_refuses_the_file(portfolio, tag):
    # float("1e400") is infinity, which int() cannot take (an OverflowError, not a refusal).
    with pytest.raises(TapeFileError):
        run(portfolio, renumbered(4, tag), name="odd.xlsx")
    assert not Loan.objects.exists()
