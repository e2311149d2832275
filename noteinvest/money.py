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

# The one spelling of an amount that forms and tapes accept: ASCII digits, grouped by commas
# in threes or not at all, up to two decimals after a leading digit. Anything else (1_000,
# 1e3, .5, full-width or Arabic-Indic digits, 1 000) is refused rather than guessed at.
_AMOUNT_SHAPE = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?", re.ASCII)


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

    Accepted: optional '$' (a space may follow it), ASCII digits with or without comma
    thousands separators in groups of three, up to two decimals; a leading '-' or
    parentheses mean a negative amount. Everything else is refused with a message that
    says why; more than two decimals is an error, never rounded.
    """
    if text is None:
        raise MoneyError("An amount is required.")
    raw = str(text).strip()
    if not raw:
        raise MoneyError("An amount is required.")
    negative = raw.startswith("(") and raw.endswith(")")
    if negative:
        raw = raw[1:-1].strip()
    if raw.startswith("-"):
        if negative:
            raise MoneyError(f"{text!r} is not an amount of money.")
        negative = True
        raw = raw[1:].strip()
    if raw.startswith("$"):
        raw = raw[1:].lstrip(" ")
    if not raw:
        raise MoneyError("An amount is required.")
    if not _AMOUNT_SHAPE.fullmatch(raw):
        raise MoneyError(
            f"{text!r} is not an amount of money: use digits, optionally with a $ sign, "
            "commas between thousands and up to two decimals, e.g. $1,234.50."
        )
    whole, _, cents = raw.partition(".")
    if len(cents) > 2:
        raise MoneyError(f"{text!r} has more than two decimal places.")
    amount = Decimal(whole.replace(",", "") + ("." + cents if cents else ""))
    if negative:
        amount = -amount
    if amount < 0 and not allow_negative:
        raise MoneyError(f"{text!r} is negative.")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{text!r} is larger than {format_money(MAX_AMOUNT)}.")
    return amount.quantize(CENT)


def check_fits(amount, label: str = "The amount") -> Decimal:
    """Refuse a computed amount that the database's 14-digit money columns cannot store.

    Call it on every computed figure before it is saved; the message names the figure.
    """
    value = to_decimal(amount)
    if not value.is_finite() or abs(round_cents(value)) > MAX_AMOUNT:
        raise MoneyError(
            f"{label} would be {format_money(value) if value.is_finite() else value}, "
            f"beyond the largest amount this app stores ({format_money(MAX_AMOUNT)}). "
            "Check the figures it is computed from."
        )
    return value


def format_money(value, *, symbol: str = "$") -> str:
    """'$1,234.57' for Decimal('1234.565'); negatives as '-$12.00'."""
    if value is None or value == "":
        return ""
    amount = round_cents(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"


def format_deduction(value, *, symbol: str = "$") -> str:
    """An amount taken off a total, as '−$12.00' (a true minus sign). One that rounds to
    zero is '$0.00', never '−$0.00'; a negative one adds, '+$12.00'."""
    if value is None or value == "":
        return ""
    amount = round_cents(value)
    text = format_money(abs(amount), symbol=symbol)
    if amount == 0:
        return text
    return ("\u2212" if amount > 0 else "+") + text


def non_negative():
    """Validators for an amount that may not be below zero (forms show the message)."""
    from django.core.validators import MinValueValidator

    return [MinValueValidator(ZERO, "Enter an amount of zero or more.")]


def money_field(verbose_name=None, **kwargs):
    """A DecimalField for money: 14 digits, 2 decimals, never negative."""
    from django.db import models

    kwargs.setdefault("validators", non_negative())
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)
