"""Issue 9, headers: the layouts sellers send (marketplace, Freddie Mac, Fannie Mae,
servicer exports), and the paid-to guard (next-due and last-payment dates never paid-to)."""

import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portfolios.models import Loan, TapeImport
from portfolios.services import TapeImportError, process_tape, validate_mapping
from portfolios.tape.columns import (
    COLUMNS,
    auto_map,
    is_last_payment_date,
    is_next_due_date,
    missing_required,
    normalize,
    not_imported,
)
from portfolios.tape.importer import one_period_before
from portfolios.tape.readers import open_tape
from portfolios.tape.values import CellError, escrow_balance


def test_every_normalized_alias_names_one_column_only():
    owners = defaultdict(set)
    for column in COLUMNS:
        for name in (column.key, column.label, *column.aliases):
            owners[normalize(name)].add(column.key)
    shared = {name: keys for name, keys in owners.items() if len(keys) > 1}
    assert shared == {}


def test_no_alias_is_a_guarded_header():
    for column in COLUMNS:
        if column.key == "next_due_date":
            continue
        for name in (column.key, column.label, *column.aliases):
            assert not is_next_due_date(name), name
            if column.key == "paid_to_date":
                assert not is_last_payment_date(name), name


MARKETPLACE = [
    "loanId", "borrowerName", "coBorrowerName", "propertyAddress", "propertyCity",
    "propertyState", "propertyZip", "propertyCounty", "propertyType", "occupancyStatus",
    "lienPosition", "originationDate", "originalBalance", "upb", "interestRate",
    "nextPaymentDate", "paidToDate", "legalStatus", "propertyValue",
]  # fmt: skip
FREDDIE = [
    "Loan Sequence Number", "Current Actual UPB", "Current Interest Rate",
    "Due Date of Last Paid Installment (DDLPI)", "Occupancy Status", "Property Type",
    "Loan Purpose", "Property State", "Postal Code", "Original UPB",
    "Current Non-Interest Bearing UPB",
]  # fmt: skip
FANNIE = [
    "LOAN_ID", "ORIG_UPB", "CURR_RATE", "CURRENT_UPB", "LAST_PAID_INSTALLMENT_DATE",
    "OCC_STAT", "PROP", "PURPOSE", "STATE", "ZIP",
]  # fmt: skip
SERVICER = [
    "loanAccount", "borrowerName", "propertyStreet", "propertyCity", "propertyState",
    "propertyZip", "principalBalance", "noteRate", "paidToDate", "nextDueDate",
    "lastPaymentDate", "impoundBalance", "lateCharges", "corporateAdvanceBalance",
    "suspenseBalance",
]  # fmt: skip


@pytest.mark.parametrize(
    "headers, expected",
    [
        (MARKETPLACE, {
            "loan_number": "loanId", "borrower_name": "borrowerName",
            "co_borrower_name": "coBorrowerName", "property_address": "propertyAddress",
            "property_city": "propertyCity", "property_state": "propertyState",
            "property_zip": "propertyZip", "property_county": "propertyCounty",
            "property_type": "propertyType", "occupancy": "occupancyStatus",
            "lien_position": "lienPosition", "origination_date": "originationDate",
            "original_balance": "originalBalance", "upb": "upb", "note_rate": "interestRate",
            "paid_to_date": "paidToDate", "status": "legalStatus",
            "property_value": "propertyValue",
        }),
        (FREDDIE, {
            "loan_number": "Loan Sequence Number", "upb": "Current Actual UPB",
            "note_rate": "Current Interest Rate",
            "paid_to_date": "Due Date of Last Paid Installment (DDLPI)",
            "occupancy": "Occupancy Status", "property_type": "Property Type",
            "purchase_money": "Loan Purpose", "property_state": "Property State",
            "property_zip": "Postal Code", "original_balance": "Original UPB",
            "deferred_principal": "Current Non-Interest Bearing UPB",
        }),
        (FANNIE, {
            "loan_number": "LOAN_ID", "original_balance": "ORIG_UPB", "note_rate": "CURR_RATE",
            "upb": "CURRENT_UPB", "paid_to_date": "LAST_PAID_INSTALLMENT_DATE",
            "occupancy": "OCC_STAT", "property_type": "PROP", "purchase_money": "PURPOSE",
            "property_state": "STATE", "property_zip": "ZIP",
        }),
        (SERVICER, {
            "loan_number": "loanAccount", "borrower_name": "borrowerName",
            "property_address": "propertyStreet", "property_city": "propertyCity",
            "property_state": "propertyState", "property_zip": "propertyZip",
            "upb": "principalBalance", "note_rate": "noteRate", "paid_to_date": "paidToDate",
            "escrow_advances": "impoundBalance", "fees": "lateCharges",
            "costs": "corporateAdvanceBalance", "suspense": "suspenseBalance",
        }),
    ],
    ids=["marketplace", "freddie", "fannie", "servicer"],
)  # fmt: skip
def test_each_layouts_headers_match_our_columns(headers, expected):
    assert auto_map(headers) == expected


