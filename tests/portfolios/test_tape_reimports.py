"""Issue 9, found by an attacker's run: a re-import never writes over what the tape does not
say. A row without a value a column carries keeps the stored one; a part joined to a column
the tape lacks is not read; a partial ZIP does not replace a full ZIP entered by hand; a
blank co-borrower cell keeps the stored co-borrower; headers that match as one are copies."""

import csv
import io
from decimal import Decimal

import pytest

from portfolios.choices import LoanStatus, PropertyType
from portfolios.models import Borrower, Loan
from portfolios.services import process_tape
from portfolios.tape.columns import auto_map, not_imported
from portfolios.tape.readers import open_tape

pytestmark = pytest.mark.django_db
BASE = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date"]


def _csv(headers, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode()


def _process(portfolio, data):
    tape = open_tape("tape.csv", data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip


def _row(n, upb="100,000.00", state="IL"):
    return [f"L-{n}", f"Borrower {n}", state, upb, "6", "2024-03-01"]


def _stored(field):
    return dict(Loan.objects.values_list("loan_number", field))


def test_a_units_column_alone_never_rewrites_a_stored_condo_or_a_blank_row(portfolio):
    _process(portfolio, _csv([*BASE, "Property Type", "Status"],
                             [[*_row(1), "Condo", "Current"], [*_row(2), "Townhouse", "Current"],
                              [*_row(3), "SFR", "Current"], [*_row(4), "SFR", "Current"]]))  # fmt: skip
    outcome = _process(portfolio, _csv([*BASE, "Number of Units"],
                                       [[*_row(1, "99,000.00"), "1"], [*_row(2, "99,000.00"), ""],
                                        [*_row(3, "99,000.00"), "3"], [*_row(4, "99,000.00"), ""]]))  # fmt: skip
    assert outcome.problems == []
    assert _stored("property_type") == {
        "L-1": PropertyType.CONDO, "L-2": PropertyType.TOWNHOUSE,
        "L-3": PropertyType.TWO_TO_FOUR, "L-4": PropertyType.SINGLE_FAMILY,
    }  # fmt: skip
    assert set(_stored("upb").values()) == {Decimal("99000.00")}
    assert set(_stored("status").values()) == {LoanStatus.PERFORMING}


def test_a_units_column_gives_a_new_loan_its_type_without_a_type_column(portfolio):
    _process(portfolio, _csv([*BASE, "Units"], [[*_row(1), "2"], [*_row(2), "7"], [*_row(3), ""]]))
    assert _stored("property_type") == {
        "L-1": PropertyType.TWO_TO_FOUR, "L-2": PropertyType.MULTIFAMILY,
        "L-3": PropertyType.SINGLE_FAMILY,
    }  # fmt: skip


def test_a_unit_line_without_a_street_column_is_not_read_and_never_replaces_the_street(
    portfolio,
):
    _process(portfolio, _csv([*BASE, "Property Address"], [[*_row(1), "12 Main St"],
                                                           [*_row(2), "9 Oak Ave"]]))  # fmt: skip
    outcome = _process(portfolio, _csv([*BASE, "Unit"], [[*_row(1), "Unit 4"], [*_row(2), ""]]))
    assert outcome.ignored_headers == ["Unit"]
    assert _stored("property_address") == {"L-1": "12 Main St", "L-2": "9 Oak Ave"}


def test_mailing_parts_without_a_mailing_street_column_are_not_read(portfolio):
    _process(portfolio, _csv([*BASE, "Mailing Address"], [[*_row(1), "9 Oak Ave, Dayton, OH"]]))
    headers = [*BASE, "Mailing City", "Mailing State", "Mailing ZIP"]
    outcome = _process(portfolio, _csv(headers, [[*_row(1), "Akron", "OH", "44301"]]))
    assert outcome.ignored_headers == ["Mailing City", "Mailing State", "Mailing ZIP"]
    assert Borrower.objects.get().mailing_address == "9 Oak Ave, Dayton, OH"


def test_parts_without_their_base_are_listed_not_imported():
    headers = [*BASE, "Unit", "Mailing City"]
    mapping = auto_map(headers)
    assert "property_address_2" not in mapping and "mailing_city" not in mapping
    assert not_imported(headers, mapping) == ["Unit", "Mailing City"]


def test_a_partial_zip_never_replaces_a_full_zip_entered_by_hand(portfolio):
    tape = _csv([*BASE, "Postal Code"], [[*_row(1, state="VA"), "22000"],
                                         [*_row(2, state="TX"), "75200"]])  # fmt: skip
    _process(portfolio, tape)
    assert _stored("property_zip") == {"L-1": "220XX", "L-2": "752XX"}
    Loan.objects.filter(loan_number="L-1").update(property_zip="22031")  # entered by hand
    Loan.objects.filter(loan_number="L-2").update(property_zip="30301")  # another prefix
    again = _process(portfolio, tape.replace(b"100,000.00", b"98,000.00"))
    assert again.problems == []
    # The tape's 220XX agrees with 22031 and knows less: kept. 752XX says 30301 is wrong.
    assert _stored("property_zip") == {"L-1": "22031", "L-2": "752XX"}


def test_a_blank_co_borrower_cell_keeps_the_stored_co_borrower(portfolio):
    headers = [*BASE, "Co-Borrower Name"]
    _process(portfolio, _csv(headers, [[*_row(1), "Carl Lee"]]))
    _process(portfolio, _csv(headers, [[*_row(1, "99,000.00"), ""]]))
    assert list(Borrower.objects.order_by("position").values_list("name", flat=True)) == [
        "Borrower 1", "Carl Lee"
    ]  # fmt: skip


def test_headers_that_match_as_one_are_copies_compared_cell_by_cell(portfolio):
    data = _csv([*BASE, "upb"], [[*_row(1), "1,000.00"]])
    tape = open_tape("tape.csv", data)
    assert tape.headers[3] == tape.headers[6] == "UPB"
    outcome = _process(portfolio, data)
    assert [p.message for p in outcome.problems] == [
        "UPB differs between columns D and G, both headed alike (“100,000.00” and "
        "“1,000.00”): delete or rename the wrong column"
    ]
    assert not Loan.objects.exists()


def test_a_saved_mapping_never_takes_a_paid_to_or_posting_column_as_next_due():
    headers = [*BASE, "Last Payment Date"]
    saved = {"next_due_date": "Paid To Date"}
    assert auto_map(headers, saved)["paid_to_date"] == "Paid To Date"
    assert "next_due_date" not in auto_map(headers, saved)
    assert "next_due_date" not in auto_map(
        [h for h in headers if h != "Paid To Date"], {"next_due_date": "Last Payment Date"}
    )
