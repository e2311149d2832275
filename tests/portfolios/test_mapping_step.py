"""The mapping step offers unmatched optional columns; a header the tape repeats with
differing copies asks which copy to use (issue 9)."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from portfolios import services
from portfolios.models import Loan, SellerColumnMapping, TapeImport
from portfolios.tape.columns import auto_map, unmatched_headers
from portfolios.tape.importer import differing_copies
from portfolios.tape.readers import open_tape
from tests.portfolios.tapes import HEADERS, csv_bytes, good_row

pytestmark = pytest.mark.django_db

# Every required column matched by name; fees under a header we don't know.
LATE = "Late Chg Amt"
LATE_HEADERS = [h for h in HEADERS if h != "Fees"] + [LATE]


def late_tape(*numbers, **extra_cells) -> bytes:
    rows = [good_row(n, **{LATE: f"{n}5.00"}, **extra_cells) for n in numbers]
    return csv_bytes(rows, headers=LATE_HEADERS + list(extra_cells))


def upload(client, portfolio, data, name="tape.csv"):
    return client.post(
        reverse("portfolios:import_start", args=[portfolio.pk]),
        {"file": SimpleUploadedFile(name, data), "default_day_count": "30/360"},
    )


def last_import() -> TapeImport:
    return TapeImport.objects.order_by("-pk").first()


@pytest.fixture
def seller_portfolio(portfolio):
    portfolio.seller = "Odd Bank"
    portfolio.save()
    return portfolio


def test_unmatched_headers_are_those_an_unmapped_column_could_take():
    headers = ["Loan Number", "Borrower Name", "State", "UPB", "Rate", "Paid To Date",
               LATE, "Next Due Date", "Last Payment Date"]  # fmt: skip
    mapping = auto_map(headers)
    # A next-due column is not read beside a paid-to column and can be nothing else; a
    # last-payment date may be an optional column of ours (never the paid-to date).
    assert unmatched_headers(headers, mapping) == [LATE, "Last Payment Date"]
    assert unmatched_headers(headers, mapping, ignored=[LATE]) == ["Last Payment Date"]
    full = {**mapping, "fees": LATE, "costs": "Last Payment Date"}
    assert unmatched_headers(headers, full) == []


def test_the_mapping_step_offers_the_unmapped_optional_columns(client, staff, portfolio):
    """The issue's test: every required column is matched, yet the tape has a header we
    don't know, so the import stops at the mapping step and offers it for our columns."""
    client.force_login(staff)
    upload(client, portfolio, late_tape(1, 2))
    job = last_import()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    assert not Loan.objects.exists()
    page = client.get(job.get_absolute_url())
    form = page.context["mapping_form"]
    assert form.unmatched_headers == [LATE]
    assert LATE in [value for value, _ in form.fields["fees"].choices]
    # What was matched is pre-filled; the unmapped columns have a select each.
    assert form["loan_number"].value() == "Loan Number"
    unmapped = [field.name for field in form.unmapped_fields()]
    assert "fees" in unmapped and "property_value" in unmapped
    assert "loan_number" not in unmapped
    assert "— don&#x27;t import —" in page.text
    chosen = {**job.mapping, "fees": LATE}
    response = client.post(job.get_absolute_url(), chosen)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED
    fees = dict(Loan.objects.values_list("loan_number", "fees"))
    assert fees == {"T-00001": Decimal("15.00"), "T-00002": Decimal("25.00")}


