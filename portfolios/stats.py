"""Portfolio totals (loans, UPB, total debt as of a date, loan purchase prices), exact and cached.

Total debt needs each loan's accrued interest, so it is computed in Python with the
payoff functions (exact Decimal, never SQL floats). The result is cached per portfolio
under its `loans_changed_at` stamp, which every change to its loans moves forward (the
import and the edit services touch it; signals cover single saves and deletes), so a
page showing the totals of 10,000 loans pays for them once per change and per day. (A
deficiency's change moves the stamp too: a liquidated loan counts at what its sale left.)
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache

from noteinvest.money import ZERO
from portfolios.panels import after_sale_fields, freshen_portfolios, owed_after_sale
from portfolios.payoff import payoff

PAYOFF_FIELDS = (
    "upb", "note_rate", "paid_to_date", "day_count", "fees", "costs", "escrow_advances", "suspense",
    "deferred_principal",  # part of the UPB, bearing no interest
)  # fmt: skip


@dataclass(frozen=True)
class LoanTotals:
    count: int
    upb: Decimal
    total_debt: Decimal
    purchase_price: Decimal

    def __add__(self, other: "LoanTotals") -> "LoanTotals":
        return LoanTotals(
            self.count + other.count,
            self.upb + other.upb,
            self.total_debt + other.total_debt,
            self.purchase_price + other.purchase_price,
        )


EMPTY = LoanTotals(0, ZERO, ZERO, ZERO)


class _Row:
    __slots__ = PAYOFF_FIELDS

    def __init__(self, values):
        for name, value in zip(PAYOFF_FIELDS, values, strict=True):
            setattr(self, name, value)


def compute_totals(loans, as_of: date) -> dict[int, LoanTotals]:
    """Totals per portfolio id of the loans in `loans` (a Loan queryset), uncached.

    A liquidated loan counts at what it owes after its sale (portfolios.panels.AFTER_SALE:
    the deficiency outstanding, 0 when barred, extinguished or closed), read in the same
    query, not at its pre-sale payoff."""
    sums: dict[int, LoanTotals] = {}
    n = len(PAYOFF_FIELDS)
    extra = after_sale_fields()
    fields = (*PAYOFF_FIELDS, "purchase_price", "portfolio_id", *extra)
    for values in loans.order_by().values_list(*fields).iterator(chunk_size=2000):
        row = _Row(values[:n])
        debt = owed_after_sale(dict(zip(extra, values[n + 2 :], strict=True)), as_of)
        if debt is None:
            debt = payoff(row, as_of).total
        one = LoanTotals(1, row.upb, debt, values[n] or ZERO)
        sums[values[n + 1]] = sums.get(values[n + 1], EMPTY) + one
    return sums


def _key(portfolio, as_of: date) -> str:
    stamp = portfolio.loans_changed_at.isoformat() if portfolio.loans_changed_at else "-"
    return f"portfolio-totals:{portfolio.pk}:{stamp}:{as_of.isoformat()}"


def portfolio_totals(portfolios, as_of: date) -> dict[int, LoanTotals]:
    """Totals for each portfolio (by pk); cached, computed in one query for those missing."""
    from portfolios.models import Loan, Portfolio

    portfolios = list(portfolios)
    changed = freshen_portfolios([p.pk for p in portfolios], as_of)
    if changed:  # their loans' figures moved: read their new stamps
        stamps = dict(
            Portfolio.objects.filter(pk__in=changed).values_list("pk", "loans_changed_at")
        )
        for p in portfolios:
            if p.pk in stamps:
                p.loans_changed_at = stamps[p.pk]
    keys = {p.pk: _key(p, as_of) for p in portfolios}
    found = cache.get_many(list(keys.values()))
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in result]
    if missing:
        computed = compute_totals(Loan.objects.filter(portfolio_id__in=missing), as_of)
        fresh = {pk: computed.get(pk, EMPTY) for pk in missing}
        cache.set_many({keys[pk]: totals for pk, totals in fresh.items()}, timeout=6 * 3600)
        result.update(fresh)
    return result


def grand_total(totals: dict[int, LoanTotals]) -> LoanTotals:
    return sum(totals.values(), EMPTY)
