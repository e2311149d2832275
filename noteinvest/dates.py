"""Plausible date ranges: every date a user or a tape gives is checked against one.

A date outside its field's range is refused with a message naming the range, so a typo
like 0202-03-01 or 9999-12-31 never reaches a calculation, a PDF or a calendar feed.
Each field picks a range here; docs/input-limits.md lists them per field.

Ranges are relative to today where that is what makes a date plausible (a payment
cannot be recorded for next year), and fixed otherwise. Every range lies inside
EARLIEST..LATEST, which is what the app can compute with safely (adding 30 years to a
deadline, printing a date in a PDF).
"""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def today() -> date:
    return timezone.localdate()


def years_from(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def months_from(day: date, months: int) -> date:
    """`day` moved by whole calendar months; a day the month lacks becomes its last day
    (January 31 + 1 month = February 28 or 29; November 30 + 3 months = February 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


PERIOD_UNITS = ("days", "months", "years")


def period_from(day: date, number: int, unit: str) -> date:
    """`day` moved by a period as a statute states it: days counted, months and years on
    the calendar (3 months is never 90 days). Raises ValueError outside the calendar."""
    if unit == "days":
        return day + timedelta(days=number)
    if unit == "months":
        return months_from(day, number)
    if unit == "years":
        return months_from(day, 12 * number)
    raise ValueError(f"Unknown unit {unit!r}: use days, months or years.")


Bound = date | Callable[[], date]


def _resolve(bound: Bound) -> date:
    return bound() if callable(bound) else bound


@dataclass(frozen=True)
class DateRange:
    """From `earliest` to `latest`, both included; either may be a function of today."""

    earliest: Bound = EARLIEST
    latest: Bound = LATEST
    # How the range reads in a message: "between 1950-01-01 and today".
    earliest_text: str = ""
    latest_text: str = ""

    def bounds(self) -> tuple[date, date]:
        low, high = max(_resolve(self.earliest), EARLIEST), min(_resolve(self.latest), LATEST)
        return low, high

    def describe(self) -> str:
        low, high = self.bounds()
        return (
            f"between {self.earliest_text or low.isoformat()} "
            f"and {self.latest_text or high.isoformat()}"
        )

    def check(self, value: date, label: str = "The date") -> date:
        low, high = self.bounds()
        if value < low or value > high:
            raise ValidationError(f"{label} must be {self.describe()}.", code="date_out_of_range")
        return value

    def __call__(self, value):
        """A Django validator."""
        if value is None:
            return
        low, high = self.bounds()
        if value < low or value > high:
            raise ValidationError(f"Enter a date {self.describe()}.", code="date_out_of_range")


def past_years(years: int, *, upto_days_ahead: int = 0) -> DateRange:
    """From `years` ago to today (plus `upto_days_ahead`)."""
    from datetime import timedelta

    return DateRange(
        earliest=lambda: years_from(today(), -years),
        latest=lambda: today() + timedelta(days=upto_days_ahead),
        earliest_text=f"{years} years ago",
        latest_text="today" if not upto_days_ahead else f"{upto_days_ahead} days from today",
    )


def around_today(past_years_: int, future_years: int) -> DateRange:
    """From `past_years_` ago to `future_years` ahead."""
    return DateRange(
        earliest=lambda: years_from(today(), -past_years_),
        latest=lambda: years_from(today(), future_years),
        earliest_text=f"{past_years_} years ago",
        latest_text=f"{future_years} years from today",
    )


# Ranges shared by several fields (docs/input-limits.md names the field of each).
HISTORICAL = DateRange(earliest=date(1950, 1, 1), latest=today, latest_text="today")
"""Something that has happened: an origination, an acquisition, a sale, a valuation."""
RECENT_PAST = past_years(30)
"""An event on a loan the app holds: a liquidation, a suit, a payment received."""
NEAR = around_today(30, 40)
"""A deadline or expiry: a judgment's expiry, a filing deadline, a payment due date."""


# --- Reading a date as written --------------------------------------------------------


class DateError(ValueError):
    """A value that is not a date; the message says why ("has a two-digit year ...")."""


_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_US_DASHED_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{2,4})", re.ASCII)  # 05-12-2006
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{2,4})", re.ASCII
)  # 1-Mar-2024
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
# Excel's day 0 is 1899-12-30 (its serials count the non-existent 1900-02-29). A bare
# number is read as a serial only between 1950-01-01 (18264) and 50 years from today.
_EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIAL_FIRST = 18264
# What may follow a date: a time of day, as spreadsheets and exports write one
# ("2024-03-01 00:00:00", "2024-03-01T10:30:00Z", "3/1/2024 12:00 AM").
_TIME = re.compile(
    r"\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*([AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?", re.ASCII
)
_T_TIME = re.compile(r"(?<=\d)T(?=\d)")  # 2024-03-01T10:30
_TWO_DIGIT_YEAR = "has a two-digit year: write the year in full (03/01/2024)"
_NOT_A_DATE = "is not a date (use 2024-03-01 or 03/01/2024)"


