"""Issue 12: what the documents need to describe a loan's lien: its security instrument (the
state's customary one unless the loan's differs), parcel number, recording reference and
date, in the model, the loan form, the loan page and tapes."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portfolios.models import Loan
from portfolios.services import process_tape
from portfolios.tape import values as v
from portfolios.tape.columns import auto_map
from portfolios.tape.readers import open_tape
from tests.factories import make_loan
from tests.portfolios.tapes import xlsx_bytes
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db

FIELDS = ("security_instrument", "parcel_number", "recording_reference", "recorded_on")
NOTHING = {"security_instrument": "", "parcel_number": "", "recording_reference": "",
           "recorded_on": None}  # fmt: skip


def _facts(loan):
    loan.refresh_from_db()
    return {name: getattr(loan, name) for name in FIELDS}


# --- the model ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "kind", "release"),
    [("CA", "deed_of_trust", "deed of reconveyance"), ("NY", "mortgage", "satisfaction of mortgage"),
     ("GA", "security_deed", "cancellation of the security deed")],
)  # fmt: skip
def test_a_loan_without_an_instrument_has_its_states_customary_one(portfolio, state, kind,
                                                                    release):  # fmt: skip
    loan = make_loan(portfolio, property_state=state)
    assert _facts(loan) == NOTHING
    security = loan.instrument()
    assert security.customary is True
    assert (security.instrument.kind, security.instrument.release_document) == (kind, release)


def test_a_loan_whose_instrument_differs_says_so(portfolio):
    loan = make_loan(portfolio, property_state="CA", security_instrument="mortgage")
    security = loan.instrument()
    assert security.customary is False
    assert (security.instrument.kind, security.instrument.lien_holder) == ("mortgage", "mortgagee")
    assert security.instrument.state_name == "California"


def test_a_territorys_instrument_is_unknown_until_entered(portfolio):
    loan = make_loan(portfolio, property_state="PR")
    assert not loan.instrument() and loan.instrument().instrument is None
    loan.security_instrument = "mortgage"
    assert loan.instrument().instrument.label == "mortgage"


def test_the_database_refuses_an_unknown_instrument(portfolio):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_loan(portfolio, security_instrument="lien")


# --- the loan form -----------------------------------------------------------------------------


def _post(client, loan, **fields):
    return client.post(
        reverse("portfolios:loan_edit", args=[loan.pk]), loan_post_data(loan, **fields)
    )


def test_the_form_saves_the_instrument_and_its_recording(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = _post(
        client, loan, security_instrument="mortgage", parcel_number=" 012-0345-067-0000 ",
        recording_reference="Instrument No. 2015-0123456", recorded_on="06/12/2015",
    )  # fmt: skip
    assert response.status_code == 302
    assert _facts(loan) == {
        "security_instrument": "mortgage", "parcel_number": "012-0345-067-0000",
        "recording_reference": "Instrument No. 2015-0123456", "recorded_on": date(2015, 6, 12),
    }  # fmt: skip
    # Back to the state's customary instrument, and blanks clear the recording.
    response = _post(client, loan, security_instrument="", parcel_number="",
                     recording_reference="", recorded_on="")  # fmt: skip
    assert response.status_code == 302
    assert _facts(loan) == NOTHING


def test_the_form_offers_the_states_customary_instrument_first(client, staff, portfolio):
    loan = make_loan(portfolio, property_state="GA")
    client.force_login(staff)
    page = client.get(reverse("portfolios:loan_edit", args=[loan.pk])).text
    assert "Security instrument and recording" in page
    assert '<option value="" selected>The state&#x27;s customary instrument</option>' in page
    assert "Customary in Georgia: a security deed." in page
    for name in FIELDS:
        assert f'name="{name}"' in page


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("recorded_on", "2099-01-01", "between 1950-01-01 and today"),
        ("recorded_on", "12/31/1949", "between 1950-01-01 and today"),
        ("recorded_on", "3/1/24", "Enter a date such as 2024-03-01"),
        ("recorded_on", "Book 12", "Enter a date such as 2024-03-01"),
        ("parcel_number", "012-0345\x0b067", "Remove the control characters"),
        ("parcel_number", "1" * 65, "at most 64 characters"),
        ("recording_reference", "Book 1,\nPage 2", "Remove the control characters"),
        ("recording_reference", "B" * 121, "at most 120 characters"),
        ("security_instrument", "lien", "Select a valid choice"),
    ],
)
def test_the_form_refuses_a_bad_value_beside_its_field_and_keeps_it(
    client, staff, portfolio, field, typed, message
):
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = _post(client, loan, **{field: typed})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    if field == "recorded_on":
        assert f'value="{typed}"' in response.text
    assert _facts(loan) == NOTHING


def test_a_field_not_sent_keeps_the_stored_value(client, staff, portfolio):
    stored = {"security_instrument": "mortgage", "parcel_number": "123-45-678",
              "recording_reference": "Book 12, Page 34", "recorded_on": date(2012, 1, 5)}  # fmt: skip
    loan = make_loan(portfolio, **stored)
    client.force_login(staff)
    response = _post(client, loan, upb="99000.00")  # an older page: none of the four sent
    assert response.status_code == 302
    assert _facts(loan) == stored
    # Shown again as stored beside another field's error.
    response = _post(client, loan, upb="-1")
    assert '<option value="mortgage" selected>' in response.text
    assert 'value="Book 12, Page 34"' in response.text


# --- the loan page -----------------------------------------------------------------------------


def _recording(client, user, loan) -> str:
    client.force_login(user)
    page = client.get(loan.get_absolute_url()).text
    part = page[page.index('data-testid="loan-recording"') :]
    return part[: part.index("</dl>")]


def test_the_loan_page_shows_the_customary_instrument_and_the_recording(client, owner, portfolio):
    loan = make_loan(
        portfolio, property_state="CA", property_county="Sacramento",
        parcel_number="012-0345-067-0000", recording_reference="Instrument No. 2015-0123456",
        recorded_on=date(2015, 6, 12),
    )  # fmt: skip
    shown = _recording(client, owner, loan)
    assert "Deed of trust <span" in shown and "(customary in California)" in shown
    for text in ("012-0345-067-0000", "Instrument No. 2015-0123456, Jun 12, 2015", "Sacramento"):
        assert text in shown


def test_the_loan_page_says_an_instrument_differing_from_the_states_is_as_recorded(
    client, owner, portfolio
):
    loan = make_loan(portfolio, property_state="CA", security_instrument="mortgage")
    shown = _recording(client, owner, loan)
    assert "Mortgage (as recorded)" in shown and "customary" not in shown
    assert shown.count("—") == 3  # no parcel, recording or county


def test_the_loan_page_cites_georgias_security_deed(client, owner, portfolio):
    loan = make_loan(portfolio, property_state="GA", recorded_on=date(2019, 2, 1))
    shown = _recording(client, owner, loan)
    assert "Security deed" in shown and "(customary in Georgia)" in shown
    assert "O.C.G.A. § 44-14-60 et seq." in shown
    assert "Feb 1, 2019" in shown


def test_a_territorys_unknown_instrument_links_staff_to_the_form(client, owner, staff, portfolio):
    loan = make_loan(portfolio, property_state="PR")
    assert "Unknown" in _recording(client, owner, loan)
    assert "Enter it" not in _recording(client, owner, loan)
    assert "#loan-recording" in _recording(client, staff, loan)


# --- tapes -------------------------------------------------------------------------------------

BASE = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date"]
RECORDING = ["APN", "Instrument Number", "Recording Date", "Security Instrument"]


def _row(n, state="CA"):
    return [f"L-{n}", f"Borrower {n}", state, "100,000.00", "6", "2024-03-01"]


def _csv(headers, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode()


def _process(portfolio, data, name="tape.csv"):
    tape = open_tape(name, data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip


def test_a_tape_reads_the_instrument_and_its_recording(portfolio):
    outcome = _process(portfolio, _csv([*BASE, *RECORDING], [
        [*_row(1), "012-0345-067-0000", "2015-0123456", "06/12/2015", ""],
        [*_row(2, "GA"), "Q071-0123", "Deed Book 9876, Page 123", "2019-02-01", "Security Deed"],
        [*_row(3), "", "", "", "Mortgage"],
        [*_row(4, "TX"), "", "Book 1, Page 2", "", "DOT"],
    ]))  # fmt: skip
    assert outcome.problems == []
    loans = {loan.loan_number: loan for loan in Loan.objects.all()}
    assert _facts(loans["L-1"]) == {
        "security_instrument": "", "parcel_number": "012-0345-067-0000",
        "recording_reference": "2015-0123456", "recorded_on": date(2015, 6, 12),
    }  # fmt: skip
    assert loans["L-1"].instrument().customary is True
    assert (loans["L-2"].security_instrument, loans["L-2"].recorded_on) == (
        "security_deed",
        date(2019, 2, 1),
    )
    assert _facts(loans["L-3"]) == NOTHING | {"security_instrument": "mortgage"}
    assert loans["L-4"].security_instrument == "deed_of_trust"


def test_a_blank_cell_keeps_the_stored_value_on_re_import(portfolio):
    headers = [*BASE, *RECORDING]
    _process(portfolio, _csv(headers, [[*_row(1), "123", "Book 1, Page 2", "2015-06-12",
                                         "Mortgage"]]))  # fmt: skip
    loan = Loan.objects.get()
    stored = _facts(loan)
    outcome = _process(portfolio, _csv(headers, [[*_row(1), "", "", "", ""]]))
    assert outcome.problems == [] and outcome.counts.unchanged == 1
    assert _facts(loan) == stored
    _process(portfolio, _csv(BASE, [_row(1)]))  # no such columns: kept too
    assert _facts(loan) == stored
    _process(portfolio, _csv([*BASE, "Parcel Number"], [[*_row(1), "456"]]))
    assert _facts(loan) == stored | {"parcel_number": "456"}


@pytest.mark.parametrize(
    ("header", "key"),
    [("Parcel Number", "parcel_number"), ("APN", "parcel_number"), ("Parcel ID", "parcel_number"),
     ("Assessor's Parcel Number", "parcel_number"), ("Tax Parcel Number", "parcel_number"),
     ("Recording Reference", "recording_reference"), ("Instrument Number", "recording_reference"),
     ("Instrument No.", "recording_reference"), ("Book/Page", "recording_reference"),
     ("Book and Page", "recording_reference"), ("Recording Date", "recorded_on"),
     ("Recorded Date", "recorded_on"), ("Date Recorded", "recorded_on"),
     ("Security Instrument", "security_instrument"), ("Instrument Type", "security_instrument"),
     ("Mortgage/Deed of Trust", "security_instrument")],
)  # fmt: skip
def test_recording_headers_match_their_columns(header, key):
    assert auto_map(["Loan Number", header]) == {"loan_number": "Loan Number", key: header}


def test_a_bad_cell_is_a_problem_on_its_row_and_nothing_is_written(portfolio):
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    outcome = _process(portfolio, _csv([*BASE, *RECORDING], [
        [*_row(1), "1", "Book 1", "13/45/2015", ""],
        [*_row(2), "2", "Book 2", tomorrow, ""],
        [*_row(3), "3\x00", "Book 3", "", ""],
        [*_row(4), "4", "Book\x1b 4", "", ""],
        [*_row(5), "5", "B" * 121, "", "Lien"],
        [*_row(6), "6" * 65, "Book 6", "", ""],
    ]))  # fmt: skip
    problems = {(p.row, p.column): p.message for p in outcome.problems}
    assert problems[(2, "Recording Date")].startswith("Recording Date ")
    assert "between 1950-01-01 and today" in problems[(3, "Recording Date")]
    assert "control character" in problems[(4, "APN")]
    assert "control character" in problems[(5, "Instrument Number")]
    assert problems[(6, "Instrument Number")] == (
        "Recording Reference is longer than 120 characters"
    )
    assert "is not a known security instrument" in problems[(6, "Security Instrument")]
    assert problems[(7, "APN")] == "Parcel Number is longer than 64 characters"
    assert Loan.objects.count() == 0


def test_spreadsheet_numbers_are_read_as_the_whole_numbers_written(portfolio):
    data = xlsx_bytes([*BASE, *RECORDING], [[*_row(1), 4123456789, 20150123456, date(2015, 6, 12),
                                              "Trust Deed"]])  # fmt: skip
    outcome = _process(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    assert _facts(Loan.objects.get()) == {
        "security_instrument": "deed_of_trust", "parcel_number": "4123456789",
        "recording_reference": "20150123456", "recorded_on": date(2015, 6, 12),
    }  # fmt: skip


def test_book_and_page_columns_are_joined_into_the_recording_reference(portfolio):
    headers = [*BASE, "Instrument Number", "Mtg Book", "Mtg Page"]
    outcome = _process(portfolio, _csv(headers, [
        [*_row(1), "", "12345", "678"],
        [*_row(2), "2015-0123456", "OR Book 12345", "Pg. 6"],
        [*_row(3), "2015-0654321", "", ""],
        [*_row(4), "", "", "17"],
        [*_row(5), "", "", ""],
    ]))  # fmt: skip
    assert outcome.problems == []
    references = dict(Loan.objects.values_list("loan_number", "recording_reference"))
    assert references == {
        "L-1": "Book 12345, Page 678",
        "L-2": "2015-0123456, OR Book 12345, Pg. 6",
        "L-3": "2015-0654321",
        "L-4": "Page 17",
        "L-5": "",
    }
    # A re-import with blank book and page keeps the stored reference.
    outcome = _process(portfolio, _csv(["Loan Number", "Property State", "UPB", "Note Rate",
                                        "Paid To Date", "Book/Page", "Deed Book", "Deed Page"],
                                       [["L-1", "CA", "100,000.00", "6", "2024-03-01", "", "",
                                         ""]]))  # fmt: skip
    assert outcome.problems == [] and outcome.counts.unchanged == 1


def test_a_joined_recording_reference_too_long_is_a_problem_on_its_row(portfolio):
    headers = [*BASE, "Recording Reference", "Recording Book", "Recording Page"]
    outcome = _process(portfolio, _csv(headers, [[*_row(1), "I" * 100, "1234", "56789"]]))
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (2, "Recording Book",
         "Recording Reference with its book and page is longer than 120 characters"),
    ]  # fmt: skip
    assert Loan.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "key"),
    [("Recording Book", "recording_book"), ("Mortgage Book", "recording_book"),
     ("Deed Book", "recording_book"), ("Liber", "recording_book"),
     ("Recording Page", "recording_page"), ("Mtg Page", "recording_page"),
     ("OR Page", "recording_page")],
)  # fmt: skip
def test_book_and_page_headers_match_their_columns(header, key):
    assert auto_map(["Loan Number", header]) == {"loan_number": "Loan Number", key: header}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Mortgage", "mortgage"), ("MTG", "mortgage"), ("Deed of Trust", "deed_of_trust"),
     ("DOT", "deed_of_trust"), ("deed_of_trust", "deed_of_trust"), ("Trust Deed", "deed_of_trust"),
     ("Security Deed", "security_deed"), ("Deed to Secure Debt", "security_deed"),
     ("", None), ("  ", None)],
)  # fmt: skip
def test_security_instrument_cells(cell, expected):
    assert v.security_instrument(cell) == expected


def test_a_line_break_in_a_quoted_cell_folds_to_a_space():
    assert v.recording_reference("Book 12,\nPage 34") == "Book 12, Page 34"
    assert v.parcel_number(12345.0) == "12345" and v.parcel_number("  ") is None


# --- demo data ---------------------------------------------------------------------------------


def test_demo_loans_carry_a_parcel_and_a_recording_after_their_note():
    from django.core.management import call_command

    call_command("seed_demo")
    loans = list(Loan.objects.all())
    for loan in loans:
        assert loan.parcel_number and loan.recording_reference
        assert loan.origination_date < loan.recorded_on <= loan.origination_date + timedelta(21)
        assert loan.instrument().instrument is not None
    georgia = next(loan for loan in loans if loan.property_state == "GA")
    assert georgia.recording_reference.startswith("Deed Book ")
    assert georgia.instrument().instrument.kind == "security_deed"
    recorded = [loan for loan in loans if not loan.instrument().customary]
    assert [(loan.property_state, loan.security_instrument) for loan in recorded] == [
        ("MD", "mortgage")
    ]


def test_seeding_again_fills_the_recording_a_loan_seeded_before_it_lacks():
    from django.core.management import call_command

    from demo.loans import RECORDING_FIELDS, demo_loans

    call_command("seed_demo")
    Loan.objects.filter(loan_number__in=["RB-0021", "RB-0002"]).update(
        security_instrument="", parcel_number="", recording_reference="", recorded_on=None
    )
    Loan.objects.filter(loan_number="RB-0003").update(parcel_number="kept")
    call_command("seed_demo")
    specs = {x["loan_number"]: x for x in demo_loans("RB-", 60, seed=2026)}
    for number in ("RB-0021", "RB-0002"):
        loan = Loan.objects.get(loan_number=number)
        assert {n: getattr(loan, n) for n in RECORDING_FIELDS} == {
            n: specs[number][n] for n in RECORDING_FIELDS
        }
    assert Loan.objects.get(loan_number="RB-0021").security_instrument == "mortgage"
    assert Loan.objects.get(loan_number="RB-0003").parcel_number == "kept"