@pytest.mark.parametrize("header", ["escrowBalance", "Escrow Balance", "Impound Balance"])
def test_escrow_and_impound_balances_are_escrow_advances(header):
    assert auto_map([header]) == {"escrow_advances": header}


NEXT_DUE = [
    "nextPaymentDate", "Next Payment Date", "Next Payment Due Date", "Next Due", "Next Due Date",
    "NEXT_DUE_DATE", "NXT_PMT_DUE_DT", "Nxt Due Dt", "Due Date of Next Installment",
    "Next Installment Due", "Next Installment Date", "Next Pmt Date", "Next Pay Date",
    "Date Next Payment Due", "next_payment_due", "Due Date", "NDD", "Next Pymt Due",
    # Without "next" (a newcomer's run chose these as the paid-to date):
    "Payment Due Date", "Pmt Due", "Due Dt", "Installment Due Date", "Current Due Date",
    "PMT_DUE_DT",
]  # fmt: skip


@pytest.mark.parametrize("header", NEXT_DUE)
def test_a_next_due_header_is_never_the_paid_to_date(header):
    assert is_next_due_date(header)
    headers = ["Loan Number", "Borrower", "State", "UPB", "Rate", header]
    mapping = auto_map(headers)
    assert "paid_to_date" not in mapping
    assert mapping["next_due_date"] == header  # the paid-to date is derived from it
    # Not from a saved mapping, not by hand.
    assert auto_map([header], saved={"paid_to_date": header}) == {"next_due_date": header}
    assert auto_map([header, "PTD"], saved={"paid_to_date": header}) == {"paid_to_date": "PTD"}
    with pytest.raises(TapeImportError, match="next due date"):
        validate_mapping({**mapping, "paid_to_date": header}, headers)


LAST_PAYMENT = [
    "lastPaymentDate", "Last Payment Date", "Last Pmt Received", "LAST_PMT_DT",
    "Date of Last Payment", "Last Payment Received Date", "Most Recent Payment Date",
    "Last Pymt Date", "Lst Pmt Dt", "Last Paid Date", "Date Last Paid",
]  # fmt: skip


@pytest.mark.parametrize("header", LAST_PAYMENT)
def test_a_last_payment_posting_date_is_never_the_paid_to_date(header):
    assert is_last_payment_date(header)
    assert not is_next_due_date(header)
    headers = ["Loan Number", "Borrower", "State", "UPB", "Rate", header]
    mapping = auto_map(headers)
    assert "paid_to_date" not in mapping
    assert auto_map([header], saved={"paid_to_date": header}) == {}
    with pytest.raises(TapeImportError, match="last payment was received"):
        validate_mapping({**mapping, "paid_to_date": header}, headers)


@pytest.mark.parametrize(
    "header",
    ["Due Date of Last Paid Installment (DDLPI)", "DDLPI", "LAST_PAID_INSTALLMENT_DATE",
     "Last Paid Installment Date", "Paid To Date", "Interest Paid Through", "paidToDate"],
)  # fmt: skip
def test_a_last_paid_installment_is_the_paid_to_date(header):
    assert not is_next_due_date(header)
    assert not is_last_payment_date(header)
    assert auto_map([header]) == {"paid_to_date": header}
    headers = ["Loan Number", "Borrower", "State", "UPB", "Rate", header]
    clean = validate_mapping({**auto_map(headers), "paid_to_date": header}, headers)
    assert clean["paid_to_date"] == header


