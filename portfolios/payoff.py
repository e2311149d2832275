"""Payoff math: accrued interest, per diem and the total debt as of a date.

Pure functions on Decimal and date, no database: the views, the loan-tape import,
the deficiency snapshots and the agreement PDFs all use them. Public interface:
`accrued_interest`, `per_diem`, `payoff`, `Payoff`, `days_between`.

Rates are annual percentages (Decimal("6.375") is 6.375 %). Interest is simple
interest on the interest-bearing principal for the days from the paid-to date to the
as-of date, computed exactly and rounded half-up to the cent once, at the end. The UPB
is all the principal owed; a deferred (non-interest-bearing) principal is part of it,
bears no interest and is owed in full: interest runs on UPB - deferred, the total
counts the whole UPB. The per diem is
shown for information and rounded on its own, so per_diem x days may differ from the
accrued interest by a few cents.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from noteinvest.money import ZERO, round_cents, to_decimal

ACTUAL_365 = "actual/365"
ACTUAL_360 = "actual/360"
THIRTY_360 = "30/360"
DAY_COUNTS = (ACTUAL_365, ACTUAL_360, THIRTY_360)
_YEAR_BASIS = {ACTUAL_365: Decimal(365), ACTUAL_360: Decimal(360), THIRTY_360: Decimal(360)}
HUNDRED = Decimal(100)


def _basis(day_count: str) -> Decimal:
    try:
        return _YEAR_BASIS[day_count]
    except KeyError:
        raise ValueError(
            f"Unknown day-count convention {day_count!r}: use one of {', '.join(DAY_COUNTS)}."
        ) from None


def days_between(start: date, end: date, day_count: str) -> int:
    """Days of interest from `start` to `end` under `day_count`; 0 when end <= start.

    actual/365 and actual/360 count calendar days. 30/360 is the US bond basis
    (ISDA "30/360"): a 31st as the start day becomes the 30th; a 31st as the end day
    becomes the 30th only when the start day is the 30th or 31st. February gets no
    end-of-month adjustment (that is the SIA "30/360 US" variant), so Feb 28 to
    Mar 31 is 33 days and Feb 29 to Mar 1 (leap year) is 2 days.
    """
    _basis(day_count)
    if end <= start:
        return 0
    if day_count != THIRTY_360:
        return (end - start).days
    d1 = 30 if start.day == 31 else start.day
    d2 = 30 if end.day == 31 and d1 >= 30 else end.day
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def accrued_interest(principal, annual_rate, start: date, end: date, day_count: str) -> Decimal:
    """Simple interest on `principal` at `annual_rate` percent from `start` to `end`.

    Rounded half-up to the cent; zero when `end <= start`.
    """
    principal = to_decimal(principal)
    annual_rate = to_decimal(annual_rate)
    days = days_between(start, end, day_count)
    if days == 0:
        return ZERO
    return round_cents(principal * annual_rate * days / (HUNDRED * _basis(day_count)))


def per_diem(principal, annual_rate, day_count: str) -> Decimal:
    """One day's interest: principal x rate / basis (365 or 360), rounded half-up to the cent."""
    principal = to_decimal(principal)
    annual_rate = to_decimal(annual_rate)
    return round_cents(principal * annual_rate / (HUNDRED * _basis(day_count)))


@dataclass(frozen=True, slots=True)
class Payoff:
    """What a loan is owed as of a date."""

    as_of: date
    principal: Decimal  # the UPB: all the principal owed, the deferred part included
    deferred_principal: Decimal  # the part of `principal` that bears no interest
    interest: Decimal
    fees: Decimal
    costs: Decimal
    advances: Decimal
    suspense: Decimal
    per_diem: Decimal
    days: int
    total: Decimal

    @property
    def interest_bearing_principal(self) -> Decimal:
        """The principal interest accrues on: the UPB less the deferred principal."""
        return self.principal - self.deferred_principal


def _amount(loan, name: str) -> Decimal:
    value = getattr(loan, name, None)
    return ZERO if value is None else to_decimal(value)


def payoff(loan, as_of: date) -> Payoff:
    """The payoff of `loan` as of `as_of`.

    `loan` is anything with the Loan's field names: upb, deferred_principal, note_rate,
    paid_to_date, day_count, fees, costs, escrow_advances, suspense. Interest and the per
    diem run on upb - deferred_principal; total = principal (the whole UPB, deferred part
    included) + interest + fees + costs + advances - suspense. A deferred principal above
    the UPB (the database refuses one) is refused here too.
    """
    principal = _amount(loan, "upb")
    deferred = _amount(loan, "deferred_principal")
    if deferred < ZERO or deferred > principal:
        raise ValueError(
            f"The deferred principal ({deferred}) must be between 0 and the UPB ({principal}): "
            "it is the part of the UPB that bears no interest."
        )
    bearing = principal - deferred
    rate = _amount(loan, "note_rate")
    day_count = loan.day_count
    paid_to = loan.paid_to_date
    interest = accrued_interest(bearing, rate, paid_to, as_of, day_count)
    fees = _amount(loan, "fees")
    costs = _amount(loan, "costs")
    advances = _amount(loan, "escrow_advances")
    suspense = _amount(loan, "suspense")
    return Payoff(
        as_of=as_of,
        principal=principal,
        deferred_principal=deferred,
        interest=interest,
        fees=fees,
        costs=costs,
        advances=advances,
        suspense=suspense,
        per_diem=per_diem(bearing, rate, day_count),
        days=days_between(paid_to, as_of, day_count),
        total=principal + interest + fees + costs + advances - suspense,
    )
