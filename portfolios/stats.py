"""Totals over many loans (count, UPB, total debt as of a date), exact and cached.

Total debt needs each loan's accrued interest, so it is computed in Python with the
payoff functions (exact Decimal, no SQL floats). The result is cached under a
fingerprint of the loans (count and latest change), so a page that shows the totals
of 10,000 loans pays for them once per change and per day, not on every request.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Count, Max, QuerySet

from noteinvest.money import ZERO
from portfolios.payoff import payoff

PAYOFF_FIELDS = (
    "upb", "note_rate", "paid_to_date", "day_count", "fees", "costs", "escrow_advances", "suspense",
)  # fmt: skip


@dataclass(frozen=True)
class LoanTotals:
    count: int
    upb: Decimal
    total_debt: Decimal
    purchase_price: Decimal


class _Row:
    __slots__ = PAYOFF_FIELDS

    def __init__(self, values):
        for name, value in zip(PAYOFF_FIELDS, values, strict=True):
            setattr(self, name, value)


def _compute(loans: QuerySet, as_of: date, group_by: str | None) -> dict:
    fields = (*PAYOFF_FIELDS, "purchase_price") + ((group_by,) if group_by else ())
    sums: dict = {}
    for values in loans.order_by().values_list(*fields).iterator(chunk_size=2000):
        key = values[-1] if group_by else None
        count, upb, debt, price = sums.get(key, (0, ZERO, ZERO, ZERO))
        row = _Row(values[: len(PAYOFF_FIELDS)])
        sums[key] = (
            count + 1,
            upb + row.upb,
            debt + payoff(row, as_of).total,
            price + (values[len(PAYOFF_FIELDS)] or ZERO),
        )
    return {k: LoanTotals(*v) for k, v in sums.items()}


def _cached(loans: QuerySet, as_of: date, group_by: str | None) -> dict:
    try:
        sql, params = loans.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # e.g. filtered on an empty list of portfolios
        return {}
    print_ = loans.order_by().aggregate(n=Count("pk"), changed=Max("updated_at"))
    changed = print_["changed"].isoformat() if print_["changed"] else ""
    fingerprint = f"{sql}|{params}|{group_by}|{as_of.isoformat()}|{print_['n']}|{changed}"
    key = "loan-totals:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _compute(loans, as_of, group_by)
        cache.set(key, found, timeout=6 * 3600)
    return found


EMPTY = LoanTotals(0, ZERO, ZERO, ZERO)


def loan_totals(loans: QuerySet, as_of: date) -> LoanTotals:
    """Count, UPB, total debt as of `as_of` and purchase price of `loans`."""
    return _cached(loans, as_of, None).get(None, EMPTY)


def loan_totals_by(loans: QuerySet, as_of: date, field: str) -> dict:
    """The same totals per value of `field` (e.g. "portfolio_id")."""
    return _cached(loans, as_of, field)
