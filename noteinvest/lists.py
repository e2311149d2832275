"""A list's first rows and how many there are in all, for pages that show a few of many."""


def first_rows(queryset, n: int) -> tuple[list, int]:
    """The first `n` rows of `queryset` (ordered) and the count of all its rows: one query
    when there are no more than `n` (it reads n + 1), a COUNT besides only when there are."""
    rows = list(queryset[: n + 1])
    total = len(rows) if len(rows) <= n else queryset.count()
    return rows[:n], total
