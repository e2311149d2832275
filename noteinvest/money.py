"""Money helpers: exact Decimal amounts, half-up rounding to the cent, US formatting.

Amounts are Decimal end to end. Round only where a figure is shown or stored as a
result, and only through `round_cents`.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# What fits DecimalField(max_digits=14, decimal_places=2).
MAX_AMOUNT = Decimal("999999999999.99")

_AMOUNT_NOISE = re.compile(r"[\s$,]")


class MoneyError(ValueError):
    """A value that is not a valid amount of money; the message says why."""


def to_decimal(value) -> Decimal:
    """Convert an int, str or Decimal to Decimal exactly; floats are refused."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"Money must not be a {type(value).__name__}: use Decimal or str.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise MoneyError(f"{value!r} is not a number.") from exc
    raise TypeError(f"Cannot use {type(value).__name__} as money.")


def round_cents(value) -> Decimal:
    """Round half-up to the cent: 0.005 -> 0.01, -0.005 -> -0.01."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str, *, allow_negative: bool = False) -> Decimal:
    """Parse a typed or imported amount such as '$1,234.50' exactly.

    Dollar signs, thousands separators and spaces are ignored; parentheses mean a
    negative amount. More than two decimals is an error, never rounded.
    """
    if text is None:
        raise MoneyError("An amount is required.")
    raw = str(text).strip()
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1]
    cleaned = _AMOUNT_NOISE.sub("", raw)
    if cleaned.startswith("-"):
        if negative:
            raise MoneyError(f"{text!r} is not an amount of money.")
        negative = True
        cleaned = cleaned[1:]
    if not cleaned:
        raise MoneyError("An amount is required.")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", cleaned):
        raise MoneyError(f"{text!r} is not an amount of money.")
    amount = Decimal(cleaned)
    if amount.as_tuple().exponent < -2:
        raise MoneyError(f"{text!r} has more than two decimal places.")
    if negative:
        amount = -amount
    if amount < 0 and not allow_negative:
        raise MoneyError(f"{text!r} is negative.")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{text!r} is larger than {format_money(MAX_AMOUNT)}.")
    return amount.quantize(CENT)


def format_money(value, *, symbol: str = "$") -> str:
    """'$1,234.57' for Decimal('1234.565'); negatives as '-$12.00'."""
    if value is None or value == "":
        return ""
    amount = round_cents(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def non_negative():
    """Validators for an amount that may not be below zero (forms show the message)."""
    from django.core.validators import MinValueValidator

    return [MinValueValidator(ZERO, "Enter an amount of zero or more.")]


def money_field(verbose_name=None, **kwargs):
    """A DecimalField for money: 14 digits, 2 decimals, never negative."""
    from django.db import models

    kwargs.setdefault("validators", non_negative())
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)
