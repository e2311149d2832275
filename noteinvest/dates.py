"""Plausible date ranges: every date a user or a tape gives is checked against one.

A date outside its field's range is refused with a message naming the range, so a typo
like 0202-03-01 or 9999-12-31 never reaches a calculation, a PDF or a calendar feed.
Each field picks a range here; docs/input-limits.md lists them per field.

Ranges are relative to today where that is what makes a date plausible (a payment
cannot be recorded for next year), and fixed otherwise. Every range lies inside
EARLIEST..LATEST, which is what the app can compute with safely (adding 30 years to a
deadline, printing a date in a PDF).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

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
