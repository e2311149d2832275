"""Filters for the agreement documents."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def css_string(value) -> str:
    """Text made safe inside a CSS double-quoted string: every character that could end
    the string, the rule or the <style> element is written as a CSS hex escape."""
    out = []
    for ch in str(value):
        if ch.isalnum() or ch in " -_.,#/()":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return mark_safe("".join(out))  # noqa: S308 - every other character is escaped above
