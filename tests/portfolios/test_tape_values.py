"""Cell parsers of the loan-tape import."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from portfolios.tape import values as v
from portfolios.tape.columns import auto_map, missing_required, normalize

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("$1,234.50", "1234.50"), (" 1,234.5 ", "1234.50"), (1234.5, "1234.50"), (250000, "250000.00"),
     (0.1, "0.10"), (1e7, "10000000.00")],
)  # fmt: skip
def test_amounts(raw, expected):
    assert v.amount(raw) == D(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("12.345", "more than two decimal"), ("-5", "negative"),
     ("abc", "not an amount"), (True, "true/false"), (" 1 234.5 ", "not an amount"),
     ("1_000", "not an amount"), ("１２３", "not an amount")],
)  # fmt: skip
def test_bad_amounts(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.amount(raw)


@pytest.mark.parametrize(
    ("raw", "percent_cell", "expected"),
    [("6.375", False, "6.3750"), ("6.375%", False, "6.3750"), (" 7 % ", False, "7.0000"),
     (0.06375, True, "6.3750"), (8, False, "8.0000"), ("0.5%", False, "0.5000"), ("0", False, "0.0000")],
)  # fmt: skip
def test_rates(raw, percent_cell, expected):
    assert v.rate(raw, percent_cell=percent_cell) == D(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("250", "above 50%"), ("250%", "above 50%"), ("-1", "negative"), ("0.06375", "fraction"),
     ("six", "not a rate"), ("6.123456", "four decimal")],
)  # fmt: skip
def test_bad_rates(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.rate(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2024-03-01", date(2024, 3, 1)), ("03/01/2024", date(2024, 3, 1)), ("3/1/2024", date(2024, 3, 1)),
     (datetime(2024, 3, 1, 0, 0), date(2024, 3, 1)), ("2024-03-01 00:00:00", date(2024, 3, 1))],
)  # fmt: skip
def test_dates(raw, expected):
    assert v.a_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("3/1/24", "two-digit year"), ("02/30/2024", "not a real calendar date"),
     ("March 1st", "not a date"), ("2024-13-01", "not a real calendar date")],
)  # fmt: skip
def test_bad_dates(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.a_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ca", "CA"), ("California", "CA"), ("new  york", "NY"), ("District of Columbia", "DC"),
     ("Washington DC", "DC")],
)  # fmt: skip
def test_states(raw, expected):
    assert v.state(raw) == expected


def test_bad_state():
    with pytest.raises(v.CellError, match="not a US state"):
        v.state("Ontario")


def test_zip_codes_keep_leading_zeros_from_excel():
    assert v.zip_code(2134) == "02134"
    assert v.zip_code(2134.0) == "02134"
    assert v.zip_code("02134-1234") == "02134-1234"
    with pytest.raises(v.CellError):
        v.zip_code("ABCDE")


def test_loan_numbers_from_excel_lose_the_point_zero():
    assert v.loan_number(100234.0) == "100234"
    assert v.loan_number(" A-1 ") == "A-1"


@pytest.mark.parametrize(
    ("parser", "raw", "expected"),
    [(v.occupancy, "OO", "owner_occupied"), (v.occupancy, "Investment", "non_owner_occupied"),
     (v.occupancy, "", "unknown"), (v.purchase_money, "Refi", "no"), (v.purchase_money, "Y", "yes"),
     (v.day_count, "Act/365", "actual/365"), (v.day_count, "30/360", "30/360"),
     (v.foreclosure_process, "Power of Sale", "non_judicial"), (v.status, "NPL", "non_performing"),
     (v.status, "REO", "reo"), (v.property_type, "SFR", "single_family"), (v.lien_position, "2nd", 2)],
)  # fmt: skip
def test_choice_words(parser, raw, expected):
    assert parser(raw) == expected


def test_unknown_choice_lists_what_is_accepted():
    with pytest.raises(v.CellError, match="accepted: Owner-occupied"):
        v.occupancy("houseboat")


def test_headers_match_whatever_case_spaces_and_punctuation():
    assert normalize("Paid-To Date ") == normalize("PAID_TO_DATE") == "paidtodate"
    mapping = auto_map(["LOAN #", "Borrower", "state", "Current Balance", "Interest Rate",
                        "Interest Paid Through"])  # fmt: skip
    assert mapping == {
        "loan_number": "LOAN #", "borrower_name": "Borrower", "property_state": "state",
        "upb": "Current Balance", "note_rate": "Interest Rate", "paid_to_date": "Interest Paid Through",
    }  # fmt: skip
    assert missing_required(mapping) == []


def test_next_due_date_is_never_taken_for_the_paid_to_date():
    mapping = auto_map(["Loan Number", "Borrower", "State", "UPB", "Rate", "Next Due Date"])
    assert "paid_to_date" not in mapping
    assert mapping["next_due_date"] == "Next Due Date"  # the paid-to date is derived from it
    # Not even from a saved mapping that names it.
    mapping = auto_map(["Next Due Date"], saved={"paid_to_date": "Next Due Date"})
    assert mapping == {"next_due_date": "Next Due Date"}


def test_saved_mapping_wins_over_name_matching():
    mapping = auto_map(["Rate", "Net Rate"], saved={"note_rate": "Net Rate"})
    assert mapping["note_rate"] == "Net Rate"