def test_non_interest_bearing_upb_is_the_deferred_principal_never_the_upb():
    mapping = auto_map(["Current Non-Interest Bearing UPB"])
    assert mapping == {"deferred_principal": "Current Non-Interest Bearing UPB"}


@pytest.mark.parametrize(
    "header",
    ["Current Non-Interest Bearing UPB", "CURRENT_NON_INTEREST_BEARING_UPB", "Deferred Principal",
     "deferredPrincipal", "Deferred Balance", "Principal Forbearance Amount",
     "Non-Interest Bearing Balance", "Deferred UPB", "Current Deferred UPB", "NON_INT_UPB",
     "deferredPrincipalBalance"],
)  # fmt: skip
def test_deferred_principal_headers(header):
    assert auto_map([header]) == {"deferred_principal": header}


def test_fannies_forbearance_indicator_is_no_amount_and_not_read():
    assert auto_map(["FORBEARANCE_INDICATOR"]) == {}


DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = [
    # file, loan, UPB, rate, paid-to, deferred principal, headers left out
    ("loan-tape-marketplace.csv", "MP-2001", "121407.88", "7.25", date(2024, 2, 1), "0.00", []),
    ("loan-tape-freddie.csv", "F09Q10000002", "243100.00", "6.125", date(2023, 11, 1),
     "15000.00", []),
    ("loan-tape-fannie.csv", "100012345678", "198432.17", "3.875", date(2024, 4, 1), "0.00", []),
    ("loan-tape-servicer.csv", "0001042", "211980.04", "6.375", date(2024, 3, 1), "0.00",
     ["nextDueDate", "lastPaymentDate"]),
]  # fmt: skip


def _import(portfolio, name, dry_run):
    tape = open_tape(name, (DOCS / name).read_bytes())
    mapping = auto_map(tape.headers)
    assert missing_required(mapping) == []
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=mapping, default_day_count="30/360",
        dry_run=dry_run,
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("name, loan_number, upb, rate, paid_to, deferred, ignored", EXAMPLES)
def test_each_layouts_example_imports_as_sent(
    portfolio, name, loan_number, upb, rate, paid_to, deferred, ignored
):
    checked = _import(portfolio, name, dry_run=True)
    assert [p.message for p in checked.problems] == []
    assert checked.counts.created == 3
    assert not Loan.objects.exists()

    outcome = _import(portfolio, name, dry_run=False)
    assert outcome.counts.created == 3
    assert outcome.ignored_headers == ignored
    loan = Loan.objects.get(portfolio=portfolio, loan_number=loan_number)
    assert (loan.upb, loan.note_rate, loan.paid_to_date, loan.deferred_principal) == (
        Decimal(upb), Decimal(rate), paid_to, Decimal(deferred),
    )  # fmt: skip


def test_the_fannie_example_is_pipe_delimited():
    tape = open_tape("loan-tape-fannie.csv", (DOCS / "loan-tape-fannie.csv").read_bytes())
    assert tape.headers[:2] == ["LOAN_ID", "ORIG_UPB"]


REPEATED = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate",
            "Paid To Date", "Property City", "UPB", "Property City"]  # fmt: skip


