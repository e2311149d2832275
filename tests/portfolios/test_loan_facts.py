"""Issue 10: the loan facts state statutes turn on (dwelling units, acreage, who the
borrower and the lender are, refinanced, Texas home equity, high cost, the date of default),
each unknown until staff or a tape say, in the loan form, on the loan page and in tapes."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from portfolios.models import Loan
from portfolios.services import process_tape
from portfolios.tape import values as v
from portfolios.tape.columns import auto_map, mapping_refusal, may_map
from portfolios.tape.readers import TapeFileError, open_tape
from tests.factories import make_loan
from tests.portfolios.tapes import xlsx_bytes
from tests.portfolios.test_pages import loan_post_data

pytestmark = pytest.mark.django_db

FACTS = ("borrower_type", "lender_type", "refinanced", "home_equity_loan", "high_cost_loan")


def _facts(loan):
    loan.refresh_from_db()
    return {
        "units": loan.units, "acreage": loan.acreage, "default_date": loan.default_date,
        **{name: getattr(loan, name) for name in FACTS},
    }  # fmt: skip


UNKNOWN = {"units": None, "acreage": None, "default_date": None} | dict.fromkeys(FACTS, "unknown")


# --- the model ---------------------------------------------------------------------------------


def test_a_new_loan_knows_none_of_the_facts(portfolio):
    loan = make_loan(portfolio)
    assert _facts(loan) == UNKNOWN
    # As deficiencies.provisions.Facts reads them: None is "not known", never "no".
    assert (loan.natural_person_borrower, loan.lender_financial_institution) == (None, None)
    assert loan.seller_financed is None


def test_the_engines_readings_of_borrower_and_lender(portfolio):
    loan = make_loan(portfolio, borrower_type="entity", lender_type="seller")
    assert loan.natural_person_borrower is False
    assert (loan.lender_financial_institution, loan.seller_financed) == (False, True)
    loan = make_loan(portfolio, "L-2", borrower_type="natural_person",
                     lender_type="financial_institution")  # fmt: skip
    assert loan.natural_person_borrower is True
    assert (loan.lender_financial_institution, loan.seller_financed) == (True, False)


@pytest.mark.parametrize(
    "fields",
    [{"units": 0}, {"units": 10000}, {"acreage": Decimal("-0.001")},
     {"acreage": Decimal("100000.001")}, {"default_date": date(2009, 12, 31)}],
)  # fmt: skip
def test_the_database_refuses_facts_out_of_range(portfolio, fields):
    # make_loan's origination date is 2010-05-01: a default cannot come before it.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_loan(portfolio, **fields)


# --- the loan form -----------------------------------------------------------------------------


def _post(client, loan, **facts):
    data = loan_post_data(loan, **facts)
    return client.post(reverse("portfolios:loan_edit", args=[loan.pk]), data)


def test_the_form_saves_each_fact(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = _post(
        client, loan, property_type="two_to_four", units="3", acreage="2.5 acres",
        borrower_type="natural_person", lender_type="seller", refinanced="yes",
        home_equity_loan="no", high_cost_loan="no", default_date="03/15/2024",
    )  # fmt: skip
    assert response.status_code == 302
    assert _facts(loan) == {
        "units": 3, "acreage": Decimal("2.500"), "default_date": date(2024, 3, 15),
        "borrower_type": "natural_person", "lender_type": "seller", "refinanced": "yes",
        "home_equity_loan": "no", "high_cost_loan": "no",
    }  # fmt: skip


def test_the_form_has_the_facts_fieldset_with_a_line_of_help_each(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    page = client.get(reverse("portfolios:loan_edit", args=[loan.pk])).text
    assert "Facts state law turns on" in page
    for cited in ("Cal. Civ. Proc. Code § 580e", "Ariz. Rev. Stat. § 33-814(G)",
                  "Nev. Rev. Stat. § 40.455(3)", "N.C. Gen. Stat. § 45-21.38",
                  "Cal. Civ. Proc. Code § 580b", "§ 50(a)(6)", "15 U.S.C. § 1602(bb)"):  # fmt: skip
        assert cited in page
    for name in ("units", "acreage", *FACTS, "default_date"):
        assert f'name="{name}"' in page


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("units", "0", "must be between 1 and 9,999 units"),
        ("units", "2.5", "is not a number of units"),
        ("acreage", "-1", "is negative"),
        ("acreage", "250000", "more than 100,000 acres (the lot size is in acres, not square"),
        ("acreage", "0.12345", "has more than three decimal places"),
        ("acreage", "a quarter", "is not a number of acres"),
        ("default_date", "2099-01-01", ""),
        ("default_date", "3/1/24", ""),
        ("borrower_type", "alien", "Select a valid choice"),
        ("home_equity_loan", "maybe", "Select a valid choice"),
    ],
)
def test_the_form_refuses_a_bad_fact_beside_its_field_and_keeps_it(
    client, staff, portfolio, field, typed, message
):
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = _post(client, loan, **{field: typed})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    if field in ("units", "acreage", "default_date"):
        assert f'value="{typed}"' in response.text
    assert _facts(loan) == UNKNOWN


def test_the_date_of_default_is_not_in_the_future_nor_before_origination(client, staff, portfolio):
    loan = make_loan(portfolio)  # originated 2010-05-01
    client.force_login(staff)
    response = _post(client, loan, origination_date="2010-05-01", default_date="2010-04-30")
    assert response.context["form"].errors == {
        "default_date": ["The date of default cannot be before the origination date."]
    }


@pytest.mark.parametrize(
    ("kind", "units", "message"),
    [
        ("single_family", "2", "A single-family property has 1 dwelling unit, not 2"),
        ("two_to_four", "1", "A 2-4 unit property has 2 to 4 dwelling units, not 1."),
        ("two_to_four", "5", "A 2-4 unit property has 2 to 4 dwelling units, not 5."),
        ("multifamily", "4", "A multifamily (5+ units) property has 5 or more dwelling units"),
    ],
)
def test_units_must_fit_the_property_type_as_in_a_tape(client, staff, portfolio, kind, units,
                                                       message):  # fmt: skip
    loan = make_loan(portfolio)
    client.force_login(staff)
    response = _post(client, loan, property_type=kind, units=units)
    assert message in response.context["form"].errors["units"][0]


def test_units_of_other_types_are_kept_as_typed(client, staff, portfolio):
    loan = make_loan(portfolio)
    client.force_login(staff)
    assert _post(client, loan, property_type="condo", units="1").status_code == 302
    assert _facts(loan)["units"] == 1


def test_blank_is_unknown_and_a_fact_not_sent_keeps_the_stored_one(client, staff, portfolio):
    loan = make_loan(portfolio, units=1, acreage=Decimal("0.25"), borrower_type="entity",
                     lender_type="other", refinanced="no")  # fmt: skip
    client.force_login(staff)
    # loan_post_data sends none of the choices: each keeps its stored answer; units and
    # acreage sent blank become unknown.
    response = _post(client, loan, units="", acreage="")
    assert response.status_code == 302
    facts = _facts(loan)
    assert (facts["units"], facts["acreage"]) == (None, None)
    kept = (facts["borrower_type"], facts["lender_type"], facts["refinanced"])
    assert kept == ("entity", "other", "no")
    # Shown again beside an error as stored, not as a select's first choice.
    response = _post(client, loan, units="0")
    assert '<option value="entity" selected>' in response.text
    assert '<option value="no" selected>' in response.text
    response = _post(client, loan, borrower_type="", refinanced="unknown")
    assert response.status_code == 302
    assert (_facts(loan)["borrower_type"], _facts(loan)["refinanced"]) == ("unknown", "unknown")


# --- the loan page -----------------------------------------------------------------------------


def test_the_loan_page_shows_unknown_facts_muted(client, owner, portfolio):
    loan = make_loan(portfolio)
    client.force_login(owner)
    page = client.get(loan.get_absolute_url()).text
    facts = page[page.index('data-testid="loan-facts"') :]
    facts = facts[: facts.index("</dl>")]
    assert facts.count('<span class="text-body-secondary">Unknown</span>') == 8


def test_the_loan_page_shows_the_facts(client, owner, portfolio):
    loan = make_loan(
        portfolio, units=2, property_type="two_to_four", acreage=Decimal("1250.500"),
        borrower_type="natural_person", lender_type="financial_institution", refinanced="yes",
        home_equity_loan="yes", high_cost_loan="no", default_date=date(2024, 2, 29),
    )  # fmt: skip
    client.force_login(owner)
    page = client.get(loan.get_absolute_url()).text
    facts = page[page.index('data-testid="loan-facts"') :]
    facts = facts[: facts.index("</dl>")]
    for shown in ("Dwelling units</dt><dd class=\"col-sm-7\">2<", "1,250.500 acres",
                  "Natural person", "Financial institution", "Feb 29, 2024"):  # fmt: skip
        assert shown in facts
    assert "Unknown" not in facts


# --- tapes -------------------------------------------------------------------------------------

BASE = ["Loan Number", "Borrower Name", "Property State", "UPB", "Note Rate", "Paid To Date",
        "Origination Date"]  # fmt: skip


def _csv(headers, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode()


def _process(portfolio, data, name="tape.csv", mapping=None):
    tape = open_tape(name, data)
    return process_tape(
        portfolio=portfolio, tape=tape, mapping=mapping or auto_map(tape.headers),
        default_day_count="30/360", dry_run=False,
    )  # fmt: skip


def _row(n):
    return [f"L-{n}", f"Borrower {n}", "TX", "100,000.00", "6", "2024-03-01", "2010-05-01"]


FACT_HEADERS = ["Number of Units", "Acres", "Vesting Type", "Originator Type", "Texas a(6)",
                "Date of Default"]  # fmt: skip


def test_a_tape_reads_each_fact_column_and_stores_the_units(portfolio):
    outcome = _process(portfolio, _csv([*BASE, *FACT_HEADERS], [
        [*_row(1), "1", "0.25", "Individual", "Bank", "Y", "2023-11-01"],
        [*_row(2), "3", "2.5 acres", "LLC", "Owner Financed", "N", "11/01/2023"],
        [*_row(3), "6", "1,250", "Trust", "Private", "n", "1-Nov-2023"],
        [*_row(4), "", "", "", "", "", ""],
    ]))  # fmt: skip
    assert outcome.problems == []
    loans = {loan.loan_number: loan for loan in Loan.objects.all()}
    assert _facts(loans["L-1"]) == {
        "units": 1, "acreage": Decimal("0.250"), "default_date": date(2023, 11, 1),
        "borrower_type": "natural_person", "lender_type": "financial_institution",
        "refinanced": "unknown", "home_equity_loan": "yes", "high_cost_loan": "unknown",
    }  # fmt: skip
    assert (loans["L-2"].units, loans["L-2"].property_type) == (3, "two_to_four")
    assert (loans["L-2"].borrower_type, loans["L-2"].lender_type) == ("entity", "seller")
    assert loans["L-2"].acreage == Decimal("2.5")
    assert (loans["L-3"].units, loans["L-3"].property_type) == (6, "multifamily")
    assert (loans["L-3"].acreage, loans["L-3"].lender_type) == (Decimal("1250"), "other")
    assert loans["L-3"].home_equity_loan == "no"
    assert _facts(loans["L-4"]) == UNKNOWN  # blank cells: not said


def test_a_blank_fact_cell_keeps_the_stored_value_on_re_import(portfolio):
    headers = [*BASE, *FACT_HEADERS]
    _process(portfolio, _csv(headers, [[*_row(1), "2", "0.25", "Individual", "Bank", "Y",
                                         "2023-11-01"]]))  # fmt: skip
    loan = Loan.objects.get()
    stored = _facts(loan)
    outcome = _process(portfolio, _csv(headers, [[*_row(1), "", "", "", "", "", ""]]))
    assert outcome.problems == [] and outcome.counts.unchanged == 1
    assert _facts(loan) == stored
    # A tape without those columns keeps them too; a filled cell changes them.
    _process(portfolio, _csv(BASE, [_row(1)]))
    assert _facts(loan) == stored
    _process(portfolio, _csv([*BASE, "Borrower Type", "Acreage"], [[*_row(1), "Entity", "3"]]))
    assert _facts(loan) == stored | {"borrower_type": "entity", "acreage": Decimal("3.000")}


@pytest.mark.parametrize(
    ("header", "key"),
    [("Acreage", "acreage"), ("Acres", "acreage"), ("Lot Size (Acres)", "acreage"),
     ("Lot Acres", "acreage"), ("lotSizeAcres", "acreage"), ("Borrower Type", "borrower_type"),
     ("Borrower Entity Type", "borrower_type"), ("Vesting Type", "borrower_type"),
     ("Lender Type", "lender_type"), ("Originator Type", "lender_type"),
     ("Home Equity", "home_equity_loan"), ("Texas a(6)", "home_equity_loan"),
     ("50(a)(6)", "home_equity_loan"), ("Cash Out Home Equity", "home_equity_loan"),
     ("Default Date", "default_date"), ("Date of Default", "default_date")],
)  # fmt: skip
def test_fact_headers_match_their_columns(header, key):
    assert auto_map(["Loan Number", header]) == {"loan_number": "Loan Number", key: header}


def test_a_first_missed_payment_date_is_never_the_default_date():
    headers = ["Loan Number", "First Missed Payment Date", "Missed Payment Date"]
    assert auto_map(headers) == {"loan_number": "Loan Number"}
    for header in headers[1:]:
        assert not may_map("default_date", header)
        assert "not the date of default" in mapping_refusal("default_date", header)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Individual", "natural_person"), ("Person", "natural_person"),
     ("Natural Person", "natural_person"), ("natural_person", "natural_person"),
     ("LLC", "entity"), ("L.L.C.", "entity"), ("Corporation", "entity"), ("Trust", "entity"),
     ("Partnership", "entity"), ("Entity", "entity"), ("Unknown", "unknown"), ("", None),
     ("Husband and Wife", "natural_person"), ("Single Woman", "natural_person"),
     ("  ", None)],
)  # fmt: skip
def test_borrower_type_cells(cell, expected):
    assert v.borrower_type(cell) == expected


@pytest.mark.parametrize("cell", ["Joint Tenants", "Tenants in Common", "Estate", "Other"])
def test_a_vesting_that_does_not_say_who_is_refused_not_guessed(cell):
    with pytest.raises(v.CellError, match="is not a known borrower type"):
        v.borrower_type(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Bank", "financial_institution"), ("Credit Union", "financial_institution"),
     ("Mortgage Company", "financial_institution"),
     ("Financial Institution", "financial_institution"), ("Seller", "seller"),
     ("Seller Financed", "seller"), ("Seller-Financed", "seller"), ("Owner Financed", "seller"),
     ("Private", "other"), ("Individual", "other"), ("", None)],
)  # fmt: skip
def test_lender_type_cells(cell, expected):
    assert v.lender_type(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("0.25", Decimal("0.250")), ("2.5 acres", Decimal("2.500")), ("1 acre", Decimal("1.000")),
     ("0.75 ac", Decimal("0.750")), ("1,250.5", Decimal("1250.500")), (3, Decimal("3.000")),
     ("0", Decimal("0.000")), ("100000", Decimal("100000.000")), ("", None)],
)  # fmt: skip
def test_acreage_cells(cell, expected):
    assert v.acreage(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [("7,405 sq ft", "is not a number of acres"), ("-1", "is negative"),
     ("100000.5", "is more than 100,000 acres"), ("0.1234", "more than three decimal places"),
     ("1,25", "is not a number of acres"), (True, "true/false")],
)  # fmt: skip
def test_acreage_refusals(cell, message):
    with pytest.raises(v.CellError, match=message):
        v.acreage(cell)


def test_bad_fact_cells_are_problems_on_their_rows(portfolio):
    outcome = _process(portfolio, _csv([*BASE, *FACT_HEADERS], [
        [*_row(1), "0", "lots", "Alien", "Pawnshop", "Maybe", "2099-01-01"],
        [*_row(2), "1", "", "", "", "", "2009-12-31"],
    ]))  # fmt: skip
    messages = {(p.row, p.column): p.message for p in outcome.problems}
    assert messages == {
        (2, "Number of Units"): "Number of Units must be between 1 and 9,999 units",
        (2, "Acres"): "Acreage is not a number of acres (write 0.25 or 2.5)",
        (2, "Vesting Type"): messages[(2, "Vesting Type")],
        (2, "Originator Type"): messages[(2, "Originator Type")],
        (2, "Texas a(6)"): messages[(2, "Texas a(6)")],
        (2, "Date of Default"): messages[(2, "Date of Default")],
        (3, "Date of Default"): "Default Date is before the Origination Date",
    }
    assert messages[(2, "Vesting Type")].startswith("Borrower Type is not a known borrower type")
    assert messages[(2, "Originator Type")].startswith("Lender Type is not a known lender type")
    assert messages[(2, "Texas a(6)")].startswith("Home Equity Loan is not a known yes/no value")
    assert messages[(2, "Date of Default")].startswith("Default Date must be")
    assert not Loan.objects.exists()


def test_a_default_date_before_a_stored_origination_refuses_the_tape(portfolio):
    make_loan(portfolio, "L-1", origination_date=date(2015, 1, 1), property_state="TX")
    headers = ["Loan Number", "Property State", "UPB", "Note Rate", "Paid To Date",
               "Default Date"]  # fmt: skip
    with pytest.raises(TapeFileError, match="before the origination date on loan L-1"):
        _process(portfolio, _csv(headers, [["L-1", "TX", "1,000", "6", "2024-03-01",
                                            "2014-12-31"]]))  # fmt: skip
    assert Loan.objects.get().default_date is None


def test_an_excel_acreage_with_more_decimals_is_rounded_with_a_warning(portfolio):
    data = xlsx_bytes([*BASE, "Acreage"], [[*_row(1), 0.2295684]])
    outcome = _process(portfolio, data, name="tape.xlsx")
    assert outcome.problems == []
    assert Loan.objects.get().acreage == Decimal("0.230")
    (warning,) = outcome.warnings
    assert warning.message == (
        "Acreage was 0.2295684 in the spreadsheet: rounded half-up to 0.230 acres"
    )


def test_a_type_that_no_longer_fits_the_stored_units_refuses_the_tape(portfolio):
    headers = [*BASE, "Property Type", "Number of Units"]
    _process(portfolio, _csv(headers, [[*_row(1), "SFR", "1"], [*_row(2), "Condo", "1"]]))
    # The type changes without a units cell: a one-unit loan cannot become 2-4 units.
    with pytest.raises(TapeFileError, match="stored on loan L-1 .*Number of Units column"):
        _process(portfolio, _csv(headers, [[*_row(1), "Duplex", ""], [*_row(2), "Condo", ""]]))
    assert Loan.objects.get(loan_number="L-1").property_type == "single_family"
    # With its units the type is read as before; a type units do not decide keeps them.
    _process(portfolio, _csv(headers, [[*_row(1), "Duplex", "2"], [*_row(2), "PUD", ""]]))
    assert dict(Loan.objects.values_list("loan_number", "units")) == {"L-1": 2, "L-2": 1}
    assert Loan.objects.get(loan_number="L-1").property_type == "two_to_four"
