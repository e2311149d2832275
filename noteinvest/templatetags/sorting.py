"""Sortable column headers for every list: {% sort_link "upb" "UPB" %} (noteinvest.sorting).

Reads `sort` (the current order, "-" first when descending) and `sort_query` (the other
query parameters, urlencoded) from the page's context. A tag rather than an included
template: a table has several of them on every view.
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str) -> str:
    """The header's link: sorts by `key`, or the other way when it is the current order."""
    sort, query = context.get("sort"), context.get("sort_query")
    prefix = f"?{query}&" if query else "?"
    if sort == key:
        return format_html(
            '<a class="sort-link active" href="{}sort=-{}" aria-label="{}, sorted ascending; '
            'sort descending">{} <span aria-hidden="true">▲</span></a>',
            prefix, key, label, label,
        )  # fmt: skip
    if sort == f"-{key}":
        return format_html(
            '<a class="sort-link active" href="{}sort={}" aria-label="{}, sorted descending; '
            'sort ascending">{} <span aria-hidden="true">▼</span></a>',
            prefix, key, label, label,
        )  # fmt: skip
    return format_html('<a class="sort-link" href="{}sort={}">{}</a>', prefix, key, label)
