"""Amounts and dates as an agreement writes them: words and figures, long dates."""

from datetime import date
from decimal import Decimal

from num2words import num2words

from noteinvest.money import format_money, round_cents


def amount_in_words(value) -> str:
    """An amount as an agreement spells it: '... Fifty and 05/100 Dollars'."""
    amount = round_cents(Decimal(str(value)) if not isinstance(value, Decimal) else value)
    dollars = int(amount)
    cents = int((amount - dollars) * 100)
    words = num2words(dollars, lang="en").replace(" and ", " ").replace(",", "")
    return f"{words.title()} and {cents:02d}/100 Dollars"


def words_and_figures(value) -> str:
    """'One Thousand and 00/100 Dollars ($1,000.00)'."""
    return f"{amount_in_words(value)} ({format_money(value)})"


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