def _repeated_tape(*rows):
    lines = [",".join(REPEATED), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.django_db
def test_a_repeated_header_is_imported_when_its_copies_agree_or_one_is_empty(portfolio):
    data = _repeated_tape(
        ["R-1", "Ann", "OH", "1000.00", "6", "2024-03-01", "Dayton", "1000.00", ""],
        ["R-2", "Bob", "OH", "", "6", "2024-03-01", "", "2000.00", "Akron"],
        ["R-3", "Cy", "OH", "3000.00", "6", "2024-03-01", "Kent", "", " Kent"],
    )
    tape = open_tape("tape.csv", data)
    mapping = auto_map(tape.headers)
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=mapping,
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert [p.message for p in outcome.problems] == []
    loans = {
        loan.loan_number: (loan.upb, loan.property_city)
        for loan in Loan.objects.filter(portfolio=portfolio)
    }
    assert loans == {
        "R-1": (Decimal("1000.00"), "Dayton"),
        "R-2": (Decimal("2000.00"), "Akron"),
        "R-3": (Decimal("3000.00"), "Kent"),
    }


@pytest.mark.django_db
def test_a_repeated_header_whose_copies_differ_is_reported_and_nothing_written(portfolio):
    data = _repeated_tape(
        ["R-1", "Ann", "OH", "1000.00", "6", "2024-03-01", "Dayton", "1000.00", ""],
        ["R-2", "Bob", "OH", "2000.00", "6", "2024-03-01", "", "2500.00", "Akron"],
    )
    tape = open_tape("tape.csv", data)
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (3, "UPB", "UPB differs between columns D and H, both headed alike "
                   "(“2000.00” and “2500.00”): delete or rename the wrong column"),
    ]  # fmt: skip
    assert outcome.problem_kinds == [("UPB differs between two columns headed alike", 1)]
    assert not Loan.objects.exists()


@pytest.mark.parametrize(
    "next_due, paid_to",
    [(date(2024, 4, 1), date(2024, 3, 1)), (date(2024, 1, 15), date(2023, 12, 15)),
     (date(2024, 3, 31), date(2024, 2, 29)), (date(2023, 3, 30), date(2023, 2, 28)),
     (date(2024, 5, 31), date(2024, 4, 30))],
)  # fmt: skip
def test_a_next_due_date_gives_the_paid_to_date_one_month_earlier(next_due, paid_to):
    assert one_period_before(next_due) == paid_to


NEXT_DUE_ONLY = b"loanId,borrowerName,propertyState,upb,interestRate,nextPaymentDate\n"


@pytest.mark.django_db
def test_a_tape_with_only_a_next_due_date_derives_the_paid_to_date(portfolio):
    data = NEXT_DUE_ONLY + b"N-1,Ann,OH,1000.00,6,2024-03-31\nN-2,Bob,OH,2000.00,6,04/01/2024\n"
    tape = open_tape("tape.csv", data)
    mapping = auto_map(tape.headers)
    assert mapping["next_due_date"] == "nextPaymentDate"
    assert missing_required(mapping) == []
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=mapping,
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert [p.message for p in outcome.problems] == []
    assert outcome.ignored_headers == []
    paid_to = dict(Loan.objects.values_list("loan_number", "paid_to_date"))
    assert paid_to == {"N-1": date(2024, 2, 29), "N-2": date(2024, 3, 1)}


@pytest.mark.django_db
def test_a_derived_paid_to_date_is_checked_and_named(portfolio):
    far = (timezone.localdate() + timedelta(days=200)).isoformat()
    data = NEXT_DUE_ONLY + f"N-1,Ann,OH,1000.00,6,{far}\nN-2,Bob,OH,2000.00,6,\n".encode()
    tape = open_tape("tape.csv", data)
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert [(p.row, p.column, p.message) for p in outcome.problems] == [
        (2, "nextPaymentDate", "Paid To Date (derived from Next Due Date) is in the future"),
        (3, "nextPaymentDate", "Next Due Date is empty"),
    ]
    assert not Loan.objects.exists()


@pytest.mark.django_db
def test_a_next_due_column_is_not_read_when_the_tape_has_a_paid_to_date(portfolio):
    data = b"loanId,borrowerName,propertyState,upb,interestRate,paidToDate,nextPaymentDate\n"
    data += b"N-1,Ann,OH,1000.00,6,2024-03-01,not a date\n"
    tape = open_tape("tape.csv", data)
    outcome = process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                           default_day_count="30/360", dry_run=False)  # fmt: skip
    assert [p.message for p in outcome.problems] == []
    assert Loan.objects.get().paid_to_date == date(2024, 3, 1)
    assert outcome.ignored_headers == ["nextPaymentDate"]


