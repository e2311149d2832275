"""Payoff figures checked by hand (the working is in each comment)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from portfolios.payoff import accrued_interest, days_between, payoff, per_diem

D = Decimal


# --- day counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "actual", "thirty_360"),
    [
        # Jan 31 -> Mar 31: both 31sts become 30ths: 2 x 30 = 60; actual 31+29 (2024 leap) = 60
        (date(2024, 1, 31), date(2024, 3, 31), 60, 60),
        # Feb 28 -> Mar 31 (2023): start 28 stays, so end 31 stays: 30 + 3 = 33; actual 31
        (date(2023, 2, 28), date(2023, 3, 31), 31, 33),
        # Leap day to Mar 1: 30 x 1 + (1 - 29) = 2; actual 1
        (date(2024, 2, 29), date(2024, 3, 1), 1, 2),
        # Feb 28 -> Mar 1 in a leap year: 30 - 27 = 3; actual 2 (Feb 29 between)
        (date(2024, 2, 28), date(2024, 3, 1), 2, 3),
        # ... and in a common year: still 3 under 30/360; actual 1
        (date(2023, 2, 28), date(2023, 3, 1), 1, 3),
        # Across a year end: 360 + 30 x (1 - 12) + 0 = 30; actual 31
        (date(2023, 12, 15), date(2024, 1, 15), 31, 30),
        # Start on the 30th, end on the 31st: end becomes 30: 30 x 1 + 0 = 30; actual 31
        (date(2024, 4, 30), date(2024, 5, 31), 31, 30),
        # Start on the 15th, end on the 31st: end stays 31: 30 x 2 + 16 = 76; actual 77
        (date(2024, 3, 15), date(2024, 5, 31), 77, 76),
        # A whole leap year: 366 actual days, 360 under 30/360
        (date(2024, 1, 1), date(2025, 1, 1), 366, 360),
    ],
)
def test_days_between(start, end, actual, thirty_360):
    assert days_between(start, end, "actual/365") == actual
    assert days_between(start, end, "actual/360") == actual
    assert days_between(start, end, "30/360") == thirty_360


def test_no_days_when_end_is_not_after_start():
    assert days_between(date(2024, 5, 1), date(2024, 5, 1), "30/360") == 0
    assert days_between(date(2024, 5, 2), date(2024, 5, 1), "actual/365") == 0


def test_unknown_day_count_is_refused():
    with pytest.raises(ValueError, match="Unknown day-count"):
        days_between(date(2024, 1, 1), date(2024, 2, 1), "actual/actual")


# --- accrued interest --------------------------------------------------------------------


def test_actual_365_interest():
    # 100,000 x 6% x 30 / 365 = 180,000 / 365 = 493.1506... -> 493.15
    assert accrued_interest(
        D("100000.00"), D("6"), date(2024, 1, 1), date(2024, 1, 31), "actual/365"
    ) == D("493.15")


def test_actual_360_interest():
    # 100,000 x 6% x 30 / 360 = 500.00
    assert accrued_interest(
        D("100000.00"), D("6"), date(2024, 1, 1), date(2024, 1, 31), "actual/360"
    ) == D("500.00")


def test_30_360_interest_over_month_ends():
    # Jan 31 -> Mar 31 is 60 days: 100,000 x 6% x 60 / 360 = 1,000.00
    assert accrued_interest(
        D("100000.00"), D("6"), date(2024, 1, 31), date(2024, 3, 31), "30/360"
    ) == D("1000.00")


def test_30_360_interest_over_february():
    # Feb 28 -> Mar 31 (2023) is 33 days: 6,000 x 33 / 360 = 550.00
    assert accrued_interest(
        D("100000.00"), D("6"), date(2023, 2, 28), date(2023, 3, 31), "30/360"
    ) == D("550.00")


def test_interest_with_an_odd_rate_and_balance():
    # 123,456.78 x 6.375% x 106 days (Mar 1 -> Jun 15, 2024) / 365
    # = 787,036.9725 x 106 / 36,500 = 83,425,919.085 / 36,500 = 2,285.6416... -> 2,285.64
    assert accrued_interest(
        D("123456.78"), D("6.375"), date(2024, 3, 1), date(2024, 6, 15), "actual/365"
    ) == D("2285.64")


def test_interest_rounds_half_up_at_the_end():
    # 365 x 0.5% x 1 / 365 = 0.005 exactly -> 0.01 (banker's rounding would give 0.00)
    assert accrued_interest(
        D("365"), D("0.5"), date(2024, 1, 1), date(2024, 1, 2), "actual/365"
    ) == D("0.01")


def test_no_interest_when_paid_ahead():
    assert accrued_interest(D("100000"), D("6"), date(2024, 6, 1), date(2024, 5, 1), "30/360") == D(
        "0.00"
    )


def test_interest_refuses_floats():
    with pytest.raises(TypeError):
        accrued_interest(100000.0, D("6"), date(2024, 1, 1), date(2024, 2, 1), "30/360")


# --- per diem ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day_count", "expected"),
    [
        ("actual/365", "16.44"),  # 6,000 / 365 = 16.438...
        ("actual/360", "16.67"),  # 6,000 / 360 = 16.666...
        ("30/360", "16.67"),  # principal x rate / 360
    ],
)
def test_per_diem(day_count, expected):
    assert per_diem(D("100000.00"), D("6"), day_count) == D(expected)


def test_per_diem_30_360_odd_figures():
    # 250,000 x 7.25% / 360 = 18,125 / 360 = 50.3472... -> 50.35
    assert per_diem(D("250000"), D("7.25"), "30/360") == D("50.35")


# --- payoff --------------------------------------------------------------------------------


def make_loan(**overrides):
    fields = dict(
        upb=D("200000.00"), note_rate=D("5.5"), paid_to_date=date(2024, 5, 1), day_count="30/360",
        fees=D("350.00"), costs=D("1200.50"), escrow_advances=D("2400.00"), suspense=D("500.00"),
    )  # fmt: skip
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_payoff_breakdown_and_total():
    # May 1 -> Aug 15 under 30/360: 30 x 3 + 14 = 104 days
    # interest 200,000 x 5.5% x 104 / 360 = 114,400,000 / 36,000 = 3,177.777... -> 3,177.78
    # total 200,000 + 3,177.78 + 350 + 1,200.50 + 2,400 - 500 = 206,628.28
    p = payoff(make_loan(), date(2024, 8, 15))
    assert p.days == 104
    assert p.interest == D("3177.78")
    assert p.per_diem == D("30.56")  # 11,000 / 360 = 30.555...
    assert (p.principal, p.fees, p.costs, p.advances, p.suspense) == (
        D("200000.00"), D("350.00"), D("1200.50"), D("2400.00"), D("500.00"),
    )  # fmt: skip
    assert p.total == D("206628.28")
    assert p.as_of == date(2024, 8, 15)


def test_payoff_as_of_the_paid_to_date_has_no_interest():
    p = payoff(make_loan(), date(2024, 5, 1))
    assert p.interest == D("0.00")
    assert p.days == 0
    assert p.total == D("203450.50")


def test_payoff_is_immutable():
    p = payoff(make_loan(), date(2024, 8, 15))
    with pytest.raises(AttributeError):
        p.total = D("1")


def test_payoff_treats_missing_amounts_as_zero():
    p = payoff(
        make_loan(fees=None, costs=None, escrow_advances=None, suspense=None), date(2024, 5, 1)
    )
    assert p.total == D("200000.00")


# --- deferred (non-interest-bearing) principal ------------------------------------------------
# The UPB is all the principal owed; the deferred principal is the part of it that bears no
# interest (Freddie Mac's Current Actual UPB = interest-bearing UPB + non-interest-bearing UPB).


def test_deferred_principal_bears_no_interest_and_is_owed_in_full():
    # UPB 200,000 of which 50,000 deferred: interest on 150,000 only.
    # May 1 -> Aug 15 under 30/360 is 104 days:
    # 150,000 x 5.5% x 104 / 360 = 8,250 x 104 / 360 = 858,000 / 360 = 2,383.333... -> 2,383.33
    # per diem 8,250 / 360 = 22.9166... -> 22.92
    # total 200,000 (both parts of the principal) + 2,383.33 + 350 + 1,200.50 + 2,400 - 500
    #     = 205,833.83 (without the deferral: 206,628.28, see test_payoff_breakdown_and_total)
    p = payoff(make_loan(deferred_principal=D("50000.00")), date(2024, 8, 15))
    assert p.principal == D("200000.00")
    assert p.deferred_principal == D("50000.00")
    assert p.interest_bearing_principal == D("150000.00")
    assert p.interest == D("2383.33")
    assert p.per_diem == D("22.92")
    assert p.total == D("205833.83")


def test_deferred_principal_under_actual_365():
    # UPB 123,456.78 of which 23,456.78 deferred: interest on 100,000.00.
    # Mar 1 -> Jun 15, 2024 = 106 days: 100,000 x 6.375% x 106 / 365
    # = 6,375 x 106 / 365 = 675,750 / 365 = 1,851.369... -> 1,851.37
    # per diem 6,375 / 365 = 17.465... -> 17.47; total 123,456.78 + 1,851.37 = 125,308.15
    loan = make_loan(
        upb=D("123456.78"), deferred_principal=D("23456.78"), note_rate=D("6.375"),
        paid_to_date=date(2024, 3, 1), day_count="actual/365",
        fees=D("0"), costs=D("0"), escrow_advances=D("0"), suspense=D("0"),
    )  # fmt: skip
    p = payoff(loan, date(2024, 6, 15))
    assert (p.days, p.interest, p.per_diem) == (106, D("1851.37"), D("17.47"))
    assert p.total == D("125308.15")


def test_a_wholly_deferred_principal_accrues_nothing():
    # All 200,000 deferred: no interest, no per diem; the total is the principal and charges:
    # 200,000 + 350 + 1,200.50 + 2,400 - 500 = 203,450.50
    p = payoff(make_loan(deferred_principal=D("200000.00")), date(2024, 8, 15))
    assert (p.interest, p.per_diem, p.days) == (D("0.00"), D("0.00"), 104)
    assert p.total == D("203450.50")


def test_no_deferred_principal_changes_nothing():
    p = payoff(make_loan(deferred_principal=D("0.00")), date(2024, 8, 15))
    assert (p.interest, p.deferred_principal, p.total) == (D("3177.78"), D("0.00"), D("206628.28"))


@pytest.mark.parametrize("deferred", [D("200000.01"), D("-1.00")])
def test_a_deferred_principal_outside_the_upb_is_refused(deferred):
    with pytest.raises(ValueError, match="deferred principal"):
        payoff(make_loan(deferred_principal=deferred), date(2024, 8, 15))