def test_a_header_left_out_is_remembered_for_the_same_layout(client, staff, seller_portfolio):
    client.force_login(staff)
    upload(client, seller_portfolio, late_tape(1))
    job = last_import()
    # "Don't import" for fees: the header is left out, explicitly.
    response = client.post(job.get_absolute_url(), {**job.mapping, "remember": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert "Columns not imported: “Late Chg Amt”" in job.message
    saved = SellerColumnMapping.objects.get(seller="Odd Bank")
    assert saved.ignored == [LATE]
    assert saved.updated_by == staff
    # The same layout again: straight through, and the import page says what was applied.
    upload(client, seller_portfolio, late_tape(1))
    second = last_import()
    assert second.status == TapeImport.Status.SUCCEEDED
    page = client.get(second.get_absolute_url())
    # The page gives the date in the firm's time zone (around midnight UTC it is another day).
    saved_on = timezone.localtime(saved.updated_at)
    assert f"Column mapping saved for Odd Bank on {saved_on:%b} {saved_on.day}, " in page.text
    assert f"by {staff.get_full_name() or staff.email} was applied" in page.text
    assert reverse("portfolios:mapping_edit", args=[saved.pk]) in page.text
    # A header the saved mapping has never seen: the mapping step again, offering it.
    upload(client, seller_portfolio, late_tape(1, **{"Broker Fee": "1.00"}))
    third = last_import()
    assert third.status == TapeImport.Status.NEEDS_MAPPING
    page = client.get(third.get_absolute_url())
    assert "Broker Fee" in [
        value for value, _ in page.context["mapping_form"].fields["fees"].choices
    ]


def test_a_tape_without_a_seller_asks_each_time(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, late_tape(1))
    client.post(last_import().get_absolute_url(), {**last_import().mapping, "remember": "on"})
    assert not SellerColumnMapping.objects.exists()
    upload(client, portfolio, late_tape(1))
    assert last_import().status == TapeImport.Status.NEEDS_MAPPING


def test_a_next_due_column_beside_a_paid_to_column_asks_nothing(client, staff, portfolio):
    """It can be no column of ours but Next Due Date, which is not read beside a paid-to
    column: nothing to offer, so no mapping step."""
    client.force_login(staff)
    rows = [good_row(1, **{"Next Due Date": "2024-04-01"})]
    upload(client, portfolio, csv_bytes(rows, headers=[*HEADERS, "Next Due Date"]))
    job = last_import()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert "Columns not imported: “Next Due Date”" in job.message


def test_the_derived_paid_to_note_stays_in_the_mapping_step(client, staff, portfolio):
    client.force_login(staff)
    headers = [h for h in HEADERS if h != "Paid To Date"] + ["nextPaymentDate", LATE]
    rows = [good_row(1, nextPaymentDate="2024-04-01", **{LATE: "1.00"})]
    upload(client, portfolio, csv_bytes(rows, headers=headers))
    job = last_import()
    page = client.get(job.get_absolute_url())
    assert "Paid To Date derived from “nextPaymentDate”" in page.text
    assert page.context["mapping_form"].unmatched_headers == [LATE]


# --- A repeated header whose copies differ ----------------------------------------------------

REPEATED = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate",
            "Paid To Date", "Property City", "UPB"]  # fmt: skip
ROWS = [
    ["R-1", "Ann", "OH", "1000.00", "6", "2024-03-01", "Dayton", "1000.00"],
    ["R-2", "Bob", "OH", "2000.00", "6", "2024-03-01", "Akron", "2500.00"],
    ["R-3", "Cy", "OH", "", "6", "2024-03-01", "Kent", "3500.00"],
    ["R-4", "Di", "OH", "4000.00", "6", "2024-03-01", "Lima", "4400.00"],
    ["R-5", "Ed", "OH", "5000.00", "6", "2024-03-01", "Troy", ""],
]


def repeated_tape(rows=ROWS) -> bytes:
    return ("\n".join(",".join(r) for r in [REPEATED, *rows]) + "\n").encode()


def test_differing_copies_are_found_in_one_pass():
    tape = open_tape("t.csv", repeated_tape())
    found = differing_copies(tape, {"UPB", "Property City"})
    assert found == {
        "UPB": {
            "columns": [3, 7],
            "rows": 2,
            "samples": [[3, ["2000.00", "2500.00"]], [5, ["4000.00", "4400.00"]]],
        }
    }
    agreeing = open_tape("t.csv", repeated_tape([ROWS[0], ROWS[2]]))
    assert differing_copies(agreeing, {"UPB"}) == {}


def test_the_mapping_step_asks_which_copy_and_reads_only_that_one(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, repeated_tape())
    job = last_import()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    page = client.get(job.get_absolute_url())
    assert "“UPB” is in columns D and H, which differ on 2 rows" in page.text
    assert "<code>2500.00</code>" in page.text
    form = page.context["mapping_form"]
    # Columns no header of this tape could be are listed, not offered as empty selects;
    # the next due date is not read beside a paid-to column.
    assert [field.name for field in form.unmapped_fields()] == []
    assert "Co-Borrower Name" in form.not_in_tape()
    assert "Next Due Date" not in form.not_in_tape()
    assert "next_due_date" in [field.name for field in form.matched_fields()]
    assert "Not in this tape (no header of it could be one): Co-Borrower Name," in page.text
    ((header, found, field),) = form.copy_fields()
    assert header == "UPB" and field.name == "copy_0"
    assert [label for _, label in field.field.choices] == ["— choose —", "Column D", "Column H"]
    # No choice: refused, nothing written, the step shown again.
    response = client.post(job.get_absolute_url(), dict(job.mapping))
    assert response.status_code == 200
    errors = response.context["mapping_form"].errors
    assert errors["copy_0"] == ["Choose column D or H: their values differ."]
    with pytest.raises(services.TapeImportError, match="“UPB” is in columns D or H, which differ"):
        services.set_import_mapping(job=job, mapping=job.mapping, by=staff, remember=False)
    job.refresh_from_db()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    # Column H where the copies differ; where one is blank, the filled one (R-5's D).
    response = client.post(job.get_absolute_url(), {**job.mapping, "copy_0": "7"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED, job.problems
    assert job.column_choice == {"UPB": 7}
    upb = dict(Loan.objects.values_list("loan_number", "upb"))
    assert upb == {"R-1": Decimal("1000.00"), "R-2": Decimal("2500.00"),
                   "R-3": Decimal("3500.00"), "R-4": Decimal("4400.00"),
                   "R-5": Decimal("5000.00")}  # fmt: skip
    assert "“UPB” read from column H" in client.get(job.get_absolute_url()).text


def test_a_copy_that_is_not_the_headers_is_refused(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, repeated_tape())
    job = last_import()
    response = client.post(job.get_absolute_url(), {**job.mapping, "copy_0": "2"})
    assert response.status_code == 200
    assert "copy_0" in response.context["mapping_form"].errors


def test_copies_that_agree_or_are_blank_need_no_choice(client, staff, portfolio):
    client.force_login(staff)
    upload(client, portfolio, repeated_tape([ROWS[0], ROWS[2]]))
    job = last_import()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert job.repeated == {}


def test_the_command_reads_the_copy_named_with_use_column(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(repeated_tape())
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_loan_tape", portfolio.name, str(path), stderr=io.StringIO())
    call_command("import_loan_tape", portfolio.name, str(path), "--use-column", "UPB=h",
                 stdout=io.StringIO())  # fmt: skip
    assert Loan.objects.get(loan_number="R-2").upb == Decimal("2500.00")


@pytest.mark.parametrize(
    "given, message",
    [("UPB", "write it as HEADER=LETTER"), ("UPB=7", "write it as HEADER=LETTER"),
     ("Note Rate=E", "lists “Note Rate” only once"), ("UPB=E", "column E is not headed “UPB”")],
)  # fmt: skip
def test_a_wrong_use_column_is_refused(portfolio, tmp_path, given, message):
    path = tmp_path / "tape.csv"
    path.write_bytes(repeated_tape())
    with pytest.raises(CommandError, match=message):
        call_command("import_loan_tape", portfolio.name, str(path), "--use-column", given)
    assert not Loan.objects.exists()


def test_a_workbook_is_read_again_after_its_copies_were_compared(client, staff, portfolio):
    """The upload reads an .xlsx's rows to compare the copies; the import reads them again."""
    from tests.portfolios.tapes import xlsx_bytes

    client.force_login(staff)
    agreeing = xlsx_bytes(REPEATED, [ROWS[0], ROWS[2]])
    upload(client, portfolio, agreeing, name="tape.xlsx")
    job = last_import()
    assert job.status == TapeImport.Status.SUCCEEDED, job.message
    assert dict(Loan.objects.values_list("loan_number", "upb")) == {
        "R-1": Decimal("1000.00"),
        "R-3": Decimal("3500.00"),
    }
    upload(client, portfolio, xlsx_bytes(REPEATED, ROWS), name="tape.xlsx")
    job = last_import()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    # Column D where the copies differ; row 4's blank D is filled from H (one copy blank).
    client.post(job.get_absolute_url(), {**job.mapping, "copy_0": "3"})
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED, job.problems
    upb = dict(Loan.objects.values_list("loan_number", "upb"))
    assert (upb["R-2"], upb["R-3"], upb["R-5"]) == (
        Decimal("2000.00"), Decimal("3500.00"), Decimal("5000.00")
    )  # fmt: skip


def test_a_check_only_import_saves_no_mapping_for_the_seller(client, staff, seller_portfolio):
    client.force_login(staff)
    client.post(
        reverse("portfolios:import_start", args=[seller_portfolio.pk]),
        {"file": SimpleUploadedFile("t.csv", late_tape(1)), "default_day_count": "30/360",
         "dry_run": "on"},
    )  # fmt: skip
    job = last_import()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    page = client.get(job.get_absolute_url()).text
    assert "this mapping is not saved for the seller" in page
    assert 'name="remember"' not in page
    client.post(job.get_absolute_url(), {**job.mapping, "fees": LATE, "remember": "on"})
    job.refresh_from_db()
    assert job.status == TapeImport.Status.CHECKED
    assert not SellerColumnMapping.objects.exists()
    assert "Import this file" in client.get(job.get_absolute_url()).text