@pytest.mark.django_db
def test_a_derived_paid_to_date_is_shown_in_the_mapping_step(client, staff, portfolio):
    portfolio.seller = "Market Seller"
    portfolio.save()
    client.force_login(staff)
    data = NEXT_DUE_ONLY + b"N-1,Ann,OH,1000.00,6,2024-04-01\n"
    url = reverse("portfolios:import_start", args=[portfolio.pk])
    client.post(url, {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360"})
    job = TapeImport.objects.get()
    assert job.status == TapeImport.Status.NEEDS_MAPPING
    page = client.get(job.get_absolute_url())
    assert "Paid To Date derived from “nextPaymentDate”: one month before" in page.text
    form = page.context["mapping_form"]
    assert form["next_due_date"].value() == "nextPaymentDate"
    assert "nextPaymentDate" not in [value for value, _ in form.fields["paid_to_date"].choices]
    chosen = dict(job.mapping)
    response = client.post(job.get_absolute_url(), {**chosen, "remember": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == TapeImport.Status.SUCCEEDED
    assert "Paid To Date derived from “nextPaymentDate”" in " ".join(job.notes)
    assert Loan.objects.get().paid_to_date == date(2024, 3, 1)
    # The seller's saved mapping chose it: the next tape goes straight through.
    client.post(url, {"file": SimpleUploadedFile("t.csv", data), "default_day_count": "30/360"})
    assert TapeImport.objects.order_by("-pk").first().status == TapeImport.Status.SUCCEEDED


@pytest.mark.django_db
def test_the_command_says_when_the_paid_to_date_is_derived(portfolio, tmp_path):
    path = tmp_path / "tape.csv"
    path.write_bytes(NEXT_DUE_ONLY + b"N-1,Ann,OH,1000.00,6,2024-04-01\n")
    out = io.StringIO()
    call_command("import_loan_tape", portfolio.name, str(path), stdout=out)
    assert "Paid To Date derived from “nextPaymentDate”" in out.getvalue()
    assert Loan.objects.get().paid_to_date == date(2024, 3, 1)


@pytest.mark.parametrize(
    "raw, advance",
    [("-1,412.66", "1412.66"), ("($1,412.66)", "1412.66"), ("$-1,412.66", "1412.66"),
     ("- 20.00", "20.00"), (-20.5, "20.50"), (Decimal("-3.25"), "3.25"), ("310.00", "0.00"),
     ("$310.00", "0.00"), (310, "0.00"), ("", "0.00"), (None, "0.00"), ("0", "0.00")],
)  # fmt: skip
def test_an_escrow_balance_is_an_advance_only_when_negative(raw, advance):
    assert escrow_balance(raw) == Decimal(advance)


@pytest.mark.parametrize("raw", ["-1.005", "-abc", "--5"])
def test_an_escrow_balance_that_is_not_an_amount_is_refused(raw):
    with pytest.raises(CellError):
        escrow_balance(raw)


@pytest.mark.django_db
def test_the_servicers_impound_balance_is_read_as_an_advance_when_negative(portfolio):
    _import(portfolio, "loan-tape-servicer.csv", dry_run=False)
    advances = dict(Loan.objects.values_list("loan_number", "escrow_advances"))
    # -1,412.66 is money the servicer advanced; +310.00 is the borrower's funds held.
    # "$ -" is zero.
    assert advances == {
        "0001042": Decimal("1412.66"), "0001043": Decimal("0.00"), "0001044": Decimal("0.00")
    }  # fmt: skip


@pytest.mark.django_db
def test_an_escrow_advances_column_keeps_its_sign_meaning(portfolio):
    data = b"Loan Number,Borrower,State,UPB,Rate,PTD,Escrow Advances\nE-1,Ann,OH,1,6,2024-01-01,310.00\n"
    tape = open_tape("tape.csv", data)
    process_tape(portfolio=portfolio, tape=tape, mapping=auto_map(tape.headers),
                 default_day_count="30/360", dry_run=False)  # fmt: skip
    assert Loan.objects.get().escrow_advances == Decimal("310.00")


def test_columns_not_imported_are_listed_once_and_an_unread_next_due_among_them():
    headers = ["Loan Number", "Notes", "PTD", "Next Due Date", "Notes"]
    mapping = {"loan_number": "Loan Number", "paid_to_date": "PTD",
               "next_due_date": "Next Due Date"}  # fmt: skip
    assert not_imported(headers, mapping) == ["Notes", "Next Due Date"]
    del mapping["paid_to_date"]
    assert not_imported(headers, mapping) == ["Notes", "PTD"]
