"""Portfolio totals (loans, UPB, total debt as of a date, loan purchase prices), exact and cached.

Total debt needs each loan's accrued interest, so it is computed in Python with the
payoff functions (exact Decimal, never SQL floats). The result is cached per portfolio
under its `loans_changed_at` stamp, which every change to its loans moves forward (the
import and the edit services touch it; signals cover single saves and deletes), so a
page showing the totals of 10,000 loans pays for them once per change and per day. (A
deficiency's change moves the stamp too: a liquidated loan counts at what its sale left.)

Computing them costs about 16 microseconds a loan (1.6 s for 100,000), too long for a page.
When the totals for the current stamp and day are missing, a page therefore shows the last
totals computed for the portfolio (kept under a key without the stamp, with the time they
were computed) and queues one background refresh (portfolios.tasks.refresh_totals) per
portfolio, stamp and day. With no last totals at all (a new portfolio, an emptied cache),
a portfolio of at most SYNC_LOANS loans is computed in the request (a bounded count decides);
a larger one shows its totals as being computed. Under the immediate task backend (tests,
DJANGO_TASKS=immediate) the refresh runs as it is queued, and the page shows its figures.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from noteinvest.money import ZERO
from portfolios.panels import (
    after_sale_fields,
    freshen_markers,
    freshen_portfolios,
    owed_after_sale,
)
from portfolios.payoff import payoff

PAYOFF_FIELDS = (
    "upb", "note_rate", "paid_to_date", "day_count", "fees", "costs", "escrow_advances", "suspense",
    "deferred_principal",  # part of the UPB, bearing no interest
)  # fmt: skip

TIMEOUT = 6 * 3600  # the totals of one stamp and day
LAST_TIMEOUT = 30 * 24 * 3600  # the last totals of a portfolio, shown while new ones are computed
QUEUED_TIMEOUT = 10 * 60  # a queued refresh stops another for the same totals this long
SYNC_LOANS = 2_000  # at most this many loans (about 30 ms) are computed in a page request


@dataclass(frozen=True)
class LoanTotals:
    count: int
    upb: Decimal
    total_debt: Decimal
    purchase_price: Decimal
    # Set on the last totals computed, shown while the current ones are computed in the
    # background: when they were computed (the loans as they were then).
    computed_at: datetime | None = None
    # No totals computed yet: they are being computed (the figures are zero meanwhile).
    pending: bool = False

    def __add__(self, other: "LoanTotals") -> "LoanTotals":
        times = [t for t in (self.computed_at, other.computed_at) if t is not None]
        return LoanTotals(
            self.count + other.count,
            self.upb + other.upb,
            self.total_debt + other.total_debt,
            self.purchase_price + other.purchase_price,
            computed_at=min(times) if times else None,  # the oldest figures in the sum
            pending=self.pending or other.pending,
        )

    @property
    def current(self) -> bool:
        return self.computed_at is None and not self.pending

    @property
    def has_figures(self) -> bool:
        """False when none of the figures are known yet (shown as a dash, not as zero)."""
        return not self.pending or self.count > 0


EMPTY = LoanTotals(0, ZERO, ZERO, ZERO)
PENDING = replace(EMPTY, pending=True)


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
    sums: dict[int, list] = {}  # portfolio id -> [count, upb, total debt, purchase price]
    n = len(PAYOFF_FIELDS)
    extra = after_sale_fields()
    fields = (*PAYOFF_FIELDS, "purchase_price", "portfolio_id", *extra)
    for values in loans.order_by().values_list(*fields).iterator(chunk_size=2000):
        row = _Row(values[:n])
        debt = owed_after_sale(dict(zip(extra, values[n + 2 :], strict=True)), as_of)
        if debt is None:
            debt = payoff(row, as_of).total
        one = sums.get(values[n + 1])
        if one is None:
            one = sums[values[n + 1]] = [0, ZERO, ZERO, ZERO]
        one[0] += 1
        one[1] += row.upb
        one[2] += debt
        one[3] += values[n] or ZERO
    return {pk: LoanTotals(*one) for pk, one in sums.items()}


def _stamp(portfolio) -> str:
    return portfolio.loans_changed_at.isoformat() if portfolio.loans_changed_at else "-"


def _totals_key(pk: int, stamp: str, as_of: date) -> str:
    return f"portfolio-totals:{pk}:{stamp}:{as_of.isoformat()}"


def _key(portfolio, as_of: date) -> str:
    return _totals_key(portfolio.pk, _stamp(portfolio), as_of)


def _last_key(pk: int) -> str:
    return f"portfolio-totals-last:{pk}"


def _queued_key(pk: int, stamp: str, as_of: date) -> str:
    return f"portfolio-totals-queued:{pk}:{stamp}:{as_of.isoformat()}"


def store_totals(stamps: dict[int, str], as_of: date) -> dict[int, LoanTotals]:
    """Compute the totals of these portfolios (pk -> the stamp read before) in one query and
    cache them under their stamps, and as each one's last totals."""
    from portfolios.models import Loan

    started = timezone.now()  # the figures are those of the loans as they were then
    # An archived loan is kept for the record, never counted (portfolios.corrections).
    computed = compute_totals(Loan.objects.active().filter(portfolio_id__in=list(stamps)), as_of)
    fresh = {pk: computed.get(pk, EMPTY) for pk in stamps}
    cache.set_many(
        {_totals_key(pk, stamps[pk], as_of): totals for pk, totals in fresh.items()},
        timeout=TIMEOUT,
    )
    cache.set_many(
        {_last_key(pk): (started, totals) for pk, totals in fresh.items()}, timeout=LAST_TIMEOUT
    )
    return fresh


