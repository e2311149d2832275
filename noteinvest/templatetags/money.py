"""Template filters for money: {{ amount|money }}, and {{ suspense|less }} for an amount
taken off a total."""

from django import template

from noteinvest.money import format_deduction, format_money

register = template.Library()


@register.filter
def money(value):
    """Format a Decimal as US dollars, rounded half-up to the cent."""
    try:
        return format_money(value)
    except (TypeError, ValueError):
        return value


@register.filter
def less(value):
    """An amount taken off a total: '−$12.00', and '$0.00' (no minus) when there is none."""
    try:
        return format_deduction(value)
    except (TypeError, ValueError):
        return value


@register.filter
def percent(value):
    """An annual rate as '6.375%' or '8.00%': every significant decimal, at least two."""
    if value is None or value == "":
        return ""
    try:
        text = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    except (TypeError, ValueError):
        return value
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}%"
