"""Issue 9, values as written: tape cells in the spellings sellers, agencies and servicers use."""

from datetime import date
from decimal import Decimal

import pytest

from portfolios.tape import values as v

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("202403", date(2024, 3, 1)), ("032024", date(2024, 3, 1)), (202403, date(2024, 3, 1)),
     ("05-12-2006", date(2006, 5, 12)), ("5-2-2006", date(2006, 5, 2)),
     ("20240301", date(2024, 3, 1)), (20240301, date(2024, 3, 1)),
     ("1-Mar-2024", date(2024, 3, 1)), ("01-MAR-2024", date(2024, 3, 1)),
     ("1 March 2024", date(2024, 3, 1)), ("15-Sept-2023", date(2023, 9, 15)),
     ("45352", date(2024, 3, 1)), (45352, date(2024, 3, 1)), (45352.0, date(2024, 3, 1)),
     ("18264", date(1950, 1, 1))],
)  # fmt: skip
def test_dates_as_written(raw, expected):
    assert v.a_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("01-MAR-24", "two-digit year"), ("05-12-06", "two-digit year"),
     ("123456", "not a month"), ("202413", "not a month"), ("132024", "not a month"),
     ("20240230", "not a real calendar date"), ("02-30-2024", "not a real calendar date"),
     ("30-Feb-2024", "not a real calendar date"), ("1-Foo-2024", "not a date"),
     ("18263", "is a number, not a date"), ("1", "is a number, not a date"),
     ("99999", "is a number, not a date"), (45352.5, "is a number, not a date"),
     ("１２３４５６", "not a date"), ("２０２４-03-01", "not a date"), ("０3/01/2024", "not a date"),
     (True, "not a date")],
)  # fmt: skip
def test_dates_as_written_refused(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.a_date(raw)


def test_excel_serials_stop_fifty_years_from_today(monkeypatch):
    monkeypatch.setattr(v.dates, "today", lambda: date(2026, 1, 1))
    last = (date(2076, 1, 1) - date(1899, 12, 30)).days
    assert v.a_date(str(last)) == date(2076, 1, 1)
    with pytest.raises(v.CellError, match="is a number"):
        v.a_date(str(last + 1))


def test_a_month_only_date_keeps_the_plausible_range_checks():
    with pytest.raises(v.CellError, match="must be"):
        v.paid_to_date("219912")  # December 2199 is a real month, not a plausible paid-to
    assert v.paid_to_date("202403") == date(2024, 3, 1)
    with pytest.raises(v.CellError, match="must be"):
        v.origination_date("194912")


@pytest.mark.parametrize("raw", ["$ -", "-", "$-", " $  - ", "$\u00a0-", "–"])
def test_a_dash_is_zero_where_blank_is_zero(raw):
    assert v.amount_or_zero(raw) == D("0.00")
    assert v.escrow_advances(raw) == D("0.00")


@pytest.mark.parametrize("raw", ["$ -", "-", "$-"])
def test_a_dash_is_not_an_amount_where_one_is_required(raw):
    with pytest.raises(v.CellError, match="not an amount"):
        v.amount(raw)
    with pytest.raises(v.CellError, match="not an amount"):
        v.optional_amount(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("-1,234.50", "1234.50"), ("(1,234.50)", "1234.50"), ("$-1,234.50", "1234.50"),
     ("-$1,234.50", "1234.50"), ("($1,234.50)", "1234.50"), (-1234.5, "1234.50"),
     (-250, "250.00"), ("1,234.50", "1234.50"), (99.5, "99.50"), ("", "0.00")],
)  # fmt: skip
def test_a_negative_impound_balance_is_an_advance(raw, expected):
    assert v.escrow_advances(raw) == D(expected)


@pytest.mark.parametrize(
    ("raw", "message"),
    [("--5", "negative"), ("-1.234", "more than two decimal"), ("()", "not an amount"),
     ("-abc", "not an amount")],
)  # fmt: skip
def test_bad_impound_balances(raw, message):
    with pytest.raises(v.CellError, match=message):
        v.escrow_advances(raw)


def test_other_amounts_still_refuse_negatives():
    with pytest.raises(v.CellError, match="negative"):
        v.amount_or_zero("-5")