def read_date(raw, *, month_only: bool = False) -> date:
    """A date as people and spreadsheets write it: a date cell, 2024-03-01, 03/01/2024,
    05-12-2006, 1-Mar-2024, YYYYMMDD, YYYYMM or MMYYYY (a month means its first day), or an
    Excel serial number (45352). A two-digit year is refused, never guessed. The one date
    reader of the loan form and the loan tape (portfolios.tape.values).

    `month_only`: a column that holds months by definition (Freddie Mac's DDLPI, Fannie
    Mae's LAST_PAID_INSTALLMENT_DATE): digits are a month, never an Excel date number,
    and five digits are MMYYYY without its leading zero (42024 is April 2024)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, timedelta | bool):
        raise DateError(_NOT_A_DATE)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise DateError("is a number, not a date (use 2024-03-01 or 03/01/2024)")
        raw = int(raw)
    text = str(raw).strip()
    if text.isdigit() and text.isascii():
        return _month_digits(text) if month_only else _digits_date(text)
    head, _sep, rest = (_T_TIME.sub(" ", text, count=1) if "T" in text else text).partition(" ")
    numeric = _ISO_DATE.fullmatch(head) or _US_DATE.fullmatch(head) or (
        _US_DASHED_DATE.fullmatch(head))  # fmt: skip
    if numeric and rest and not _TIME.fullmatch(rest.strip()):
        raise DateError(_NOT_A_DATE)  # "03/01/2024 or 04/01/2024" is not one date
    try:
        if match := _ISO_DATE.fullmatch(head):
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _US_DATE.fullmatch(head) or _US_DASHED_DATE.fullmatch(head)
        if match:
            if len(match[3]) != 4:
                raise DateError(_TWO_DIGIT_YEAR)
            return date(int(match[3]), int(match[1]), int(match[2]))
        if match := _DAY_MONTH_YEAR.fullmatch(text):
            month = _MONTHS.get(match[2].lower())
            if month is None:
                raise DateError(_NOT_A_DATE)
            if len(match[3]) != 4:
                raise DateError("has a two-digit year: write the year in full (1-Mar-2024)")
            return date(int(match[3]), month, int(match[1]))
    except ValueError as exc:
        if isinstance(exc, DateError):
            raise
        raise DateError("is not a real calendar date") from None
    raise DateError(_NOT_A_DATE)


def _month_digits(text: str) -> date:
    if len(text) == 5 and text[0] != "0":
        text = "0" + text  # MMYYYY whose leading zero a spreadsheet dropped
    if len(text) == 6:
        try:
            return _digits_date(text)
        except DateError:
            pass
    raise DateError("is not a month (write it as YYYYMM or MMYYYY, such as 202404)")


def _digits_date(text: str) -> date:
    """A date written as digits only: YYYYMMDD, YYYYMM or MMYYYY (a month means its first
    day; 92024 is MMYYYY without its leading zero, September 2024), or an Excel serial
    number (a date cell saved to CSV as a number: 45352). Digits that read both ways
    (21999: February 1999, or the serial for 1960-03-24) are refused, never guessed."""
    if len(text) == 8:
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise DateError("is not a real calendar date (8 digits are read as YYYYMMDD)") from None
    if len(text) == 6:
        readings = {
            date(year, month, 1)
            for year, month in ((int(text[:4]), int(text[4:])), (int(text[2:]), int(text[:2])))
            if 1 <= month <= 12 and EARLIEST.year <= year <= LATEST.year
        }
        if len(readings) == 1:
            return readings.pop()
        if not readings:
            raise DateError("is not a month (6 digits are read as YYYYMM or MMYYYY)")
        raise DateError("could be read as YYYYMM or as MMYYYY: write the date in full")
    serial = int(text)
    latest = years_from(today(), 50)
    last = (latest - _EXCEL_EPOCH).days
    readings = set()
    if EXCEL_SERIAL_FIRST <= serial <= last:
        readings.add(_EXCEL_EPOCH + timedelta(days=serial))
    if len(text) == 5 and text[0] != "0" and 1950 <= int(text[1:]) <= latest.year:
        # MMYYYY whose leading zero a spreadsheet dropped: 92024 is September 2024.
        readings.add(date(int(text[1:]), int(text[0]), 1))
    if len(readings) == 1:
        return readings.pop()
    if readings:
        first, second = sorted(readings)
        raise DateError(
            f"could be the month {text[0]}/{text[1:]} (MMYYYY without its leading zero) or "
            f"the Excel date number for {first if first.day != 1 else second}: write the "
            "date in full"
        )
    raise DateError(
        "is a number, not a date (an Excel date number is read between 18264, 1950-01-01,"
        " and 50 years from today)"
    )
