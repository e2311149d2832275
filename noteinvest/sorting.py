"""Lists sorted by their columns, the order and the filters kept in the URL.

    ordered, sorting = sort_by(request, queryset, COLUMNS, default="-debt_as_of")
    render(..., {**sorting, ...})        # then {% load sorting %}{% sort_link "upb" "UPB" %}

COLUMNS: {key in ?sort=: (order_by expressions, ascending)}. `?sort=key` sorts ascending,
`?sort=-key` descending; an unknown key is the default order (a hand-edited URL is not an
error). The primary key breaks ties, so a page boundary never repeats or skips a row.
`sort_query` is the rest of the query (filters), without the page: sorting starts again at
page 1 and keeps the filters.
"""

from django.db.models import F, QuerySet


def chosen_sort(request, columns, default: str | None) -> str:
    """The ?sort= of the request when it names a column, else `default` ("" for none)."""
    raw = request.GET.get("sort", "")
    if raw.lstrip("-") in columns and raw.count("-") <= 1:
        return raw
    return default or ""


def sort_context(request, sort: str) -> dict:
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("page", None)
    return {"sort": sort, "sort_query": query.urlencode()}


def sort_by(
    request, queryset: QuerySet, columns: dict[str, tuple[str, ...]], default: str | None = None
) -> tuple[QuerySet, dict]:
    """`queryset` in the order the request asks for; and the context sort_link reads."""
    sort = chosen_sort(request, columns, default)
    if sort:
        descending = sort.startswith("-")
        order = [
            F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
            for field in columns[sort.lstrip("-")]
        ]
        queryset = queryset.order_by(*order, "-pk" if descending else "pk")
    return queryset, sort_context(request, sort)


def sort_rows(request, rows: list, columns: dict, default: str | None = None):
    """The same for rows built in Python: COLUMNS {key: function(row) -> sort value}. None
    values sort last either way."""
    sort = chosen_sort(request, columns, default)
    if sort:
        key = columns[sort.lstrip("-")]
        descending = sort.startswith("-")
        present = [r for r in rows if key(r) is not None]
        missing = [r for r in rows if key(r) is None]
        rows = sorted(present, key=key, reverse=descending) + missing
    return rows, sort_context(request, sort)