def refresh_totals(pk: int, stamp: str, as_of: date) -> bool:
    """The background refresh: compute and cache one portfolio's totals for `stamp` and
    `as_of`, unless another worker already did. Returns whether it computed them."""
    if cache.get(_totals_key(pk, stamp, as_of)) is not None:
        return False
    store_totals({pk: stamp}, as_of)
    return True


def _queue_refresh(stamps: dict[int, str], as_of: date) -> set[int]:
    """Queue one refresh per portfolio, stamp and day (a page viewed again meanwhile queues
    none). Returns the portfolios whose refresh already ran (the immediate backend)."""
    from django.tasks import TaskResultStatus

    from portfolios.tasks import refresh_totals as refresh_task

    done = set()
    for pk, stamp in stamps.items():
        if not cache.add(_queued_key(pk, stamp, as_of), True, timeout=QUEUED_TIMEOUT):
            continue
        result = refresh_task.enqueue(pk, stamp, as_of.isoformat())
        if result.status == TaskResultStatus.SUCCESSFUL:
            done.add(pk)
    return done


def portfolio_totals(portfolios, as_of: date) -> dict[int, LoanTotals]:
    """Totals for each portfolio (by pk): the current ones when cached; otherwise the last
    ones computed (`computed_at` set) or none yet (`pending`), a refresh being queued; a
    small portfolio never computed before is computed at once."""
    from portfolios.models import Loan, Portfolio

    portfolios = list(portfolios)
    ids = [p.pk for p in portfolios]

    def read():
        stamps = {p.pk: _stamp(p) for p in portfolios}
        keys = {pk: _totals_key(pk, stamp, as_of) for pk, stamp in stamps.items()}
        # The last totals come in the same read: a miss costs no second round trip; so do
        # the markers saying the day's re-assessment was done (portfolios.panels.freshen).
        markers = freshen_markers(ids, as_of) or []
        return stamps, keys, cache.get_many([*markers, *keys.values(), *map(_last_key, keys)])

    stamps, keys, found = read()
    changed = freshen_portfolios(ids, as_of, found=found)
    if changed:  # their loans' figures moved: read their new stamps, and the totals again
        moved = dict(Portfolio.objects.filter(pk__in=changed).values_list("pk", "loans_changed_at"))
        for p in portfolios:
            if p.pk in moved:
                p.loans_changed_at = moved[p.pk]
        stamps, keys, found = read()
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in result]
    if not missing:
        return result
    never = [pk for pk in missing if _last_key(pk) not in found]
    # Never computed and small (a bounded count: it reads at most SYNC_LOANS + 1 index
    # entries, unordered: the loans' default order would sort them all first).
    loans = Loan.objects.active().filter(portfolio_id__in=never).order_by()
    if never and loans[: SYNC_LOANS + 1].count() <= SYNC_LOANS:
        result.update(store_totals({pk: stamps[pk] for pk in never}, as_of))
        missing = [pk for pk in missing if pk not in result]
    ran = _queue_refresh({pk: stamps[pk] for pk in missing}, as_of)
    if ran:
        computed = cache.get_many([keys[pk] for pk in ran])
        result.update({pk: computed[keys[pk]] for pk in ran if keys[pk] in computed})
    for pk in missing:
        if pk not in result:
            last = found.get(_last_key(pk))
            result[pk] = replace(last[1], computed_at=last[0]) if last else PENDING
    return result


def grand_total(totals: dict[int, LoanTotals]) -> LoanTotals:
    return sum(totals.values(), EMPTY)
