"""Template filters for money: {{ amount|money }}."""

from django import template

from noteinvest.money import format_money

register = template.Library()


@register.filter
def money(value):
    """Format a Decimal as US dollars, rounded half-up to the cent."""
    try:
        return format_money(value)
    except (TypeError, ValueError):
        return value
